"""Load scenario files: YAML -> validated Scenario, or errors that name the file, the line and the field."""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from sync_core.text_files import TextEncodingError, decode_utf8

from . import scenario_model as m
from .scenario_model import Scenario

SCENARIOS_ENV = "CUSTSYNC_SCENARIOS_DIR"


@dataclass(frozen=True)
class Issue:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class ScenarioFileError(Exception):
    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("\n".join(str(i) for i in issues))
        self.issues = issues


@dataclass(frozen=True)
class LoadedScenario:
    scenario: Scenario
    path: Path

    @property
    def name(self) -> str:
        return self.scenario.name or self.path.stem


def scenarios_dir() -> Path:
    env = os.environ.get(SCENARIOS_ENV)
    return Path(env) if env else Path(__file__).resolve().parent.parent / "scenarios"


def scenario_files(directory: Path | None = None) -> list[Path]:
    return sorted((directory or scenarios_dir()).glob("*.yaml"))


def resolve(name_or_path: str, directory: Path | None = None) -> Path:
    """A path as given, else `NAME.yaml` in the scenarios directory."""
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or p.exists():
        return p
    return (directory or scenarios_dir()) / f"{name_or_path}.yaml"


def load_scenario(path: str | os.PathLike[str]) -> LoadedScenario:
    path = Path(path)
    shown = str(path)
    try:
        text = decode_utf8(path.read_bytes(), shown)
    except OSError as exc:
        raise ScenarioFileError([Issue(shown, 0, "", f"cannot read: {exc.strerror}")]) from None
    except TextEncodingError as exc:
        message = str(exc).split(": ", 1)[1] if ": " in str(exc) else str(exc)
        raise ScenarioFileError([Issue(shown, exc.line or 1, "", message)]) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        raise ScenarioFileError([Issue(shown, line, "", f"not valid YAML: {exc.problem or exc}")]) from None
    except yaml.YAMLError as exc:
        raise ScenarioFileError([Issue(shown, 0, "", f"not valid YAML: {exc}")]) from None
    if not isinstance(data, dict):
        raise ScenarioFileError([Issue(shown, 1, "", "a scenario file is a mapping with title, lesson, given, steps")])
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioFileError([_issue(shown, node, err) for err in exc.errors()]) from None
    unknown = _unknown_customers(shown, node, scenario)
    if unknown:
        raise ScenarioFileError(unknown)
    loaded = LoadedScenario(scenario, path)
    if scenario.name and scenario.name != path.stem:
        line = _line_of(node, ("name",))
        raise ScenarioFileError([Issue(shown, line, "name", f"{scenario.name!r} differs from the file name "
                                                              f"{path.stem!r}: keep them equal (or leave name out)")])
    return loaded


# Step actions that name a customer `given` must hold: (action, attribute path to the id, which system).
_CUSTOMER_REFS: dict[type, tuple[str, tuple[str, ...], str]] = {
    m.SyncStep: ("sync", (), "netsuite"),
    m.PortalLinkStep: ("portal_link", (), "netsuite"),
    m.ClearStripeIdStep: ("clear_stripe_id", (), "netsuite"),
    m.NetSuiteUpdateStep: ("netsuite_update", ("id",), "netsuite"),
    m.StripeUpdateStep: ("stripe_update", ("id",), "stripe"),
    m.StripeDeleteStep: ("stripe_delete", (), "stripe"),
}


def _unknown_customers(file: str, node: yaml.Node | None, scenario: Scenario) -> list[Issue]:
    """A step naming a customer that `given` lacks fails here, at load time, not halfway through a run."""
    known = {"netsuite": {c.id for c in scenario.given.netsuite.customers},
             "stripe": {c.id for c in scenario.given.stripe.customers}}
    where = {"netsuite": "given.netsuite.customers", "stripe": "given.stripe.customers"}
    found: list[Issue] = []
    for index, step in enumerate(scenario.steps):
        ref = _CUSTOMER_REFS.get(type(step))
        if ref is None:
            continue
        action, path, system = ref
        value: Any = getattr(step, action)
        for attr in path:
            value = getattr(value, attr)
        if value not in known[system]:
            loc = ("steps", index, action, *path)
            field = f"steps[{index}].{action}" + "".join(f".{p}" for p in path)
            found.append(Issue(file, _line_of(node, loc), field,
                               f"customer {value} is not in {where[system]}: add it there, or correct the id"))
    return found


def _issue(file: str, node: yaml.Node | None, err: Any) -> Issue:
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith(m.TAG_PREFIX)))
    field = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(loc))
    field = field.replace(".[key]", "")
    return Issue(file, _line_of(node, loc), field, _message(err, loc))


def _message(err: Any, loc: tuple[Any, ...]) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1]) if loc else "?"
        hint = difflib.get_close_matches(key, sorted(_known_keys()), n=1)
        return f"unknown key {key!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
    if kind == "missing":
        return "required key is missing"
    message = err["msg"].removeprefix("Value error, ")
    if kind not in ("step_kind",) and "input" in err and not isinstance(err["input"], (dict, list)):
        message += f" (got {err['input']!r})"
    return message


def _known_keys() -> set[str]:
    keys: set[str] = set()
    for obj in vars(m).values():
        if isinstance(obj, type) and issubclass(obj, BaseModel) and obj.__module__ == m.__name__:
            keys.update(obj.model_fields)
    return keys


def _line_of(node: yaml.Node | None, loc: Iterable[Any]) -> int:
    """The 1-based line of the key (or item) `loc` leads to; as deep as the file goes."""
    if node is None:
        return 1
    line = node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if str(key.value) == str(part):
                    line, node = key.start_mark.line + 1, value
                    break
            else:
                break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line
