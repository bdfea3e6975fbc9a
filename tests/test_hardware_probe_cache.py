"""The framework probes' cache: reused only under the same key, never trusted blindly, and `fwtui hw` uses it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psutil
import pytest

from fwtui.frameworks import BENCHMARK_FRAMEWORKS, installed_version
from fwtui.hardware import probe_cache, probe_frameworks, probe_system
from fwtui.hardware.model import FrameworkProbe, SystemInfo

QUICK_CHILD = [sys.executable, "-c", "import json; print(json.dumps({'devices': ['cpu'], 'details': {}}))"]


@pytest.fixture(scope="module")
def system() -> SystemInfo:
    return probe_system()


def _quick_probes() -> dict[str, FrameworkProbe]:
    """Every framework probed by a real child that answers at once."""
    return probe_frameworks(timeout_s=60, child_command=lambda name: QUICK_CHILD)


def _saved(system: SystemInfo) -> dict[str, FrameworkProbe]:
    results = _quick_probes()
    assert probe_cache.save(system, results)
    return results


def test_saved_probes_come_back_under_the_same_key(system: SystemInfo) -> None:
    results = _saved(system)
    cached = probe_cache.load(system)
    assert cached is not None
    assert cached.frameworks == results
    assert 0 <= cached.age_s() < 60
    # Nothing left behind by the atomic write but the file itself.
    assert [p.name for p in probe_cache.cache_path(system).parent.iterdir()] == [
        probe_cache.cache_path(system).name
    ]


@pytest.mark.parametrize(
    "variable", ["CUDA_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES", "TF_ENABLE_ONEDNN_OPTS", "XLA_FLAGS",
                 "JAX_PLATFORMS", "OMP_NUM_THREADS"]
)
def test_an_environment_change_invalidates(
    system: SystemInfo, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    _saved(system)
    with monkeypatch.context() as changed:
        changed.setenv(variable, os.environ.get(variable, "") + "-changed")
        assert probe_cache.load(system) is None
    assert probe_cache.load(system) is not None


def test_an_unrelated_environment_change_keeps_the_cache(
    system: SystemInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    _saved(system)
    monkeypatch.setenv("FWTUI_UNRELATED_SETTING", "x")
    assert probe_cache.load(system) is not None


def test_a_package_version_change_invalidates(
    system: SystemInfo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _saved(system)
    # A real distribution's metadata, found first on the path, as after `pip install torch==99.0`.
    framework = BENCHMARK_FRAMEWORKS[0]
    dist = tmp_path / f"{framework.distributions[0]}-99.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {framework.distributions[0]}\nVersion: 99.0\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert installed_version(framework.distributions) == "99.0"
    assert probe_cache.load(probe_system()) is None  # as the next launch sees it


def test_another_python_invalidates(
    system: SystemInfo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _saved(system)
    other = tmp_path / "python3"
    other.symlink_to(sys.executable)
    monkeypatch.setattr(sys, "executable", str(other))
    assert probe_cache.load(system) is None


def test_a_driver_change_invalidates(system: SystemInfo) -> None:
    _saved(system)
    upgraded = replace(system, nvidia=replace(system.nvidia, available=True, driver_version="999.99"))
    assert probe_cache.load(upgraded) is None


@pytest.mark.parametrize(
    "content",
    [b"", b"{", b"[]", b"null", b'{"key": 1}', b"\xff\xfe garbage", b"[" * 100_000, b" " * 2_000_000],
)
def test_a_corrupt_file_is_ignored(system: SystemInfo, content: bytes) -> None:
    path = probe_cache.cache_path(system)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    assert probe_cache.load(system) is None


def _forge(system: SystemInfo, edit: dict[str, object], probed_at: datetime | None = None) -> None:
    """A file with the right key whose entries say what ``edit`` says."""
    _saved(system)
    path = probe_cache.cache_path(system)
    data = json.loads(path.read_text())
    for name, entry in edit.items():
        data["frameworks"][name] = entry
    if probed_at is not None:
        data["probed_at"] = probed_at.isoformat()
    path.write_text(json.dumps(data))


def test_forged_strings_are_cleaned_and_names_come_from_the_registry(system: SystemInfo) -> None:
    framework = next(fw for fw in BENCHMARK_FRAMEWORKS if installed_version(fw.distributions))
    _forge(
        system,
        {
            framework.name: {
                "name": "evil",
                "display": "\x1b[2J[bold red]Evil",
                "installed": True,
                "version": "1.0\x1b]0;title\x07",
                "status": "crashed",
                "reason": "boom\x1b[31m" + "x" * 10_000,
                "devices": ["cpu\r\n\x1b[1A"] * 1000,
                "details": {"note\x1b": "\x1b[5m", "nested": {"deep": ["\x00a"]}},
            }
        },
    )
    cached = probe_cache.load(system)
    assert cached is not None
    probe = cached.frameworks[framework.name]
    assert (probe.name, probe.display) == (framework.name, framework.display)
    texts = [probe.version or "", probe.reason or "", *probe.devices, json.dumps(probe.details)]
    assert not any("\x1b" in t or "\x07" in t or "\r" in t or "\x00" in t for t in texts)
    assert len(probe.reason or "") <= probe_cache.MAX_TEXT
    assert len(probe.devices) <= probe_cache.MAX_ITEMS


@pytest.mark.parametrize(
    "entry",
    [
        "not an object",
        {"status": "exploded", "installed": True},
        {"status": "ok", "installed": True, "devices": "cpu"},
        {"status": "ok", "installed": True, "devices": [1, 2]},
        {"status": "not_installed", "installed": False},  # it is installed here
        {"status": "timeout", "installed": True},
    ],
)
def test_a_forged_entry_that_does_not_fit_is_ignored(system: SystemInfo, entry: object) -> None:
    framework = next(fw for fw in BENCHMARK_FRAMEWORKS if installed_version(fw.distributions))
    _forge(system, {framework.name: entry})
    assert probe_cache.load(system) is None


def test_a_file_from_the_future_is_ignored(system: SystemInfo) -> None:
    _forge(system, {}, probed_at=datetime.now(timezone.utc) + timedelta(days=2))
    assert probe_cache.load(system) is None


def test_a_timed_out_or_killed_probe_is_not_cached(system: SystemInfo) -> None:
    results = _quick_probes()
    name = next(iter(results))
    timed_out = {**results, name: replace(results[name], status="timeout", reason="no answer")}
    assert not probe_cache.save(system, timed_out)
    killed = {**results, name: replace(results[name], status="crashed", reason="killed by SIGKILL")}
    assert not probe_cache.save(system, killed)
    assert not probe_cache.cache_path(system).exists()


def _hw_json(*args: str) -> tuple[dict[str, object], int]:
    """`fwtui hw --json` as a user runs it; also the most child processes it had at any moment."""
    process = psutil.Popen(
        [sys.executable, "-m", "fwtui", "hw", "--json", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    most = 0
    while process.poll() is None:
        try:
            most = max(most, len(process.children(recursive=True)))
        except psutil.NoSuchProcess:
            break
        time.sleep(0.005)
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr
    return json.loads(stdout), most


def test_hw_uses_the_cache_without_a_child_and_fresh_probes_again(system: SystemInfo) -> None:
    # A cached probe no real framework would give: only the cache can have said it.
    results = {
        name: replace(probe, devices=("cached-device",)) if probe.installed else probe
        for name, probe in _quick_probes().items()
    }
    assert probe_cache.save(system, results)

    report, children = _hw_json()
    assert report["probes_source"] == "cache"
    assert children == 0
    frameworks = report["frameworks"]
    assert isinstance(frameworks, dict)
    assert any(entry["devices"] == ["cached-device"] for entry in frameworks.values())

    report, children = _hw_json("--fresh", "--timeout", "240")
    assert report["probes_source"] == "probed"
    assert children >= 1
    frameworks = report["frameworks"]
    assert isinstance(frameworks, dict)
    assert not any(entry["devices"] == ["cached-device"] for entry in frameworks.values())
    # The fresh probe replaced the cache.
    cached = probe_cache.load(system)
    assert cached is not None
    assert not any(probe.devices == ("cached-device",) for probe in cached.frameworks.values())
