"""Every file in scenarios/ is a test: QA adds a scenario by adding a file."""

from __future__ import annotations

import pytest

from testbed.scenario_load import load_scenario, scenario_files

FILES = scenario_files()


def test_there_are_bundled_scenarios():
    assert len(FILES) >= 11


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_scenario(path, runner):
    report = runner.run(load_scenario(path))
    assert report.ok, f"scenario {report.name} failed:\n" + "\n".join(report.failures())
