"""Launch a terminal program in a pseudo-terminal and time it until a marker appears on screen."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import select
import signal
import struct
import termios
import time
from collections.abc import Callable, Sequence

import psutil


def time_until_marker(
    argv: Sequence[str],
    markers: Sequence[bytes],
    *,
    size: tuple[int, int] = (120, 40),
    env: dict[str, str] | None = None,
    timeout_s: float = 30.0,
    quit_keys: bytes = b"\x11",
) -> float:
    """Seconds from ``fork`` until every marker has been written to the terminal; then quit the program."""
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # child: become the program
        os.execvpe(argv[0], list(argv), {**os.environ, "TERM": "xterm-256color", **(env or {})})
    cols, rows = size
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    seen = b""
    pending = [m for m in markers]
    elapsed: float | None = None
    deadline = start + timeout_s
    try:
        while time.perf_counter() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen = (seen + chunk)[-200_000:]
            pending = [m for m in pending if m not in seen]
            if not pending:
                elapsed = time.perf_counter() - start
                break
        os.write(fd, quit_keys)
        _drain_and_reap(pid, fd)
    finally:
        os.close(fd)
    if elapsed is None:
        raise TimeoutError(f"{argv[0]} never showed {pending!r} within {timeout_s} s")
    return elapsed


def _drain_and_reap(pid: int, fd: int, grace_s: float = 5.0) -> None:
    deadline = time.perf_counter() + grace_s
    while time.perf_counter() < deadline:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            return
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            with contextlib.suppress(OSError):
                os.read(fd, 65536)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def tree_cpu_s(root: psutil.Process) -> float:
    """CPU seconds of ``root``, the children it has reaped, and every descendant still there."""
    total = 0.0
    with contextlib.suppress(psutil.Error):
        times = root.cpu_times()
        total += times.user + times.system + times.children_user + times.children_system
    with contextlib.suppress(psutil.Error):
        for child in root.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                times = child.cpu_times()
                total += times.user + times.system
    return total


def sample_tree(
    argv: Sequence[str],
    seconds: float,
    *,
    size: tuple[int, int] = (120, 40),
    env: dict[str, str] | None = None,
    quit_keys: bytes = b"\x11",
    keys: Sequence[tuple[float, bytes]] = (),
    stop_when: Callable[[], bool] | None = None,
) -> tuple[float, int]:
    """Run a terminal program for ``seconds`` (typing ``keys`` at their times; or until ``stop_when()``, asked
    twice a second) and return the CPU seconds its whole process tree used and the most descendants it had at
    once; then quit it."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(argv[0], list(argv), {**os.environ, "TERM": "xterm-256color", **(env or {})})
    cols, rows = size
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    root = psutil.Process(pid)
    start = time.perf_counter()
    pending = sorted(keys)
    cpu, most = 0.0, 0
    asked = 0.0
    try:
        while (now := time.perf_counter() - start) < seconds:
            if stop_when is not None and now - asked >= 0.5:
                asked = now
                if stop_when():
                    break
            while pending and pending[0][0] <= now:
                os.write(fd, pending.pop(0)[1])
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    os.read(fd, 65536)  # keep the terminal drained so the program never blocks on output
                except OSError:
                    break
            with contextlib.suppress(psutil.Error):
                most = max(most, len(root.children(recursive=True)))
            cpu = max(cpu, tree_cpu_s(root))
        cpu = max(cpu, tree_cpu_s(root))
        os.write(fd, quit_keys)
        _drain_and_reap(pid, fd)
    finally:
        os.close(fd)
    return cpu, most
