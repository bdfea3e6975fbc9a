"""Deliberate misbehaviour of a benchmark child, for tests: the engine must report every one of them.

The spec field ``fault`` (or ``$FWTUI_BENCH_FAULT``) strikes when the child enters the phase ``fault_phase``
(default ``build``): ``segfault`` (a real SIGSEGV), ``raise`` (an exception), ``hang`` (sleeps forever) or
``oom`` (allocates memory until stopped). ``no_sync`` strikes no phase: the child times the runner's
deliberately unsynchronised step instead of the real one.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import numpy as np

from fwtui.bench.spec import RunSpec

NO_SYNC = "no_sync"


@dataclass(frozen=True)
class Fault:
    """A misbehaviour asked for by a test: ``kind`` when the child enters ``phase``."""

    kind: str | None
    phase: str

    @classmethod
    def of(cls, spec: RunSpec) -> Fault:
        return cls(spec.fault or os.environ.get("FWTUI_BENCH_FAULT") or None, spec.fault_phase or "build")

    def strikes(self, phase: str) -> bool:
        return self.kind not in (None, NO_SYNC) and self.phase == phase


def inject_fault(kind: str) -> None:
    """The testing aid behind ``fault``: a genuine crash, exception, hang or memory hog."""
    if kind == "segfault":
        import ctypes

        ctypes.string_at(0)  # reads address 0: a genuine SIGSEGV
    elif kind == "raise":
        raise RuntimeError("injected fault for testing")
    elif kind == "hang":
        while True:
            time.sleep(3600)
    elif kind == "oom":
        hoard = []
        for _ in range(256):  # stops at 16 GiB even if nobody enforces a limit
            hoard.append(np.ones(8 * 1024 * 1024))  # 64 MiB, written so it is resident
            time.sleep(0.01)
        while True:
            time.sleep(3600)
    else:
        raise ValueError(f"unknown fault {kind!r}")
