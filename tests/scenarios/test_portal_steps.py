"""The portal steps of a scenario file: a wrong expectation fails with expected vs actual, a step that cannot
run says why, and a bad value is refused at load with its line."""

from __future__ import annotations

import pytest

from testbed.scenario_load import ScenarioFileError, load_scenario

GIVEN = """
    title: t
    lesson: l
    given:
      netsuite:
        customers:
          - {id: 11, companyname: A, email: a@a.test, stripe_customer_id: cus_a}
      stripe:
        customers:
          - {id: cus_a, email: a@a.test}
        portal_configuration: none
"""


def test_a_wrong_click_expectation_fails_with_what_the_customer_got(runner, write_scenario):
    path = write_scenario("click", GIVEN + """
    steps:
      - sync: 11
      - open_portal_link: 11
        expect: {portal: ok, new_session: true}
    """)
    report = runner.run(load_scenario(path))
    assert not report.ok
    failures = "\n".join(report.failures())
    assert "not-activated" in failures and "a new Stripe session" in failures


def test_opening_a_link_that_was_never_written_says_so(runner, write_scenario):
    path = write_scenario("nolink", GIVEN + """
    steps:
      - open_portal_link: 11
        expect: {portal: ok}
    """)
    report = runner.run(load_scenario(path))
    assert not report.ok
    assert "has no portal link to open" in "\n".join(report.failures())


def test_an_unknown_click_outcome_is_refused_at_load(write_scenario):
    path = write_scenario("badvalue", GIVEN + """
    steps:
      - open_portal_link: 11
        expect: {portal: clicked}
    """)
    with pytest.raises(ScenarioFileError) as e:
        load_scenario(path)
    assert "badvalue.yaml" in str(e.value) and "portal" in str(e.value)
