"""A snapshot of the rules screen (stable text), and `custsync` with no command opening the TUI."""

from __future__ import annotations

from tests.support.tui_helpers import quiet
from tui import cli


def test_rules_screen_snapshot(snap_compare, app_for):
    async def show_rules(pilot):
        await pilot.app.workers.wait_for_complete()
        await pilot.press("f4")
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()  # the scenarios that show each rule
        await pilot.pause()
        await quiet(pilot)  # the header's accounts and ports, steady

    assert snap_compare(app_for(), terminal_size=(120, 40), run_before=show_rules)


def test_no_command_opens_the_tui(monkeypatch):
    opened = []

    class FakeApp:
        def run(self):
            opened.append(True)

    monkeypatch.setattr("tui.app.make_app", lambda config, engine_factory=None, **_: FakeApp())
    monkeypatch.setattr(cli, "interactive", lambda: True)  # a person at a terminal
    assert cli.main([]) == cli.EXIT_OK
    assert opened == [True]


def test_help_still_prints_help(capsys):
    import pytest

    with pytest.raises(SystemExit) as exc:
        cli.main(["--help"])
    assert exc.value.code == 0
    assert "usage: custsync" in capsys.readouterr().out
