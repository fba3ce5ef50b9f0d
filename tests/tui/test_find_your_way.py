"""Issue 24, "find your way": ? in every footer, every key in its footer or the help, Enter opens the row the
screen says it opens, 80x24 shows the Stripe id and the detail's same/differs column, saving into a folder
that does not exist makes it (and a path that cannot be used is said and kept), "Opening" only when a
browser can open, and the demo's duplicate Stripe customers can be told apart."""

from __future__ import annotations

import webbrowser

from textual.widgets import DataTable, Footer, Input

from sync_core.config import DEFAULT_STRIPE_ID_FIELD as STRIPE_ID_FIELD
from testbed import demo
from tests.support.tui_helpers import settle, text_of, type_path, wait_for
from tui.screens.detail import DetailScreen
from tui.screens.help import help_text, screens
from tui.screens.link import LinkScreen
from tui.widgets.path_prompt import PathPrompt


async def test_question_mark_is_in_every_footer_and_fits_80_columns(app_for):
    app = app_for()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        for key in ("f1", "f2", "f3", "f4", "f5"):
            await pilot.press(key)
            await settle(app, pilot)
            await pilot.pause(0.2)
            footer = app.screen.query_one(Footer)
            help_key = [k for k in footer.query("FooterKey") if k.key == "question_mark"]
            assert help_key, f"{key}: no ? in the footer"
            assert help_key[0].region.right <= 80 and help_key[0].region.width > 0, key
        app.push_screen(DetailScreen("1001"))
        await settle(app, pilot)
        await pilot.pause(0.2)
        assert [k for k in app.screen.query_one(Footer).query("FooterKey") if k.key == "question_mark"]


def test_every_key_is_in_its_footer_or_in_the_help():
    text = help_text().plain
    for title, _, bindings in screens():
        for b in bindings:
            assert b.description and b.tooltip, f"{title}: {b.key} has no description or tooltip"
            if not b.show:
                assert f"{b.description}: {b.tooltip}" in text, f"{title}: {b.key} is in neither"


async def test_enter_opens_the_highlighted_row_of_f2_wherever_the_focus_is(app_for):
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("f2", "p")
        await settle(app, pilot)
        assert "Enter opens one" in text_of(app, "#run-title")
        app.screen.set_focus(None)  # nothing focused, as after a click elsewhere: Enter still opens
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
        assert app.screen.internal_id == "1001"
        await settle(app, pilot)


async def test_80x24_shows_the_stripe_id_and_the_detail_s_same_differs_column(app_for):
    app = app_for()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one("#customers", DataTable)
        row = table.render_line(1 + table.get_row_index("1004")).text
        assert "cus_demo1004" in row  # names and emails are cut (…) to make room
        app.push_screen(DetailScreen("1004"))
        await settle(app, pilot)
        await pilot.pause(0.2)
        compare = app.screen.query_one("#compare", DataTable)
        lines = [compare.render_line(y).text for y in range(1, compare.row_count + 1)]
        assert any("differs" in line for line in lines) and any("same" in line for line in lines)


async def test_saving_into_a_folder_that_does_not_exist_makes_it(app_for, tmp_path):
    target = tmp_path / "new" / "folder" / "captured.yaml"
    app = app_for()
    async with app.run_test(size=(160, 45)) as pilot:
        await type_path(app, pilot, "w", target)
        await wait_for(pilot, lambda: target.exists())
        await settle(app, pilot)


async def test_a_path_that_cannot_take_the_file_is_said_and_the_typed_path_kept(app_for, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    typed = str(blocker / "captured.yaml")
    app = app_for()
    async with app.run_test(size=(160, 45)) as pilot:
        await type_path(app, pilot, "w", typed)
        # asked again, saying why, with the path as typed
        await wait_for(pilot, lambda: isinstance(app.screen, PathPrompt) and "is a file, not a folder"
                       in text_of(app, "#path-hint"))
        assert app.screen.query_one("#path", Input).value == typed
        await pilot.press("escape")
        await settle(app, pilot)
    assert blocker.read_text() == "not a folder"


async def test_opening_the_portal_says_so_only_when_a_browser_can_open(app_for, monkeypatch):
    opened: list[str] = []

    def no_browser(*_a, **_k):
        raise webbrowser.Error("could not locate runnable browser")

    monkeypatch.setattr(webbrowser, "get", no_browser)
    app = app_for()
    monkeypatch.setattr(app, "open_url", lambda url, **_k: opened.append(url))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        app.push_screen(DetailScreen("1004"))
        await settle(app, pilot)
        await pilot.press("p")  # writes the portal link
        await settle(app, pilot)
        await pilot.press("o")
        await pilot.pause()
        said = [n.message for n in app._notifications]
        assert any("No browser can be opened from here" in m for m in said)
        assert not any(m.startswith("Opening") for m in said) and opened == []


def test_the_demo_s_duplicate_stripe_customers_can_be_told_apart():
    _, stripe_state = demo.generate(demo.DEMO_CUSTOMERS)
    customers = stripe_state["accounts"][0]["test"]["customers"]
    dups: dict[str, list[dict]] = {}
    for c in customers:
        if "dup" in c["id"]:
            dups.setdefault(c["email"], []).append(c)
    assert dups
    for pair in dups.values():
        first, second = sorted(pair, key=lambda c: c["created"])
        assert first["name"] and second["name"] and first["name"] != second["name"]
        assert second["created"] - first["created"] >= 86400 and (second["created"] - first["created"]) % 3600
        assert first["metadata"] != second["metadata"]
    ns_state, _ = demo.generate(demo.DEMO_CUSTOMERS)
    pointed = {c[STRIPE_ID_FIELD]: c["id"] for c in ns_state["customers"] if "dup" in (c.get(STRIPE_ID_FIELD) or "")}
    assert pointed == {"cus_demo1016dup1": "1017"}  # another NetSuite customer already points at one of them


async def test_the_candidates_show_when_each_was_created_to_the_minute(app_for):
    app = app_for()
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        app.push_screen(DetailScreen("1016"))  # the demo's R3 "ask": two Stripe customers share its email
        await settle(app, pilot)
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, LinkScreen)
                       and app.screen.query_one("#candidates", DataTable).row_count == 2)
        table = app.screen.query_one("#candidates", DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(2)]
        assert rows[0][1] != rows[1][1]  # names
        assert all(r[3].endswith("UTC") and ":" in r[3] for r in rows) and rows[0][3] != rows[1][3]
        assert "created_by=checkout" in rows[0][5] and "created_by=support import" in rows[1][5]
        assert rows[0][4] == "nobody" and rows[1][4] == "1017"  # already linked from the sister record
        await pilot.press("escape")
        await settle(app, pilot)

