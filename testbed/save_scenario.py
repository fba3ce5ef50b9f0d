"""Save both mocks' current state as a new scenario file (optionally anonymized): `custsync scenario new
--from-mocks` and the TUI's scenarios screen (w) do it through here."""

from __future__ import annotations

from pathlib import Path

from sync_core.config import Config

from .anonymize import Anonymizer
from .capture import capture_given, scenario_document, write_scenario
from .control import MockControl
from .scenario_load import LoadedScenario, load_scenario


def target_problem(target: Path) -> str | None:
    """Why no scenario file can be written at `target`, in words (before the mocks are read); None when one can
    (an existing file is the caller's question: overwrite it or not)."""
    if target.is_dir():
        return f"{target} is a folder: name a file in it (e.g. {target / 'captured.yaml'})."
    if not target.parent.is_dir():
        return f"the folder {target.parent} does not exist: create it first, or name a file in an existing folder."
    return None


def save_mocks(target: Path, config: Config, *, anonymize: bool,
               keep_portal_links: bool = False) -> tuple[LoadedScenario, int, int]:
    """Write `target` (a .yaml) from the mocks `config` points at; returns it loaded back (a file we could
    not read would fail here, not later), and how many NetSuite and Stripe customers it holds. A stored portal
    link is a bearer link: written masked unless `keep_portal_links`. OSError when the file cannot be written."""
    ns_url, st_url = config.netsuite.resolved_rest_url(), config.stripe.resolved_base_url()
    given = capture_given(MockControl(ns_url), MockControl(st_url), config,  # type: ignore[arg-type]
                          keep_portal_links=keep_portal_links)
    if anonymize:
        given = Anonymizer().given(given)
    write_scenario(target, scenario_document(target.stem.lower(), given, f"mocks {ns_url} and {st_url}"))
    loaded = load_scenario(target)
    return loaded, len(given["netsuite"]["customers"]), len(given["stripe"]["customers"])
