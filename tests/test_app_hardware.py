"""The Hardware area in the real app: Pilot tests, snapshots and the no-framework-import guarantee."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import psutil
import pytest
from app_helpers import settle, until
from rich.console import Console
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import DataTable, Footer, Header, Static

import screens
import screens.hardware.area as hardware_screen
from fwtui.errors import FwtuiError
from fwtui.hardware import FrameworkProbe, HardwareReport, PeakEntry, SystemInfo, probe_system
from fwtui.hardware.examples import example_frameworks, example_peak, example_system
from screens.app import FwtuiApp
from screens.context import AppContext
from screens.hardware.area import HardwareArea, HardwareSource
from screens.hardware.widgets import PercentGraph
from screens.messages import HardwareReady

HEAVY_MODULES = ("torch", "tensorflow", "jax", "jaxlib", "onnxruntime", "onnx", "keras", "sklearn")


class FixedSource(HardwareSource):
    """Deterministic data: the example report, fixed load, no timer."""

    live = False

    def __init__(self, *, system: SystemInfo | None = None, peak: bool = True) -> None:
        self._system = system or example_system()
        self._peak = example_peak() if peak else None
        self.probe_calls = 0
        self.measure_calls = 0

    def system(self) -> SystemInfo:
        return self._system

    def frameworks(self, on_result: Callable[[str, FrameworkProbe], None]) -> dict[str, FrameworkProbe]:
        self.probe_calls += 1
        results = example_frameworks()
        for name, result in results.items():
            on_result(name, result)
        return results

    def cached_peak(self) -> PeakEntry | None:
        return self._peak

    def measure_peak(self) -> PeakEntry:
        self.measure_calls += 1
        self._peak = example_peak()
        return self._peak

    def seed_history(self) -> list[tuple[float, float]]:
        return [(float((i * 37) % 100), 40.0 + i % 7) for i in range(90)]

    def now(self) -> datetime:
        return datetime(2025, 1, 15, 10, 31, tzinfo=timezone.utc)  # a minute after the example's measurement

    def sample_host(self) -> tuple[float, float]:
        return 42.0, 45.0

    def sample_gpus(self) -> list[float | None]:
        return [37.0]


class BrokenSource(FixedSource):
    def frameworks(self, on_result: Callable[[str, FrameworkProbe], None]) -> dict[str, FrameworkProbe]:
        raise RuntimeError("probe machinery exploded")

    def measure_peak(self) -> PeakEntry:
        raise FwtuiError("peak measurement failed: no BLAS")


def _text(widget: Static) -> str:
    console = Console(width=200, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(widget.content)
    return console.export_text()


def _app(tmp_path: Path) -> FwtuiApp:
    return FwtuiApp(AppContext(db_path=tmp_path / "results.duckdb"))


async def _settle(pilot: Pilot[Any]) -> None:
    """Wait for the Hardware area's own workers (other areas may keep theirs busy) and the messages they post;
    the live GPU sampler runs for as long as the area does."""
    await settle(pilot, node=pilot.app.query_one(HardwareArea), ignore_groups={"hw-gpu-sample"})


class HardwareHost(App[None]):
    """The Hardware area alone, with the app's styles: deterministic snapshots and focused key tests."""

    TITLE = "fwtui"
    CSS_PATH = str(Path(screens.__file__).parent / "app.tcss")

    def __init__(self, source: HardwareSource | None = None) -> None:
        super().__init__()
        self.source = source or FixedSource()
        self.hardware_report: HardwareReport | None = None
        self.published = 0

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield HardwareArea(AppContext(db_path=Path("unused.duckdb")), source=self.source)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(HardwareArea).focus_default()

    def on_hardware_ready(self, message: HardwareReady) -> None:  # what the area posts to the app
        self.hardware_report = message.report
        self.published += 1


async def test_switch_areas_and_read_the_hardware_screen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_system = probe_system()
    monkeypatch.setattr(hardware_screen, "SOURCE", FixedSource(system=real_system))
    app = _app(tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await _settle(pilot)
        for key, area in (("2", "benchmark"), ("3", "results"), ("4", "decide"), ("1", "hardware")):
            await pilot.press(key)
            assert app.active_area_id == area
        area = app.query_one(HardwareArea)
        assert real_system.cpu.brand in _text(app.query_one("#hw-cpu", Static))
        assert real_system.cpu.brand in _text(app.query_one("#hw-summary", Static))
        assert area.help_text.startswith("# Hardware")


async def test_framework_results_fill_the_table_and_are_published(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hardware_screen, "SOURCE", FixedSource())
    app = _app(tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await _settle(pilot)
        table = app.query_one("#hw-framework-table", DataTable)
        assert table.row_count == 6
        keras_row = [str(cell) for cell in table.get_row("keras")]
        assert keras_row[2] == "ok" and "jax: cuda:0 NVIDIA H100" in keras_row[3]
        torch_row = [str(cell) for cell in table.get_row("torch")]
        assert torch_row == ["PyTorch", "2.5.1+cu124", "ok", "cpu, cuda:0 NVIDIA H100 80GB HBM3"]
        ort_row = [str(cell) for cell in table.get_row("onnxruntime")]
        assert ort_row[2] == "crashed" and "SIGSEGV" in ort_row[3]
        report = app.hardware_report
        assert report is not None
        assert report.frameworks["jax"].devices == ("cuda:0 NVIDIA H100 80GB HBM3",)
        assert report.peak_gflops["cuda:0"]["bfloat16"] == 702000.0
        warnings = _text(app.query_one("#hw-warnings", Static))
        assert "TensorFlow sees no GPU" in warnings
        assert "scikit-learn sees no GPU" not in warnings  # a CPU-only framework
        assert "NVIDIA H100 80GB HBM3" in _text(app.query_one("#hw-accelerators", Static))


async def test_keys_reprobe_and_measure_peak() -> None:
    source = FixedSource(peak=False)
    app = HardwareHost(source)
    async with app.run_test(size=(100, 40)) as pilot:
        await _settle(pilot)
        assert app.published == 1
        assert "not measured — press m" in _text(app.query_one("#hw-peak", Static))
        await pilot.press("m")
        await _settle(pilot)
        assert source.measure_calls == 1
        peak_text = _text(app.query_one("#hw-peak", Static))
        assert "702 TFLOP/s" in peak_text and "cuda:0" in peak_text
        assert app.hardware_report is not None and app.hardware_report.peak_gflops is not None
        await pilot.press("f5")
        await _settle(pilot)
        assert source.probe_calls == 2
        assert app.published == 3  # after the probe, the measurement and the re-probe


async def test_the_peaks_table_shows_every_dtype_who_measured_it_when_and_why_one_is_missing() -> None:
    example = example_system()
    no_fp16 = replace(example, cpu=replace(example.cpu, flags=tuple(f for f in example.cpu.flags if f != "avx512_fp16")))
    app = HardwareHost(FixedSource(system=no_fp16))
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        peak = app.query_one("#hw-peak", Static)
        lines = _text(peak).splitlines()

        def line(dtype: str, device: str = "cpu") -> str:
            """The dtype's row under the device's heading."""
            under = lines[next(i for i, text in enumerate(lines) if text.strip() == device) :]
            return next(text for text in under if text.split()[:1] == [dtype])

        assert "numpy · 1 min 00 s ago" in line("float32") and "3.12 TFLOP/s" in line("float32")
        assert "43.0 TFLOP/s" in line("float32")  # the ceiling: 112 logical cores x 6 GHz x 64 FLOPs per cycle
        assert "29.4 TOPS" in line("int8") and "torch · 1 h 31 min ago" in line("int8")
        assert "—" in line("float16") and "no native float16 on this CPU (needs avx512_fp16)" in line("float16")
        assert "not measured: press m" in line("int8", "cuda:0")  # native on the H100, never measured
        assert "702 TFLOP/s" in line("bfloat16", "cuda:0")
        assert peak.region.right <= 80


async def test_failing_workers_are_shown_and_the_app_keeps_running() -> None:
    app = HardwareHost(BrokenSource(peak=False))
    async with app.run_test(size=(100, 40)) as pilot:
        await _settle(pilot)
        table = app.query_one("#hw-framework-table", DataTable)
        installed = [name for name, r in app.query_one(HardwareArea).frameworks.items() if r.installed]
        for name in installed:
            row = [str(cell) for cell in table.get_row(name)]
            assert row[2] == "crashed" and "probe machinery exploded" in row[3]
        await pilot.press("m")
        await _settle(pilot)
        assert "not measured — press m" in _text(app.query_one("#hw-peak", Static))
        assert any("no BLAS" in str(n.message) for n in app._notifications)
        assert app.is_running


async def test_live_graphs_use_the_sampled_values() -> None:
    app = HardwareHost()
    async with app.run_test(size=(100, 40)) as pilot:
        await _settle(pilot)
        cpu_graph = app.query_one("#hw-graph-cpu", PercentGraph)
        assert cpu_graph.values[-1] == 42.0
        assert str(app.query_one("#hw-value-memory", Static).content) == "45%"
        assert app.query_one("#hw-graph-gpu0", PercentGraph) is not None


class QuickProbeSource(HardwareSource):
    """The real system probe and live sampling, with framework children that answer at once."""

    def frameworks(self, on_result: Callable[[str, FrameworkProbe], None]) -> dict[str, FrameworkProbe]:
        from fwtui.hardware import probe_frameworks

        quick = [sys.executable, "-c", "import json; print(json.dumps({'devices': ['cpu'], 'details': {}}))"]
        return probe_frameworks(timeout_s=60, child_command=lambda name: quick, on_result=on_result)


async def test_real_probe_and_live_sampling() -> None:
    app = HardwareHost(QuickProbeSource())
    async with app.run_test(size=(100, 40)) as pilot:
        await _settle(pilot)
        area = app.query_one(HardwareArea)
        await until(pilot, lambda: len(area.history.cpu) >= 2, timeout_s=10)  # the live timer ticks once a second
        assert all(0.0 <= value <= 100.0 for value in area.history.cpu)
        assert "in use" in _text(app.query_one("#hw-memory", Static))
        assert probe_system().cpu.brand in _text(app.query_one("#hw-cpu", Static))
        assert app.hardware_report is not None
        installed = {n for n, r in app.hardware_report.frameworks.items() if r.installed}
        assert {n for n, r in app.hardware_report.frameworks.items() if r.status == "ok"} == installed


async def test_fits_at_80x24_and_scrolls_to_every_panel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hardware_screen, "SOURCE", FixedSource())
    app = _app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        area = app.query_one(HardwareArea)
        assert not area.has_class("-wide")
        scroll = app.query_one("#hw-scroll")
        assert scroll.max_scroll_y > 0
        warnings = app.query_one("#hw-warnings", Static)
        assert warnings.region.right <= 80
        await pilot.press("end")
        await pilot.pause()
        assert scroll.scroll_y == scroll.max_scroll_y


async def _snapshot_ready(pilot: Pilot[Any]) -> None:
    await _settle(pilot)
    await pilot.pause()


def test_snapshot_wide(snap_compare: Any) -> None:
    assert snap_compare(HardwareHost(), terminal_size=(140, 40), run_before=_snapshot_ready)


def test_snapshot_100x40(snap_compare: Any) -> None:
    assert snap_compare(HardwareHost(), terminal_size=(100, 40), run_before=_snapshot_ready)


def test_snapshot_80x24(snap_compare: Any) -> None:
    assert snap_compare(HardwareHost(), terminal_size=(80, 24), run_before=_snapshot_ready)


def test_app_process_never_imports_a_framework(tmp_path: Path) -> None:
    # A fresh interpreter, so imports made by other tests cannot hide or fake one.
    script = textwrap.dedent(f"""
        import asyncio, json, sys
        from pathlib import Path
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from app_helpers import until
        from screens.app import FwtuiApp
        from screens.context import AppContext

        async def main():
            app = FwtuiApp(AppContext(db_path=Path({str(tmp_path / "results.duckdb")!r})))
            async with app.run_test(size=(100, 40)) as pilot:
                try:
                    await until(pilot, lambda: app.hardware_report is not None, timeout_s=300)
                except AssertionError:
                    pass  # reported below as "the framework probes never finished"
                report = app.hardware_report
                statuses = {{k: v.status for k, v in report.frameworks.items()}} if report else None
                heavy = sorted(m for m in sys.modules if m.split(".")[0] in {list(HEAVY_MODULES)!r})
                print(json.dumps({{"statuses": statuses, "heavy": heavy}}), flush=True)
                app.exit()

        asyncio.run(main())
    """)
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=400,
        cwd=Path(screens.__file__).parent.parent,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["statuses"] is not None, "the framework probes never finished"
    assert set(result["statuses"].values()) <= {"ok", "not_installed"}, result["statuses"]
    assert result["heavy"] == []


class HangingProbeSource(FixedSource):
    """Framework children that hang, each writing its pid first."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder

    def frameworks(self, on_result: Callable[[str, FrameworkProbe], None]) -> dict[str, FrameworkProbe]:
        from fwtui.hardware import probe_frameworks

        def command(name: str) -> list[str]:
            code = f"import os, time; open({str(self.folder / name)!r}, 'w').write(str(os.getpid())); time.sleep(300)"
            return [sys.executable, "-c", code]

        return probe_frameworks(timeout_s=300, child_command=command, on_result=on_result)


async def test_quitting_mid_probe_kills_the_children(tmp_path: Path) -> None:
    import contextlib

    app = HardwareHost(HangingProbeSource(tmp_path))
    async with app.run_test(size=(100, 40)) as pilot:
        area = app.query_one(HardwareArea)
        children = len([name for name, r in area.frameworks.items() if r.installed])

        def every_child_wrote_its_pid() -> bool:
            return len([path for path in tmp_path.iterdir() if path.read_text()]) == children

        await until(pilot, every_child_wrote_its_pid, timeout_s=20)
        assert list(tmp_path.iterdir()), "no probe child started"
        assert area.probing
        app.exit()
    pids = [int(path.read_text()) for path in tmp_path.iterdir() if path.read_text()]
    processes = []
    for pid in pids:
        with contextlib.suppress(psutil.NoSuchProcess):
            processes.append(psutil.Process(pid))
    _, alive = psutil.wait_procs(processes, timeout=5)
    for process in alive:
        process.kill()
    if alive:
        pytest.fail(f"probe children {[p.pid for p in alive]} outlived the app")


class CountingQuickSource(QuickProbeSource):
    """Quick real children, counted; the cache is the real one (in this test's cache directory)."""

    live = False

    def __init__(self) -> None:
        self.probe_calls = 0

    def frameworks(self, on_result: Callable[[str, FrameworkProbe], None]) -> dict[str, FrameworkProbe]:
        self.probe_calls += 1
        return super().frameworks(on_result)


async def test_a_second_launch_uses_the_cached_probe_and_f5_probes_again() -> None:
    from fwtui.hardware import probe_cache

    first = CountingQuickSource()
    app = HardwareHost(first)
    async with app.run_test(size=(100, 40)) as pilot:
        await _settle(pilot)
        assert first.probe_calls == 1
        assert app.hardware_report is not None and app.hardware_report.probes_source == "probed"
        assert not app.query_one("#hw-probe-age", Static).display
    assert probe_cache.load(probe_system()) is not None

    second = CountingQuickSource()
    app = HardwareHost(second)
    async with app.run_test(size=(100, 40)) as pilot:
        await _settle(pilot)
        area = app.query_one(HardwareArea)
        assert second.probe_calls == 0
        assert psutil.Process().children() == []
        report = app.hardware_report
        assert report is not None and report.probes_source == "cache" and report.probed_at is not None
        assert {n: r.status for n, r in report.frameworks.items()} == {
            n: "ok" if r.installed else "not_installed" for n, r in area.frameworks.items()
        }
        age = app.query_one("#hw-probe-age", Static)
        assert age.display and age.region.height >= 1
        assert "cached probe of" in _text(age) and "ago" in _text(age) and "f5 probes again" in _text(age)

        await pilot.press("f5")  # the key map: f5 / ctrl+r re-probe
        await _settle(pilot)
        assert second.probe_calls == 1
        assert not age.display
        assert app.hardware_report is not None and app.hardware_report.probes_source == "probed"
        assert app.published == 2
