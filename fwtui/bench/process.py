"""Running one benchmark child: spawn, read its events, enforce the timeout and memory limit, kill cleanly.

The child gets its own session (process group), so a cancel or timeout kills it and anything it started. A
crash, a hang or an out-of-memory child ends as an outcome with a one-line reason; it never raises.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import IO

import psutil  # type: ignore[import-untyped, unused-ignore]

from fwtui.bench.events import ChildError, ChildEvent, ChildPhase, ChildResult, child_event_from_dict
from fwtui.bench.spec import RunSpec

KILL_GRACE_S = 2.0
POLL_S = 0.05
MEMORY_POLL_S = 0.1
STDERR_LINES = 200

EventCallback = Callable[[ChildEvent], None]


@dataclass
class ChildOutcome:
    status: str  # "ok" | "failed" | "timeout" | "cancelled"
    reason: str | None
    phase: str  # the last phase the child entered
    results: list[ChildResult] = field(default_factory=list)
    returncode: int | None = None
    peak_rss_mb: float | None = None
    wall_s: float = 0.0
    stderr_tail: str = ""


def child_environment(threads: int, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The child's environment: thread counts pinned for every runtime, quiet logs, no GPU preallocation."""
    env = dict(os.environ if base is None else base)
    count = str(threads)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "TF_NUM_INTRAOP_THREADS"):
        env[var] = count
    env["TF_NUM_INTEROP_THREADS"] = count
    env["XLA_PYTHON_CLIENT_PREALLOCATE"] = "false"
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    env["PYTHONUNBUFFERED"] = "1"
    env["FWTUI_BENCH_PARENT_PID"] = str(os.getpid())  # the child exits if this process dies
    env["NPROC"] = count  # sizes XLA's CPU thread pool (the JAX runner adds its XLA_FLAGS itself)
    return env


def last_meaningful_line(text: str) -> str | None:
    """The line of stderr that best explains a failure: the last non-blank, non-traceback-frame line."""
    for line in reversed(text.strip().splitlines()):
        stripped = line.strip()
        if (
            not stripped
            or stripped.startswith(("File ", "^", "~", "Traceback"))
            or set(stripped) <= set("^~ ")
        ):
            continue
        return stripped[:300]
    return None


def _signal_name(returncode: int) -> str:
    try:
        return signal.Signals(-returncode).name
    except ValueError:
        return f"signal {-returncode}"


def _kill_group(proc: subprocess.Popen[str]) -> None:
    """SIGTERM the child's process group, SIGKILL after a grace period."""
    try:
        pgid = os.getpgid(proc.pid)
    except ProcessLookupError:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGTERM)
    try:
        proc.wait(timeout=KILL_GRACE_S)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)
        proc.wait()


def _pump(stream: IO[str], sink: Callable[[str], None]) -> None:
    for line in stream:
        sink(line)
    stream.close()


def _tree_rss_mb(proc: psutil.Process) -> float:
    total = 0
    with contextlib.suppress(psutil.Error):
        total += proc.memory_info().rss
        for child in proc.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += child.memory_info().rss
    return total / (1024 * 1024)


def run_child(
    spec: RunSpec,
    *,
    on_event: EventCallback | None = None,
    timeout_s: float,
    memory_limit_mb: float | None = None,
    cancel: threading.Event | None = None,
    env: Mapping[str, str] | None = None,
) -> ChildOutcome:
    """Run ``python -m fwtui.bench.child <spec>`` to the end, forwarding its events as they arrive."""
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "fwtui.bench.child", json.dumps(spec.to_dict())],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
        start_new_session=True,
        env=dict(env) if env is not None else child_environment(spec.threads or 1),
    )
    assert proc.stdout is not None and proc.stderr is not None
    lines: queue.Queue[str | None] = queue.Queue()
    stderr_tail: deque[str] = deque(maxlen=STDERR_LINES)
    out_thread = threading.Thread(target=_pump, args=(proc.stdout, lines.put), daemon=True)
    err_thread = threading.Thread(target=_pump, args=(proc.stderr, stderr_tail.append), daemon=True)
    out_thread.start()
    err_thread.start()
    watcher = psutil.Process(proc.pid)

    outcome = ChildOutcome(status="ok", reason=None, phase="start")
    error_message: str | None = None
    stop: tuple[str, str] | None = None  # (status, reason) when the parent ends the child
    peak_rss = 0.0
    next_memory_poll = 0.0

    def take(event: ChildEvent) -> None:
        """What the outcome keeps of one event (while running and from the lines left at the end)."""
        nonlocal error_message
        if isinstance(event, ChildPhase):
            outcome.phase = event.phase
        elif isinstance(event, ChildResult):
            outcome.results.append(event)
        elif isinstance(event, ChildError):
            error_message = event.message
        if on_event is not None:
            on_event(event)

    try:
        while True:
            try:
                line = lines.get(timeout=POLL_S)
            except queue.Empty:
                line = None
            event = _parse(line) if line else None
            if event is not None:
                take(event)
            now = time.monotonic()
            if now >= next_memory_poll:
                next_memory_poll = now + MEMORY_POLL_S
                rss = _tree_rss_mb(watcher)
                peak_rss = max(peak_rss, rss)
                if memory_limit_mb is not None and rss > memory_limit_mb:
                    stop = (
                        "failed",
                        f"out of memory (limit {memory_limit_mb:.0f} MB, phase {outcome.phase})",
                    )
            if stop is None and now - started > timeout_s:
                stop = ("timeout", f"no result within {timeout_s:g} s (phase {outcome.phase})")
            if stop is None and cancel is not None and cancel.is_set():
                stop = ("cancelled", f"cancelled (phase {outcome.phase})")
            if stop is not None:
                _kill_group(proc)
                break
            if proc.poll() is not None and not out_thread.is_alive() and lines.empty():
                break
    except BaseException:  # a failing event callback or an interrupt must not orphan the child
        _kill_group(proc)
        raise
    proc.wait()
    out_thread.join(timeout=1.0)
    err_thread.join(timeout=1.0)
    while not lines.empty():  # events written just before the end
        line = lines.get_nowait()
        event = _parse(line) if line else None
        if event is not None and stop is None:
            take(event)

    outcome.returncode = proc.returncode
    outcome.wall_s = time.monotonic() - started
    outcome.peak_rss_mb = peak_rss or None
    outcome.stderr_tail = "".join(stderr_tail)
    if stop is not None:
        outcome.status, outcome.reason = stop
    elif proc.returncode == 0:
        outcome.status = "ok"
    elif proc.returncode < 0:
        name = _signal_name(proc.returncode)
        hint = " - likely out of memory" if name == "SIGKILL" else ""
        outcome.status = "failed"
        outcome.reason = f"crashed with {name} in phase {outcome.phase}{hint}"
    else:
        outcome.status = "failed"
        detail = error_message or last_meaningful_line(outcome.stderr_tail) or f"exit code {proc.returncode}"
        outcome.reason = f"{detail} (phase {outcome.phase})"
    return outcome


def _parse(line: str) -> ChildEvent | None:
    """The event on one line of the child's stdout; anything else (a stray print) is ignored."""
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        data = json.loads(line)
        return child_event_from_dict(data) if isinstance(data, dict) else None
    except ValueError:  # not JSON, or not one of the child's events
        return None
