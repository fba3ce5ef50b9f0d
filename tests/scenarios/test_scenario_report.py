"""A wrong expectation fails, and the report shows expected and actual."""

from __future__ import annotations

from rich.console import Console

from testbed.scenario_load import load_scenario
from tui.scenario_commands import print_report

WRONG = """
title: A deliberately wrong scenario
lesson: The customer is linked, so R1 fires, not R3.
given:
  netsuite:
    customers:
      - {id: 101, companyname: Acme, email: a@acme.test, stripe_customer_id: cus_A}
  stripe:
    customers:
      - {id: cus_A, email: a@acme.test, name: Acme}
steps:
  - sync: 101
    expect: {rule: R3, action: link-existing, status: ok}
then:
  stripe:
    cus_A: {email: b@acme.test}
"""


def test_wrong_expectation_reports_expected_and_actual(write_scenario, runner):
    report = runner.run(load_scenario(write_scenario("wrong", WRONG)))
    assert not report.ok
    step = report.steps[0]
    assert step.rule == "R1" and "R1" in step.happened
    failed = {c.what: (c.expected, c.actual) for c in step.checks if not c.ok}
    assert failed == {"rule": ("R3", "R1"), "action": ("link-existing", "update")}
    assert [c.what for c in step.checks if c.ok] == ["status"]
    assert report.failures() == [
        "step 1 (sync 101): rule: expected 'R3', actual 'R1'",
        "step 1 (sync 101): action: expected 'link-existing', actual 'update'",
        "then: stripe cus_A email: expected 'b@acme.test', actual 'a@acme.test'",
    ]
    console = Console(record=True, width=200)
    print_report(console, report)
    text = console.export_text()
    assert "FAIL  wrong" in text and "expected 'R3', actual 'R1'" in text


def test_step_that_cannot_run_is_refused_when_the_file_loads(write_scenario):
    # Issue 12: a step naming a customer that `given` lacks fails at load time (file and line), not mid-run.
    import pytest

    from testbed.scenario_load import ScenarioFileError

    text = WRONG.replace("  - sync: 101\n    expect: {rule: R3, action: link-existing, status: ok}",
                         "  - clear_stripe_id: 999")
    with pytest.raises(ScenarioFileError) as info:
        load_scenario(write_scenario("missing", text))
    [issue] = info.value.issues
    assert issue.field == "steps[0].clear_stripe_id" and "customer 999 is not in given.netsuite.customers" in issue.message
