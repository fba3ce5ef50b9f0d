"""The header line: where custsync points (NetSuite and Stripe targets, test or live) and its health."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from sync_core.config import Config, NetSuiteTarget, StripeTarget


def describe_targets(config: Config) -> tuple[str, str, bool]:
    """(netsuite, stripe, live) as the operator should read them."""
    ns, st = config.netsuite, config.stripe
    netsuite = "bundled mock" if ns.target is NetSuiteTarget.MOCK else f"real account {ns.account}"
    stripe = {StripeTarget.MOCK: "bundled mock", StripeTarget.STRIPE_MOCK: "stripe-mock",
              StripeTarget.REAL: "real"}[st.target]
    live = st.is_live
    return netsuite, f"{stripe}, {'LIVE' if live else 'test'} mode", live


class TargetsBar(Static):
    """Composed at the top of every screen; follows the app's `health` and `targets`."""

    DEFAULT_CLASSES = "targets-bar"

    def on_mount(self) -> None:
        self.watch(self.app, "health", self._refresh_text)
        self.watch(self.app, "targets", self._refresh_text)

    def _refresh_text(self, _value: object = None) -> None:
        netsuite, stripe, live = self.app.targets  # type: ignore[attr-defined]
        health: str = self.app.health  # type: ignore[attr-defined]
        text = Text()
        text.append(" custsync ", style="bold reverse")
        if live:
            text.append("  LIVE STRIPE: real money  ", style="bold white on red")
        text.append(f"  NetSuite: {netsuite}  ")
        text.append("Stripe: ")
        text.append(stripe, style="bold red" if live else "")
        text.append("  health: ")
        style = "green" if health == "connected" else ("yellow" if health.startswith("starting") else "red")
        text.append(health, style=style)
        self.set_class(live, "-live")
        self.update(text)
