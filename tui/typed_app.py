"""Typed access to the running app from custsync's screens and widgets.

Textual types `self.app` as `App[object]`, which has none of custsync's attributes (engine, targets,
record_result...). Textual's `app = getters.app(CustSyncApp)` needs CustSyncApp when the screen class is
created, and tui/app.py imports the screens: a circle. So, as Posting does (`cast("Posting", self.app)`),
one property names the type, which the type checker alone needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.message_pump import MessagePump

if TYPE_CHECKING:
    from .app import CustSyncApp


class CustSyncAppAccess:
    """A base for custsync's screens and widgets (before Textual's): `self.custsync_app` is the app, typed."""

    @property
    def custsync_app(self) -> CustSyncApp:
        assert isinstance(self, MessagePump)
        return cast("CustSyncApp", self.app)
