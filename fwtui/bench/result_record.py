"""The result record: one scenario of one run, as stored and as printed by ``fwtui bench --json``.

:class:`ResultRecord` is frozen and typed; :meth:`ResultRecord.to_dict` is the documented ``--json`` shape
(README, tests) and :meth:`ResultRecord.from_dict` reads it back. A number that was not measured is None,
never 0. Records with numbers are built from a child's samples in :mod:`fwtui.bench.records`; records
without (skipped, unsupported, failed) by :func:`not_run_record` here, which needs no NumPy.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone

from fwtui.bench.spec import RunSpec, contender, run_label
from fwtui.bench.step_checks import StepChecks
from fwtui.frameworks import BY_NAME, installed_version
from fwtui.json_fields import Fields, JsonObject

DTYPE = "float32"
LATENCY_KEYS: tuple[str, ...] = ("p50", "p90", "p95", "p99", "mean", "stdev", "min", "max")
PHASE_KEYS: tuple[str, ...] = ("import", "build", "first_call", "compile", "warmup", "measure")


@dataclass(frozen=True)
class LatencyStats:
    """Per-call time statistics in milliseconds; a statistic that could not be computed is None."""

    p50: float | None = None
    p90: float | None = None
    p95: float | None = None
    p99: float | None = None
    mean: float | None = None
    stdev: float | None = None
    min: float | None = None
    max: float | None = None

    def to_dict(self) -> dict[str, float | None]:
        return {key: getattr(self, key) for key in LATENCY_KEYS}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> LatencyStats:
        f = Fields(data, "latency_ms")
        return cls(**{key: f.opt_number(key) for key in LATENCY_KEYS})


@dataclass(frozen=True)
class Phases:
    """Seconds spent in each phase of a child; a phase that did not happen (or has no meaning) is None."""

    import_s: float | None = None
    build: float | None = None
    first_call: float | None = None
    compile: float | None = None  # only tracing/compiling variants have one
    warmup: float | None = None
    measure: float | None = None

    def to_dict(self) -> dict[str, float | None]:
        return {
            "import": self.import_s,
            "build": self.build,
            "first_call": self.first_call,
            "compile": self.compile,
            "warmup": self.warmup,
            "measure": self.measure,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Phases:
        f = Fields(data, "phases_s")
        return cls(
            import_s=f.opt_number("import"),
            build=f.opt_number("build"),
            first_call=f.opt_number("first_call"),
            compile=f.opt_number("compile"),
            warmup=f.opt_number("warmup"),
            measure=f.opt_number("measure"),
        )


@dataclass(frozen=True)
class MeasurementDetails:
    """What a child reports about how it measured: settings in force, the correctness check, the load."""

    settings: JsonObject | None = None  # the runner's configure() result
    configure_s: float | None = None
    check_s: float | None = None
    check: str | None = None  # what the correctness check compared
    steady_call_ms: float | None = None
    load_average: tuple[float, ...] | None = None  # a busy machine explains noisy samples
    tolerance_rel: float | None = None
    parameters: int | None = None  # the model's trainable parameters
    weight_bytes: int | None = None  # bytes of every weight as the timed model holds them
    agreement: float | None = None  # top-1 (gpt2: next-token) agreement with the float64 reference
    checks: StepChecks | None = None  # the timed step's own evidence: output, compiles, contention
    # Resident memory when the run started: the rest of peak_rss_mb is what this run added (in a child that ran
    # other runs before, this includes the framework and what its allocator kept from them).
    rss_at_start_mb: float | None = None
    # What the energy counter covered (fwtui.bench.energy): a whole CPU package or GPU, never one process.
    energy_scope: str | None = None

    def to_dict(self) -> JsonObject:
        """Only what was reported: a child always reports every field."""
        data: JsonObject = {
            "settings": self.settings,
            "configure_s": self.configure_s,
            "check_s": self.check_s,
            "check": self.check,
            "steady_call_ms": self.steady_call_ms,
            "load_average": None if self.load_average is None else list(self.load_average),
            "tolerance_rel": self.tolerance_rel,
            "parameters": self.parameters,
            "weight_bytes": self.weight_bytes,
            "agreement": self.agreement,
            "checks": None if self.checks is None else self.checks.to_dict(),
            "rss_at_start_mb": self.rss_at_start_mb,
            "energy_scope": self.energy_scope,
        }
        return {key: value for key, value in data.items() if value is not None}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> MeasurementDetails:
        f = Fields(data, "details")
        return cls(
            settings=f.opt_object("settings"),
            configure_s=f.opt_number("configure_s"),
            check_s=f.opt_number("check_s"),
            check=f.opt_text("check"),
            steady_call_ms=f.opt_number("steady_call_ms"),
            load_average=f.numbers("load_average") if f.has("load_average") else None,
            tolerance_rel=f.opt_number("tolerance_rel"),
            parameters=f.opt_integer("parameters"),
            weight_bytes=f.opt_integer("weight_bytes"),
            agreement=f.opt_number("agreement"),
            checks=StepChecks.from_dict(f.json_object("checks")) if f.has("checks") else None,
            rss_at_start_mb=f.opt_number("rss_at_start_mb"),
            energy_scope=f.opt_text("energy_scope"),
        )


SAMPLES_NOTE = "each sample is the mean per-call time of inner_iterations back-to-back calls"
_MEASURED_KEYS = ("timer_resolution_ns", "isolated_call_ms", "peak_gflops", "samples_note")


@dataclass(frozen=True)
class RecordDetails:
    """The record's ``details``: the preset, and for measured results how they were measured."""

    preset: str | None = None
    measurement: MeasurementDetails | None = None  # set exactly for measured results
    timer_resolution_ns: float | None = None
    isolated_call_ms: float | None = None
    peak_gflops: float | None = None
    stderr_tail: str | None = None  # of a child that failed
    break_even_baseline: str | None = None
    break_even_reason: str | None = None
    tails_reason: str | None = None  # why p90/p95/p99 are NULL (too few single-call samples), or None
    # Samples per process, in the stored order: re-validation splits the samples by it to recompute the
    # per-process medians an import claims.
    process_n: tuple[int, ...] | None = None

    def to_dict(self) -> JsonObject:
        data: JsonObject = {}
        if self.measurement is not None:
            data.update(self.measurement.to_dict())
            data.update(
                timer_resolution_ns=self.timer_resolution_ns,
                isolated_call_ms=self.isolated_call_ms,
                peak_gflops=self.peak_gflops,
                samples_note=SAMPLES_NOTE,
            )
        data["preset"] = self.preset
        extras: dict[str, str | None] = {
            "stderr_tail": self.stderr_tail,
            "break_even_baseline": self.break_even_baseline,
            "break_even_reason": self.break_even_reason,
            "tails_reason": self.tails_reason,
        }
        data.update({key: value for key, value in extras.items() if value is not None})
        if self.process_n is not None:
            data["process_n"] = list(self.process_n)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> RecordDetails:
        f = Fields(data, "details")
        measured = any(key in data for key in _MEASURED_KEYS)
        return cls(
            preset=f.opt_text("preset"),
            measurement=MeasurementDetails.from_dict(data) if measured else None,
            timer_resolution_ns=f.opt_number("timer_resolution_ns"),
            isolated_call_ms=f.opt_number("isolated_call_ms"),
            peak_gflops=f.opt_number("peak_gflops"),
            stderr_tail=f.opt_text("stderr_tail"),
            break_even_baseline=f.opt_text("break_even_baseline"),
            break_even_reason=f.opt_text("break_even_reason"),
            tails_reason=f.opt_text("tails_reason"),
            process_n=tuple(int(v) for v in f.numbers("process_n")) if f.has("process_n") else None,
        )


@dataclass(frozen=True)
class ResultRecord:
    """One stored result; field order is the ``--json`` key order."""

    result_id: str
    run_id: str | None
    machine_id: str | None
    created_at: str  # ISO 8601, UTC
    framework: str
    framework_version: str | None
    variant: str
    workload: str
    size: str
    mode: str
    scenario: str
    batch_size: int
    device: str
    dtype: str
    threads: int
    status: str  # "ok" | "failed" | "timeout" | "unsupported" | "skipped" | "cancelled"
    reason: str | None
    n: int | None = None
    inner_iterations: int | None = None
    latency_ms: LatencyStats | None = None
    cv: float | None = None
    ci95_ms: tuple[float, float] | None = None  # across processes (fwtui.bench.significance)
    repetitions: int | None = None  # independent processes the result was measured in
    process_p50_ms: tuple[float, ...] = ()  # each process's median per-call time, in the order they ran
    process_cv: float | None = None  # between-process spread: CV of process_p50_ms
    throughput_samples_per_s: float | None = None
    gflops: float | None = None
    flops_per_sample: float | None = None
    phases_s: Phases = field(default_factory=Phases)
    compile_s: float | None = None
    compile_break_even_calls: float | None = None
    peak_rss_mb: float | None = None
    device_mem_peak_mb: float | None = None
    # Energy per input sample over the timed samples, or None with energy_reason (never 0 for unknown).
    energy_j_per_sample: float | None = None
    energy_reason: str | None = None
    max_abs_error: float | None = None
    max_rel_error: float | None = None
    tolerance: float | None = None
    flags: tuple[str, ...] = ()
    source: str = "local"
    details: RecordDetails = field(default_factory=RecordDetails)
    # A user's own model (``fwtui bench --model``; None for fwtui's workloads): its file name (never a path),
    # content hash, parameter count and input shapes ("x=1x3x224x224, mask=1x16").
    model_name: str | None = None
    model_sha256: str | None = None
    model_params: int | None = None
    model_inputs: str | None = None

    @property
    def p50_ms(self) -> float | None:
        return None if self.latency_ms is None else self.latency_ms.p50

    @property
    def name(self) -> str:
        """``framework/variant`` (and the precision when it is not float32), as the summary names a contender."""
        name = contender(self.framework, self.variant)
        return name if self.dtype in ("", "float32") else f"{name} {self.dtype}"

    @property
    def label(self) -> str:
        """The result in one line: ``torch/eager mlp/small latency``."""
        return run_label(
            self.framework, self.variant, self.workload, self.size, self.scenario, device=self.device,
            precision=self.dtype,
        )

    def to_dict(self) -> JsonObject:
        """The ``fwtui bench --json`` record."""
        data: JsonObject = {}
        for key in self.__dataclass_fields__:
            value = getattr(self, key)
            if isinstance(value, (LatencyStats, Phases, RecordDetails)):
                data[key] = dict(value.to_dict())
            elif isinstance(value, tuple):
                data[key] = list(value)
            else:
                data[key] = value
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ResultRecord:
        f = Fields(data, "result record")
        latency = f.opt_object("latency_ms")
        ci = f.numbers("ci95_ms")
        if ci and len(ci) != 2:
            raise ValueError("result record: field 'ci95_ms' should hold two numbers")
        phases = f.opt_object("phases_s")
        details = f.opt_object("details")
        return cls(
            result_id=f.text("result_id"),
            run_id=f.opt_text("run_id"),
            machine_id=f.opt_text("machine_id"),
            created_at=f.text("created_at"),
            framework=f.text("framework"),
            framework_version=f.opt_text("framework_version"),
            variant=f.text("variant"),
            workload=f.text("workload"),
            size=f.text("size"),
            mode=f.text("mode"),
            scenario=f.text("scenario"),
            batch_size=f.integer("batch_size"),
            device=f.text("device"),
            dtype=f.text("dtype", DTYPE),
            threads=f.integer("threads"),
            status=f.text("status"),
            reason=f.opt_text("reason"),
            n=f.opt_integer("n"),
            inner_iterations=f.opt_integer("inner_iterations"),
            latency_ms=None if latency is None else LatencyStats.from_dict(latency),
            cv=f.opt_number("cv"),
            ci95_ms=(ci[0], ci[1]) if ci else None,
            repetitions=f.opt_integer("repetitions"),
            process_p50_ms=f.numbers("process_p50_ms"),
            process_cv=f.opt_number("process_cv"),
            throughput_samples_per_s=f.opt_number("throughput_samples_per_s"),
            gflops=f.opt_number("gflops"),
            flops_per_sample=f.opt_number("flops_per_sample"),
            phases_s=Phases.from_dict(phases) if phases else Phases(),
            compile_s=f.opt_number("compile_s"),
            compile_break_even_calls=f.opt_number("compile_break_even_calls"),
            peak_rss_mb=f.opt_number("peak_rss_mb"),
            device_mem_peak_mb=f.opt_number("device_mem_peak_mb"),
            energy_j_per_sample=f.opt_number("energy_j_per_sample"),
            energy_reason=f.opt_text("energy_reason"),
            max_abs_error=f.opt_number("max_abs_error"),
            max_rel_error=f.opt_number("max_rel_error"),
            tolerance=f.opt_number("tolerance"),
            flags=f.texts("flags"),
            source=f.text("source", "local"),
            details=RecordDetails.from_dict(details) if details else RecordDetails(),
            model_name=f.opt_text("model_name"),
            model_sha256=f.opt_text("model_sha256"),
            model_params=f.opt_integer("model_params"),
            model_inputs=f.opt_text("model_inputs"),
        )


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


def not_run_record(
    spec: RunSpec,
    scenario: str,
    status: str,
    reason: str | None,
    *,
    run_id: str | None = None,
    machine_id: str | None = None,
    framework_version: str | None = None,
    batch: int | None = None,
    stderr_tail: str | None = None,
    peak_rss_mb: float | None = None,
) -> ResultRecord:
    """A record with no numbers: skipped, unsupported, failed or timed out, with the reason."""
    fw = BY_NAME.get(spec.framework)
    if framework_version is None and fw is not None and status != "skipped":
        framework_version = installed_version(fw.distributions)
    return ResultRecord(
        result_id=uuid.uuid4().hex,
        run_id=run_id,
        machine_id=machine_id,
        created_at=now_iso(),
        framework=spec.framework,
        framework_version=framework_version,
        variant=spec.variant,
        workload=spec.workload,
        size=spec.size,
        mode=spec.mode,
        scenario=scenario,
        batch_size=batch if batch is not None else spec.batch_for(scenario),
        device=spec.device,
        dtype=spec.precision,
        threads=spec.threads,
        status=status,
        reason=reason,
        peak_rss_mb=peak_rss_mb,
        details=RecordDetails(preset=spec.preset, stderr_tail=stderr_tail),
    )
