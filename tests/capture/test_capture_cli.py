"""`custsync scenario capture` as a support engineer types it: output, and bad input refused with exit 2 and
nothing written anywhere."""

from __future__ import annotations

import json

import pytest

from testbed.bundled import mock_environment
from tui.cli import main
from tui.exit_codes import EXIT_OK, EXIT_USAGE

from .conftest import comparable, load_source


@pytest.fixture
def account(source, tmp_path, monkeypatch):
    """The source mocks as the configured account (environment only, as a support laptop would have it)."""
    config = load_source(source, tmp_path)
    for name in ("CUSTSYNC_CONFIG", "CUSTSYNC_SECRETS_FILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in mock_environment(config).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CUSTSYNC_SYNC_JOURNAL_PATH", str(config.sync.journal_path))
    return config


def test_capture_prints_the_decision_and_its_cost(account, source, tmp_path, capsys, monkeypatch):
    out = tmp_path / "ticket.yaml"
    assert main(["scenario", "capture", "101", "--out", str(out)]) == EXIT_OK
    printed = capsys.readouterr().out
    assert f"wrote {out} (anonymized): 2 NetSuite and 2 Stripe customers" in printed
    assert "decided now: customer 101: R3 ask (needs-decision), candidates cus_hf_lower, cus_hf_upper" in printed
    assert "NetSuite and" in printed and "Stripe requests (reads only)" in printed
    assert f"custsync scenario run {out}" in printed

    # and the file replays: the same command a ticket's fix check uses, on mocks started for the run (support's
    # environment names the real account, not mocks to replace)
    for name in mock_environment(account):
        monkeypatch.delenv(name, raising=False)
    assert main(["scenario", "run", str(out)]) == EXIT_OK


def test_keep_real_warns_and_json_reports(account, tmp_path, capsys):
    out = tmp_path / "real.yaml"
    assert main(["scenario", "capture", "301", "--out", str(out), "--keep-real", "--json"]) == EXIT_OK
    captured = capsys.readouterr()
    assert "warning: --keep-real" in captured.err and "inside the company" in captured.err
    report = json.loads(captured.out)
    assert report["anonymized"] is False and report["file"] == str(out)
    assert report["expect"]["301"] == {"rule": "R3", "action": "link-existing", "status": "planned",
                                       "stripe_customer_id": "cus_halfway"}
    assert set(report["requests"]) == {"netsuite", "stripe"}


@pytest.mark.parametrize("argv,message", [
    (["999"], "NetSuite has no customer 999"),
    (["601"], "customer 601 has no email and no STRIPE CUSTOMER ID"),
    (["501"], "cus_livemode exists only in live mode, and this Stripe key is a test-mode key"),
    (["12a"], "'12a' is not a NetSuite internal id"),
    (["101", "999"], "NetSuite has no customer 999"),
])
def test_bad_input_exits_2_and_writes_nothing(account, source, tmp_path, capsys, argv, message):
    out = tmp_path / "ticket.yaml"
    before = comparable(source)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert main(["scenario", "capture", *argv, "--out", str(out)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert message in err, err
    assert err.startswith("custsync scenario capture: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == files  # no file, no temporary left behind
    assert comparable(source) == before


def test_an_existing_file_is_refused_unless_forced(account, source, tmp_path, capsys):
    out = tmp_path / "ticket.yaml"
    out.write_text("keep me\n", encoding="utf-8")
    source.netsuite.clear_requests()
    assert main(["scenario", "capture", "101", "--out", str(out)]) == EXIT_USAGE
    assert "exists: choose another name, or add --force" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "keep me\n"
    assert source.netsuite.requests() == []  # refused before anything was read

    assert main(["scenario", "capture", "101", "--out", str(out), "--force"]) == EXIT_OK
    assert out.read_text(encoding="utf-8").startswith("name: ticket")


def test_without_a_configured_account_capture_says_what_to_do(tmp_path, monkeypatch, capsys):
    for name in list(__import__("os").environ):
        if name.startswith("CUSTSYNC_"):
            monkeypatch.delenv(name)
    assert main(["scenario", "capture", "101", "--out", str(tmp_path / "x.yaml")]) == EXIT_USAGE
    assert "--config FILE" in capsys.readouterr().err
    assert not (tmp_path / "x.yaml").exists()
