"""The header line: where custsync points (NetSuite and Stripe targets, test or live) and its health."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from sync_core.config import Config, NetSuiteTarget, StripeTarget

from ..typed_app import CustSyncAppAccess


def describe_targets(config: Config) -> tuple[str, str, bool]:
    """(netsuite, stripe, live) as the operator should read them."""
    ns, st = config.netsuite, config.stripe
    netsuite = "bundled mock" if ns.target is NetSuiteTarget.MOCK else f"real account {ns.account}"
    stripe = {StripeTarget.MOCK: "bundled mock", StripeTarget.STRIPE_MOCK: "stripe-mock",
              StripeTarget.REAL: "real"}[st.target]
    live = st.is_live
    return netsuite, f"{stripe}, {'LIVE' if live else 'test'} mode", live


class TargetsBar(CustSyncAppAccess, Static):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(markup=False, **kwargs)  # type: ignore[arg-type]

    """Composed at the top of every screen; follows the app's `health` and `targets`."""

    DEFAULT_CLASSES = "targets-bar"

    def on_mount(self) -> None:
        self.watch(self.app, "health", self._refresh_text)
        self.watch(self.app, "targets", self._refresh_text)

    def on_resize(self) -> None:
        self._refresh_text()

    def _refresh_text(self, _value: object = None) -> None:
        netsuite, stripe, live = self.custsync_app.targets
        health: str = self.custsync_app.health
        self.set_class(live, "-live")
        self.update(header_text(netsuite, stripe, live, health, self.size.width or 160))


def health_style(health: str) -> str:
    if health.startswith("connected"):
        return "green"
    return "yellow" if health.startswith(("starting", "checking")) else "bold red"


def header_text(netsuite: str, stripe: str, live: bool, health: str, width: int) -> Text:
    """One line: the long form when it fits, else a compact one (80 columns keep targets, mode and health)."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(" custsync ", style="bold reverse")
    if live:
        text.append(" LIVE STRIPE: real money " if width >= 100 else " LIVE ", style="bold white on red")
    if width >= 120:
        text.append(f"  NetSuite: {netsuite}  Stripe: ")
        text.append(stripe, style="bold red" if live else "")
        text.append("  health: ")
    else:
        short_ns = "mock" if netsuite == "bundled mock" else netsuite.replace("real account ", "")
        short_st = stripe.replace("bundled mock", "mock").replace(" mode", "")
        text.append(f" NS: {short_ns}  Stripe: ")
        text.append(short_st, style="bold red" if live else "")
        text.append("  ")
        health = health.replace("unreachable: ", "DOWN: ")
    text.append(health, style="bold red" if health.startswith("DOWN") else health_style(health))
    return text
