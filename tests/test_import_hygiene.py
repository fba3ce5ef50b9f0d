"""The layering of DESIGN.md: sync_core loads no UI, no mock, no testbed."""

import subprocess
import sys

FORBIDDEN = ["textual", "flask", "werkzeug", "waitress", "mock_netsuite", "mock_stripe", "testbed", "tui"]


def loaded_after(import_line: str) -> set[str]:
    code = f"import sys\n{import_line}\nprint('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return {name.split(".")[0] for name in out.split()}


def test_sync_core_loads_no_ui_mock_or_testbed():
    import pkgutil
    import sync_core

    modules = ["sync_core"] + [m.name for m in pkgutil.walk_packages(sync_core.__path__, "sync_core.")]
    loaded = loaded_after("\n".join(f"import {m}" for m in modules))
    assert "sync_core" in loaded
    assert not loaded & set(FORBIDDEN), loaded & set(FORBIDDEN)


def test_mocks_import_nothing_of_ours():
    for mock in ("mock_netsuite", "mock_stripe"):
        loaded = loaded_after(f"import {mock}")
        ours = {"sync_core", "testbed", "tui", "mock_netsuite", "mock_stripe"} - {mock}
        assert not loaded & ours, (mock, loaded & ours)
