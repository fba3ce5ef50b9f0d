"""The layering of DESIGN.md and docs/architecture.md: sync_core loads no UI, no mock, no testbed; its modules
import each other without a circle, and only downwards through its rooms; nothing in it imports the engine."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

FORBIDDEN = ["textual", "rich", "flask", "werkzeug", "waitress", "mock_netsuite", "mock_stripe", "testbed", "tui"]
SYNC_CORE = Path(__file__).resolve().parent.parent / "sync_core"

# The rooms of sync_core, lowest first: a module imports modules of its own room and of rooms ranked below
# it, never above, and never a sibling room of the same rank (netsuite and stripe know nothing of each
# other). The same table is in docs/architecture.md.
RANKS = {
    "base": 0,      # errors, masking, retry, text_files, sqlite_transaction, read_only, tls: nothing of ours
    "rules": 1,     # rules/: the catalogue R1-R9, decide, mapping, match keys, ids
    "terms": 2,     # config, outcome, events: the configuration and what a sync reports, in the rules' terms
    "netsuite": 3,  # netsuite/: the NetSuite client, portal links
    "stripe": 3,    # stripe/: the Stripe gateway, listing, lookups, the stored listing's events
    "run": 4,       # run/: services, read, index, plan, execute, single sync, mass sync, the journal
    "admin": 5,     # admin/: the operator's decisions, doctor, CSV import
    "engine": 6,    # engine.py: the façade the faces call
}
TOP_LEVEL_ROOMS = {"errors": "base", "masking": "base", "retry": "base", "text_files": "base",
                   "sqlite_transaction": "base", "read_only": "base", "plural": "base", "tls": "base",
                   "config": "terms", "outcome": "terms",
                   "events": "terms", "engine": "engine"}


def loaded_after(import_line: str) -> set[str]:
    code = f"import sys\n{import_line}\nprint('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return {name.split(".")[0] for name in out.split()}


def modules() -> dict[str, Path]:
    found = {}
    for path in SYNC_CORE.rglob("*.py"):
        parts = ("sync_core", *path.relative_to(SYNC_CORE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> the sync_core modules it imports, from every import statement: top-level, inside functions
    and under TYPE_CHECKING alike (a type-only import is a dependency too)."""
    mods = modules()
    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        named: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                named.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{name}: relative import (sync_core uses absolute imports only)"
                named.add(node.module or "")
                named.update(f"{node.module}.{alias.name}" for alias in node.names)
        graph[name] = {m for m in named if m in mods and m != name}
    return graph


def room_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "base"  # the package itself
    if (SYNC_CORE / parts[1]).is_dir():
        return parts[1]
    return TOP_LEVEL_ROOMS[parts[1]]


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A circle of imports, as the modules on it (first == last); None when there is none."""
    done: set[str] = set()
    path: list[str] = []
    on_path: set[str] = set()

    def visit(node: str) -> list[str] | None:
        path.append(node)
        on_path.add(node)
        for nxt in sorted(graph[node]):
            if nxt in on_path:
                return [*path[path.index(nxt):], nxt]
            if nxt not in done:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        on_path.discard(path.pop())
        done.add(node)
        return None

    for start in sorted(graph):
        if start not in done:
            cycle = visit(start)
            if cycle:
                return cycle
    return None


def third_party_imports() -> set[str]:
    """The packages outside the standard library that sync_core imports itself (httpx, stripe, pydantic...)."""
    names: set[str] = set()
    for path in modules().values():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n not in ("sync_core", "__future__")}


def loaded_by_sync_core() -> tuple[set[str], set[str]]:
    """(every top-level package loaded once all of sync_core is imported, those sync_core's own modules load
    beyond what its third-party packages load by themselves)."""
    before = sorted(third_party_imports())
    code = ("import sys\n" + "".join(f"import {m}\n" for m in before) + "first = set(sys.modules)\n"
            + "".join(f"import {m}\n" for m in sorted(modules()))
            + "print(' '.join(sys.modules))\nprint(' '.join(set(sys.modules) - first))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    every, new = out.splitlines()
    return {n.split(".")[0] for n in every.split()}, {n.split(".")[0] for n in new.split()}


def test_sync_core_loads_no_ui_mock_or_testbed():
    """Importing every module of sync_core loads no UI (neither textual nor rich), no mock, no testbed. httpx
    loads rich by itself, for its command line (httpx/__init__.py imports httpx._main when click, rich and
    pygments are installed), so what sync_core loads is counted beyond what its libraries load alone."""
    every, ours = loaded_by_sync_core()
    assert "sync_core" in ours
    assert not ours & set(FORBIDDEN), ours & set(FORBIDDEN)
    assert not every & (set(FORBIDDEN) - {"rich"}), every & set(FORBIDDEN)


def test_mocks_import_nothing_of_ours():
    for mock in ("mock_netsuite", "mock_stripe"):
        loaded = loaded_after(f"import {mock}")
        ours = {"sync_core", "testbed", "tui", "mock_netsuite", "mock_stripe"} - {mock}
        assert not loaded & ours, (mock, loaded & ours)


def test_every_module_is_in_a_room():
    rooms = {m: room_of(m) for m in modules()}
    assert set(rooms.values()) <= set(RANKS), rooms


def test_no_circle_between_modules():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle or [])


def test_nothing_in_sync_core_imports_the_engine():
    importers = sorted(m for m, deps in import_graph().items() if "sync_core.engine" in deps)
    assert importers == [], f"{importers} import sync_core.engine: give them what they use (run.services.Services)"


def test_imports_go_down_through_the_rooms():
    wrong = []
    for module, deps in sorted(import_graph().items()):
        mine = room_of(module)
        for dep in sorted(deps):
            theirs = room_of(dep)
            if theirs != mine and RANKS[theirs] >= RANKS[mine]:
                wrong.append(f"{module} ({mine}, rank {RANKS[mine]}) imports {dep} ({theirs}, rank {RANKS[theirs]})")
    assert wrong == [], "\n".join(wrong)


def test_the_checks_catch_what_they_forbid():
    """The cycle finder finds a circle, and the rooms' table refuses an upward or sideways import."""
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
    assert RANKS[room_of("sync_core.run.reads")] > RANKS[room_of("sync_core.stripe.gateway")]
    assert RANKS[room_of("sync_core.netsuite.client")] == RANKS[room_of("sync_core.stripe.gateway")]
    assert room_of("sync_core.config") == "terms" and room_of("sync_core.errors") == "base"
