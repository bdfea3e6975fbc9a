"""Which measured results may be compared, and which pairs are: the rules behind every measured claim.

1. **Eligible results.** Status ok (the query reads no other), a framework the engine ranks, no flag in
   :data:`EXCLUDING_FLAGS`, every sample present, finite and positive, at least :data:`MIN_SAMPLES` of them, and
   no training result of a framework that does not train (ONNX Runtime: the registry's ``cannot_train``).
2. **Comparable.** Two results are compared only within one :class:`Setting`: the same machine, workload,
   size, mode, scenario, batch size, threads, device, precision (dtype) and variant kind. A variant is
   *compiled* when the registry lists it as compiled, or the framework is an inference engine (it runs an
   optimised graph); otherwise *eager*. Eager is never compared with compiled.
3. **Which pair.** For two frameworks in one setting: the newest run that measured both (so both numbers come
   from one run, under the same conditions); when no run measured both, each framework's newest result, and
   the pair says it spans two runs. Within the chosen run a framework with several variants of the kind is
   represented by its fastest (lowest median) one. No pooling: one result per framework.
4. **Skipped** results are listed with why: flagged, bad or too few samples, a framework that does not
   train, not a ranked framework, no comparable result of another framework (naming the nearest difference),
   superseded by a newer comparable result, or measured on another machine.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from fwtui.bench import flags as bench_flags
from fwtui.decide.evidence import Measured, OtherMachine
from fwtui.frameworks import BY_NAME

# Flags after which a result is no evidence for a decision: the benchmark engine's invalidating flags (wrong
# outputs, impossible speed, unsynchronised timing), plus those that say the number reflects the machine's
# load or the timer rather than the framework. The one definition; the evidence query receives it.
NOISE_FLAGS: frozenset[str] = frozenset(
    {"high_variance", "busy_machine", "too_few_iterations", "timer_quantised"}
)
EXCLUDING_FLAGS: frozenset[str] = bench_flags.INVALIDATING_FLAGS | NOISE_FLAGS
MIN_SAMPLES = bench_flags.MIN_ITERATIONS


@dataclass(frozen=True, order=True)
class Setting:
    """Everything two results must share to be compared."""

    machine_label: str
    machine_id: str
    this_machine: bool
    workload: str
    size: str
    mode: str
    scenario: str
    batch_size: int
    threads: int
    device: str
    dtype: str
    variant_kind: str  # eager | compiled

    def describe(self) -> str:
        threads = f"{self.threads} thread" + ("" if self.threads == 1 else "s")
        return (
            f"{self.workload} {self.scenario} ({self.size}, batch {self.batch_size}, {threads}, {self.device}, "
            f"{self.dtype}, {self.variant_kind} variants)"
        )

    def where(self) -> str:
        """Which machine: "this machine" only when the results are known to be this machine's (without a hardware
        probe, no machine is known to be this one, so every machine is named)."""
        if self.this_machine:
            return f"this machine ({self.machine_label})"
        return f"machine '{self.machine_label}' ({self.machine_id[:8]})"


@dataclass(frozen=True)
class Skipped:
    reason: str  # flagged | bad_samples | too_few_samples | cannot_train | not_ranked | no_comparable |
    #              superseded | other_machine
    text: str
    result_ids: tuple[str, ...] = ()
    count: int = 1  # results it stands for (superseded and other machines' results are counted, not listed)


@dataclass(frozen=True)
class Pair:
    setting: Setting
    first: Measured  # the two results, in candidate-id order
    second: Measured
    first_candidate: str
    second_candidate: str
    one_run: bool


@dataclass(frozen=True)
class Selection:
    pairs: tuple[Pair, ...]
    skipped: tuple[Skipped, ...]


def variant_kind(framework: str, variant: str) -> str:
    fw = BY_NAME.get(framework)
    if fw is None:
        return "eager" if variant == "eager" else "compiled"
    return "compiled" if variant in fw.compiled or not fw.trains else "eager"


def setting_of(m: Measured) -> Setting:
    return Setting(
        m.machine_label, m.machine_id, m.this_machine, m.workload, m.size, m.mode, m.scenario,
        m.batch_size or 0, m.threads or 0, m.device, m.dtype, variant_kind(m.framework, m.variant),
    )  # fmt: skip


def median_ms(m: Measured) -> float:
    """The median of an eligible result's samples (all finite: see :func:`ineligible`)."""
    return float(statistics.median(s for s in m.samples_ms if s is not None))


def result_name(m: Measured) -> str:
    """How a text names one result: framework, variant, version, id, run and date."""
    version = f" {m.framework_version}" if m.framework_version else ""
    run = f"run {m.run_id[:8]}, " if m.run_id else ""
    return f"{m.framework}/{m.variant}{version} (result {m.result_id[:8]}, {run}{m.date or 'undated'})"


def ineligible(m: Measured, ranked: Mapping[str, str]) -> Skipped | None:
    """Why a result cannot be evidence, or None when it can."""
    name = f"{result_name(m)} on {m.workload} {m.scenario}"
    if m.framework not in ranked:
        return Skipped("not_ranked", f"{name}: {m.framework} is not a framework Decide ranks", (m.result_id,))
    found = sorted(EXCLUDING_FLAGS.intersection(m.flags))
    if found:
        return Skipped("flagged", f"{name}: flagged {', '.join(found)}", (m.result_id,))
    fw = BY_NAME.get(m.framework)
    if fw is not None and not fw.trains and (m.mode == "training" or m.scenario == "train"):
        return Skipped("cannot_train", f"{name}: {fw.cannot_train}, so a training result is no evidence",
                       (m.result_id,))  # fmt: skip
    if any(s is None or not math.isfinite(s) or s <= 0 for s in m.samples_ms):
        return Skipped("bad_samples", f"{name}: some samples are missing or not finite (NULL or NaN)",
                       (m.result_id,))  # fmt: skip
    if len(m.samples_ms) < MIN_SAMPLES:
        return Skipped("too_few_samples", f"{name}: {len(m.samples_ms)} samples, fewer than {MIN_SAMPLES}",
                       (m.result_id,))  # fmt: skip
    return None


def select(
    evidence: Sequence[Measured], ranked: Mapping[str, str], elsewhere: Iterable[OtherMachine] = ()
) -> Selection:
    """The pairs to compare and everything skipped; ``ranked`` maps a stored framework name to its candidate."""
    skipped: list[Skipped] = []
    by_setting: dict[Setting, list[Measured]] = {}
    for m in evidence:
        why = ineligible(m, ranked)
        if why is not None:
            skipped.append(why)
        else:
            by_setting.setdefault(setting_of(m), []).append(m)
    pairs: list[Pair] = []
    for setting in sorted(by_setting):
        results = by_setting[setting]
        frameworks = sorted({m.framework for m in results}, key=lambda fw: ranked[fw])
        used: set[str] = set()
        for i, fw_a in enumerate(frameworks):
            for fw_b in frameworks[i + 1 :]:
                pair = _newest_pair(setting, results, fw_a, fw_b, ranked)
                pairs.append(pair)
                used.update((pair.first.result_id, pair.second.result_id))
        if len(frameworks) == 1:
            skipped.extend(_no_comparable(m, setting, by_setting) for m in results)
            continue
        superseded = [m.result_id for m in results if m.result_id not in used]
        older = sum(m.older for m in results)
        if superseded or older:
            count = len(superseded) + older
            skipped.append(
                Skipped("superseded", f"{count} older or slower-variant result(s) of {setting.describe()} on "
                        f"{setting.where()}: a newer comparable pair is used", tuple(superseded), count)
            )  # fmt: skip
    for other in elsewhere:
        skipped.append(
            Skipped("other_machine", f"{other.results} result(s) measured on machine '{other.label}' "
                    f"({other.machine_id[:8]}): only this machine's results count", count=other.results)
        )  # fmt: skip
    return Selection(tuple(pairs), tuple(skipped))


def _newest_pair(
    setting: Setting, results: Sequence[Measured], fw_a: str, fw_b: str, ranked: Mapping[str, str]
) -> Pair:
    a_runs = {m.run_id for m in results if m.framework == fw_a}
    b_runs = {m.run_id for m in results if m.framework == fw_b}
    shared = (a_runs & b_runs) - {""}
    if shared:
        newest = max(shared, key=lambda run: (max(m.created_at for m in results if m.run_id == run), run))
        first, second = (
            _fastest(m for m in results if m.framework == fw and m.run_id == newest) for fw in (fw_a, fw_b)
        )
        one_run = True
    else:
        first, second = (_newest_fastest([m for m in results if m.framework == fw]) for fw in (fw_a, fw_b))
        one_run = False
    return Pair(setting, first, second, ranked[fw_a], ranked[fw_b], one_run)


def _fastest(results: Iterable[Measured]) -> Measured:
    return min(results, key=lambda m: (median_ms(m), m.result_id))


def _newest_fastest(results: Sequence[Measured]) -> Measured:
    """The framework's newest result; of several from that result's run (variants), the fastest."""
    newest = max(results, key=lambda m: (m.created_at, m.result_id))
    same_run = [m for m in results if newest.run_id and m.run_id == newest.run_id]
    return _fastest(same_run) if same_run else newest


# Fields that make two settings differ, with how a sentence names a value.
_DIFFERENCES: tuple[tuple[str, str], ...] = (
    ("batch_size", "batch {}"), ("threads", "{} thread(s)"), ("size", "size {}"), ("device", "{}"),
    ("dtype", "{}"), ("variant_kind", "{} variants"), ("mode", "{} mode"),
)  # fmt: skip


def _no_comparable(m: Measured, setting: Setting, by_setting: Mapping[Setting, list[Measured]]) -> Skipped:
    """A result no other framework was measured beside: name what the nearest other measurements differ in."""
    near: list[str] = []
    for other, results in by_setting.items():
        if (other.machine_id, other.workload, other.scenario) != (
            setting.machine_id,
            setting.workload,
            setting.scenario,
        ):
            continue
        for fw in sorted({r.framework for r in results} - {m.framework}):
            diffs = [
                fmt.format(getattr(other, f))
                for f, fmt in _DIFFERENCES
                if getattr(other, f) != getattr(setting, f)
            ]
            near.append(f"{fw} at {', '.join(diffs)}")
    nearest = f"; measured instead: {'; '.join(sorted(set(near))[:3])}" if near else ""
    return Skipped(
        "no_comparable",
        f"{result_name(m)}, {setting.describe()}: no other framework measured with the same setting{nearest}",
        (m.result_id,),
    )
