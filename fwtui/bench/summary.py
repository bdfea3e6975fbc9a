"""The end-of-session summary: for each workload and scenario, the fastest valid result and its margin."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from fwtui.bench import flags, significance
from fwtui.bench.result_record import ResultRecord
from fwtui.json_fields import Fields, JsonObject

GroupKey = tuple[str, str, str, str, str]  # workload, size, mode, scenario, device


@dataclass(frozen=True)
class Excluded:
    """A result that did not compete, and why."""

    name: str  # framework/variant
    status: str
    reason: str | None
    flags: tuple[str, ...]  # its invalidating flags

    def to_dict(self) -> JsonObject:
        return {"name": self.name, "status": self.status, "reason": self.reason, "flags": list(self.flags)}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Excluded:
        f = Fields(data, "excluded")
        return cls(f.text("name"), f.text("status"), f.opt_text("reason"), f.texts("flags"))


@dataclass(frozen=True)
class SummaryRow:
    """One workload/size/mode/scenario/device: the fastest valid result and by how much it won."""

    workload: str
    size: str
    mode: str
    scenario: str
    device: str
    winner: str | None = None
    winner_p50_ms: float | None = None
    winner_throughput: float | None = None
    runner_up: str | None = None
    runner_up_p50_ms: float | None = None
    speedup: float | None = None  # runner-up's median per-call time over the winner's
    significant: bool | None = None
    p_value: float | None = None
    excluded: tuple[Excluded, ...] = ()

    def to_dict(self) -> JsonObject:
        data: JsonObject = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "excluded"}
        data["excluded"] = [e.to_dict() for e in self.excluded]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> SummaryRow:
        f = Fields(data, "summary row")
        return cls(
            workload=f.text("workload"),
            size=f.text("size"),
            mode=f.text("mode"),
            scenario=f.text("scenario"),
            device=f.text("device"),
            winner=f.opt_text("winner"),
            winner_p50_ms=f.opt_number("winner_p50_ms"),
            winner_throughput=f.opt_number("winner_throughput"),
            runner_up=f.opt_text("runner_up"),
            runner_up_p50_ms=f.opt_number("runner_up_p50_ms"),
            speedup=f.opt_number("speedup"),
            significant=f.opt_flag("significant"),
            p_value=f.opt_number("p_value"),
            excluded=tuple(Excluded.from_dict(e) for e in f.objects("excluded")),
        )


def summarize(
    records: Sequence[ResultRecord], samples: Mapping[str, Sequence[float]] | None = None
) -> list[SummaryRow]:
    """For each workload/size/mode/scenario/device: the fastest valid framework/variant and its margin.

    Only ``status == ok`` results without an invalidating flag compete. ``speedup`` is the runner-up's median
    per-call time over the winner's; ``significant`` and ``p_value`` come only from the test across processes
    (:func:`fwtui.bench.significance.compare` on the two results' per-process medians): with fewer than two
    processes on either side ``significant`` is None (not tested), never a verdict from the samples inside one
    process. ``samples`` is accepted for callers that have them; the verdict does not use them.
    """
    groups: dict[GroupKey, list[ResultRecord]] = {}
    for record in records:
        key = (record.workload, record.size, record.mode, record.scenario, record.device)
        groups.setdefault(key, []).append(record)
    return [_summarize_group(key, group, samples or {}) for key, group in groups.items()]


def _p50(record: ResultRecord) -> float:
    return record.p50_ms or 0.0


def _summarize_group(
    key: GroupKey, group: list[ResultRecord], samples: Mapping[str, Sequence[float]]
) -> SummaryRow:
    workload, size, mode, scenario, device = key
    row = SummaryRow(workload, size, mode, scenario, device)
    valid = sorted((r for r in group if flags.rankable(r.status, r.flags) and r.p50_ms), key=_p50)
    excluded = tuple(
        Excluded(r.name, r.status, r.reason, tuple(f for f in r.flags if f in flags.INVALIDATING_FLAGS))
        for r in group
        if r not in valid
    )
    row = replace(row, excluded=excluded)
    if valid:
        best = valid[0]
        row = replace(
            row, winner=best.name, winner_p50_ms=best.p50_ms, winner_throughput=best.throughput_samples_per_s
        )
    if len(valid) > 1:
        best, second = valid[0], valid[1]
        row = replace(
            row, runner_up=second.name, runner_up_p50_ms=second.p50_ms, speedup=_p50(second) / _p50(best)
        )
        result = significance.compare(best.process_p50_ms, second.process_p50_ms)
        if result.p_value is not None:
            # The winner is chosen by the pooled median; it is a significant win only if the processes agree.
            won = result.significant and result.faster == "a"
            row = replace(row, significant=won, p_value=result.p_value)
    return row
