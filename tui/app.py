"""The operator's TUI: presentation only; the work is done by sync_core's engine."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager, AsyncExitStack, contextmanager
from typing import Callable, Iterator

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.reactive import reactive
from textual.worker import Worker, WorkerState

from sync_core.config import Config, NetSuiteTarget, StripeTarget
from sync_core.engine import Engine

from .messages import EngineReady
from .palette import ScreenCommands
from .screens.customers import CustomersScreen
from .screens.doctor import DoctorScreen
from .screens.help import HelpScreen
from .screens.mass_sync import MassSyncScreen
from .screens.rules import RulesScreen
from .screens.scenarios import ScenariosScreen
from .widgets.confirm import ConfirmScreen
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
        "scenarios": ScenariosScreen,
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
                tooltip="The sync rules R1-R9, their lessons and the scenarios that show them"),
        Binding("f5", "switch_mode('scenarios')", "Scenarios", id="go-scenarios", priority=True,
                tooltip="The trainer's screen: load a scenario into the mocks and step through it"),
        Binding("question_mark", "help", "Help", id="help", show=False,
                tooltip="Keys and what each screen does"),
    ]

    health: reactive[str] = reactive("starting: opening the engine...")
    targets: reactive[tuple[str, str, bool]] = reactive(("?", "?", False))
    engine_ready: reactive[bool] = reactive(False)
    data_version: reactive[int] = reactive(0)  # bumped when a scenario replaces the mocks' data

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

    @property
    def live(self) -> bool:
        """The Stripe key is live: every write asks first."""
        return self.engine.stripe.live if self.engine is not None else self.config.stripe.is_live

    @property
    def uses_mocks(self) -> bool:
        """Both targets are mocks (the bundled ones, or `custsync mocks`): scenarios may reset them."""
        cfg = self.engine.config if self.engine is not None else self.config
        return cfg.netsuite.target is NetSuiteTarget.MOCK and cfg.stripe.target is StripeTarget.MOCK

    def confirm_write(self, title: str, body: str, then: Callable[[], object], *, always: bool = False) -> None:
        """Run `then` at once, or after a yes in a modal when the key is live (or `always`)."""
        if not (always or self.live):
            then()
            return
        if self.live:
            body += "\n\nThe Stripe key is LIVE: this writes to real customers."

        def answered(yes: bool | None) -> None:
            if yes:
                then()
            else:
                self.notify(f"Cancelled: {title}. Nothing was written.", severity="warning")

        self.push_screen(ConfirmScreen(title, body, live=self.live), answered)

    @contextmanager
    def live_writes(self) -> Iterator[None]:
        """Let the gateway's live-key guard pass for one confirmed write (or run); no-op with a test key."""
        stripe = self.engine.stripe if self.engine is not None else None
        if stripe is None or not stripe.live:
            yield
            return
        with stripe.confirmed_live_writes():
            yield

    def action_help(self) -> None:
        self.push_screen(HelpScreen())


def make_app(config: Config, engine_factory: EngineFactory | None = None) -> CustSyncApp:
    """The one factory: used by `custsync` (no command) and by the tests."""
    return CustSyncApp(config, engine_factory=engine_factory)
