"""Deliberately broken runners, one per broken benchmark setup the engine must catch (tests only).

Each "framework" is NumPy computing the float64 reference, rounded to float32, like the toy framework of
tests/test_new_framework.py, with one thing wrong in its timed step. They are published as frameworks through
the ``fwtui.frameworks`` entry-point group (broken_registry.py) and run by the real session and child.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from fwtui.bench import reference
from fwtui.bench.runner import Runner

WORK_S = 0.002  # a fixed cost per call on top of the arithmetic, so dispatch and work are far apart


class Honest:
    """A correct workload: float64 reference arithmetic, float32 outputs, SGD with momentum."""

    def __init__(self, spec, weights, mode):
        self.spec, self.mode = spec, mode
        self.initial = {name: w.astype(np.float64) for name, w in weights.items()}
        self.reset()

    def reset(self):
        self.weights = dict(self.initial)
        self.velocity = {name: np.zeros_like(w) for name, w in self.weights.items()}

    def forward(self, x, weights=None):
        time.sleep(WORK_S)
        return reference.forward(self.spec, weights or self.weights, x).astype(np.float32)

    def infer(self, x):
        return reference.forward(self.spec, self.weights, x).astype(np.float32)

    def train_once(self, x, y):
        time.sleep(WORK_S)
        loss, grads = reference.loss_and_gradients(self.spec, self.weights, x, y)
        for name, grad in grads.items():
            self.velocity[name] = self.spec.momentum * self.velocity[name] + grad
            self.weights[name] = self.weights[name] - self.spec.learning_rate * self.velocity[name]
        return np.float32(loss)

    def train_losses(self, x, y, steps):
        self.reset()
        return [float(self.train_once(x, y)) for _ in range(steps)]

    def make_step(self, x, y):
        if self.mode == "training":
            return lambda: self.train_once(x, y)
        return lambda: self.forward(x)

    def device_memory_peak_mb(self):
        return None


class Lazy:
    """An output still being computed: reading it (``np.asarray``) waits, as a JAX array does."""

    def __init__(self, future: Future):
        self.future = future

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.future.result(), dtype=dtype)


class NoSync(Honest):
    """Dispatches the work to a queue of two in flight and returns at once: JAX without block_until_ready."""

    def make_step(self, x, y):
        pool = ThreadPoolExecutor(max_workers=1)
        in_flight = threading.BoundedSemaphore(2)

        def done(_: Future) -> None:
            in_flight.release()

        def step():
            in_flight.acquire()
            future = pool.submit(self.forward, x)
            future.add_done_callback(done)
            return Lazy(future)

        return step


class ForwardOnly(Honest):
    """A "training" step that computes the loss and never updates the weights."""

    def make_step(self, x, y):
        def step():
            time.sleep(WORK_S)
            loss, _ = reference.loss_and_gradients(self.spec, self.weights, x, y)
            return np.float32(loss)

        return step


class RecompileAlways(Honest):
    """Traces again on every call, as a jit keyed on a changing Python value does."""

    traces = 0

    def compile_count(self):
        return self.traces, "test counter"

    def make_step(self, x, y):
        def step():
            self.traces += 1
            time.sleep(0.005)  # the trace
            return self.forward(x)

        return step


class RecompileOnce(RecompileAlways):
    """Steady until a third of a second after the step was made, then traces once (a shape or dtype change)."""

    def make_step(self, x, y):
        start = time.perf_counter()

        def step():
            if self.traces == 0 and time.perf_counter() - start > 0.3:
                self.traces += 1
                time.sleep(0.05)
            return self.forward(x)

        return step


class PartialBatch(Honest):
    """Computes a 16th of the batch and returns that."""

    def make_step(self, x, y):
        part = x[: max(1, len(x) // 16)]
        return lambda: self.forward(part)


def _bfloat16(w):
    """Round float32 to bfloat16 (keep the top 16 bits, round to nearest even), as float32."""
    bits = np.asarray(w, dtype=np.float32).view(np.uint32)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return rounded.astype(np.uint32).view(np.float32).astype(np.float64)


class Bf16Step(Honest):
    """The timed step runs on bfloat16 weights; the correctness check (``infer``) runs float32."""

    def make_step(self, x, y):
        rounded = {name: _bfloat16(w) for name, w in self.weights.items()}
        return lambda: self.forward(x, rounded)


class CachedOutput(Honest):
    """Computes once, then returns the cached output without doing the work."""

    def make_step(self, x, y):
        cached = self.infer(x)
        return lambda: cached


class BrokenRunner(Runner):
    prepared = Honest
    asynchronous = False

    def framework_version(self):
        return np.__version__

    def configure(self, threads, device):
        return {"intra_op_threads": threads, "inter_op_threads": 1}

    def dispatches_asynchronously(self, device):
        return self.asynchronous

    def prepare(self, spec, weights, *, mode, variant, device):
        return self.prepared(spec, weights, mode)


def _runner(prepared, asynchronous=False):
    return type(f"{prepared.__name__}Runner", (BrokenRunner,), {"prepared": prepared, "asynchronous": asynchronous})


HonestRunner = _runner(Honest)
NoSyncRunner = _runner(NoSync, asynchronous=True)
ForwardOnlyRunner = _runner(ForwardOnly)
RecompileAlwaysRunner = _runner(RecompileAlways)
RecompileOnceRunner = _runner(RecompileOnce)
PartialBatchRunner = _runner(PartialBatch)
Bf16StepRunner = _runner(Bf16Step)
CachedOutputRunner = _runner(CachedOutput)
