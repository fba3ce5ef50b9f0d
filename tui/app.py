"""The operator's TUI: presentation only; the work is done by sync_core's engine."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager, AsyncExitStack
from typing import Callable

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.reactive import reactive
from textual.worker import Worker, WorkerState

from sync_core.config import Config
from sync_core.engine import Engine

from .messages import EngineReady
from .palette import ScreenCommands
from .screens.customers import CustomersScreen
from .screens.doctor import DoctorScreen
from .screens.help import HelpScreen
from .screens.mass_sync import MassSyncScreen
from .screens.rules import RulesScreen
from .widgets.targets import describe_targets

EngineFactory = Callable[[Config], AbstractAsyncContextManager[Engine]]


def default_engine_factory(config: Config) -> AbstractAsyncContextManager[Engine]:
    """Real targets from the config, or (no targets) the bundled mocks with demo data."""
    from testbed.session import open_engine

    return open_engine(config)


class CustSyncApp(App[None]):
    TITLE = "custsync"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {ScreenCommands}
    MODES = {
        "customers": CustomersScreen,
        "mass": MassSyncScreen,
        "doctor": DoctorScreen,
        "rules": RulesScreen,
    }
    DEFAULT_MODE = "customers"
    BINDINGS = [
        Binding("f1", "switch_mode('customers')", "Customers", id="go-customers", priority=True,
                tooltip="NetSuite customers: open one to see and run its sync"),
        Binding("f2", "switch_mode('mass')", "Mass sync", id="go-mass", priority=True,
                tooltip="Plan and run the mass sync over the saved search"),
        Binding("f3", "switch_mode('doctor')", "Doctor", id="go-doctor", priority=True,
                tooltip="Troubleshooting checks with remedies"),
        Binding("f4", "switch_mode('rules')", "Rules", id="go-rules", priority=True,
                tooltip="The sync rules R1-R9"),
        Binding("question_mark", "help", "Help", id="help", show=False,
                tooltip="Keys and what each screen does"),
    ]

    health: reactive[str] = reactive("starting: opening the engine...")
    targets: reactive[tuple[str, str, bool]] = reactive(("?", "?", False))
    engine_ready: reactive[bool] = reactive(False)

    def __init__(self, config: Config, engine_factory: EngineFactory | None = None) -> None:
        super().__init__()
        self.config = config
        self.engine_factory = engine_factory or default_engine_factory
        self.engine: Engine | None = None
        self.last_results: dict[str, str] = {}  # internal id -> "R1 update ok" (this session's syncs)
        self._stack = AsyncExitStack()
        self.targets = describe_targets(config)

    def on_mount(self) -> None:
        self.open_engine()

    @work(exclusive=True, group="engine", exit_on_error=False, description="opening the engine")
    async def open_engine(self) -> None:
        engine = await self._stack.enter_async_context(self.engine_factory(self.config))
        self.engine = engine
        self.config = engine.config
        self.post_message(EngineReady())

    def on_engine_ready(self, message: EngineReady) -> None:
        assert self.engine is not None
        self.targets = describe_targets(self.engine.config)
        self.health = "connected"
        self.engine_ready = True

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "engine" and event.state is WorkerState.ERROR:
            error = event.worker.error
            self.health = f"engine not open: {error}"
            self.notify(f"Could not open the engine: {error}", severity="error", timeout=15)

    async def on_unmount(self) -> None:
        await self._stack.aclose()

    def record_result(self, internal_id: str, result: str) -> None:
        self.last_results[internal_id] = result

    def action_help(self) -> None:
        self.push_screen(HelpScreen())


def make_app(config: Config, engine_factory: EngineFactory | None = None) -> CustSyncApp:
    """The one factory: used by `custsync` (no command) and by the tests."""
    return CustSyncApp(config, engine_factory=engine_factory)
