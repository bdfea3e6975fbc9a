"""How fwtui writes a measured number: one function per quantity, used by the CLI and every area alike.

Each quantity keeps its number of significant digits here and nowhere else, so a change of rule is one edit.
Significant digits never round away whole units (14,903 samples/s stays 14,903), keep their trailing zeros
(5.20 ms says three digits are known) and use thousands separators. A missing value (None, NaN, infinity) is
an em dash, never 0. ``unit=False`` gives the bare number for a column whose header names the unit.

>>> latency_ms(0.1183), latency_ms(5.2), throughput(14903.2), gflops(702_000), ratio(1.934), cv(0.04213)
('118 µs', '5.20 ms', '14,903 samples/s', '702 TFLOP/s', '1.93×', '4.2%')
"""

from __future__ import annotations

import math

MISSING = "—"

# Significant digits per quantity.
LATENCY_DIGITS = 3  # per-call time, ms
RATE_DIGITS = 3  # samples/s and GFLOP/s
RATIO_DIGITS = 3  # speedups, "1.93×"
CV_DIGITS = 2  # coefficient of variation, in percent
SECONDS_DIGITS = 3  # phase times: import, build, compile, ...
MEMORY_DIGITS = 3  # MB of RSS, bytes of RAM
ENERGY_DIGITS = 3  # joules per sample
NUMBER_DIGITS = 6  # a number of no known quantity (a SQL result): keep what it says

# Below this magnitude fixed decimals would be mostly zeros: scientific notation instead.
_SMALLEST_FIXED = -4


def _finite(value: float | None) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def significant(value: float, digits: int) -> str:
    """``value`` to ``digits`` significant digits, never rounding away whole units: 0.118, 5.20, 1,234."""
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    if magnitude < _SMALLEST_FIXED:
        return f"{value:.{digits - 1}e}"
    decimals = max(digits - 1 - magnitude, 0)
    if decimals and abs(round(value, decimals)) >= 10 ** (magnitude + 1):
        decimals -= 1  # rounding carried into the next digit (0.9996 -> 1.00, not 1.000)
    return f"{value:,.{decimals}f}"


def _with_unit(value: float | None, digits: int, unit: str, show_unit: bool) -> str:
    number = _finite(value)
    if number is None:
        return MISSING
    text = significant(number, digits)
    return f"{text} {unit}" if show_unit and unit else text


def latency_ms(value: float | None, *, unit: bool = True) -> str:
    """A per-call time given in milliseconds: ``118 µs`` below one millisecond, ``5.20 ms``, ``1,234 ms``.

    ``unit=False`` is the bare number of milliseconds, for a column whose header says ms.
    """
    number = _finite(value)
    if number is not None and unit and 0 < abs(number) * 1000 < 999.5:  # 999.6 µs reads 1.00 ms
        return _with_unit(number * 1000, LATENCY_DIGITS, "µs", True)
    return _with_unit(number, LATENCY_DIGITS, "ms", unit)


def throughput(value: float | None, *, unit: bool = True) -> str:
    """Samples per second: ``14,903 samples/s``."""
    return _with_unit(value, RATE_DIGITS, "samples/s", unit)


def gflops(value: float | None, *, unit: bool = True) -> str:
    """Compute rate given in GFLOP/s; with its unit, 1,000 and above reads in TFLOP/s: ``702 TFLOP/s``."""
    number = _finite(value)
    if number is not None and unit and abs(number) >= 1000:
        return _with_unit(number / 1000, RATE_DIGITS, "TFLOP/s", True)
    return _with_unit(number, RATE_DIGITS, "GFLOP/s", unit)


def int_ops(value: float | None, *, unit: bool = True) -> str:
    """Integer operations per second, given in giga-ops/s (int8 GEMMs): ``436 GOPS``, ``1.23 TOPS``."""
    number = _finite(value)
    if number is not None and unit and abs(number) >= 1000:
        return _with_unit(number / 1000, RATE_DIGITS, "TOPS", True)
    return _with_unit(number, RATE_DIGITS, "GOPS", unit)


def ratio(value: float | None) -> str:
    """How many times one value is another: ``1.93×``."""
    number = _finite(value)
    return MISSING if number is None else f"{significant(number, RATIO_DIGITS)}×"


def cv(value: float | None) -> str:
    """Coefficient of variation (stdev over mean), given as a fraction, written in percent: ``4.2%``."""
    number = _finite(value)
    return MISSING if number is None else f"{significant(number * 100, CV_DIGITS)}%"


def seconds(value: float | None, *, unit: bool = True) -> str:
    """A phase's time in seconds: ``1.23 s``."""
    return _with_unit(value, SECONDS_DIGITS, "s", unit)


def duration(value: float | None) -> str:
    """A wall-clock span as people say it: ``42 s``, ``3 min 05 s``, ``1 h 02 min``."""
    number = _finite(value)
    if number is None:
        return MISSING
    number = max(number, 0.0)
    if number < 60:
        return f"{number:.0f} s"
    minutes, secs = divmod(round(number), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def megabytes(value: float | None, *, unit: bool = True) -> str:
    """Memory in MB, as the engine measures RSS: ``412 MB``."""
    return _with_unit(value, MEMORY_DIGITS, "MB", unit)


def joules(value: float | None) -> str:
    """Energy given in joules, in the unit that keeps it above 1: ``412 µJ``, ``3.10 mJ``, ``1.25 J``."""
    number = _finite(value)
    if number is None:
        return MISSING
    if number == 0:
        return "0 J"
    for unit, scale in (("J", 1.0), ("mJ", 1e-3), ("µJ", 1e-6)):
        if abs(number) >= scale * 0.9995:  # 0.99996 J reads 1.00 J, not 1,000 mJ
            return _with_unit(number / scale, ENERGY_DIGITS, unit, True)
    return _with_unit(number / 1e-9, ENERGY_DIGITS, "nJ", True)


def binary_bytes(value: float | None) -> str:
    """A memory size in bytes, in the largest binary unit under 1,024 of it: ``62.7 GiB``."""
    number = _finite(value)
    if number is None:
        return MISSING
    for name in ("B", "KiB", "MiB", "GiB"):
        if abs(number) < 1024:
            return f"{number:.0f} B" if name == "B" else f"{significant(number, MEMORY_DIGITS)} {name}"
        number /= 1024
    return f"{significant(number, MEMORY_DIGITS)} TiB"


def percent(value: float | None) -> str:
    """A share in percent (already scaled to 0-100): ``37%``."""
    number = _finite(value)
    return MISSING if number is None else f"{number:.0f}%"


def p_value(value: float | None) -> str:
    """A significance test's p-value: ``p=0.012``, or ``p<0.001`` when it is that small."""
    number = _finite(value)
    if number is None:
        return MISSING
    return "p<0.001" if number < 0.001 else f"p={number:.3f}"


def count(value: float | None) -> str:
    """A whole number of things: ``1,234``."""
    number = _finite(value)
    return MISSING if number is None else f"{round(number):,}"


def number(value: object) -> str:
    """A number of no known quantity (a SQL result, an error bound): whole numbers as they are (an id or a
    year must not gain a separator), others to six significant digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    finite = _finite(value) if isinstance(value, float) else None
    return MISSING if finite is None else f"{finite:.{NUMBER_DIGITS}g}"
