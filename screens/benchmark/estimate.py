"""What the Benchmark form's selection amounts to: the runs, those that cannot run here, and the estimate."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from fwtui import units
from fwtui.bench.plan import RunSpec, estimate_seconds
from fwtui.errors import FwtuiError


@dataclass(frozen=True)
class ModelRequest:
    """The user's own model, as the form gives it."""

    path: str
    input_shapes: dict[str, tuple[int, ...]]
    threads: int


@dataclass(frozen=True)
class Estimate:
    """The runs a selection expands to and the line the form shows for them (an error, or the estimate)."""

    specs: list[RunSpec] = field(default_factory=list)
    unsupported: list[RunSpec] = field(default_factory=list)
    seconds: float | None = None
    error: str | None = None

    @property
    def text(self) -> str:
        if self.error:
            return f"✗ {self.error}"
        runs = len(self.specs) - len(self.unsupported)
        text = f"≈ {units.duration(self.seconds or 0.0)} for {runs} run{'s' if runs != 1 else ''}"
        if self.unsupported:
            text += f" (+{len(self.unsupported)} unsupported here)"
        return text


def estimate(expand: Callable[[], list[RunSpec]]) -> Estimate:
    """The selection's runs and their estimate; a selection with nothing that can run here is an error."""
    try:
        specs = expand()
        if not specs:
            raise FwtuiError("nothing to run for this selection")
        unsupported = [spec for spec in specs if spec.status is not None]
        if len(unsupported) == len(specs):
            first = unsupported[0]
            raise FwtuiError(
                f"none of the {len(specs)} chosen runs can run here "
                f"({first.status}: {first.reason or 'no reason given'})"
            )
        return Estimate(specs, unsupported, float(estimate_seconds(specs)))
    except FwtuiError as exc:
        return Estimate(error=str(exc))
