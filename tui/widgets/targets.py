"""The header line: where custsync points (NetSuite account, Stripe account and mode, their URLs; mocks started
here or someone's running mocks), test or live, and the health of both services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast
from urllib.parse import urlsplit

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

from sync_core.config import Config, NetSuiteTarget, StripeTarget
from sync_core.run.target import RunTarget, netsuite_account_id

if TYPE_CHECKING:
    from ..app import CustSyncApp


@dataclass(frozen=True)
class Targets:
    """What the operator must know about where a write goes."""

    netsuite_kind: str  # "mock" | "real"
    netsuite_account: str
    netsuite_url: str  # "" while the bundled mocks are starting
    stripe_kind: str  # "mock" | "stripe-mock" | "real"
    stripe_account: str  # "?" until Stripe has said (GET /v1/account)
    stripe_url: str
    live: bool
    started_here: bool  # mocks this TUI started (its demo data) rather than someone's running mocks

    @property
    def mode(self) -> str:
        return "LIVE" if self.live else "test"

    @property
    def mocks(self) -> bool:
        return self.netsuite_kind == "mock" and self.stripe_kind == "mock"

    def run_target(self) -> RunTarget | None:
        """As a run journal records it; None until Stripe has named its account."""
        if self.stripe_account == "?":
            return None
        return RunTarget(self.netsuite_account, self.stripe_account, "live" if self.live else "test")

    def where(self) -> str:
        """The target as the journal's run owner and the run picker name it (accounts, mode, URLs)."""
        return (f"NetSuite {self.netsuite_kind} {self.netsuite_account} at {self.netsuite_url or '?'}; "
                f"Stripe {self.stripe_kind} {self.stripe_account} ({self.mode} mode) at {self.stripe_url or '?'}")


STARTING = Targets("?", "?", "", "?", "?", "", False, False)


def describe_targets(config: Config, *, stripe_account: str = "?", started_here: bool = False) -> Targets:
    ns, st = config.netsuite, config.stripe
    return Targets(
        "mock" if ns.target is NetSuiteTarget.MOCK else "real", netsuite_account_id(ns.account),
        ns.resolved_rest_url() or "", {StripeTarget.MOCK: "mock", StripeTarget.STRIPE_MOCK: "stripe-mock",
                                       StripeTarget.REAL: "real"}[st.target],
        stripe_account, st.resolved_base_url() or "", st.is_live, started_here)


class TargetsBar(Static):
    """Composed at the top of every screen; follows the app's `health` and `targets`."""

    DEFAULT_CLASSES = "targets-bar"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(markup=False, **kwargs)  # type: ignore[arg-type]

    def on_mount(self) -> None:
        self.watch(self.app, "health", self._refresh_text)
        self.watch(self.app, "targets", self._refresh_text)
        self.watch(self.app, "doctor_failing", self._refresh_text)

    def on_resize(self) -> None:
        self._refresh_text()

    def _refresh_text(self, _value: object = None) -> None:
        app = cast("CustSyncApp", self.app)
        self.set_class(app.targets.live, "-live")
        self.update(header_text(app.targets, app.health, self.size.width or 160, app.doctor_failing))


def health_style(health: str) -> str:
    if health.startswith("connected"):
        return "green"
    return "yellow" if health.startswith(("starting", "checking")) else "bold red"


def _host(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc or url


def _port(url: str) -> str:
    port = urlsplit(url).port
    return f":{port}" if port else _host(url)


def _side(kind: str, account: str, url: str, detail: int) -> str:
    """One service: its kind (a mock?), account and, as room allows, where it answers."""
    name = account if account != "?" else "(account not known yet)"
    what = {"mock": f"mock {name}", "stripe-mock": f"stripe-mock {name}"}.get(kind, name) if detail >= 0 else name
    if detail >= 2 and url:
        return f"{what} at {_host(url)}"
    if detail == 1 and url and kind != "real":
        return f"{what} ({_port(url)})"
    return what


def header_text(t: Targets, health: str, width: int, doctor_failing: tuple[str, ...] = ()) -> Text:
    """One line, as detailed as the width allows: accounts, mode and health always (with the doctor's failing
    checks, until a run of the checks passes them); URLs when they fit."""
    for detail in (2, 1, 0, -1):
        text = _header(t, health, width, detail)
        if doctor_failing:
            text.append(f"  doctor: {len(doctor_failing)} failing", style="bold red")
            if detail >= 1:
                text.append(f" ({doctor_failing[0]}{', ...' if len(doctor_failing) > 1 else ''}): F3",
                            style="bold red")
        if cell_len(text.plain) <= width:
            return text
    return text


def _header(t: Targets, health: str, width: int, detail: int) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(" custsync ", style="bold reverse")
    if t.live:
        text.append(" LIVE STRIPE: real money " if width >= 100 else " LIVE ", style="bold white on red")
    label = ("NetSuite: ", "  Stripe: ") if detail >= 1 else ("NS: ", "  Stripe: ")
    text.append(f" {label[0]}{_side(t.netsuite_kind, t.netsuite_account, t.netsuite_url, detail)}")
    text.append(f"{label[1]}{_side(t.stripe_kind, t.stripe_account, t.stripe_url, detail)} ")
    text.append(f"{t.mode} mode" if detail >= 1 else t.mode, style="bold red" if t.live else "")
    if detail >= 2 and t.mocks:
        text.append(" (mocks started here)" if t.started_here else " (someone's running mocks)",
                    style="dim")
    text.append("  ")
    if detail < 0:
        health = health.replace("unreachable: ", "DOWN: ")
    if detail >= 1:
        text.append("health: ")
    text.append(health, style="bold red" if health.startswith("DOWN") else health_style(health))
    return text
