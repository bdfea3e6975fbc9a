"""The Runner interface: what every framework's benchmark runner is, and how a child finds one.

A runner builds the benchmark workloads in one framework and hands the harness a timed step. Each one is a
subclass of :class:`Runner` in its own module (``fwtui/bench/runners/<name>.py``), named by its registry
entry in :mod:`fwtui.frameworks` as a string target and imported only by :func:`load_runner`, inside a
benchmark child: a runner module imports its framework at module level.

The facts about a framework (variants, which compile, modes, why it cannot train, devices, precisions) are
its registry entry's; a runner reads them from ``self.framework`` and never repeats them. What a subclass
writes is what only the framework can do: :meth:`Runner.framework_version`, :meth:`Runner.configure`,
:meth:`Runner.prepare` and, where it needs them, :meth:`Runner.accelerator_reason` (can it use this GPU?)
and :meth:`Runner.unavailable_reason` (is something missing here?). The checks, the order they run in and
their messages are shared, here.

This module imports nothing heavy.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from fwtui.bench.workloads import training_unsupported_reason
from fwtui.frameworks import BY_NAME, MODES, Framework
from fwtui.json_fields import JsonObject

if TYPE_CHECKING:
    import numpy as np

    from fwtui.bench.workloads import WorkloadSpec

Step = Callable[[], object]  # returns what it computed (outputs, or the loss), finished; see timed_checks

# Reduced precisions that do not train here, whatever the framework.
TRAINING_PRECISION_REASONS = {
    "float16": "float16 training needs loss scaling, which fwtui does not model; train in bfloat16 instead",
    "int8": "int8 here is post-training quantisation: inference only",
}


class Prepared(Protocol):
    """A workload built in one framework, ready to run on its device."""

    def infer(self, x: np.ndarray) -> np.ndarray:
        """The outputs of one batch, as a NumPy array (for the correctness check)."""

    def train_losses(self, x: np.ndarray, y: np.ndarray, steps: int) -> list[float]:
        """The loss before each of ``steps`` training steps from the initial weights (for the check)."""

    def make_step(self, x: np.ndarray, y: np.ndarray | None) -> Step:
        """The timed step: one call is one inference or training step, finished (device synchronised).

        It returns what it computed (the outputs, or the training loss computed before its update) without
        copying it to the host: the child checks a timed call's output and the losses of timed calls. A
        workload may also offer ``compile_count() -> (count, counter name) | None``: the framework's
        trace/compile count, read around the timed samples (a recompile in steady state is a flag).
        """

    def device_memory_peak_mb(self) -> float | None:
        """Peak device memory in MB, or None on the CPU or where the framework cannot tell."""


class Precise(Protocol):
    """A prepared workload that can say what its timed step computes in (any precision but float32 must)."""

    def compute_precision(self) -> str:
        """float32, bfloat16, float16 or int8, read from what the timed path actually uses."""


def parse_device(device: str) -> tuple[str, int]:
    """Split ``"cuda:1"`` into ``("cuda", 1)``; a bare ``"cuda"`` means index 0, ``"gpu"`` means cuda."""
    kind, _, index = device.partition(":")
    kind = kind.strip().lower()
    if kind == "gpu":
        kind = "cuda"
    if not index:
        return kind, 0
    if not index.isdigit():
        raise ValueError(f"bad device {device!r}: expected e.g. cpu, cuda or cuda:0")
    return kind, int(index)


class Runner(ABC):
    """One framework's runner. Construct it with its registry entry; :func:`load_runner` does."""

    def __init__(self, framework: Framework) -> None:
        self.framework = framework
        # The precision the workload being built is asked for; set by build() before prepare() runs.
        self.precision = "float32"

    # -- the facts, from the registry -------------------------------------------------------------

    @property
    def name(self) -> str:
        return self.framework.name

    @property
    def display(self) -> str:
        return self.framework.display

    @property
    def variants(self) -> tuple[str, ...]:
        return self.framework.variants

    @property
    def compiled_variants(self) -> tuple[str, ...]:
        return self.framework.compiled

    @property
    def modes(self) -> tuple[str, ...]:
        return self.framework.modes

    @property
    def devices(self) -> tuple[str, ...]:
        return self.framework.devices

    @property
    def precisions(self) -> tuple[str, ...]:
        return self.framework.precisions

    def compiles(self, variant: str) -> bool:
        """Whether the variant's first call traces or compiles (so it has a compile time)."""
        return variant in self.framework.compiled

    # -- what each framework implements -----------------------------------------------------------

    @abstractmethod
    def framework_version(self) -> str:
        """The framework's version, as recorded with every result."""

    @abstractmethod
    def configure(self, threads: int, device: str) -> JsonObject:
        """Set the thread pools before any work runs; returns the settings actually in force.

        Called once per child, before anything can start the framework's runtime. Must not raise when the
        runtime has already started: report what is in force instead (under ``"note"``).
        """

    @abstractmethod
    def prepare(
        self, spec: WorkloadSpec, weights: dict[str, np.ndarray], *, mode: str, variant: str, device: str
    ) -> Prepared:
        """Build the workload with the canonical ``weights``; :meth:`build` has checked it is supported."""

    def accelerator_reason(self, kind: str, index: int) -> str | None:
        """Why the accelerator ``kind:index`` (one of :attr:`devices`, not the cpu) cannot be used, or None."""
        return f"the {self.display} runner cannot check {kind} devices"

    def unavailable_reason(self, mode: str, variant: str, device: str) -> str | None:
        """Why a supported combination cannot run on this machine (a missing compiler, package...), or None."""
        return None

    def precision_unavailable(self, spec: WorkloadSpec, precision: str, *, mode: str, device: str) -> str | None:
        """Why a precision the framework declares cannot run this workload, mode or device, or None."""
        return None

    def precision_reason(self, spec: WorkloadSpec, precision: str, *, mode: str, device: str) -> str | None:
        """Why this runner cannot run ``spec`` in ``precision``, or None (float32 always runs)."""
        if precision == "float32":
            return None
        declared = self.framework.precision_reason(precision)
        if declared is not None:
            return declared
        if mode == "training" and precision in TRAINING_PRECISION_REASONS:
            return TRAINING_PRECISION_REASONS[precision]
        return self.precision_unavailable(
            spec, precision, mode=mode, device=device
        )

    def dispatches_asynchronously(self, device: str) -> bool:
        """Whether a call can return before its device work ends (JAX; torch and TensorFlow on a GPU).

        Only then can a missing sync hide work (``unsynced_step``); a synchronous framework never gets it.
        """
        return False

    def output_pending(self, output: object, device: str) -> bool | None:
        """Whether the work behind a step's just-returned ``output`` is still running, or None when the
        framework cannot tell. A synchronised step's never is: one that is proves the step does not wait."""
        return None

    def prepare_input(self, spec: WorkloadSpec, x: np.ndarray) -> np.ndarray:
        """The canonical input in this runner's layout (done once, outside the timed step)."""
        return x

    def make_unsynced_step_for_testing(
        self, prepared: Prepared, x: np.ndarray, y: np.ndarray | None = None
    ) -> Step:
        """A deliberately unsynchronised step, for the child's ``no_sync`` fault; most runners have none."""
        raise ValueError(f"the {self.display} runner has no unsynchronised step for the no_sync fault")

    # -- shared behaviour -------------------------------------------------------------------------

    def unsupported_reason(self, mode: str, variant: str, device: str) -> str | None:
        """Why this runner cannot run ``mode``/``variant`` on ``device``, or None when it can."""
        if mode not in MODES:
            return f"unknown mode {mode!r}; choose from {', '.join(MODES)}"
        if mode not in self.modes:
            return self.framework.cannot_train or f"{self.display} does not run {mode}"
        if variant not in self.variants:
            return f"{self.display} has no variant {variant!r}; choose from {', '.join(self.variants)}"
        try:
            parse_device(device)
        except ValueError as exc:
            return str(exc)
        return self.unavailable_reason(mode, variant, device)

    def device_available(self, device: str) -> str | None:
        """None if this runner can run on ``device`` ("cpu", "cuda", "cuda:1", ...), else why not."""
        try:
            kind, index = parse_device(device)
        except ValueError as exc:
            return str(exc)
        if kind == "cpu":
            return None
        if kind not in self.devices:
            return f"the {self.display} runner does not support device {device!r}"
        return self.accelerator_reason(kind, index)

    def probe_devices(self) -> JsonObject:
        """What the hardware view shows of this framework, for one whose registry entry names no probe of its
        own: its version and the devices this runner can use here (the cpu, then each declared accelerator
        kind it can reach), in the report a probe child prints."""
        usable = [kind for kind in self.devices if kind != "cpu" and self.device_available(kind) is None]
        return {
            "version": self.framework_version(),
            "devices": ["cpu", *usable],
            "details": {"gpu_devices": sum(kind != "mps" for kind in usable), "cuda_build": None},
        }

    def build(
        self,
        spec: WorkloadSpec,
        weights: dict[str, np.ndarray],
        *,
        mode: str,
        variant: str,
        device: str,
        precision: str = "float32",
    ) -> Prepared:
        """The workload built for timing in ``precision``; raises ``ValueError`` with the reason when it cannot
        be, and ``RuntimeError`` when the built step does not compute in ``precision`` (never a silent
        fallback to float32)."""
        reason = self.unsupported_reason(mode, variant, device) or self.framework.workload_reason(spec.name)
        if reason is None and mode == "training":
            reason = training_unsupported_reason(spec)
        if reason is None:
            reason = self.precision_reason(spec, precision, mode=mode, device=device)
        if reason is None:
            reason = self.device_available(device)
        if reason is not None:
            raise ValueError(reason)
        self.precision = precision
        try:
            prepared = self.prepare(spec, weights, mode=mode, variant=variant, device=device)
        finally:
            self.precision = "float32"
        if precision != "float32":
            used = prepared.compute_precision() if hasattr(prepared, "compute_precision") else "float32"
            if used != precision:
                raise RuntimeError(f"asked for {precision}, but the {self.display} step computes in {used}")
        return prepared


def load_runner(framework: str | Framework, target: str | None = None, *, variant: str | None = None) -> Runner:
    """The runner of a registered framework (imports the framework: call only in a child process).

    ``target`` replaces the registry's runner (``"package.module:Class"`` or ``"/path/file.py:Class"``): a
    testing aid that lets a test time a stand-in under a real framework's name. For a framework whose entry
    names a ``variant_env`` (Keras' backend), the variable is set to ``variant`` (or, when none is given and
    the variable is unset, the baseline) before the runner module is imported.
    """
    entry = framework if isinstance(framework, Framework) else BY_NAME.get(framework)
    if entry is None:
        raise KeyError(f"no runner for {framework!r}; choose from {', '.join(BY_NAME)}")
    if entry.variant_env:
        if variant in entry.variants:
            os.environ[entry.variant_env] = variant
        else:
            os.environ.setdefault(entry.variant_env, entry.baseline)
    cls = runner_class(target or entry.runner)
    return cls(entry)


def runner_class(target: str) -> type[Runner]:
    """The Runner subclass a target names; raises ``ImportError``/``TypeError`` with the target."""
    module_name, _, attribute = target.rpartition(":")
    if not module_name or not attribute:
        raise ImportError(f"runner target {target!r} is not 'module:Class'")
    if module_name.endswith(".py"):
        path = Path(module_name)
        unique = f"fwtui_bench_runner_{path.stem}_{abs(hash(path.resolve()))}"
        module_spec = importlib.util.spec_from_file_location(unique, path)
        if module_spec is None or module_spec.loader is None:
            raise ImportError(f"cannot load a runner from {module_name}")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[unique] = module  # dataclasses and pickling look classes up by module
        module_spec.loader.exec_module(module)
    else:
        module = importlib.import_module(module_name)
    cls = getattr(module, attribute, None)
    if not (isinstance(cls, type) and issubclass(cls, Runner)):
        raise TypeError(f"{target} is not a fwtui.bench.runner.Runner subclass")
    return cls
