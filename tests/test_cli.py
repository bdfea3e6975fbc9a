"""The ``fwtui`` entry point: version, help and usage errors, run as a real subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fwtui import __version__
from fwtui.commands import COMMANDS


def _fwtui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fwtui", *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_version_prints_the_package_version() -> None:
    result = _fwtui("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"fwtui {__version__}"


def test_help_lists_every_command() -> None:
    result = _fwtui("--help")
    assert result.returncode == 0
    for name in COMMANDS:
        assert name in result.stdout


def test_unknown_command_is_a_usage_error() -> None:
    result = _fwtui("frobnicate")
    assert result.returncode == 2
    assert "unknown command 'frobnicate'" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_flag_is_a_usage_error() -> None:
    result = _fwtui("--no-such-flag")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_missing_database_argument_is_one_line() -> None:
    result = _fwtui("/nonexistent/results.duckdb")
    assert result.returncode == 1
    assert result.stderr.strip() == "fwtui: no such database or directory: /nonexistent/results.duckdb"


def test_a_file_that_is_not_a_database_is_refused_before_the_app_starts(tmp_path: Path) -> None:
    bogus = tmp_path / "results.duckdb"
    bogus.write_text("framework,p50\ntorch,0.12\n")
    result = _fwtui(str(bogus))
    assert result.returncode == 1
    assert result.stderr.strip() == f"fwtui: {bogus} is not a DuckDB database"
    assert bogus.read_text() == "framework,p50\ntorch,0.12\n"  # nothing was written to it
