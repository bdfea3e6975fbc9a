"""Shared fixtures. Every test runs with its own data, cache and config directories."""

from __future__ import annotations

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
