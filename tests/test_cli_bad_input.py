"""Bad input to the CLI gets a clear error and exit 2, before any service is contacted; nothing is written."""

import os
import socket
import subprocess
import sys

import pytest

from sync_core.netsuite.auth import TokenAuth
from sync_core.netsuite.client import NetSuiteClient
from sync_core.rules.ids import InvalidInternalId
from sync_core.run.journal import Journal
from tests.support.cli import custsync

ENV = {k: v for k, v in os.environ.items() if not k.startswith("CUSTSYNC_")}


def run(*args, env=None, cwd=None):
    return custsync(*args, env={**ENV, **(env or {})}, cwd=cwd)


def refused(r, *words):
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr + r.stdout
    assert "starting the bundled" not in r.stderr  # refused before a mock was started
    for w in words:
        assert w in r.stderr, r.stderr


@pytest.mark.parametrize("bad", ["../customer/1002", "1002?x=1", "abc", "", "0", "12 34"])
def test_sync_refuses_an_id_that_is_not_an_internal_id(bad):
    refused(run("sync", bad), "is not a NetSuite internal id", "digits only")


@pytest.mark.parametrize("bad", ["../customer/1002", "1002?x=1", "abc", ""])
async def test_netsuite_client_refuses_bad_ids_before_any_request(bad):
    client = NetSuiteClient(rest_url="http://127.0.0.1:9", restlet_url="http://127.0.0.1:9",
                            auth=TokenAuth("1", "ck", "cs", "ti", "ts"))
    async with client:
        with pytest.raises(InvalidInternalId, match="not a NetSuite internal id"):
            await client.get_customer(bad)
        with pytest.raises(InvalidInternalId):
            await client.patch_customer(bad, {"x": "y"})
    assert client.requests == 0
    assert client.record_url(" 1002 ").endswith("/customer/1002")


def test_portal_link_refuses_an_id_with_all():
    refused(run("portal-link", "1002", "--all"), "not both")


def test_retry_failed_without_resume_is_refused():
    refused(run("mass-sync", "--retry-failed"), "--resume RUN")


def test_dry_run_with_resume_is_refused(tmp_path):
    refused(run("mass-sync", "--dry-run", "--resume", "run-x", "--journal", str(tmp_path / "j.sqlite")), "--dry-run")


def test_resume_of_unknown_run_creates_no_journal(tmp_path):
    journal = tmp_path / "journal.sqlite"
    refused(run("mass-sync", "--resume", "run-nope", "--journal", str(journal)), "no run journal at", "--journal")
    assert list(tmp_path.iterdir()) == []


def test_resume_of_unknown_run_in_a_journal_names_the_known_runs(tmp_path):
    journal_path = tmp_path / "journal.sqlite"
    journal = Journal(journal_path)
    known = journal.start_run("customsearch_x")
    journal.close()
    r = run("mass-sync", "--resume", "run-nope", "--journal", str(journal_path))
    refused(r, "no run 'run-nope'", known)


def test_no_command_without_a_terminal_prints_usage_instead_of_the_tui():
    # The process itself, stdin and stdout not a terminal: what cron or a pipe starts.
    r = subprocess.run([sys.executable, "-m", "tui.cli"], capture_output=True, text=True, env=ENV, timeout=60,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 2 and "usage: custsync" in r.stderr and "needs a terminal" in r.stderr
    assert r.stdout == ""


def test_help_documents_the_exit_codes():
    r = run("--help")
    assert r.returncode == 0
    for code in ("0 all done", "1 some customers failed", "2 bad usage", "3 nothing failed but some customers need"):
        assert code in " ".join(r.stdout.split())


@pytest.mark.parametrize("port", ["0", "70000", "http"])
def test_mocks_refuse_an_invalid_port(port):
    r = run("mocks", "--port-netsuite", port)
    assert r.returncode == 2 and "port number (1-65535)" in r.stderr and "Traceback" not in r.stderr


def test_mocks_refuse_a_busy_port_in_words():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        r = run("mocks", "--port-stripe", str(port))
    refused(r, f"port {port} (--port-stripe) is busy", "leave --port-stripe out")


def test_mocks_refuse_one_port_for_both():
    refused(run("mocks", "--port-stripe", "45678", "--port-netsuite", "45678"), "its own port")


@pytest.mark.parametrize("encoding, words", [("utf-16", "UTF-16"), ("latin-1", "Latin-1")])
def test_csv_in_another_encoding_is_refused_naming_file_and_encoding(tmp_path, encoding, words):
    path = tmp_path / "ids.csv"
    path.write_bytes("internal_id,stripe_customer_id\n101,cus_A\n# Zürich\n".encode(encoding))
    refused(run("import-stripe-ids", str(path)), str(path), words, "Save it as UTF-8")


def test_config_in_utf16_is_a_configuration_error_naming_file_and_encoding(tmp_path):
    path = tmp_path / "custsync.toml"
    path.write_bytes('[netsuite]\ntarget = "mock"\n'.encode("utf-16"))
    refused(run("--config", str(path), "doctor"), "configuration error", str(path), "UTF-16")


def test_bad_environment_value_is_named():
    refused(run("doctor", env={"CUSTSYNC_SYNC_MAX_RETRIES": "many"}), "environment variable CUSTSYNC_SYNC_MAX_RETRIES")


def test_secrets_file_with_an_unknown_key_is_named(tmp_path):
    secrets = tmp_path / "secrets.env"
    secrets.write_text("export CUSTSYNC_STRIPE_API_KEY=sk_test_abc\nexport STRIPE_KEY=sk_test_abc\n")
    r = run("doctor", env={"CUSTSYNC_SECRETS_FILE": str(secrets)})
    refused(r, "line 2: unknown key STRIPE_KEY")
    assert "sk_test_abc" not in r.stderr


def test_a_mock_that_fails_to_start_is_reported_without_its_traceback():
    from tui.cli import without_traceback

    child = ("mock_stripe did not start within 20s. Its output:\nTraceback (most recent call last):\n"
             '  File "x.py", line 1, in <module>\nOSError: [Errno 98] Address already in use\n')
    assert without_traceback(child) == ("mock_stripe did not start within 20s. Its output: "
                                        "OSError: [Errno 98] Address already in use")
    assert without_traceback("plain words") == "plain words"
