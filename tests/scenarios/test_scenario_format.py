"""A bad scenario file is refused with the file, the line and the field."""

from __future__ import annotations

import pytest

from testbed.scenario_load import ScenarioFileError, load_scenario
from testbed.scenario_model import SyncStep

GOOD = """
title: t
lesson: l
given:
  netsuite:
    customers:
      - {id: 101, email: a@b.test}
steps:
  - sync: 101
    expect: {rule: R3}
"""


def issues(path):
    with pytest.raises(ScenarioFileError) as info:
        load_scenario(path)
    return info.value.issues


def test_good_file_loads_with_ids_as_text(write_scenario):
    loaded = load_scenario(write_scenario("good", GOOD))
    assert loaded.name == "good"
    step = loaded.scenario.steps[0]
    assert isinstance(step, SyncStep) and step.sync == "101"


def test_unknown_key_names_file_line_and_field(write_scenario):
    path = write_scenario("unknown", GOOD.replace("expect: {rule: R3}", "expect: {rule: R3}\n    expcet: {}"))
    [issue] = issues(path)
    assert issue.file == str(path) and issue.line == 10
    assert issue.field == "steps[0].expcet"
    assert "unknown key 'expcet'" in issue.message and "expect" in issue.message
    assert str(issue).startswith(f"{path}:10: steps[0].expcet:")


def test_wrong_types_each_get_their_line(write_scenario):
    text = GOOD.replace("{id: 101, email: a@b.test}", "{id: 101, email: a@b.test, isinactive: maybe}")
    text = text.replace("rule: R3", "rule: R42")
    found = {(i.line, i.field) for i in issues(write_scenario("types", text))}
    assert found == {(6, "given.netsuite.customers[0].isinactive"), (9, "steps[0].expect.rule")}


def test_bad_yaml_names_the_line(write_scenario):
    [issue] = issues(write_scenario("yaml", GOOD.replace("  - sync: 101", "  - sync: [101")))
    assert issue.line >= 8 and "not valid YAML" in issue.message


def test_step_without_action_and_missing_title(write_scenario):
    text = GOOD.replace("title: t\n", "").replace("  - sync: 101\n    expect: {rule: R3}", "  - synk: 101")
    found = {(i.line, i.field, i.message.split(":")[0]) for i in issues(write_scenario("noaction", text))}
    assert (1, "title", "required key is missing") in found
    assert any(line == 7 and field == "steps[0]" and "one action" in msg for line, field, msg in found)


def test_config_override_is_checked_by_the_config_model(write_scenario):
    text = GOOD.replace("given:\n", "given:\n  config:\n    sync: {duplicate_email_policy: random}\n")
    [issue] = issues(write_scenario("config", text))
    assert (issue.line, issue.field) == (5, "given.config.sync.duplicate_email_policy")


def test_name_must_match_file(write_scenario):
    [issue] = issues(write_scenario("file-name", "name: other\n" + GOOD))
    assert issue.field == "name" and issue.line == 1


# --- bad input (issue 12): caught at load time, with the file and the line ----------------------------------

@pytest.mark.parametrize("step, line, field", [
    ("  - sync: 999", 8, "steps[0].sync"),
    ("  - portal_link: 999", 8, "steps[0].portal_link"),
    ("  - netsuite_update: {id: 999, email: x@y.test}", 8, "steps[0].netsuite_update.id"),
    ("  - stripe_delete: cus_NOPE", 8, "steps[0].stripe_delete"),
])
def test_step_naming_a_customer_given_lacks_fails_at_load(write_scenario, step, line, field):
    text = GOOD.replace("  - sync: 101\n    expect: {rule: R3}", step)
    [issue] = issues(write_scenario("unknown-customer", text))
    assert (issue.line, issue.field) == (line, field)
    assert "is not in given." in issue.message and str(issue).startswith(f"{issue.file}:{line}:")


@pytest.mark.parametrize("encoding, words", [
    ("utf-16", "UTF-16"), ("utf-8-sig", "byte-order mark"), ("latin-1", "Latin-1"),
])
def test_scenario_in_another_encoding_names_file_and_encoding(tmp_path, encoding, words):
    path = tmp_path / "enc.yaml"
    path.write_bytes(GOOD.replace("title: t", "title: Zürich").encode(encoding))
    [issue] = issues(path)
    assert issue.file == str(path) and words in issue.message and "Save it as UTF-8" in issue.message
