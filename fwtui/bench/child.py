"""The benchmark child: ``python -m fwtui.bench.child '<json spec>'``.

Runs one (framework, workload, mode, variant) in a fresh process and prints one JSON event per line on its
original stdout. Anything the framework itself prints goes to stderr, so it can never corrupt the events.

Events: ``phase`` {phase, scenario, elapsed_s}, ``progress`` {scenario, iterations, elapsed_s, fraction, p50_ms,
recent_ms}, ``result`` {scenario, status, ... raw samples}, ``error`` {phase, message}, ``done``.

Testing aid: the spec field ``fault`` (or ``$FWTUI_BENCH_FAULT``) makes the child misbehave on purpose when it
enters the phase ``fault_phase`` (default ``build``): ``segfault`` (a real SIGSEGV), ``raise`` (an exception),
``hang`` (sleeps forever) or ``oom`` (allocates memory until stopped); ``no_sync`` times the runner's
deliberately unsynchronised step (JAX without ``block_until_ready``) instead of the real one. The engine must
report every one of them.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import resource
import sys
import time
from types import ModuleType
from typing import IO, Any

import numpy as np

from fwtui.bench import harness, workloads
from fwtui.frameworks import COMPILED_VARIANTS

CHECK_BATCH = 4
CHECK_TRAIN_STEPS = 3
RECENT_SAMPLES = 64


class Emitter:
    """Writes events to the real stdout; fd 1 is pointed at stderr so framework chatter cannot interleave."""

    def __init__(self) -> None:
        sys.stdout.flush()
        self._stream: IO[str] = os.fdopen(os.dup(1), "w", buffering=1)
        os.dup2(2, 1)
        self.phase = "start"
        self._started = time.perf_counter()

    def emit(self, event: str, **fields: Any) -> None:
        self._stream.write(json.dumps({"event": event, **fields}, allow_nan=False, default=_jsonable) + "\n")
        self._stream.flush()

    def enter(self, phase: str, scenario: str | None = None, fault: dict[str, Any] | None = None) -> None:
        self.phase = phase
        self.emit("phase", phase=phase, scenario=scenario, elapsed_s=time.perf_counter() - self._started)
        if fault and fault.get("fault") not in (None, "no_sync") and fault.get("fault_phase") == phase:
            inject_fault(fault["fault"])


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (set, tuple)):
        return list(value)
    return str(value)


def _finite(value: float | None) -> float | None:
    """JSON has no inf/NaN: an infinite error (NaN outputs, wrong shape) travels as a huge number."""
    if value is None:
        return None
    if value != value:  # NaN
        return 1e308
    return max(min(float(value), 1e308), -1e308)


# --- faults (testing aid) ----------------------------------------------------------------------------------


def inject_fault(kind: str) -> None:
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


def make_step(
    runner: ModuleType, prepared: Any, x: np.ndarray, y: np.ndarray | None, fault: str | None
) -> Any:
    """The timed step; with the ``no_sync`` fault, the runner's deliberately unsynchronised one."""
    if fault == "no_sync":
        unsynced = getattr(runner, "make_unsynced_step_for_testing", None)
        if unsynced is None:
            raise ValueError("this runner has no unsynchronised step for the no_sync fault")
        return unsynced(prepared, x, y)
    return prepared.make_step(x, y)


# --- the run -------------------------------------------------------------------------------------------------


def load_runner(spec: dict[str, Any]) -> ModuleType:
    """The runner module: ``fwtui.bench.runners.<framework>``, or ``spec['runner']`` (a module or a .py path)."""
    target = spec.get("runner") or f"fwtui.bench.runners.{spec['framework']}"
    if target.endswith(".py"):
        module_spec = importlib.util.spec_from_file_location("fwtui_bench_custom_runner", target)
        if module_spec is None or module_spec.loader is None:
            raise ImportError(f"cannot load runner from {target}")
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
        return module
    return importlib.import_module(target)


def scenarios(spec: dict[str, Any], wspec: workloads.WorkloadSpec) -> list[tuple[str, int]]:
    """(scenario, batch) pairs: latency at batch 1 and throughput at the big batch; train at the train batch."""
    if spec["mode"] == "training":
        return [("train", int(spec.get("batch") or wspec.train_batch))]
    if wspec.name == "gemm":  # one call is one matmul whatever the batch: a single scenario
        return [("throughput", 1)]
    return [
        ("latency", int(spec.get("latency_batch") or 1)),
        ("throughput", int(spec.get("batch") or wspec.throughput_batch)),
    ]


def peak_rss_mb() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return usage / (1024 * 1024) if sys.platform == "darwin" else usage / 1024


def run(spec: dict[str, Any], out: Emitter) -> None:
    fault = {
        "fault": spec.get("fault") or os.environ.get("FWTUI_BENCH_FAULT"),
        "fault_phase": spec.get("fault_phase"),
    }
    if not fault["fault_phase"]:
        fault["fault_phase"] = "build"
    mode, variant, device = spec["mode"], spec["variant"], spec["device"]
    wspec = workloads.get_spec(spec["workload"], spec["size"])
    planned = scenarios(spec, wspec)

    out.enter("import", fault=fault)
    t0 = time.perf_counter()
    runner = load_runner(spec)
    import_s = time.perf_counter() - t0

    def not_run(status: str, reason: str) -> None:
        for scenario, batch in planned:
            out.emit(
                "result",
                scenario=scenario,
                batch_size=batch,
                status=status,
                reason=reason,
                framework_version=runner.framework_version(),
                phases_s={"import": import_s},
            )

    reason = runner.unsupported_reason(mode, variant, device)
    if reason is None and mode == "training":
        reason = workloads.training_unsupported_reason(wspec)
    if reason:
        not_run("unsupported", reason)
        return

    # Threads are set before anything can start the framework's runtime (checking a GPU may start it).
    out.enter("configure", fault=fault)
    t0 = time.perf_counter()
    settings = runner.configure(int(spec["threads"]), device)
    configure_s = time.perf_counter() - t0
    reason = runner.device_available(device)
    if reason:
        not_run("skipped", reason)
        return
    version = runner.framework_version()

    out.enter("build", fault=fault)
    weights = workloads.make_weights(wspec, seed=int(spec.get("seed", 0)))
    t0 = time.perf_counter()
    prepared = runner.build(wspec, weights, mode=mode, variant=variant, device=device)
    build_s = time.perf_counter() - t0

    out.enter("check", fault=fault)
    t0 = time.perf_counter()
    check = correctness_check(runner, prepared, wspec, weights, mode=mode, variant=variant, device=device)
    check_s = time.perf_counter() - t0

    resolution_ns = harness.timer_resolution_ns()
    config = harness.TimingConfig(
        min_time_s=float(spec["min_time_s"]),
        min_iterations=int(spec["min_iterations"]),
        max_time_s=float(spec["max_time_s"]),
        warmup_s=float(spec["warmup_s"]),
    )
    for scenario, batch in planned:
        x, y = workloads.make_batch(wspec, batch)
        step = make_step(runner, prepared, x, y, fault["fault"])

        out.enter("first_call", scenario, fault=fault)
        first_call_s = harness.time_calls(step, range(1)) / 1e9

        out.enter("warmup", scenario, fault=fault)
        warmup_s, warm_ms = harness.warmup(step, config.warmup_s)

        out.enter("measure", scenario, fault=fault)
        t0 = time.perf_counter()
        inner = harness.calibrate(step, harness.target_sample_ns(resolution_ns), warm_ms)

        def progress(
            samples: list[float], elapsed_s: float, fraction: float, scenario: str = scenario
        ) -> None:
            recent = samples[-RECENT_SAMPLES:]
            out.emit(
                "progress",
                scenario=scenario,
                iterations=len(samples),
                elapsed_s=elapsed_s,
                fraction=fraction,
                p50_ms=float(np.median(recent)),
                recent_ms=recent,
            )

        samples = harness.measure(step, inner, config, progress)
        steady_ms = float(np.median(samples))
        isolated_ms = harness.isolated_call_ms(step, steady_ms)
        measure_s = time.perf_counter() - t0

        out.emit(
            "result",
            scenario=scenario,
            batch_size=batch,
            status="ok",
            reason=None,
            framework_version=version,
            samples_ms=samples,
            inner_iterations=inner,
            timer_resolution_ns=resolution_ns,
            isolated_call_ms=isolated_ms,
            flops_per_sample=workloads.flops_per_sample(wspec, mode),
            phases_s={
                "import": import_s,
                "build": build_s,
                "first_call": first_call_s,
                # Only a tracing/compiling variant has a compile time; for the others it is not 0 but NULL.
                "compile": (
                    max(0.0, first_call_s - steady_ms / 1000.0) if spec["variant"] in COMPILED_VARIANTS else None
                ),
                "warmup": warmup_s,
                "measure": measure_s,
            },
            max_abs_error=_finite(check["max_abs_error"]),
            max_rel_error=_finite(check["max_rel_error"]),
            tolerance=check["tolerance"],
            check_ok=check["ok"],
            peak_rss_mb=peak_rss_mb(),
            device_mem_peak_mb=prepared.device_memory_peak_mb(),
            details={
                "settings": settings,
                "configure_s": configure_s,
                "check_s": check_s,
                "check": check["what"],
                "steady_call_ms": steady_ms,
                "load_average": list(os.getloadavg()),  # a busy machine explains noisy samples
                "tolerance_rel": wspec.tolerance_rel if mode == "inference" else wspec.train_tolerance_rel,
            },
        )


def correctness_check(
    runner: ModuleType,
    prepared: Any,
    wspec: workloads.WorkloadSpec,
    weights: dict[str, np.ndarray],
    *,
    mode: str,
    variant: str,
    device: str,
) -> dict[str, Any]:
    """Outputs (inference) or losses over a few steps (training) against the float64 NumPy reference.

    Training uses a separate build, because training mutates the weights the timed build starts from.
    """
    if mode == "inference":
        x, _ = workloads.make_batch(wspec, CHECK_BATCH, seed=2)
        actual = prepared.infer(x)
        result = workloads.check_output(wspec, actual, workloads.reference_forward(wspec, weights, x))
        what = f"outputs of a batch of {x.shape[0] if wspec.name != 'gemm' else 1} vs float64 NumPy"
    else:
        x, y = workloads.make_batch(wspec, min(CHECK_BATCH * 2, wspec.train_batch), seed=2)
        checker = runner.build(wspec, weights, mode=mode, variant=variant, device=device)
        actual_losses = checker.train_losses(x, y, CHECK_TRAIN_STEPS)
        expected = workloads.reference_train_losses(wspec, weights, x, y, CHECK_TRAIN_STEPS)
        result = workloads.check_losses(wspec, actual_losses, expected)
        what = f"losses over {CHECK_TRAIN_STEPS} SGD steps vs float64 NumPy"
    return {
        "max_abs_error": result.max_abs_error,
        "max_rel_error": result.max_rel_error,
        "tolerance": result.tolerance,
        "ok": bool(result.ok),
        "what": what,
    }


def exit_with_parent(poll_s: float = 0.5) -> None:
    """Exit when the parent dies: the child has its own session, so nothing else would stop it."""
    import threading

    # The launching process names itself, so a parent that died before this line still counts as gone.
    expected = os.environ.get("FWTUI_BENCH_PARENT_PID", "")
    parent = int(expected) if expected.isdigit() else os.getppid()

    def watch() -> None:
        while True:
            time.sleep(poll_s)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m fwtui.bench.child '<json spec>'", file=sys.stderr)
        return 2
    spec = json.loads(args[0])
    exit_with_parent()
    out = Emitter()
    try:
        run(spec, out)
    except Exception as exc:
        message = f"{type(exc).__name__}: {exc}".strip().splitlines()[0][:500]
        out.emit("error", phase=out.phase, message=message)
        import traceback

        traceback.print_exc()
        return 1
    out.emit("done")
    return 0


if __name__ == "__main__":
    exit_code = main()
    # Everything is reported: skip the frameworks' slow interpreter teardown (TensorFlow's takes seconds).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(exit_code)
