"""Bounds on what a user may ask for, and the one parser of counts typed as ``1,2,4`` (CLI flags, the form)."""

from __future__ import annotations

MAX_BATCH = 1 << 20  # samples per batch; the store keeps batch sizes as 32-bit integers
MAX_THREADS = 1024


def parse_count(text: str, maximum: int) -> int:
    """A whole number from 1 to ``maximum``; raises ValueError with a message for anything else."""
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"expected a whole number, got {text!r}") from None
    if not 1 <= value <= maximum:
        raise ValueError(f"expected 1 to {maximum:,}, got {text}")
    return value


def parse_counts(text: str, maximum: int) -> list[int]:
    """``"1,2,4"`` as ``[1, 2, 4]`` (duplicates dropped, order kept), each range-checked; ValueError otherwise."""
    values = [parse_count(part.strip(), maximum) for part in text.split(",") if part.strip()]
    if not values:
        raise ValueError(f"expected whole numbers separated by commas, got {text!r}")
    return list(dict.fromkeys(values))
