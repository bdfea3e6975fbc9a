"""Cold start: from launching ``fwtui`` to the painted Hardware screen, median of several runs.

First paint is timed in a pseudo-terminal from ``fork`` until the screen's text has been written (the Hardware
tab and the CPU's name for fwtui), with the probe cache warm as on any launch after the first. Baselines,
measured in the same run and launched the same way: a minimal Textual app (a header, one line of text and a
footer) and harlequin (a Textual SQL IDE; until its footer is painted). Targets: fwtui's median at most 0.5 s on a
2-core machine and at most 0.6x harlequin's.

harlequin is never one of fwtui's dependencies: unless ``--harlequin PATH`` or a ``harlequin`` on the PATH is
given, it is installed once into a throwaway virtual environment in the temporary directory.

    python benchmarks/cold_start.py [--runs 7] [--harlequin PATH]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _pty import time_until_marker

TARGET_S = 0.5
TARGET_HARLEQUIN_RATIO = 0.6
HARLEQUIN = "harlequin>=2.0,<3"
HARLEQUIN_VENV = Path(tempfile.gettempdir()) / "fwtui-bench-harlequin"

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


def harlequin_command(given: str | None) -> list[str]:
    """harlequin's executable: the one given, one on the PATH, or one installed into a throwaway venv."""
    if given:
        return [given]
    found = shutil.which("harlequin")
    if found:
        return [found]
    executable = HARLEQUIN_VENV / "bin" / "harlequin"
    if not executable.exists():
        print(f"installing {HARLEQUIN} into {HARLEQUIN_VENV} (once; not a dependency of fwtui)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(HARLEQUIN_VENV)], check=True)
        subprocess.run(
            [str(HARLEQUIN_VENV / "bin" / "pip"), "install", "--quiet", HARLEQUIN], check=True
        )
    return [str(executable)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--harlequin", help="harlequin executable (default: found or installed, see above)")
    args = parser.parse_args()
    harlequin = harlequin_command(args.harlequin)

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
        # The framework probes' cache, as any launch after the first finds it.
        subprocess.run([fwtui, "hw", "--json"], env={**os.environ, **env}, capture_output=True, check=True)
        # One unmeasured launch of each warms the OS file cache, as a user's second launch would be.
        harlequin_env = {**env, "HOME": home}  # its own config and history, not the user's
        time_until_marker([fwtui], [b"Hardware", marker], env=env)
        time_until_marker([sys.executable, str(minimal)], [b"BASELINE-READY"], env=env)
        time_until_marker(harlequin, [b"Run Query"], env=harlequin_env)
        fwtui_times, base_times, harlequin_times = [], [], []
        for _ in range(args.runs):
            fwtui_times.append(time_until_marker([fwtui], [b"Hardware", marker], env=env))
            base_times.append(time_until_marker([sys.executable, str(minimal)], [b"BASELINE-READY"], env=env))
            harlequin_times.append(time_until_marker(harlequin, [b"Run Query"], env=harlequin_env))
    fw, base = statistics.median(fwtui_times), statistics.median(base_times)
    hq = statistics.median(harlequin_times)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs")
    print(f"fwtui cold start to painted Hardware screen: median {fw * 1000:.0f} ms over {args.runs} runs "
          f"(min {min(fwtui_times) * 1000:.0f}, max {max(fwtui_times) * 1000:.0f})")
    print(f"baseline minimal Textual app:                median {base * 1000:.0f} ms")
    print(f"harlequin:                                   median {hq * 1000:.0f} ms")
    print(f"ratio fwtui / minimal Textual app: {fw / base:.2f}")
    print(f"ratio fwtui / harlequin: {fw / hq:.2f} (target <= {TARGET_HARLEQUIN_RATIO:.1f})")
    met = fw <= TARGET_S and fw / hq <= TARGET_HARLEQUIN_RATIO
    print(f"target: <= {TARGET_S * 1000:.0f} ms and <= {TARGET_HARLEQUIN_RATIO:.1f}x harlequin -> "
          f"{'met' if met else 'NOT met'} ({fw / TARGET_S:.2f} of {TARGET_S * 1000:.0f} ms)")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
