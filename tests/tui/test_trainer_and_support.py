"""Issue 16, support and training: scenarios in course order, F4 jumps from a rule to its scenarios, the
lessons completed this session, a scenario opened from any path, the mocks saved as a new scenario."""

from __future__ import annotations

import shutil

import yaml
from textual.widgets import Checkbox, DataTable, Input

from testbed.scenario_load import load_scenario, resolve
from tests.support.tui_helpers import confirm, settle, text_of, type_path, wait_for
from tui.screens.scenarios import ScenariosScreen
from tui.widgets.path_prompt import PathPrompt


def listed(app) -> list[tuple[str, str]]:
    table = app.screen.query_one("#scenario-list", DataTable)
    return [(str(table.get_row_at(i)[1]), str(table.get_row_at(i)[2])) for i in range(table.row_count)]


async def test_course_order_and_lessons_completed(app_for):
    app = app_for()
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        await pilot.press("f5")
        await settle(app, pilot)
        names = [name for name, _ in listed(app)]
        # Issue 24: plain R1, plain R3, R4, R2, the R3 decision, the email change and rematch, then the portal
        # with the inactive configuration first, then the edges.
        assert names[:5] == ["lookup-priority", "first-sync", "missing-email", "stale-link", "shared-email"]
        assert names.index("email-change") < names.index("rematch") < names.index("inactive-portal")
        portal = [n for n in names if n in ("inactive-portal", "deployment-not-released", "tampered-portal-link")]
        assert portal[0] == "inactive-portal"
        assert names.index("tampered-portal-link") < names.index("email-case-one-mailbox")
        assert "0 completed this session" in text_of(app, "#scenarios-status")

        table = app.screen.query_one("#scenario-list", DataTable)
        table.move_cursor(row=table.get_row_index("shared-email"))
        await pilot.press("l")
        await confirm(app, pilot)
        await pilot.press("a")
        await settle(app, pilot)
        assert "1 completed this session" in text_of(app, "#scenarios-status")
        assert str(app.screen.query_one("#scenario-list", DataTable).get_row("shared-email")[0]) == "done"
        # the lesson just run stays on screen, with its results
        assert "shared-email" in text_of(app, "#scenario-lesson")
        assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value == "shared-email"


async def test_f4_jumps_from_a_rule_to_its_scenarios(app_for):
    app = app_for()
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        await pilot.press("f4")
        await settle(app, pilot)
        await pilot.press("down", "down")  # R1 -> R3
        assert app.screen.focused.rule_id == "R3"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ScenariosScreen) and listed(app))
        rows = listed(app)
        assert rows and all("R3" in rules.split(",") for _, rules in rows)
        assert "showing R3" in text_of(app, "#scenarios-status")
        await pilot.press("c")
        await pilot.pause()
        assert len(listed(app)) > len(rows)


async def test_open_a_scenario_from_any_path(app_for, tmp_path):
    elsewhere = tmp_path / "from-a-customer.yaml"
    shutil.copy(resolve("shared-email"), elsewhere)
    app = app_for()
    async with app.run_test(size=(160, 45)) as pilot:
        await type_path(app, pilot, "o", elsewhere)
        await wait_for(pilot, lambda: isinstance(app.screen, ScenariosScreen)
                       and "from-a-customer" in [n for n, _ in listed(app)])
        await pilot.press("l")
        await confirm(app, pilot)
        assert "Loaded from-a-customer into both mocks" in text_of(app, "#step-detail")


async def test_save_the_mocks_as_an_anonymized_scenario(app_for, tmp_path, mocks):
    target = tmp_path / "captured.yaml"
    app = app_for()
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        await pilot.press("f5")
        await settle(app, pilot)
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, PathPrompt))
        assert app.screen.query_one("#anonymize", Checkbox).value is True
        app.screen.query_one("#path", Input).value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, lambda: target.exists() and "captured" in [n for n, _ in listed(app)])
    loaded = load_scenario(target)
    real_names = {c.get("companyName") for c in mocks.netsuite.control.state()["customers"]}
    saved = yaml.safe_load(target.read_text())["given"]["netsuite"]["customers"]
    assert len(saved) == 40 and loaded.name == "captured"
    assert not real_names & {c.get("companyname") for c in saved}  # anonymized
