"""A wheel built from the repository, installed in a fresh virtual environment, runs from any directory."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel_env(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A fresh venv with only the fwtui wheel installed; dependencies come from this interpreter's site-packages."""
    root = tmp_path_factory.mktemp("wheel")
    dist = root / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(REPO)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheels = list(dist.glob("fwtui-*.whl"))
    assert len(wheels) == 1
    env_dir = root / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheels[0])],
        check=True,
        capture_output=True,
        timeout=300,
    )
    env = dict(os.environ)
    # Dependencies (textual, duckdb, ...) are borrowed from the test interpreter; fwtui itself must come from the
    # wheel. PYTHONPATH does not process the editable install's .pth file, so the checkout is not importable.
    env["PYTHONPATH"] = sysconfig.get_paths()["purelib"]
    return env_dir, env


def _run(env_dir: Path, env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(env_dir / "bin" / args[0]), *args[1:]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_wheel_finds_its_resources_outside_the_checkout(wheel_env: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    env_dir, env = wheel_env
    code = (
        "import fwtui, screens, fwtui.paths as p;"
        "print(fwtui.__file__); print(screens.__file__);"
        "print(p.resource_dir('queries')); print(p.resource_dir('sample_data'))"
    )
    result = _run(env_dir, env, tmp_path, "python", "-c", code)
    assert result.returncode == 0, result.stderr
    paths = result.stdout.split()
    assert len(paths) == 4
    for path in paths:
        assert str(env_dir) in path, f"{path} does not come from the installed wheel"
        assert str(REPO) not in path
    assert any(Path(paths[2]).glob("*.sql")), "the wheel ships no named queries"


def test_wheel_console_script_runs(wheel_env: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    env_dir, env = wheel_env
    env = {**env, "FWTUI_DATA_DIR": str(tmp_path / "data"), "FWTUI_CACHE_DIR": str(tmp_path / "cache")}
    version = _run(env_dir, env, tmp_path, "fwtui", "--version")
    assert version.returncode == 0 and version.stdout.startswith("fwtui ")
    hw = _run(env_dir, env, tmp_path, "fwtui", "hw", "--json", "--no-frameworks")
    assert hw.returncode == 0, hw.stderr
    assert '"cpu"' in hw.stdout


def test_wheel_app_starts_headless(wheel_env: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    env_dir, env = wheel_env
    code = """
import asyncio
from pathlib import Path
from screens.app import FwtuiApp
from screens.context import AppContext

async def main():
    app = FwtuiApp(AppContext(db_path=Path("results.duckdb")))
    async with app.run_test(size=(100, 32)) as pilot:
        for key in "2341":
            await pilot.press(key)
            await pilot.pause()
        print("areas:", app.active_area_id, len(app.query("Area")))

asyncio.run(main())
"""
    env = {**env, "FWTUI_DATA_DIR": str(tmp_path / "data"), "FWTUI_CACHE_DIR": str(tmp_path / "cache"),
           "FWTUI_CONFIG_DIR": str(tmp_path / "config")}
    result = _run(env_dir, env, tmp_path, "python", "-c", code)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "areas: hardware 4" in result.stdout
