"""A fork server per framework: the framework is imported once per session, each repetition's child is forked.

Importing TensorFlow costs about 4.5 s of CPU on a 2-core machine, and a result is measured in several
processes. So :class:`Zygote` starts ``python -m fwtui.bench.zygote`` for one process key (framework, runner,
Keras' backend) with the children's environment; the server imports the runner module, freezes what it
imported out of the garbage collector's reach, and then forks one benchmark child per request. The child is a
process of its own in every way the measurement needs: its own session (process group) for kills, its own
pipes for events and stderr (passed over a Unix socket), its own peak-RSS mark, heap and caches from the
import on; nothing it does reaches the server or the next child. It reports the server's import time as its
own import. ``benchmarks/quick_preset.py`` compares these children against one fresh process per run.

The server forks only while it has no threads of its frameworks' running: it never runs a framework op, so no
runtime (thread pools, devices) exists before the fork; each child configures threads and devices itself.
Whatever goes wrong with the server (an import that crashes it, a hang), :meth:`Zygote.fork` returns None and
the caller starts an ordinary child, which then reports the failure as its own. Linux only (fork is unsafe
with these frameworks on macOS).
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Mapping
from typing import IO

HEADER_BYTES = 16  # the request's length, in ASCII digits, sent with the child's stdout and stderr fds
READY_POLL_S = 0.1


def supported() -> bool:
    return sys.platform.startswith("linux") and hasattr(socket, "send_fds") and hasattr(os, "fork")


class ForkedChild:
    """A child forked by the server, with the part of ``subprocess.Popen`` that :mod:`fwtui.bench.process`
    uses: ``pid``, ``stdout``, ``stderr``, ``poll()``, ``wait()`` and ``returncode``. Its exit status comes
    from the server, which is its parent."""

    def __init__(self, zygote: Zygote, pid: int, stdout: IO[str], stderr: IO[str]) -> None:
        self.pid = pid
        self.stdout = stdout
        self.stderr = stderr
        self.returncode: int | None = None
        self._zygote = zygote

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self._zygote.exit_status(self.pid, timeout_s=0.0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while (code := self.returncode) is None:
            left = READY_POLL_S if deadline is None else deadline - time.monotonic()
            if left <= 0:
                raise subprocess.TimeoutExpired(f"fork of {self._zygote.key}", timeout or 0.0)
            self.returncode = self._zygote.exit_status(self.pid, timeout_s=min(left, READY_POLL_S))
        return code


class Zygote:
    """The parent's end of one fork server (one process key, one environment), for one group of runs."""

    def __init__(self, key: tuple[str, str | None, str | None], env: Mapping[str, str]) -> None:
        self.key = key
        self._sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self._buffer = b""
        self._alive = True
        self._ready_seen = False
        try:
            self._proc: subprocess.Popen[bytes] | None = subprocess.Popen(
                [sys.executable, "-m", "fwtui.bench.zygote", str(theirs.fileno()), json.dumps(list(key))],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                pass_fds=[theirs.fileno()],
                start_new_session=True,
                env=dict(env),
            )
        except OSError:
            self._proc, self._alive = None, False
        theirs.close()

    def fork(self, payload: str, *, timeout_s: float, cancel: threading.Event | None = None) -> ForkedChild | None:
        """A child running ``python -m fwtui.bench.child <payload>``, forked once the server has imported its
        framework; None when the server cannot (it died, or was not ready within ``timeout_s``)."""
        cancelled = cancel is not None and cancel.is_set()
        if cancelled or not self._alive or not self._ready(timeout_s, cancel):
            if cancel is None or not cancel.is_set():  # dead or hung: no use waiting for it again
                self.close()
            return None
        out_read, out_write = os.pipe()
        err_read, err_write = os.pipe()
        data = payload.encode()
        try:
            socket.send_fds(self._sock, [str(len(data)).rjust(HEADER_BYTES).encode()], [out_write, err_write])
            self._sock.sendall(data)
            reply = self._line(timeout_s=30.0)
        except OSError:
            reply = None
        finally:
            os.close(out_write)
            os.close(err_write)
        if reply is None or not reply.startswith("pid "):
            os.close(out_read)
            os.close(err_read)
            self.close()
            return None
        stdout = open(out_read, encoding="utf-8", errors="replace", buffering=1)  # noqa: SIM115
        stderr = open(err_read, encoding="utf-8", errors="replace", buffering=1)  # noqa: SIM115
        return ForkedChild(self, int(reply.split()[1]), stdout, stderr)

    def exit_status(self, pid: int, timeout_s: float) -> int | None:
        """The forked child's return code (negative: the signal), once the server reports it; None before."""
        line = self._line(timeout_s)
        if line is not None and line.startswith("exit "):
            return int(line.split()[1])
        if not self._alive:  # the server is gone and took the status with it: the child is killed
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
            return -signal.SIGKILL
        return None

    def close(self) -> None:
        """Stop the server (and a child it still runs); idempotent."""
        self._alive = False
        with contextlib.suppress(OSError):
            self._sock.close()
        if self._proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._proc.pid, signal.SIGKILL)
            self._proc.wait()
            self._proc = None

    def _ready(self, timeout_s: float, cancel: threading.Event | None) -> bool:
        """Waits for the server's ``ready`` (sent once, after its import)."""
        if self._ready_seen:
            return True
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and not (cancel is not None and cancel.is_set()):
            line = self._line(READY_POLL_S)
            if line == "ready":
                self._ready_seen = True
                return True
            if line is not None or not self._alive:
                return False
        return False

    def _line(self, timeout_s: float) -> str | None:
        """One line from the server within ``timeout_s``; None on timeout, or when the server has gone."""
        deadline = time.monotonic() + timeout_s
        while b"\n" not in self._buffer and self._alive:
            left = max(0.0, deadline - time.monotonic())
            try:
                readable, _, _ = select.select([self._sock], [], [], left)
                chunk = self._sock.recv(4096) if readable else None
            except (OSError, ValueError):
                chunk = b""
            if chunk == b"":
                self._alive = False
            elif chunk is not None:
                self._buffer += chunk
            if chunk is None and time.monotonic() >= deadline:
                return None
        if b"\n" not in self._buffer:
            return None
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode(errors="replace")


# --- the server (its own process) ---


def _receive(sock: socket.socket) -> tuple[str, list[int]] | None:
    """The next request: the specs' JSON and the child's stdout and stderr fds; None when the parent is gone."""
    header, fds, _, _ = socket.recv_fds(sock, HEADER_BYTES, 2)
    while header and len(header) < HEADER_BYTES:
        more = sock.recv(HEADER_BYTES - len(header))
        if not more:
            return None
        header += more
    if not header or len(fds) != 2:
        return None
    size, data = int(header), b""
    while len(data) < size:
        chunk = sock.recv(min(1 << 20, size - len(data)))
        if not chunk:
            return None
        data += chunk
    return data.decode(), fds


def _become_child(sock: socket.socket, fds: list[int], detached: int, payload: str) -> None:
    """In the forked process: detach, take the pipes as stdout and stderr, run the runs, exit. Never returns."""
    code = 1
    try:
        os.setsid()
        os.close(detached)  # the server waits for this: a kill of the child's group must never reach the server
        sock.close()
        os.dup2(fds[0], 1)
        os.dup2(fds[1], 2)
        for fd in fds:
            os.close(fd)
        os.environ["FWTUI_BENCH_PARENT_PID"] = str(os.getppid())  # the child exits if the server dies
        from fwtui.bench import child

        code = child.main([payload])
    except BaseException:
        with contextlib.suppress(BaseException):
            traceback.print_exc()
    finally:
        with contextlib.suppress(BaseException):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _wait_for(pid: int, sock: socket.socket, parent: int) -> int | None:
    """The child's return code; None (the child killed) when the parent goes away first."""
    pidfd = os.pidfd_open(pid) if hasattr(os, "pidfd_open") else None
    try:
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status)
            watched: list[int] = [sock.fileno()] if pidfd is None else [sock.fileno(), pidfd]
            readable, _, _ = select.select(watched, [], [], 0.5 if pidfd is not None else 0.02)
            gone = os.getppid() != parent
            if sock.fileno() in readable and not gone:
                gone = sock.recv(1, socket.MSG_PEEK) == b""  # the parent closed its end
            if gone:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return None
    finally:
        if pidfd is not None:
            os.close(pidfd)


def serve(sock: socket.socket, key: tuple[str, str | None, str | None]) -> int:
    expected = os.environ.get("FWTUI_BENCH_PARENT_PID", "")
    parent = int(expected) if expected.isdigit() else os.getppid()
    from fwtui.bench import child
    from fwtui.bench.runner import load_runner

    started = time.perf_counter()
    try:
        load_runner(key[0], key[1], variant=key[2])
        child.PRELOADED_IMPORT_S[key] = time.perf_counter() - started
    except BaseException:  # each child imports again and reports the failure itself
        traceback.print_exc()
    # What the import made stays: children neither scan it when they collect nor copy its pages by doing so.
    # (No collection first: one over TensorFlow's modules alone takes a second.)
    gc.freeze()
    sock.sendall(b"ready\n")
    while True:
        request = _receive(sock)
        if request is None:
            return 0
        payload, fds = request
        sys.stdout.flush()
        sys.stderr.flush()
        wait_read, detached = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(wait_read)
            _become_child(sock, fds, detached, payload)
        for fd in (*fds, detached):
            os.close(fd)
        os.read(wait_read, 1)  # EOF once the child has its own session (or has died)
        os.close(wait_read)
        sock.sendall(f"pid {pid}\n".encode())
        code = _wait_for(pid, sock, parent)
        if code is None:
            return 0
        sock.sendall(f"exit {code}\n".encode())


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m fwtui.bench.zygote FD '[framework, runner, variant]'", file=sys.stderr)
        return 2
    framework, runner, variant = json.loads(args[1])
    sock = socket.socket(fileno=int(args[0]))
    try:
        return serve(sock, (framework, runner, variant))
    except (OSError, ValueError):  # the parent went away mid-message
        return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # skip the frameworks' slow interpreter teardown
