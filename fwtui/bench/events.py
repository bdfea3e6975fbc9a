"""Every event of the benchmark engine, typed, each with one JSON round trip (``to_dict``/``from_dict``).

Two families:

* **Child events**, one JSON object per line on a child's stdout (:mod:`fwtui.bench.child` writes them,
  :mod:`fwtui.bench.process` reads them): :class:`ChildRunStart`, :class:`ChildPhase`, :class:`ChildProgress`,
  :class:`ChildResult`, :class:`ChildError`, :class:`ChildDone`.
* **Session events**, what :class:`fwtui.bench.session.BenchSession` passes to its caller (the CLI, the
  Benchmark area): :class:`QueueStarted`, :class:`RunStarted`, :class:`RunPhase`, :class:`RunProgress`,
  :class:`RunError`, :class:`RunResult`, :class:`RunEnded`, :class:`SessionDone`.

Every ``to_dict`` carries the kind under ``"event"``; :func:`child_event_from_dict` and
:func:`session_event_from_dict` read any of them back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import ClassVar, TypeAlias

from fwtui.bench.result_record import MeasurementDetails, Phases, ResultRecord
from fwtui.bench.spec import RunSpec
from fwtui.json_fields import Fields, JsonObject

# --- child events --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChildPhase:
    """The child entered a phase (import, configure, build, check, first_call, warmup, measure)."""

    kind: ClassVar[str] = "phase"
    phase: str
    scenario: str | None
    elapsed_s: float

    def to_dict(self) -> JsonObject:
        return {"event": self.kind, "phase": self.phase, "scenario": self.scenario, "elapsed_s": self.elapsed_s}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ChildPhase:
        f = Fields(data, "phase event")
        return cls(f.text("phase"), f.opt_text("scenario"), f.number("elapsed_s", 0.0))


@dataclass(frozen=True)
class ChildRunStart:
    """A persistent child starts the run at ``index`` of the list it was given; what follows belongs to it."""

    kind: ClassVar[str] = "run"
    index: int

    def to_dict(self) -> JsonObject:
        return {"event": self.kind, "index": self.index}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ChildRunStart:
        return cls(Fields(data, "run event").integer("index"))


@dataclass(frozen=True)
class ChildProgress:
    """The measure phase so far: about 20 of these a second."""

    kind: ClassVar[str] = "progress"
    scenario: str | None
    iterations: int
    elapsed_s: float
    fraction: float | None
    p50_ms: float | None
    recent_ms: tuple[float, ...]

    def to_dict(self) -> JsonObject:
        return {
            "event": self.kind,
            "scenario": self.scenario,
            "iterations": self.iterations,
            "elapsed_s": self.elapsed_s,
            "fraction": self.fraction,
            "p50_ms": self.p50_ms,
            "recent_ms": list(self.recent_ms),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ChildProgress:
        f = Fields(data, "progress event")
        return cls(
            scenario=f.opt_text("scenario"),
            iterations=f.integer("iterations", 0),
            elapsed_s=f.number("elapsed_s", 0.0),
            fraction=f.opt_number("fraction"),
            p50_ms=f.opt_number("p50_ms"),
            recent_ms=f.numbers("recent_ms"),
        )


@dataclass(frozen=True)
class ChildResult:
    """One scenario's outcome: raw samples and checks when measured, else a status and the reason."""

    kind: ClassVar[str] = "result"
    scenario: str
    batch_size: int
    status: str  # "ok", or why nothing was measured: "unsupported" | "skipped"
    reason: str | None = None
    framework_version: str | None = None
    phases: Phases = field(default_factory=Phases)
    samples_ms: tuple[float, ...] = ()
    inner_iterations: int | None = None
    timer_resolution_ns: float | None = None
    isolated_call_ms: float | None = None
    flops_per_sample: float | None = None
    max_abs_error: float | None = None
    max_rel_error: float | None = None
    tolerance: float | None = None
    check_ok: bool | None = None
    peak_rss_mb: float | None = None
    device_mem_peak_mb: float | None = None
    # Joules per input sample over the timed samples (fwtui.bench.energy), or None and the reason it is.
    energy_j_per_sample: float | None = None
    energy_reason: str | None = None
    details: MeasurementDetails | None = None

    def to_dict(self) -> JsonObject:
        data: JsonObject = {
            "event": self.kind,
            "scenario": self.scenario,
            "batch_size": self.batch_size,
            "status": self.status,
            "reason": self.reason,
            "framework_version": self.framework_version,
            "phases_s": dict(self.phases.to_dict()),
        }
        if self.status == "ok":
            data.update(
                samples_ms=list(self.samples_ms),
                inner_iterations=self.inner_iterations,
                timer_resolution_ns=self.timer_resolution_ns,
                isolated_call_ms=self.isolated_call_ms,
                flops_per_sample=self.flops_per_sample,
                max_abs_error=self.max_abs_error,
                max_rel_error=self.max_rel_error,
                tolerance=self.tolerance,
                check_ok=self.check_ok,
                peak_rss_mb=self.peak_rss_mb,
                device_mem_peak_mb=self.device_mem_peak_mb,
                energy_j_per_sample=self.energy_j_per_sample,
                energy_reason=self.energy_reason,
                details=None if self.details is None else self.details.to_dict(),
            )
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ChildResult:
        f = Fields(data, "result event")
        phases = f.opt_object("phases_s")
        details = f.opt_object("details")
        return cls(
            scenario=f.text("scenario"),
            batch_size=f.integer("batch_size", 0),
            status=f.text("status", "failed"),
            reason=f.opt_text("reason"),
            framework_version=f.opt_text("framework_version"),
            phases=Phases.from_dict(phases) if phases else Phases(),
            samples_ms=f.numbers("samples_ms"),
            inner_iterations=f.opt_integer("inner_iterations"),
            timer_resolution_ns=f.opt_number("timer_resolution_ns"),
            isolated_call_ms=f.opt_number("isolated_call_ms"),
            flops_per_sample=f.opt_number("flops_per_sample"),
            max_abs_error=f.opt_number("max_abs_error"),
            max_rel_error=f.opt_number("max_rel_error"),
            tolerance=f.opt_number("tolerance"),
            check_ok=f.opt_flag("check_ok"),
            peak_rss_mb=f.opt_number("peak_rss_mb"),
            device_mem_peak_mb=f.opt_number("device_mem_peak_mb"),
            energy_j_per_sample=f.opt_number("energy_j_per_sample"),
            energy_reason=f.opt_text("energy_reason"),
            details=None if details is None else MeasurementDetails.from_dict(details),
        )


@dataclass(frozen=True)
class ChildError:
    """The run raised: the phase it was in and the first line of the exception."""

    kind: ClassVar[str] = "error"
    phase: str
    message: str

    def to_dict(self) -> JsonObject:
        return {"event": self.kind, "phase": self.phase, "message": self.message}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ChildError:
        f = Fields(data, "error event")
        return cls(f.text("phase", "unknown"), f.text("message", ""))


@dataclass(frozen=True)
class ChildDone:
    """Everything was reported; the child exits next."""

    kind: ClassVar[str] = "done"

    def to_dict(self) -> JsonObject:
        return {"event": self.kind}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ChildDone:
        return cls()


ChildEvent: TypeAlias = "ChildRunStart | ChildPhase | ChildProgress | ChildResult | ChildError | ChildDone"
_CHILD_EVENTS: dict[str, Callable[[Mapping[str, object]], ChildEvent]] = {
    ChildRunStart.kind: ChildRunStart.from_dict,
    ChildPhase.kind: ChildPhase.from_dict,
    ChildProgress.kind: ChildProgress.from_dict,
    ChildResult.kind: ChildResult.from_dict,
    ChildError.kind: ChildError.from_dict,
    ChildDone.kind: ChildDone.from_dict,
}


def child_event_from_dict(data: Mapping[str, object]) -> ChildEvent:
    """The child event ``data`` encodes; raises ``ValueError`` for an unknown kind or a malformed field."""
    kind = data.get("event")
    read = _CHILD_EVENTS.get(kind) if isinstance(kind, str) else None
    if read is None:
        raise ValueError(f"unknown child event {kind!r}")
    return read(data)


# --- session events ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueStarted:
    kind: ClassVar[str] = "queue"
    specs: tuple[RunSpec, ...]

    @property
    def total(self) -> int:
        return len(self.specs)

    def to_dict(self) -> JsonObject:
        return {"event": self.kind, "total": self.total, "specs": [s.to_dict() for s in self.specs]}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> QueueStarted:
        return cls(tuple(RunSpec.from_dict(s) for s in Fields(data, "queue event").objects("specs")))


@dataclass(frozen=True)
class RunStarted:
    """A run starts in a child: repetition ``repetition`` (from 0) of ``repetitions``."""

    kind: ClassVar[str] = "run_start"
    index: int
    spec: RunSpec
    repetition: int = 0
    repetitions: int = 1

    def to_dict(self) -> JsonObject:
        return {
            "event": self.kind,
            "index": self.index,
            "spec": self.spec.to_dict(),
            "repetition": self.repetition,
            "repetitions": self.repetitions,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> RunStarted:
        f = Fields(data, "run_start event")
        return cls(
            f.integer("index"),
            RunSpec.from_dict(f.json_object("spec")),
            f.integer("repetition", 0),
            f.integer("repetitions", 1),
        )


@dataclass(frozen=True)
class RunPhase:
    kind: ClassVar[str] = "phase"
    index: int
    phase: str
    scenario: str | None = None
    elapsed_s: float = 0.0

    @classmethod
    def of(cls, index: int, event: ChildPhase) -> RunPhase:
        return cls(index, event.phase, event.scenario, event.elapsed_s)

    def to_dict(self) -> JsonObject:
        return {"index": self.index, **ChildPhase(self.phase, self.scenario, self.elapsed_s).to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> RunPhase:
        return cls.of(Fields(data, "phase event").integer("index"), ChildPhase.from_dict(data))


@dataclass(frozen=True)
class RunProgress:
    kind: ClassVar[str] = "progress"
    index: int
    scenario: str | None = None
    iterations: int = 0
    elapsed_s: float = 0.0
    fraction: float | None = None
    p50_ms: float | None = None
    recent_ms: tuple[float, ...] = ()

    @classmethod
    def of(cls, index: int, event: ChildProgress) -> RunProgress:
        return cls(
            index, event.scenario, event.iterations, event.elapsed_s, event.fraction, event.p50_ms, event.recent_ms
        )

    def to_dict(self) -> JsonObject:
        child = ChildProgress(
            self.scenario, self.iterations, self.elapsed_s, self.fraction, self.p50_ms, self.recent_ms
        )
        return {"index": self.index, **child.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> RunProgress:
        return cls.of(Fields(data, "progress event").integer("index"), ChildProgress.from_dict(data))


@dataclass(frozen=True)
class RunError:
    kind: ClassVar[str] = "error"
    index: int
    phase: str
    message: str

    def to_dict(self) -> JsonObject:
        return {"index": self.index, **ChildError(self.phase, self.message).to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> RunError:
        error = ChildError.from_dict(data)
        return cls(Fields(data, "error event").integer("index"), error.phase, error.message)


@dataclass(frozen=True)
class RunResult:
    """A result of the run, already saved when the session has somewhere to save it."""

    kind: ClassVar[str] = "result"
    index: int
    record: ResultRecord

    def to_dict(self) -> JsonObject:
        return {"event": self.kind, "index": self.index, "record": self.record.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> RunResult:
        f = Fields(data, "result event")
        return cls(f.integer("index"), ResultRecord.from_dict(f.json_object("record")))


@dataclass(frozen=True)
class RunEnded:
    kind: ClassVar[str] = "run_end"
    index: int
    status: str
    reason: str | None = None

    def to_dict(self) -> JsonObject:
        return {"event": self.kind, "index": self.index, "status": self.status, "reason": self.reason}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> RunEnded:
        f = Fields(data, "run_end event")
        return cls(f.integer("index"), f.text("status", "ok"), f.opt_text("reason"))


@dataclass(frozen=True)
class SessionDone:
    kind: ClassVar[str] = "done"
    records: tuple[ResultRecord, ...] = ()
    cancelled: bool = False

    def to_dict(self) -> JsonObject:
        return {"event": self.kind, "records": [r.to_dict() for r in self.records], "cancelled": self.cancelled}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> SessionDone:
        f = Fields(data, "done event")
        return cls(tuple(ResultRecord.from_dict(r) for r in f.objects("records")), f.flag("cancelled", False))


SessionEvent: TypeAlias = (
    "QueueStarted | RunStarted | RunPhase | RunProgress | RunError | RunResult | RunEnded | SessionDone"
)
_SESSION_EVENTS: dict[str, Callable[[Mapping[str, object]], SessionEvent]] = {
    QueueStarted.kind: QueueStarted.from_dict,
    RunStarted.kind: RunStarted.from_dict,
    RunPhase.kind: RunPhase.from_dict,
    RunProgress.kind: RunProgress.from_dict,
    RunError.kind: RunError.from_dict,
    RunResult.kind: RunResult.from_dict,
    RunEnded.kind: RunEnded.from_dict,
    SessionDone.kind: SessionDone.from_dict,
}


def session_event_from_dict(data: Mapping[str, object]) -> SessionEvent:
    """The session event ``data`` encodes; raises ``ValueError`` for an unknown kind or a malformed field."""
    kind = data.get("event")
    read = _SESSION_EVENTS.get(kind) if isinstance(kind, str) else None
    if read is None:
        raise ValueError(f"unknown session event {kind!r}")
    return read(data)
