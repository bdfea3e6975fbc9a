"""Shared fixtures. Every test runs with its own data, cache and config directories."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Keep tests away from the user's real results database and caches."""
    root = tmp_path_factory.mktemp("fwtui-home")
    for var, sub in (
        ("FWTUI_DATA_DIR", "data"),
        ("FWTUI_CACHE_DIR", "cache"),
        ("FWTUI_CONFIG_DIR", "config"),
    ):
        (root / sub).mkdir()
        monkeypatch.setenv(var, str(root / sub))
    monkeypatch.setenv("FWTUI_DB", str(root / "data" / "results.duckdb"))
    yield root


@pytest.fixture(scope="session")
def probed_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache directory holding this machine's real framework probes, taken once per test session."""
    root = tmp_path_factory.mktemp("probed-cache")
    env = {**os.environ, "FWTUI_CACHE_DIR": str(root)}
    done = subprocess.run(
        [sys.executable, "-m", "fwtui", "hw", "--json"], capture_output=True, text=True, timeout=600, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert list(root.glob("probes-*.json")), "fwtui hw wrote no probe cache"
    return root


@pytest.fixture
def warm_probes(probed_cache_dir: Path, isolated_dirs: Path) -> Path:
    """The session's real probes in this test's cache, as on a second launch: the app starts no framework child.
    For tests of the app frame, not of probing (those start cold, as every test does by default)."""
    cache = isolated_dirs / "cache"
    for found in probed_cache_dir.glob("probes-*.json"):
        shutil.copy(found, cache / found.name)
    return cache
