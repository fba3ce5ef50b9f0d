"""The two SuiteScripts type-check against Oracle's N/ module types (@hitc/netsuite-types) with TypeScript's
checkJs, as deploy/netsuite/package.json and tsconfig.json set it up for a contributor (`npm run typecheck`).

The test installs the locked packages itself, with `npm ci`, into a cache outside the repository (the SDF
project folder stays free of node_modules): $CUSTSYNC_NPM_CACHE, or ~/.cache/custsync/netsuite-types, one
folder per package-lock.json. It skips only where node or npm is missing; a failed install fails."""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

DEPLOY_DIR = Path(__file__).resolve().parents[1] / "deploy" / "netsuite"
SCRIPTS = DEPLOY_DIR / "FileCabinet" / "SuiteScripts" / "custsync"
INSTALL_TIMEOUT_S = 600

pytestmark = pytest.mark.skipif(shutil.which("node") is None or shutil.which("npm") is None,
                                reason="node and npm run the type check")


def installed_packages() -> Path:
    """node_modules for deploy/netsuite's package-lock.json, installed once per lock file."""
    lock = (DEPLOY_DIR / "package-lock.json").read_bytes()
    root = Path(os.environ.get("CUSTSYNC_NPM_CACHE") or Path.home() / ".cache" / "custsync" / "netsuite-types")
    folder = root / hashlib.sha256(lock + (DEPLOY_DIR / "package.json").read_bytes()).hexdigest()[:16]
    if (folder / "node_modules" / ".bin" / "tsc").exists():
        return folder
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="install-", dir=root))
    shutil.copy(DEPLOY_DIR / "package.json", work)
    shutil.copy(DEPLOY_DIR / "package-lock.json", work)
    done = subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=work,
                          capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
    assert done.returncode == 0, f"npm ci failed in {work}:\n{done.stdout}\n{done.stderr}"
    try:
        work.rename(folder)  # whole or not at all: a run cut short leaves no half-installed folder behind
    except OSError:
        shutil.rmtree(work, ignore_errors=True)  # another run installed it meanwhile
    return folder


def type_check(packages: Path, config: dict) -> subprocess.CompletedProcess:
    """tsc with deploy/netsuite/tsconfig.json, its N/ paths pointed at the cache's node_modules."""
    with tempfile.TemporaryDirectory() as tmp:
        tsconfig = Path(tmp) / "tsconfig.json"
        tsconfig.write_text(json.dumps({"extends": str(DEPLOY_DIR / "tsconfig.json"), **config, "compilerOptions": {
            "paths": {"N/*": [str(packages / "node_modules" / "@hitc" / "netsuite-types" / "N" / "*")]}}}))
        return subprocess.run([str(packages / "node_modules" / ".bin" / "tsc"), "-p", str(tsconfig)],
                              capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def packages() -> Path:
    return installed_packages()


def test_the_scripts_type_check_against_the_netsuite_types(packages):
    done = type_check(packages, {})
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_type_check_reads_every_script():
    listed = {(DEPLOY_DIR / f).resolve() for f in json.loads((DEPLOY_DIR / "tsconfig.json").read_text())["files"]}
    assert set(SCRIPTS.glob("*.js")) <= listed


def test_the_type_check_finds_a_parameter_passed_unguarded(packages, tmp_path):
    """What the type check found in the RESTlet: getParameter's result (boolean | number | Date | string |
    string[], null when unset) handed to url.resolveScript as a script id. Put back, tsc refuses it."""
    script = (SCRIPTS / "custsync_search_restlet.js").read_text()
    guarded = "const scriptId = textParameter(PORTAL_SCRIPT);"
    assert guarded in script
    (tmp_path / "restlet.js").write_text(script.replace(
        guarded, "const scriptId = runtime.getCurrentScript().getParameter({ name: PORTAL_SCRIPT });"))
    done = type_check(packages, {"files": [str(DEPLOY_DIR / "types" / "define.d.ts"), str(tmp_path / "restlet.js")]})
    assert done.returncode != 0
    found = re.findall(r"restlet\.js\((\d+),\d+\): error TS2322: Type '[^']*' is not assignable", done.stdout)
    lines = (tmp_path / "restlet.js").read_text().splitlines()
    assert [lines[int(n) - 1].strip() for n in found] == ["scriptId: scriptId,"], done.stdout
