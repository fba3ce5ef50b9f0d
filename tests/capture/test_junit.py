"""`custsync scenario run ... --junit-xml FILE`: what a CI server shows of a scenario run."""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET

from testbed.bundled import mock_environment
from tui.cli import main
from tui.exit_codes import EXIT_FAILURES

PASSING = """\
title: One linked customer
lesson: The stored id wins.
given:
  netsuite:
    customers: [{id: 101, companyname: Acme, email: ap@acme.test, stripe_customer_id: cus_A}]
  stripe:
    customers: [{id: cus_A, email: ap@acme.test, name: Acme}]
steps:
  - sync: 101
    dry_run: true
    expect: {rule: R1}
then:
  netsuite: {101: {stripe_customer_id: cus_A}}
"""

FAILING = """\
title: A shared mailbox, expected wrongly
lesson: Two candidates mean a person decides.
given:
  netsuite:
    customers: [{id: 201, companyname: Two Co, email: ap@two.test}]
  stripe:
    customers: [{id: cus_1, email: ap@two.test}, {id: cus_2, email: AP@two.test}]
steps:
  - sync: 201
    dry_run: true
    expect: {rule: R1, action: use-linked}
  - sync: 201
    expect: {rule: R3}
"""


def test_junit_xml_has_a_case_per_step_and_failures_with_expected_actual_and_trace(replay, tmp_path, monkeypatch,
                                                                                    capsys):
    for name, value in mock_environment(replay.config).items():
        monkeypatch.setenv(name, value)
    good, bad = tmp_path / "linked.yaml", tmp_path / "shared.yaml"
    good.write_text(PASSING, encoding="utf-8")
    bad.write_text(FAILING, encoding="utf-8")
    out = tmp_path / "junit.xml"
    # --replace: these mocks are the test's own (scenario run refuses others' mocks without it)
    assert main(["scenario", "run", str(good), str(bad), "--replace", "--junit-xml", str(out)]) == EXIT_FAILURES
    capsys.readouterr()

    root = ET.parse(out).getroot()
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "1", "0")
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) == {"linked", "shared"}
    assert [c.get("name") for c in suites["linked"].iter("testcase")] == ["step 1: sync 101 (dry run)", "then"]
    cases = {c.get("name"): c for c in suites["shared"].iter("testcase")}
    assert list(cases) == ["step 1: sync 201 (dry run)", "step 2: sync 201"]
    assert all(c.get("classname") == "scenarios.shared" for c in cases.values())
    failure = cases["step 1: sync 201 (dry run)"].find("failure")
    assert failure is not None
    text = failure.text or ""
    assert "rule: expected 'R1', actual 'R3'" in text and "action: expected 'use-linked', actual 'ask'" in text
    assert "candidates: cus_1, cus_2" in text and "trace: R3" in text  # the decision trace
    assert "rule: expected 'R1'" in failure.get("message", "")
    assert cases["step 2: sync 201"].find("failure") is None  # the second step passed on its own


def test_a_missing_report_folder_is_refused_before_running(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text(textwrap.dedent(PASSING), encoding="utf-8")
    assert main(["scenario", "run", str(path), "--junit-xml", str(tmp_path / "no" / "j.xml")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_a_step_that_could_not_run_is_an_error_and_the_rest_are_skipped(tmp_path):
    from testbed.junit import junit_xml
    from testbed.scenario_load import load_scenario
    from testbed.scenario_report import ScenarioReport, StepReport

    path = tmp_path / "shared.yaml"
    path.write_text(FAILING.replace("steps:\n", "steps:\n  - activate_portal:\n") + "then:\n  counts: {stripe_customers: 2}\n",
                    encoding="utf-8")
    loaded = load_scenario(path)
    report = ScenarioReport("shared", "t", str(path), [])
    report.steps.append(StepReport(1, "activate_portal", "activate_portal", error="Stripe mock unreachable"))
    root = ET.fromstring(junit_xml([(loaded, report)]))
    cases = list(root.iter("testcase"))
    assert [c.get("name") for c in cases] == ["step 1: activate_portal", "step 2: sync 201 (dry run)",
                                              "step 3: sync 201", "then"]
    assert cases[0].find("error").get("message") == "Stripe mock unreachable"
    assert all(c.find("skipped") is not None for c in cases[1:])
    assert (root.get("tests"), root.get("errors"), root.get("skipped")) == ("4", "1", "3")
