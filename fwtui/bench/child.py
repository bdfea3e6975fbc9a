"""The benchmark child: ``python -m fwtui.bench.child '<json spec or list of specs>'``.

Runs (framework, workload, mode, variant) runs of one framework in turn and prints one JSON event per line on
its original stdout (the typed child events of :mod:`fwtui.bench.events`); each run starts with a ``run``
event naming its index in the list. The framework is imported and configured once per child (the first run
that needs it), so a repetition of a whole framework's runs costs one import. Between runs the child drops
the previous run's objects, collects garbage and resets the kernel's peak-RSS mark, so each run's memory
figure is its own. An exception fails only its run; the child goes on with the next. Anything the framework
itself prints goes to stderr, so it can never corrupt the events.

Testing aids, honoured through the Runner interface: the spec field ``runner`` times another Runner class
under the spec's framework name; the spec field ``fault`` makes the child misbehave on purpose
(:mod:`fwtui.bench.faults`). The engine must report every one of them.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
from dataclasses import dataclass
from typing import IO

import numpy as np

from fwtui.bench import contention, energy, generation, harness, reference_checks, timed_checks, workload_data
from fwtui.bench.events import (
    ChildDone,
    ChildError,
    ChildEvent,
    ChildPhase,
    ChildProgress,
    ChildResult,
    ChildRunStart,
)
from fwtui.bench.faults import NO_SYNC, Fault, inject_fault
from fwtui.bench.memory import peak_rss_mb, reset_peak_rss, resident_mb
from fwtui.bench.result_record import MeasurementDetails, Phases
from fwtui.bench.runner import Prepared, Runner, Step, load_runner
from fwtui.bench.spec import RunSpec
from fwtui.bench.step_checks import StepChecks
from fwtui.bench.workloads import (
    flops_per_sample,
    get_spec,
    parameter_count,
    training_unsupported_reason,
)
from fwtui.json_fields import JsonObject

RECENT_SAMPLES = 64
# Seconds a fork server (fwtui.bench.zygote) spent importing each process key before forking this process.
PRELOADED_IMPORT_S: dict[tuple[str, str | None, str | None], float] = {}
MIN_SAMPLES_PER_PROCESS = 3  # enough for a process's median to be more than one sample


class Emitter:
    """Writes events to the real stdout; fd 1 is pointed at stderr so framework chatter cannot interleave."""

    def __init__(self, fault: Fault | None = None) -> None:
        sys.stdout.flush()
        self._stream: IO[str] = os.fdopen(os.dup(1), "w", buffering=1)
        os.dup2(2, 1)
        self.phase = "start"
        self.fault = fault or Fault(None, "build")
        self._started = time.perf_counter()

    def start_run(self, index: int, fault: Fault) -> None:
        """The run at ``index`` begins: phases are timed from here and its own fault applies."""
        self.phase, self.fault, self._started = "start", fault, time.perf_counter()
        self.emit(ChildRunStart(index))

    def emit(self, event: ChildEvent) -> None:
        self._stream.write(json.dumps(event.to_dict(), allow_nan=False, default=_jsonable) + "\n")
        self._stream.flush()

    def enter(self, phase: str, scenario: str | None = None) -> None:
        self.phase = phase
        self.emit(ChildPhase(phase, scenario, time.perf_counter() - self._started))
        if self.fault.strikes(phase) and self.fault.kind is not None:
            inject_fault(self.fault.kind)


def _jsonable(value: object) -> object:
    """What JSON cannot hold as is (a framework's settings may contain NumPy scalars)."""
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


@dataclass
class Loaded:
    """What a persistent child keeps between runs: the imported runner, its settings and the import time."""

    runner: Runner
    import_s: float
    configured: tuple[int, str] | None = None
    settings: JsonObject | None = None
    configure_s: float = 0.0


class RunnerCache:
    """Runners by :attr:`RunSpec.process_key`: one import per framework per child."""

    def __init__(self) -> None:
        self._loaded: dict[tuple[str, str | None, str | None], Loaded] = {}

    def get(self, spec: RunSpec) -> Loaded:
        key = spec.process_key
        if key not in self._loaded:
            t0 = time.perf_counter()
            runner = load_runner(spec.framework, spec.runner, variant=spec.variant)
            # A fork server imported the framework before this process began: that import is this one's.
            import_s = time.perf_counter() - t0 + PRELOADED_IMPORT_S.get(key, 0.0)
            self._loaded[key] = Loaded(runner, import_s)
            # The framework's modules live as long as the process: moved out of the collector's reach, the
            # full collection before each run scans only what runs create (TensorFlow's took 0.2 s a run).
            gc.freeze()
        return self._loaded[key]


def timed_step(
    runner: Runner, prepared: Prepared, x: np.ndarray, y: np.ndarray | None, fault: Fault, scenario: str = ""
) -> Step:
    """The timed step; with the ``no_sync`` fault, the runner's deliberately unsynchronised one."""
    if fault.kind == NO_SYNC:
        return runner.make_unsynced_step_for_testing(prepared, x, y)
    return generation.scenario_step(prepared, scenario, x, y)


def run(spec: RunSpec, out: Emitter, cache: RunnerCache | None = None) -> None:
    rss_at_start = resident_mb()
    wspec = get_spec(spec.workload, spec.size)
    planned = spec.measurements()
    mode, variant, device = spec.mode, spec.variant, spec.device

    out.enter("import")
    loaded = (cache or RunnerCache()).get(spec)
    runner, import_s = loaded.runner, loaded.import_s  # the child's one import, shared by its runs

    def not_run(status: str, reason: str) -> None:
        for measurement in planned:
            out.emit(
                ChildResult(
                    scenario=measurement.scenario,
                    batch_size=measurement.batch,
                    status=status,
                    reason=reason,
                    framework_version=runner.framework_version(),
                    phases=Phases(import_s=import_s),
                )
            )

    reason = runner.unsupported_reason(mode, variant, device) or runner.framework.workload_reason(wspec.name)
    if reason is None and mode == "training":
        reason = training_unsupported_reason(wspec)
    if reason is None:
        reason = runner.precision_reason(wspec, spec.precision, mode=mode, device=device)
    if reason:
        not_run("unsupported", reason)
        return

    # Threads are set before anything can start the framework's runtime (checking a GPU may start it).
    out.enter("configure")
    if loaded.configured != (spec.threads, device):  # thread pools are set once, before any work
        t0 = time.perf_counter()
        loaded.settings = runner.configure(spec.threads, device)
        loaded.configure_s = time.perf_counter() - t0
        loaded.configured = (spec.threads, device)
    settings, configure_s = loaded.settings, loaded.configure_s
    reason = runner.device_available(device)
    if reason:
        not_run("skipped", reason)
        return
    version = runner.framework_version()

    out.enter("build")
    weights = workload_data.make_weights(wspec, seed=spec.seed)
    t0 = time.perf_counter()
    prepared = runner.build(
        wspec, weights, mode=mode, variant=variant, device=device, precision=spec.precision
    )
    build_s = time.perf_counter() - t0

    resolution_ns = harness.timer_resolution_ns()
    # A result's measurement budget is shared by its processes (each still warms up in full), so repeating
    # across processes costs no more measuring than one process did.
    share = max(1, spec.repetitions)
    config = harness.TimingConfig(
        min_time_s=spec.min_time_s / share,
        min_iterations=max(MIN_SAMPLES_PER_PROCESS, -(-spec.min_iterations // share)),
        max_time_s=spec.max_time_s / share,
        warmup_s=spec.warmup_s,
    )
    # Every scenario's first call comes before the checks: the inference check runs the timed model at one of
    # the timed batch shapes, so a JIT compiled there would leave that scenario's first call without its
    # compile, and the compile time would be understated.
    first_calls = []
    for measurement in planned:
        x, y = workload_data.make_batch(wspec, measurement.batch)
        step = timed_step(runner, prepared, x, y, out.fault, measurement.scenario)
        out.enter("first_call", measurement.scenario)
        first_calls.append((measurement, x, step, harness.time_calls(step, range(1)) / 1e9))

    out.enter("check")
    t0 = time.perf_counter()
    if spec.repetition > 0:  # the result's first process checked the same code on the same data
        outcome = reference_checks.checked_elsewhere(mode)
    elif mode == "inference":
        batch = reference_checks.check_batch(wspec, [m.batch for m in planned])
        outcome = reference_checks.inference_check(prepared, wspec, weights, batch, spec.precision)
    else:
        outcome = reference_checks.training_check(
            runner, wspec, weights, variant=variant, device=device, precision=spec.precision
        )
    check_s = time.perf_counter() - t0

    for measurement, x, step, first_call_s in first_calls:
        scenario = measurement.scenario

        out.enter("warmup", scenario)
        compiles_start, counter = timed_checks.compile_count(prepared)
        warmup_watch = contention.Watch()
        warmup_s, warm_ms = harness.warmup(step, config.warmup_s)
        warmup_window = warmup_watch.stop()

        out.enter("measure", scenario)
        t0 = time.perf_counter()
        inner = harness.calibrate(step, harness.target_sample_ns(resolution_ns), warm_ms)
        compiles_warm, _ = timed_checks.compile_count(prepared)
        watch = contention.Watch()

        def progress(
            samples: list[float], elapsed_s: float, fraction: float, scenario: str = scenario
        ) -> None:
            recent = tuple(samples[-RECENT_SAMPLES:])
            out.emit(
                ChildProgress(scenario, len(samples), elapsed_s, fraction, float(np.median(recent)), recent)
            )

        meter = energy.meter_for(device)  # read around the timed samples only: energy per sample is theirs
        meter.start()
        samples = harness.measure(step, inner, config, progress)
        spent = meter.stop()
        energy_per_sample, energy_reason = spent.per_sample(len(samples) * inner * measurement.batch)
        window = watch.stop()
        compiles_end, _ = timed_checks.compile_count(prepared)
        steady_ms = float(np.median(samples))
        # How the step behaves (its lone call, its dispatch, its timed output) is a property of its code and
        # data, as the reference check is: the result's first process observes it, the later ones only time.
        first_process = spec.repetition == 0
        seen = timed_checks.observe_step(runner, step, steady_ms, device, config) if first_process else None
        lone = None if seen is None else seen.lone
        measure_s = time.perf_counter() - t0
        if outcome.timed is not None:  # training: checked on a fresh build of the timed step
            timed = outcome.timed
        elif lone is not None:
            timed = timed_checks.check_timed(
                prepared, wspec, weights, x, lone, precision=spec.precision, scenario=scenario
            )
        else:
            timed = timed_checks.TimedOutput(timed_checks.CHECKED_ELSEWHERE, None, None, None)
        checks = StepChecks(
            async_dispatch=runner.dispatches_asynchronously(device),
            materialise_ms=None if lone is None else lone.materialise_ms,
            fetch_ratio=None if seen is None else seen.fetch_ratio,
            pending_share=None if seen is None else seen.pending_share,
            timed_output=timed.what,
            timed_output_error=_finite(timed.error),
            timed_output_tolerance=timed.tolerance,
            compiles_warmup=_delta(compiles_start, compiles_warm),
            compiles_measure=_delta(compiles_warm, compiles_end),
            compile_counter=counter,
            dtype_used=timed.dtype,
            contention=window,
            warmup_contention=warmup_window,
            cpu_frequency=contention.cpu_frequency() or None,
        )

        out.emit(
            ChildResult(
                scenario=scenario,
                batch_size=measurement.batch,
                status="ok",
                framework_version=version,
                samples_ms=tuple(samples),
                inner_iterations=inner,
                timer_resolution_ns=resolution_ns,
                isolated_call_ms=None if lone is None else lone.call_ms,
                flops_per_sample=flops_per_sample(wspec, mode, scenario),
                phases=Phases(
                    import_s=import_s,
                    build=build_s,
                    first_call=first_call_s,
                    # Only a tracing/compiling variant has a compile time; for the others it is not 0 but NULL.
                    compile=max(0.0, first_call_s - steady_ms / 1000.0) if runner.compiles(variant) else None,
                    warmup=warmup_s,
                    measure=measure_s,
                ),
                max_abs_error=None if outcome.check is None else _finite(outcome.check.max_abs_error),
                max_rel_error=None if outcome.check is None else _finite(outcome.check.max_rel_error),
                tolerance=None if outcome.check is None else outcome.check.tolerance,
                check_ok=None if outcome.check is None else bool(outcome.check.ok),
                peak_rss_mb=peak_rss_mb(),
                device_mem_peak_mb=prepared.device_memory_peak_mb(),
                energy_j_per_sample=energy_per_sample,
                energy_reason=energy_reason,
                details=MeasurementDetails(
                    settings=settings,
                    configure_s=configure_s,
                    check_s=check_s,
                    check=outcome.what,
                    steady_call_ms=steady_ms,
                    load_average=tuple(os.getloadavg()),  # a busy machine explains noisy samples
                    tolerance_rel=workload_data.tolerance_rel(wspec, mode, spec.precision),
                    agreement=outcome.agreement,
                    parameters=parameter_count(wspec),
                    weight_bytes=sum(int(w.nbytes) for w in weights.values()),
                    checks=checks,
                    rss_at_start_mb=rss_at_start,
                    energy_scope=spent.scope,
                ),
            )
        )


def _delta(before: int | None, after: int | None) -> int | None:
    return None if before is None or after is None else after - before


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
        print("usage: python -m fwtui.bench.child '<json spec or list of specs>'", file=sys.stderr)
        return 2
    payload = json.loads(args[0])
    specs = [RunSpec.from_dict(item) for item in (payload if isinstance(payload, list) else [payload])]
    exit_with_parent()
    out = Emitter()
    cache = RunnerCache()
    failed = False
    for index, spec in enumerate(specs):
        gc.collect()  # the previous run's objects go before this run's memory is counted
        reset_peak_rss()
        out.start_run(index, Fault.of(spec))
        try:
            run(spec, out, cache)
        except Exception as exc:
            failed = True
            message = f"{type(exc).__name__}: {exc}".strip().splitlines()[0][:500]
            out.emit(ChildError(out.phase, message))
            import traceback

            traceback.print_exc()
    out.emit(ChildDone())
    return 1 if failed else 0


if __name__ == "__main__":
    exit_code = main()
    # Everything is reported: skip the frameworks' slow interpreter teardown (TensorFlow's takes seconds).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(exit_code)
