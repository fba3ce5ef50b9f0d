"""docs/qa.md's example, run as a QA team runs it: their own test file, pytest with the custsync plugin."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]


def qa_example() -> str:
    text = (ROOT / "docs" / "qa.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- qa-example -->\s*```python\n(.*?)```", text, re.S)
    assert found, "docs/qa.md lost its example (the ```python block after <!-- qa-example -->)"
    return found.group(1)


def test_the_documented_example_passes_with_the_plugin(pytester: pytest.Pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makepyfile(test_customer_sync=qa_example())
    pytester.makeini("[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")  # the installed entry point (pytest11) loads the plugin
    result.assert_outcomes(passed=4)


def test_a_failing_qa_test_shows_what_custsync_decided(pytester: pytest.Pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makepyfile(test_wrong="""
        def test_wrong_expectation(custsync):
            report = custsync.run_scenario("email-case-one-mailbox")
            assert report.ok
            custsync.load_given({"netsuite": {"customers": [{"id": 7, "email": "a@b.test"}]}})
            assert custsync.sync("7", dry_run=True).rule == "R1"
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")  # the installed entry point (pytest11) loads the plugin
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*assert 'R3' == 'R1'*"])


def test_the_plugin_is_declared_for_pytest_to_find():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["entry-points"]["pytest11"] == {"custsync": "testbed.pytest_plugin"}
