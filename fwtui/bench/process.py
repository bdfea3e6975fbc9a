"""Running one benchmark child: spawn, read its events, enforce the timeouts and memory limit, kill cleanly.

A child runs a list of runs of one framework in turn (:func:`run_runs`); each run's outcome is its own: its
timeout counts from the start of that run (the first run's from the start of the process, so it includes the
import), its peak memory is sampled from the start of that run, and an error it raises fails only that run.
The child gets its own session (process group), so a cancel, timeout or memory limit kills it and anything it
started: that ends the current run with its reason and leaves the runs after it unstarted, for the caller to
run in a fresh child. Nothing here raises for a child that misbehaves.
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

from fwtui.bench.events import (
    ChildError,
    ChildEvent,
    ChildPhase,
    ChildResult,
    ChildRunStart,
    child_event_from_dict,
)
from fwtui.bench.spec import RunSpec
from fwtui.bench.zygote import ForkedChild, Zygote

KILL_GRACE_S = 2.0
POLL_S = 0.05
MEMORY_POLL_S = 0.1
STDERR_LINES = 200

EventCallback = Callable[[ChildEvent], None]
RunEventCallback = Callable[[int, ChildEvent], None]  # (index of the run in the list, event)


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


def child_environment(
    threads: int,
    base: Mapping[str, str] | None = None,
    compile_cache: str | None = None,
    scratch: str | None = None,
) -> dict[str, str]:
    """The child's environment: thread counts pinned for every runtime, quiet logs, no GPU preallocation;
    with ``compile_cache``, JAX's persistent compilation cache in that directory (every compile kept); with
    ``scratch``, its temporary files there (TensorFlow's autograph leaves a source file per traced function in
    the temporary directory, hundreds per session, never removed)."""
    env = dict(os.environ if base is None else base)
    if scratch is not None:
        env["TMPDIR"] = scratch
    if compile_cache is not None:
        env["JAX_COMPILATION_CACHE_DIR"] = compile_cache
        env["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] = "0"
        env["JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES"] = "0"
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


def _kill_group(proc: subprocess.Popen[str] | ForkedChild) -> None:
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


def _tree_rss_mb(proc: psutil.Process | None) -> float:
    if proc is None:
        return 0.0
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
    """One run in a child of its own (the one-process-per-run way), forwarding its events as they arrive."""
    only = spec.with_changes(timeout_s=timeout_s, memory_limit_mb=memory_limit_mb)
    forward = None if on_event is None else (lambda _index, event: on_event(event))
    outcomes = run_runs([only], on_event=forward, cancel=cancel, env=env)
    return outcomes[0] if outcomes else ChildOutcome("failed", "the benchmark process did not start", "start")


class _Runs:
    """The outcomes of one child's runs, as its events arrive: which run is current, and what each reported."""

    def __init__(self, on_event: RunEventCallback | None) -> None:
        self.outcomes: list[ChildOutcome] = []
        self.errors: list[str | None] = []
        self.started: list[float] = []
        self.peaks: list[float] = []
        self.on_event = on_event

    @property
    def current(self) -> ChildOutcome | None:
        return self.outcomes[-1] if self.outcomes else None

    def begin(self, now: float) -> None:
        """A run starts: the next in the list (the first one implicitly, at the process start)."""
        self.outcomes.append(ChildOutcome(status="ok", reason=None, phase="start"))
        self.errors.append(None)
        self.started.append(now)
        self.peaks.append(0.0)

    def take(self, event: ChildEvent, now: float) -> None:
        if isinstance(event, ChildRunStart) and event.index != len(self.outcomes) - 1:
            self.begin(now)  # the first run began with the process
        outcome = self.current
        if outcome is None:
            return
        if isinstance(event, ChildPhase):
            outcome.phase = event.phase
        elif isinstance(event, ChildResult):
            outcome.results.append(event)
        elif isinstance(event, ChildError):
            self.errors[-1] = event.message
            outcome.status = "failed"
            outcome.reason = f"{event.message} (phase {outcome.phase})"
        if self.on_event is not None:
            self.on_event(len(self.outcomes) - 1, event)


def run_runs(
    specs: list[RunSpec],
    *,
    on_event: RunEventCallback | None = None,
    cancel: threading.Event | None = None,
    env: Mapping[str, str] | None = None,
    compile_cache: str | None = None,
    scratch: str | None = None,
    zygote: Zygote | None = None,
) -> list[ChildOutcome]:
    """Run ``python -m fwtui.bench.child <specs>``: one outcome per run the child started, in order.

    With ``zygote``, the child is forked by that server, which imported the framework already (ordinary
    process start when it cannot). When the child is killed or dies, the last outcome is that run's failure and
    the runs after it were not started (fewer outcomes than specs). Each spec's ``timeout_s`` and
    ``memory_limit_mb`` apply to its run.
    """
    if not specs:
        return []
    started = time.monotonic()  # the first run's timeout includes the import, whoever does it
    payload = json.dumps([spec.to_dict() for spec in specs])
    forked = None if zygote is None else zygote.fork(payload, timeout_s=specs[0].timeout_s, cancel=cancel)
    proc: subprocess.Popen[str] | ForkedChild = forked or subprocess.Popen(
        [sys.executable, "-m", "fwtui.bench.child", payload],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
        start_new_session=True,
        env=dict(env) if env is not None else child_environment(
            specs[0].threads or 1, compile_cache=compile_cache, scratch=scratch
        ),
    )
    assert proc.stdout is not None and proc.stderr is not None
    lines: queue.Queue[str | None] = queue.Queue()
    stderr_tail: deque[str] = deque(maxlen=STDERR_LINES)
    out_thread = threading.Thread(target=_pump, args=(proc.stdout, lines.put), daemon=True)
    err_thread = threading.Thread(target=_pump, args=(proc.stderr, stderr_tail.append), daemon=True)
    out_thread.start()
    err_thread.start()
    try:
        watcher: psutil.Process | None = psutil.Process(proc.pid)
    except psutil.Error:  # a forked child that has already ended (its server reaped it)
        watcher = None

    runs = _Runs(on_event)
    runs.begin(started)
    stop: tuple[str, str] | None = None  # (status, reason) when the parent ends the child
    next_memory_poll = 0.0

    try:
        while True:
            try:
                line = lines.get(timeout=POLL_S)
            except queue.Empty:
                line = None
            event = _parse(line) if line else None
            now = time.monotonic()
            if event is not None:
                runs.take(event, now)
            spec = specs[min(len(runs.outcomes), len(specs)) - 1]
            phase = runs.outcomes[-1].phase
            if now >= next_memory_poll:
                next_memory_poll = now + MEMORY_POLL_S
                rss = _tree_rss_mb(watcher)
                runs.peaks[-1] = max(runs.peaks[-1], rss)
                if spec.memory_limit_mb is not None and rss > spec.memory_limit_mb:
                    stop = ("failed", f"out of memory (limit {spec.memory_limit_mb:.0f} MB, phase {phase})")
            if stop is None and now - runs.started[-1] > spec.timeout_s:
                stop = ("timeout", f"no result within {spec.timeout_s:g} s (phase {phase})")
            if stop is None and cancel is not None and cancel.is_set():
                stop = ("cancelled", f"cancelled (phase {phase})")
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
            runs.take(event, time.monotonic())

    tail = "".join(stderr_tail)
    ended = time.monotonic()
    for i, outcome in enumerate(runs.outcomes):
        outcome.returncode = proc.returncode
        outcome.peak_rss_mb = runs.peaks[i] or None
        later = runs.started[i + 1] if i + 1 < len(runs.started) else ended
        outcome.wall_s = later - runs.started[i]
    last = runs.outcomes[-1]
    last.stderr_tail = tail
    if stop is not None:
        last.status, last.reason = stop
    elif proc.returncode is not None and proc.returncode < 0:
        name = _signal_name(proc.returncode)
        hint = " - likely out of memory" if name == "SIGKILL" else ""
        last.status = "failed"
        last.reason = f"crashed with {name} in phase {last.phase}{hint}"
    elif proc.returncode not in (0, None) and last.status == "ok" and not last.results:
        detail = runs.errors[-1] or last_meaningful_line(tail) or f"exit code {proc.returncode}"
        last.status = "failed"
        last.reason = f"{detail} (phase {last.phase})"
    for i, outcome in enumerate(runs.outcomes):
        if outcome.status == "failed" and runs.errors[i] is not None and not outcome.stderr_tail:
            outcome.stderr_tail = tail
    return runs.outcomes


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
