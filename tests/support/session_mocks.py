"""Both mocks started once for the whole test session (real servers, as custsync meets them) and put back
as launched between tests through their control API, instead of started again for each module."""

from __future__ import annotations

from typing import Any

from testbed.bundled import BundledMocks


class SessionMocks(BundledMocks):
    """BundledMocks that remember their launch fault settings, so any test can start from them."""

    def start(self) -> SessionMocks:
        super().start()
        assert self.netsuite and self.stripe
        self._launch_faults: list[dict[str, Any]] = [self.netsuite.control.faults(), self.stripe.control.faults()]
        return self

    def fresh(self) -> None:
        """Default state and launch faults in both mocks: whatever the previous test (of any module) left."""
        assert self.netsuite and self.stripe
        for control, faults in zip((self.netsuite.control, self.stripe.control), self._launch_faults):
            control.reset()
            control.faults(**faults)
