"""The fwtui application: four areas in tabs, a footer of bindings, help and the command palette."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import Screen
from textual.widget import MountError
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

from fwtui import __version__
from screens.areas import AREAS, Area
from screens.context import AppContext
from screens.messages import HardwareReady, LocalDatabaseChanged, ResultsChanged, ShowResults
from screens.too_small import MIN_HEIGHT, MIN_WIDTH, TooSmallScreen

if TYPE_CHECKING:
    from fwtui.hardware.report import HardwareReport


class AreaTabs(TabbedContent):
    """Tabs whose visible pane decides where focus goes, never the other way round.

    TabbedContent switches to the pane of any newly focused widget. Focus requests are deferred, so one
    made just before the user switched areas lands in the now hidden pane and would switch the view back;
    here the focus is moved back to the visible area instead.
    """

    class StrayFocus(Message):
        """A widget in a hidden pane took focus."""

    def _on_tab_pane_focused(self, event: TabPane.Focused) -> None:
        event.stop()
        event.prevent_default()  # the base class's handler would switch to that pane
        if event.tab_pane.id != self.active:
            self.post_message(self.StrayFocus())


class FwtuiApp(App[int]):
    """Hardware, Benchmark, Results and Decide, reachable by 1-4, the tab bar and the palette."""

    TITLE = "fwtui"
    SUB_TITLE = f"framework benchmarks and decisions · v{__version__}"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "show_area('hardware')", "Hardware", show=False),
        Binding("2", "show_area('benchmark')", "Benchmark", show=False),
        Binding("3", "show_area('results')", "Results", show=False),
        Binding("4", "show_area('decide')", "Decide", show=False),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(self, context: AppContext, *, initial_area: str | None = None) -> None:
        super().__init__()
        self.context = context
        self.hardware_report: HardwareReport | None = None
        self._initial_area = initial_area or ("results" if context.browsing_stored else "hardware")

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="▣")
        with AreaTabs(initial=self._initial_area, id="areas"):
            for spec in AREAS:
                with TabPane(f"{spec.key} {spec.title}", id=spec.area_id):
                    if spec.area_id == self._initial_area:
                        yield spec.factory(self.context)
                    else:
                        yield Static("loading…", classes="area-placeholder muted")
        yield Footer()

    def on_mount(self) -> None:
        self._check_size()
        # Only the first area is built before the first paint. The Hardware area (whose report the others
        # use) is built just after it; the others (and their imports: DuckDB, NumPy, the decision engine, about
        # a second of CPU together) when first shown, so a launch that only looks costs no more than that.
        self.call_after_refresh(lambda: self.set_timer(0.05, self._mount_deferred_areas))

    async def _mount_deferred_areas(self) -> None:
        if not self.is_running:
            return  # the app is closing: its panes are going away
        try:
            await self.ensure_area("hardware")
        except (NoMatches, MountError):
            if self.is_running:
                raise  # else the app closed while the area was being mounted

    async def ensure_area(self, area_id: str) -> Area:
        """The area, built now if it was not yet (and told the latest hardware report)."""
        pane = self.query_one(f"#{area_id}", TabPane)
        existing = pane.query(Area)
        if existing:
            return existing.first()
        spec = next(spec for spec in AREAS if spec.area_id == area_id)
        area = spec.factory(self.context)
        await pane.query(".area-placeholder").remove()
        await pane.mount(area)
        if self.hardware_report is not None:
            area.post_message(HardwareReady(self.hardware_report))
        return area

    def on_unmount(self) -> None:
        # Every area is gone; a benchmark still saving as the app quits keeps the database open until done.
        self.context.close()

    # -- navigation ---------------------------------------------------------------------------------

    async def action_show_area(self, area_id: str) -> None:
        await self.ensure_area(area_id)
        # Drop focus first: a focused widget that gets hidden hands focus to a neighbour in its own
        # (now hidden) pane, and TabbedContent then switches straight back to that pane.
        self.screen.set_focus(None)
        tabs = self.query_one("#areas", TabbedContent)
        if tabs.active == area_id:
            self._focus_area(area_id)
        else:
            tabs.active = area_id  # TabActivated then focuses the area

    def _focus_area(self, area_id: str) -> None:
        def focus() -> None:
            # Only if still shown: focusing a widget in a hidden pane makes TabbedContent switch back to it,
            # and two stale requests would then bounce the view between two areas.
            area = self.area(area_id)
            if area is not None and self.active_area_id == area_id:
                area.focus_default()

        self.call_after_refresh(focus)

    def on_area_tabs_stray_focus(self, _: AreaTabs.StrayFocus) -> None:
        self._focus_area(self.active_area_id)

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id:
            self._focus_area(event.pane.id)

    def area(self, area_id: str) -> Area | None:
        for area in self.query(Area):
            if area.area_id == area_id:
                return area
        return None

    @property
    def active_area_id(self) -> str:
        return self.query_one("#areas", TabbedContent).active

    def action_help(self) -> None:
        from screens.help import HelpScreen  # Markdown is only needed once help is asked for

        if not isinstance(self.screen, HelpScreen):
            area = self.area(self.active_area_id)
            self.push_screen(HelpScreen(self.active_area_id, area.help_text if area else ""))

    def get_system_commands(self, screen: Screen[Any]) -> Any:
        yield from super().get_system_commands(screen)
        for spec in AREAS:
            yield SystemCommand(
                f"Go to {spec.title}",
                f"Show the {spec.title} area ({spec.key})",
                lambda area_id=spec.area_id: self.call_next(self.action_show_area, area_id),
            )
        yield SystemCommand("Help", "Keys and what each area does (?)", self.action_help)
        yield from self._area_commands()

    def _area_commands(self) -> Any:
        """Every action of every area, by its name and the area's: typing "peak" or "export" finds it."""
        from textual.binding import Binding as KeyBinding

        for spec in AREAS:
            area = self.area(spec.area_id)
            if area is None:
                continue
            seen: set[str] = set()
            for binding in type(area).BINDINGS:
                if not isinstance(binding, KeyBinding) or not binding.description or binding.action in seen:
                    continue
                if binding.action in ("back", "detail"):
                    continue  # navigation inside the area, not an action to look up
                seen.add(binding.action)
                key = binding.key_display or binding.key.split(",")[0]
                yield SystemCommand(
                    f"{spec.title}: {binding.description}",
                    f"key {key} in {spec.title}",
                    lambda area_id=spec.area_id, action=binding.action: self.call_next(
                        self._run_area_action, area_id, action
                    ),
                )

    async def _run_area_action(self, area_id: str, action: str) -> None:
        await self.action_show_area(area_id)
        area = await self.ensure_area(area_id)
        await area.run_action(action)

    # -- cross-area messages ------------------------------------------------------------------------

    def _tell_areas(self, message: Callable[[], Message], origin: str | None) -> None:
        """A copy of a message for every area but the one that sent it (it knows already)."""
        for area in self.query(Area):
            if area.area_id != origin:
                area.post_message(message())

    def publish_hardware(self, report: HardwareReport, *, origin: str | None = None) -> None:
        """Keep the latest hardware report (areas built later get it when mounted) and tell every area."""
        self.hardware_report = report
        self._tell_areas(lambda: HardwareReady(report, origin=origin), origin)

    def on_hardware_ready(self, message: HardwareReady) -> None:
        self.publish_hardware(message.report, origin=message.origin)

    def on_results_changed(self, message: ResultsChanged) -> None:
        self._tell_areas(lambda: ResultsChanged(message.run_id, origin=message.origin), message.origin)

    def on_local_database_changed(self, message: LocalDatabaseChanged) -> None:
        self._tell_areas(lambda: LocalDatabaseChanged(message.access, origin=message.origin), message.origin)

    async def on_show_results(self, message: ShowResults) -> None:
        await self.action_show_area("results")
        area = await self.ensure_area("results")
        area.post_message(ShowResults(message.run_id))

    # -- terminal size ------------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self._check_size(event.size.width, event.size.height)

    def _check_size(self, width: int | None = None, height: int | None = None) -> None:
        if width is None or height is None:
            width, height = self.size
        too_small = width < MIN_WIDTH or height < MIN_HEIGHT
        showing = isinstance(self.screen, TooSmallScreen)
        if too_small and not showing:
            self.push_screen(TooSmallScreen())
        elif showing:
            screen = self.screen
            assert isinstance(screen, TooSmallScreen)
            if too_small:
                screen.update_size(width, height)
            else:
                self.pop_screen()
