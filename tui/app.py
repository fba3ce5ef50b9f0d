"""The operator's TUI: presentation only; the work is done by sync_core's engine."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager, AsyncExitStack, contextmanager

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.worker import Worker, WorkerState

from sync_core.config import Config, NetSuiteTarget, StripeTarget
from sync_core.engine import Engine

from .last_result import LastResult
from .messages import EngineReady
from .palette import ScreenCommands
from .screens.customers import CustomersScreen
from .screens.doctor import DoctorScreen
from .screens.help import HelpScreen
from .screens.mass_sync import MassSyncScreen
from .screens.rules import RulesScreen
from .screens.scenarios import ScenariosScreen
from .widgets.confirm import ConfirmScreen
from .widgets.targets import STARTING, Targets, describe_targets

SCREENS = Binding.Group("screens", compact=False)  # F1-F5: one footer entry, so 80 columns fit
HEALTH_SECONDS = 60.0  # the header's health is checked again this often

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
        Binding("question_mark", "help", "Help", id="help", key_display="?",
                tooltip="Keys and what each screen does"),
        Binding("f1", "switch_mode('customers')", "Customers", id="go-customers", priority=True, group=SCREENS,
                tooltip="NetSuite customers: open one to see and run its sync"),
        Binding("f2", "switch_mode('mass')", "Mass sync", id="go-mass", priority=True, group=SCREENS,
                tooltip="Plan and run the mass sync over the saved search"),
        Binding("f3", "switch_mode('doctor')", "Doctor", id="go-doctor", priority=True, group=SCREENS,
                tooltip="Troubleshooting checks with remedies"),
        Binding("f4", "switch_mode('rules')", "Rules", id="go-rules", priority=True, group=SCREENS,
                tooltip="The sync rules R1-R9, their lessons and the scenarios that show them"),
        Binding("f5", "switch_mode('scenarios')", "Scenarios", id="go-scenarios", priority=True, group=SCREENS,
                tooltip="The trainer's screen: load a scenario into the mocks and step through it"),
    ]

    health: reactive[str] = reactive("starting: opening the engine...")
    targets: reactive[Targets] = reactive(STARTING)
    engine_ready: reactive[bool] = reactive(False)
    data_version: reactive[int] = reactive(0)  # bumped after any write, and when a scenario replaces the data
    customer_changed: reactive[tuple[int, str]] = reactive((0, ""))  # (a counter, the customer) linked/synced/unlinked
    doctor_failing: reactive[tuple[str, ...]] = reactive(())  # the doctor's failing checks until a run passes them
    dataset_version: reactive[int] = reactive(0)  # bumped only when a scenario replaces the mocks' data

    def __init__(self, config: Config, engine_factory: EngineFactory | None = None, *,
                 started_mocks: bool | None = None) -> None:
        super().__init__()
        self.config = config
        self.engine_factory = engine_factory or default_engine_factory
        # Mocks this TUI starts (no targets configured) hold its demo data; any other mocks hold someone's.
        self.started_mocks = config.uses_bundled_mocks and engine_factory is None if started_mocks is None \
            else started_mocks
        self.engine: Engine | None = None
        self.completed_lessons: set[str] = set()  # scenarios stepped through to a pass this session
        self.health_checked: float | None = None  # when the header's health was last checked for real
        self.last_results: dict[str, str] = {}  # internal id -> "R1 update ok" (this session's syncs)
        self.last_failures: dict[str, LastResult] = {}  # internal id -> its last failed (or left) result
        self._stack = AsyncExitStack()
        self.targets = describe_targets(config, started_here=self.started_mocks)

    def on_mount(self) -> None:
        self.open_engine()
        self.set_interval(HEALTH_SECONDS, self.check_health)

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Notifications carry customer names, causes and remedies: always shown literally."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def check_health(self) -> None:
        """A real authenticated read of both services (at start, on a timer, after a failure)."""
        if self.engine is not None:
            self._check_health()

    @work(exclusive=True, group="health", exit_on_error=False, description="checking both services")
    async def _check_health(self) -> None:
        assert self.engine is not None
        problem = await self.engine.health()
        self.health_checked = time.time()
        if problem is None and self.targets.stripe_account == "?":
            account = await self.engine.stripe.account_id()  # asked once: the header names the account
            self.targets = describe_targets(self.engine.config, stripe_account=account,
                                            started_here=self.started_mocks)
        self.health = "connected" if problem is None else f"unreachable: {problem}"

    def data_changed(self) -> None:
        """A write changed NetSuite or Stripe: lists read them again when next shown."""
        self.data_version += 1

    @work(exclusive=True, group="engine", exit_on_error=False, description="opening the engine")
    async def open_engine(self) -> None:
        engine = await self._stack.enter_async_context(self.engine_factory(self.config))
        self.engine = engine
        self.config = engine.config
        self.post_message(EngineReady())

    def on_engine_ready(self, message: EngineReady) -> None:
        assert self.engine is not None
        self.targets = describe_targets(self.engine.config, started_here=self.started_mocks)
        self.health = "checking both services..."
        self.engine_ready = True
        self.check_health()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        if event.worker.group == "engine":
            self.health = f"engine not open: {getattr(error, 'message', error)}"
            self.notify(f"Could not open the engine: {error}", severity="error", timeout=15)
        elif event.worker.group == "health":
            self.health = f"unreachable: {getattr(error, 'message', error)}"

    def worker_failed(self) -> None:
        """A screen's work failed: check the services again, so the header says whether they answer."""
        self.check_health()

    async def action_quit(self) -> None:
        """Quitting during a mass sync asks first: the run stops between customers and can be resumed."""
        mass = self._running_mass_screen()
        if mass is None:
            self.exit()
            return
        self.push_screen(ConfirmScreen(
            "A mass sync is running. Quit?",
            f"Run {mass.run_id or '(starting)'} stops; the journal marks it stopped and r (resume) or "
            f"`custsync mass-sync --resume {mass.run_id or 'RUN'}` continues it.",
            yes_label="Yes, stop the run and quit"), self._quit_answered)

    def _quit_answered(self, yes: bool | None) -> None:
        if yes:
            mass = self._running_mass_screen()
            if mass is not None and mass.running:
                mass.stop_run(quitting=True)
            self.exit()

    def running_mass_run(self) -> str | None:
        """The mass sync running now ("(starting)" before it has its id), or None."""
        mass = self._running_mass_screen()
        return (mass.run_id or "(starting)") if mass is not None else None

    def _running_mass_screen(self) -> MassSyncScreen | None:
        for stack in self._screen_stacks.values():  # the mass-sync mode's screen, wherever the operator is
            for screen in stack:
                if isinstance(screen, MassSyncScreen) and screen.running:
                    return screen
        return None

    async def on_unmount(self) -> None:
        await self._stack.aclose()

    def record_result(self, internal_id: str, result: str, *, cause: str | None = None, remedy: str | None = None,
                      source: str = "", state: str = "") -> None:
        """This session's last result for the customer; one that did not end ok keeps its cause and remedy, so
        that the customer's screen shows them."""
        self.last_results[internal_id] = result
        if cause or remedy:
            self.last_failures[internal_id] = LastResult(source, result, state, cause, remedy)
        else:
            self.last_failures.pop(internal_id, None)

    def changed_customer(self, internal_id: str) -> None:
        """The operator linked, synced or unlinked this customer: a plan that holds it plans it again."""
        self.customer_changed = (self.customer_changed[0] + 1, internal_id)
        self.data_changed()

    @property
    def ready_engine(self) -> Engine:
        """The open engine, for screens that act once `engine_ready` is set."""
        if self.engine is None:
            raise RuntimeError("The engine is not open yet: wait for the header to say where custsync points.")
        return self.engine

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
                self.notify(f"Cancelled ({title.rstrip('?.')}): nothing was written.", severity="warning")

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


def make_app(config: Config, engine_factory: EngineFactory | None = None, *,
             started_mocks: bool | None = None) -> CustSyncApp:
    """The one factory: used by `custsync` (no command) and by the tests. `started_mocks`: the mocks are this
    TUI's own (by default: it starts them when the config names no targets)."""
    return CustSyncApp(config, engine_factory=engine_factory, started_mocks=started_mocks)
