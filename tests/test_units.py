"""The one formatter: each quantity written the same way by the CLI and every area."""

from __future__ import annotations

import math

import pytest

from fwtui import units
from fwtui.bench.spec import RunSpec, contender, run_label


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.1183, "118 µs"),  # below one millisecond in microseconds
        (0.061, "61.0 µs"),  # trailing zeros say three digits are known
        (0.02968, "29.7 µs"),
        (5.2, "5.20 ms"),
        (12.345, "12.3 ms"),
        (0.9996, "1.00 ms"),  # the rounding carry does not add a digit
        (99.96, "100 ms"),
        (1234.5, "1,234 ms"),  # whole milliseconds are never rounded away
        (0.0, "0 ms"),
        (0.00001234, "0.0123 µs"),
    ],
)
def test_latency_keeps_three_significant_digits(value: float, text: str) -> None:
    assert units.latency_ms(value) == text


@pytest.mark.parametrize(("value", "text"), [(0.1183, "0.118"), (5.2, "5.20"), (1234.5, "1,234")])
def test_latency_without_unit_stays_in_milliseconds(value: float, text: str) -> None:
    assert units.latency_ms(value, unit=False) == text


@pytest.mark.parametrize(
    "write",
    [units.latency_ms, units.throughput, units.gflops, units.ratio, units.cv, units.seconds, units.duration,
     units.megabytes, units.binary_bytes, units.percent, units.p_value, units.count, units.number],
)  # fmt: skip
@pytest.mark.parametrize("missing", [None, math.nan, math.inf])
def test_a_missing_number_is_a_dash_never_zero(write: object, missing: float | None) -> None:
    assert callable(write) and write(missing) == units.MISSING


def test_each_quantity_has_its_rendering() -> None:
    assert units.throughput(14903.2) == "14,903 samples/s"
    assert units.throughput(1.234, unit=False) == "1.23"
    assert units.gflops(85.34) == "85.3 GFLOP/s"
    assert units.gflops(702_000) == "702 TFLOP/s"
    assert units.gflops(702_000, unit=False) == "702,000"  # a column headed GFLOP/s keeps its unit
    assert units.ratio(1.934) == "1.93×" and units.ratio(2.0) == "2.00×"
    assert units.cv(0.04213) == "4.2%" and units.cv(1.219) == "122%"  # a percentage, never cut
    assert units.seconds(1.234) == "1.23 s"
    assert units.duration(42) == "42 s" and units.duration(125) == "2 min 05 s"
    assert units.duration(3720) == "1 h 02 min"
    assert units.megabytes(412.3) == "412 MB"
    assert units.binary_bytes(512) == "512 B" and units.binary_bytes(67_300_000_000) == "62.7 GiB"
    assert units.percent(37.4) == "37%"
    assert units.p_value(0.0123) == "p=0.012" and units.p_value(0.0001) == "p<0.001"
    assert units.count(5000) == "5,000"


def test_a_number_of_no_known_quantity_keeps_what_it_says() -> None:
    assert units.number(2026) == "2026"  # an id or a year gains no separator
    assert units.number(0.1182345678) == "0.118235"
    assert units.number(True) == units.MISSING  # not a number


def test_one_run_label() -> None:
    assert contender("torch", "eager") == "torch/eager"
    assert contender("sklearn", None) == "sklearn"
    spec = RunSpec(framework="torch", workload="mlp", mode="inference", variant="eager", batch=32, device="cuda")
    assert spec.label == "torch/eager mlp/small inference b32 cuda"
    assert run_label("onnxruntime", "ort", "mlp", "small", "latency") == "onnxruntime/ort mlp/small latency"
