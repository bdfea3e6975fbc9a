"""Cold start: from launching ``fwtui`` to the painted Hardware screen, median of several runs.

Baseline, measured in the same run: a minimal Textual app (a header, one line of text and a footer) launched
the same way. Target: fwtui's median at most 0.5 s on a 2-core machine.

    python benchmarks/cold_start.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _pty import time_until_marker

TARGET_S = 0.5

MINIMAL_APP = """
from textual.app import App
from textual.widgets import Footer, Header, Static

class Minimal(App):
    BINDINGS = [("ctrl+q", "quit", "Quit")]
    def compose(self):
        yield Header()
        yield Static("BASELINE-READY")
        yield Footer()

Minimal().run()
"""


def _cpu_marker() -> bytes:
    """Text the Hardware screen shows once painted: the CPU brand from the probe."""
    from fwtui.hardware import probe_system

    brand = probe_system().cpu.brand or "CPU"
    return brand.split()[0].encode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    # A user's Python caches compiled bytecode; an environment that disables it would time the compiler instead.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    fwtui = shutil.which("fwtui") or str(Path(sys.executable).parent / "fwtui")
    with tempfile.TemporaryDirectory() as home:
        env = {
            "FWTUI_DATA_DIR": f"{home}/data",
            "FWTUI_CACHE_DIR": f"{home}/cache",
            "FWTUI_CONFIG_DIR": f"{home}/config",
            "FWTUI_DB": f"{home}/data/results.duckdb",
        }
        minimal = Path(home) / "minimal_app.py"
        minimal.write_text(MINIMAL_APP)
        marker = _cpu_marker()
        # One unmeasured launch of each warms the OS file cache, as a user's second launch would be.
        time_until_marker([fwtui], [b"Hardware", marker], env=env)
        time_until_marker([sys.executable, str(minimal)], [b"BASELINE-READY"], env=env)
        fwtui_times, base_times = [], []
        for _ in range(args.runs):
            fwtui_times.append(time_until_marker([fwtui], [b"Hardware", marker], env=env))
            base_times.append(time_until_marker([sys.executable, str(minimal)], [b"BASELINE-READY"], env=env))
    fw, base = statistics.median(fwtui_times), statistics.median(base_times)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs")
    print(f"fwtui cold start to painted Hardware screen: median {fw * 1000:.0f} ms over {args.runs} runs "
          f"(min {min(fwtui_times) * 1000:.0f}, max {max(fwtui_times) * 1000:.0f})")
    print(f"baseline minimal Textual app:                median {base * 1000:.0f} ms")
    print(f"ratio fwtui / minimal Textual app: {fw / base:.2f}")
    print(f"target: <= {TARGET_S * 1000:.0f} ms -> {'met' if fw <= TARGET_S else 'NOT met'} ({fw / TARGET_S:.2f} of target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
