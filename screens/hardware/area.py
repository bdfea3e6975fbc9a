"""The Hardware area: what this machine has, what each framework sees of it, and how fast it can go.

The system probe is fast and import-free, so it paints synchronously; framework probes (child
processes), the peak GEMM measurement and NVML sampling run in thread workers that post messages.
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState

from fwtui import units
from fwtui.hardware.format import STATUS_TEXT, cached_probe_text
from fwtui.hardware.frameworks_probe import not_probed
from fwtui.hardware.live import LiveHistory
from fwtui.hardware.model import FrameworkProbe, PeakEntry, SystemInfo
from fwtui.hardware.probe_cache import CachedProbes
from fwtui.hardware.render import feature_sets
from fwtui.hardware.report import HardwareReport, assemble_report
from fwtui.hardware.warnings import collect_warnings
from screens.areas import Area
from screens.context import AppContext
from screens.hardware.help import HELP_TEXT
from screens.hardware.source import HardwareSource
from screens.hardware.widgets import (
    Panel,
    PercentGraph,
    accelerators_renderable,
    cpu_renderable,
    feature_chips,
    framework_cells,
    live_rows,
    memory_renderable,
    peak_renderable,
    summary_text,
    system_renderable,
    warnings_renderable,
)
from screens.messages import HardwareReady

WIDE_WIDTH = 120  # at this width and above the panels sit in two columns
NEXT_STEPS = "Next: 2 Benchmark measures them here · 4 Decide recommends one for your project"



SOURCE: HardwareSource = HardwareSource()


class FrameworkProbed(Message):
    def __init__(self, generation: int, name: str, result: FrameworkProbe) -> None:
        super().__init__()
        self.generation, self.name, self.result = generation, name, result


class FrameworksDone(Message):
    def __init__(self, generation: int, results: dict[str, FrameworkProbe]) -> None:
        super().__init__()
        self.generation, self.results = generation, results


class PeakMeasured(Message):
    def __init__(self, peak: PeakEntry | None, error: str | None = None) -> None:
        super().__init__()
        self.peak, self.error = peak, error


class GpusSampled(Message):
    def __init__(self, values: list[float | None]) -> None:
        super().__init__()
        self.values = values


class HardwareArea(Area):
    area_id = "hardware"
    help_text = HELP_TEXT

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5,ctrl+r", "reload", "Re-probe frameworks", key_display="f5"),
        Binding("m", "measure_peak", "Measure peak"),
        Binding("j", "scroll(1)", "Scroll down", show=False),
        Binding("k", "scroll(-1)", "Scroll up", show=False),
        Binding("g", "scroll_end(False)", "Top", show=False),
        Binding("G", "scroll_end(True)", "Bottom", show=False),
    ]

    DEFAULT_CSS = """
    HardwareArea #hw-scroll { height: 1fr; }
    HardwareArea #hw-summary { padding: 0 1; height: auto; }
    HardwareArea #hw-next { padding: 0 1; height: auto; color: $text-muted; }
    HardwareArea #hw-columns { layout: vertical; height: auto; }
    HardwareArea.-wide #hw-columns { layout: horizontal; }
    HardwareArea .hw-column { height: auto; width: 1fr; }
    HardwareArea .hw-panel {
        height: auto; border: round $primary 60%; border-title-color: $accent;
        border-title-style: bold; padding: 0 1;
    }
    HardwareArea .hw-live-row { height: 1; }
    HardwareArea .hw-live-label { width: 8; }
    HardwareArea .hw-live-value { width: 6; text-align: right; }
    HardwareArea #hw-framework-table { height: auto; max-height: 10; }
    HardwareArea #hw-probe-age { color: $text-muted; display: none; }
    HardwareArea #hw-probe-age.-cached { display: block; }
    """

    def __init__(
        self, context: AppContext, *, source: HardwareSource | None = None, **kwargs: object
    ) -> None:
        super().__init__(context, **kwargs)
        self.source = source or SOURCE
        self.system = SystemInfo()
        self.frameworks: dict[str, FrameworkProbe] = {}
        self.peak: PeakEntry | None = None
        self.report: HardwareReport | None = None
        self.history = LiveHistory()
        self.probing = False
        self.measuring = False
        self._generation = 0
        self._sampling_gpus = False
        self.cached: CachedProbes | None = None  # the cached probe on screen; None once probed here

    # -- layout -------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        self.system = self.source.system()
        self.peak = self.source.cached_peak()
        # Reading the cache is a small file and package metadata: cheap enough for the first frame.
        self.cached = self.source.cached_frameworks(self.system)
        if self.cached is not None:
            self.frameworks = dict(self.cached.frameworks)
        else:
            # The probes start right after the first paint: say so from the start, never "0/4 usable".
            self.frameworks = {
                name: replace(result, status="probing") if result.installed else result
                for name, result in not_probed().items()
            }
        with VerticalScroll(id="hw-scroll"):
            yield Static(id="hw-summary")
            yield Static(NEXT_STEPS, id="hw-next")
            with Container(id="hw-columns"):
                # What the frameworks can use comes first: on a narrow terminal the columns stack.
                with Vertical(classes="hw-column"):
                    yield Panel(
                        "Frameworks",
                        DataTable(id="hw-framework-table", cursor_type="row"),
                        Static(id="hw-probe-age"),
                    )
                    yield Panel("Peak compute", Static(id="hw-peak"))
                    yield Panel("Accelerators", Static(id="hw-accelerators"))
                    yield Panel("Warnings", Static(id="hw-warnings"))
                with Vertical(classes="hw-column"):
                    yield Panel("System", Static(id="hw-system"))
                    yield Panel("CPU", Static(id="hw-cpu"), Static(id="hw-features"))
                    yield Panel("Memory & load", Static(id="hw-memory"), *live_rows(self.system.nvidia_gpus()))

    def on_mount(self) -> None:
        table = self.query_one("#hw-framework-table", DataTable)
        for label, key in (("Framework", "framework"), ("Version", "version")):
            table.add_column(label, key=key)
        # As wide as the widest status from the start: a column that grew while "probing…" would otherwise
        # keep that width, so the layout would depend on when the probes answered.
        table.add_column("Status", key="status", width=max(len(text) for text in STATUS_TEXT.values()))
        table.add_column("Devices / reason", key="devices")
        for name in self.frameworks:
            table.add_row(*framework_cells(self.frameworks[name]), key=name)
        self._paint_static()
        self._paint_frameworks_summary()
        self._paint_peak()
        self._paint_warnings()
        for cpu, memory in self.source.seed_history():
            self.history.add_host(cpu, memory)
        self._sample_host()
        if self.source.live:
            self.set_interval(1.0, self._sample_host)
            self.set_interval(60.0, self._paint_peak)  # the peaks' ages are shown in minutes at best
        self._paint_probe_age()
        if self.cached is not None:
            self.set_interval(60.0, self._paint_probe_age)  # the age is shown in minutes at best
            self._publish()
        else:
            # Start the children only after the first paint, so they do not compete with start-up.
            self.call_after_refresh(self.action_reprobe)

    def on_unmount(self) -> None:
        # Quitting mid-probe must not leave framework children running.
        from fwtui.hardware.frameworks_probe import kill_running_probes

        kill_running_probes()

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width >= WIDE_WIDTH, "-wide")

    def focus_default(self) -> None:
        self.query_one("#hw-scroll", VerticalScroll).focus()

    def action_scroll(self, lines: int) -> None:
        self.query_one("#hw-scroll", VerticalScroll).scroll_relative(y=lines, animate=False)

    def action_scroll_end(self, bottom: bool) -> None:
        scroll = self.query_one("#hw-scroll", VerticalScroll)
        scroll.scroll_end(animate=False) if bottom else scroll.scroll_home(animate=False)

    # -- painting -----------------------------------------------------------------------------------

    def _paint_static(self) -> None:
        system = self.system
        self.query_one("#hw-system", Static).update(system_renderable(system))
        self.query_one("#hw-cpu", Static).update(cpu_renderable(system.cpu))
        self.query_one("#hw-features", Static).update(feature_chips(*feature_sets(system.cpu)))
        total, available = system.memory.total_bytes, system.memory.available_bytes
        self._paint_memory((1 - available / total) if total and available is not None else None)
        self.query_one("#hw-accelerators", Static).update(accelerators_renderable(system))

    def _paint_memory(self, used_fraction: float | None) -> None:
        self.query_one("#hw-memory", Static).update(
            memory_renderable(self.system.memory.total_bytes, used_fraction)
        )

    def _update_graph(self, key: str, values: list[float]) -> None:
        for graph in self.query(f"#hw-graph-{key}").results(PercentGraph):
            graph.set_values(values)
        for value_label in self.query(f"#hw-value-{key}").results(Static):
            value_label.update(units.percent(values[-1]) if values else units.MISSING)

    def _paint_framework_row(self, name: str) -> None:
        table = self.query_one("#hw-framework-table", DataTable)
        cells = framework_cells(self.frameworks[name])
        if name not in table.rows:
            table.add_row(*cells, key=name)
            return
        for column, cell in zip(("framework", "version", "status", "devices"), cells, strict=True):
            table.update_cell(name, column, cell, update_width=True)

    def _paint_frameworks_summary(self) -> None:
        warnings = collect_warnings(self.system, self._settled())
        self.query_one("#hw-summary", Static).update(summary_text(self.system, self.frameworks, warnings))

    def _settled(self) -> dict[str, FrameworkProbe]:
        return {name: r for name, r in self.frameworks.items() if r.status not in ("probing", "not_probed")}

    def _paint_warnings(self) -> None:
        probing = any(r.status == "probing" for r in self.frameworks.values())
        warnings = collect_warnings(self.system, self._settled())
        self.query_one("#hw-warnings", Static).update(warnings_renderable(warnings, probing))

    def _paint_probe_age(self) -> None:
        label = self.query_one("#hw-probe-age", Static)
        label.set_class(self.cached is not None, "-cached")
        if self.cached is not None:
            label.update(cached_probe_text(self.cached.age_s(), "f5"))

    def _paint_peak(self) -> None:
        self.query_one("#hw-peak", Static).update(peak_renderable(self.peak, self.system, self.measuring, self.source.now()))

    # -- framework probes ---------------------------------------------------------------------------

    def action_reload(self) -> None:
        """f5 refreshes in every area: here it probes the frameworks again."""
        self.action_reprobe()

    def action_reprobe(self) -> None:
        if self.probing:
            self.notify("Framework probes are already running.", timeout=3)
            return
        self.probing = True
        self._generation += 1
        self.cached = None
        self._paint_probe_age()
        for name, result in self.frameworks.items():
            if result.installed:
                self.frameworks[name] = replace(result, status="probing", reason=None, devices=())
            self._paint_framework_row(name)
        self._paint_frameworks_summary()
        self._paint_warnings()
        self._probe_frameworks(self._generation)

    @work(thread=True, group="hw-frameworks", exit_on_error=False)
    def _probe_frameworks(self, generation: int) -> None:
        results = self.source.frameworks(
            lambda name, result: self.post_message(FrameworkProbed(generation, name, result))
        )
        self.post_message(FrameworksDone(generation, results))

    def on_framework_probed(self, message: FrameworkProbed) -> None:
        if message.generation != self._generation:
            return
        self.frameworks[message.name] = message.result
        self._paint_framework_row(message.name)
        self._paint_frameworks_summary()
        self._paint_warnings()

    def on_frameworks_done(self, message: FrameworksDone) -> None:
        if message.generation != self._generation:
            return
        self.probing = False
        self.frameworks.update(message.results)
        for name in self.frameworks:
            self._paint_framework_row(name)
        self._paint_frameworks_summary()
        self._paint_warnings()
        self._publish()
        self._save_probes(dict(message.results))

    @work(thread=True, group="hw-probe-cache", exit_on_error=False)
    def _save_probes(self, results: dict[str, FrameworkProbe]) -> None:
        self.source.save_frameworks(self.system, results)

    def _publish(self) -> None:
        cached = self.cached
        self.report = assemble_report(
            self.system,
            self.frameworks,
            self.peak,
            probes_source="cache" if cached is not None else "probed",
            probed_at=cached.probed_at if cached is not None else None,
        )
        self.app.post_message(HardwareReady(self.report, origin=self.area_id))  # the app tells the others

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        if event.worker.group == "hw-frameworks":
            self.probing = False
            for name, result in self.frameworks.items():
                if result.status == "probing":
                    self.frameworks[name] = replace(result, status="crashed", reason=f"probe error: {error}")
                    self._paint_framework_row(name)
            self._paint_frameworks_summary()
            self._paint_warnings()
            self.notify(f"Framework probe failed: {error}", severity="error", markup=False)
        elif event.worker.group == "hw-gpu-sample":
            self._sampling_gpus = False

    # -- peak compute -------------------------------------------------------------------------------

    def action_measure_peak(self) -> None:
        if self.measuring:
            self.notify("Peak compute is already being measured.", timeout=3)
            return
        self.measuring = True
        self._paint_peak()
        self._measure_peak()

    @work(thread=True, group="hw-peak", exit_on_error=False)
    def _measure_peak(self) -> None:
        try:
            self.post_message(PeakMeasured(self.source.measure_peak()))
        except Exception as exc:  # shown in the panel; the app keeps running
            self.post_message(PeakMeasured(None, str(exc)))

    def on_peak_measured(self, message: PeakMeasured) -> None:
        self.measuring = False
        if message.error is not None:
            self.notify(f"Peak measurement failed: {message.error}", severity="error", markup=False)
        else:
            self.peak = message.peak
            if not self.probing:
                self._publish()
        self._paint_peak()

    # -- live sampling ------------------------------------------------------------------------------

    def _sample_host(self) -> None:
        cpu, memory = self.source.sample_host()
        self.history.add_host(cpu, memory)
        self._paint_memory(memory / 100)
        self._update_graph("cpu", list(self.history.cpu))
        self._update_graph("memory", list(self.history.memory))
        if self.system.nvidia_gpus() and not self._sampling_gpus:
            self._sampling_gpus = True
            self._sample_gpus()

    @work(thread=True, group="hw-gpu-sample", exit_on_error=False)
    def _sample_gpus(self) -> None:
        self.post_message(GpusSampled(self.source.sample_gpus()))

    def on_gpus_sampled(self, message: GpusSampled) -> None:
        self._sampling_gpus = False
        self.history.add_gpus(message.values)
        for index, values in self.history.gpus.items():
            self._update_graph(f"gpu{index}", list(values))
