"""The fork server: one import per framework per session, and children as separate as freshly started ones.

Real servers and children (ONNX Runtime, the quickest framework to import; JAX for the hang faults).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from typing import Any

import psutil
import pytest

from fwtui.bench.events import ChildDone, ChildResult, child_event_from_dict
from fwtui.bench.plan import RunSpec
from fwtui.bench.process import child_environment, run_runs
from fwtui.bench.session import BenchSession
from fwtui.bench.zygote import ForkedChild, Zygote, supported

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not supported(), reason="fork servers are Linux-only")]

FAST = {"min_time_s": 0.05, "min_iterations": 5, "max_time_s": 1.0, "warmup_s": 0.02, "threads": 1}


def ort_spec(**changes: Any) -> RunSpec:
    base = RunSpec(framework="onnxruntime", workload="mlp", mode="inference", variant="ort", timeout_s=120)
    return base.with_changes(**{**FAST, **changes})


def _events(child: ForkedChild) -> list[object]:
    found = []
    for line in child.stdout:
        if line.startswith("{"):
            found.append(child_event_from_dict(json.loads(line)))
    return found


def test_a_forked_child_has_its_own_session_and_a_kill_of_it_spares_the_server() -> None:
    spec = ort_spec()
    zygote = Zygote(spec.process_key, child_environment(1))
    try:
        hung = zygote.fork(json.dumps([spec.with_changes(fault="hang", fault_phase="build").to_dict()]), timeout_s=60)
        assert hung is not None
        assert os.getpgid(hung.pid) == hung.pid  # its own process group: a kill reaches it and what it started
        assert os.getsid(hung.pid) == hung.pid
        os.killpg(hung.pid, signal.SIGKILL)
        assert hung.wait(timeout=10) == -signal.SIGKILL

        child = zygote.fork(json.dumps([spec.to_dict()]), timeout_s=60)  # the server lives on
        assert child is not None and child.pid != hung.pid
        events = _events(child)
        assert child.wait(timeout=30) == 0
        results = [e for e in events if isinstance(e, ChildResult)]
        assert [r.status for r in results] == ["ok", "ok"]
        # The server's import is the child's: the figure a freshly started child would report.
        assert all(r.phases.import_s is not None and r.phases.import_s > 0.05 for r in results)
        assert isinstance(events[-1], ChildDone)
    finally:
        zygote.close()


def test_a_dead_server_means_an_ordinary_child() -> None:
    spec = ort_spec()
    zygote = Zygote(spec.process_key, child_environment(1))
    zygote.close()
    assert zygote.fork(json.dumps([spec.to_dict()]), timeout_s=10) is None
    outcomes = run_runs([spec], zygote=zygote)
    assert [o.status for o in outcomes] == ["ok"]
    assert [r.status for r in outcomes[0].results] == ["ok", "ok"]


def test_a_session_forks_each_repetition_from_one_server(monkeypatch: pytest.MonkeyPatch) -> None:
    starts: list[tuple[str, str | None, str | None]] = []
    forks: list[int] = []
    original_init, original_fork = Zygote.__init__, Zygote.fork

    def counting_init(self: Zygote, key: Any, env: Any) -> None:
        starts.append(key)
        original_init(self, key, env)

    def counting_fork(self: Zygote, payload: str, **kwargs: Any) -> ForkedChild | None:
        child = original_fork(self, payload, **kwargs)
        forks.append(-1 if child is None else child.pid)
        return child

    monkeypatch.setattr(Zygote, "__init__", counting_init)
    monkeypatch.setattr(Zygote, "fork", counting_fork)
    specs = [ort_spec(repetitions=3), ort_spec(workload="gemm", repetitions=3)]
    records = BenchSession(specs).run()
    assert [r.status for r in records] == ["ok"] * 3
    assert all(r.repetitions == 3 for r in records)
    assert starts == [specs[0].process_key]  # one import for the framework's three processes
    assert len(forks) == 3 and -1 not in forks and len(set(forks)) == 3


def test_the_server_and_its_child_exit_when_the_parent_dies() -> None:
    spec = json.dumps([RunSpec(framework="jax", workload="mlp", mode="inference", variant="jit",
                               fault="hang", fault_phase="build", timeout_s=600, threads=1).to_dict()])  # fmt: skip
    code = (
        "import sys, time\n"
        "from fwtui.bench.process import child_environment\n"
        "from fwtui.bench.zygote import Zygote\n"
        "z = Zygote(('jax', None, None), child_environment(1))\n"
        "c = z.fork(sys.argv[1], timeout_s=120)\n"
        "print(z._proc.pid, c.pid, flush=True)\n"
        "time.sleep(120)\n"
    )
    launcher = subprocess.Popen([sys.executable, "-c", code, spec], stdout=subprocess.PIPE, text=True)
    assert launcher.stdout is not None
    server_pid, child_pid = (int(pid) for pid in launcher.stdout.readline().split())
    watched = [psutil.Process(server_pid), psutil.Process(child_pid)]
    launcher.kill()  # as if the app crashed
    launcher.wait()
    deadline = time.monotonic() + 15
    alive = watched
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        time.sleep(0.1)
    assert alive == []
