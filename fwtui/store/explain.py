"""Plain-language explanations of result flags, for the detail view."""

from __future__ import annotations

# Flags that only results imported from elsewhere carry (the benchmark engine never sets them).
EXTRA_FLAG_EXPLANATIONS: dict[str, str] = {
    "inconsistent_latency_throughput": (
        "The published latency and throughput cannot both be true: together they imply fewer than one sample "
        "per call (throughput must equal batch size x 1000 / latency)."
    ),
}


def flag_explanations() -> dict[str, str]:
    from fwtui.bench.flags import FLAG_EXPLANATIONS

    return {**EXTRA_FLAG_EXPLANATIONS, **FLAG_EXPLANATIONS}


def explain_flag(flag: str) -> str:
    return flag_explanations().get(flag, "No explanation is recorded for this flag.")
