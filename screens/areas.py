"""The four areas and the base class each one derives from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.containers import Container

from screens.context import AppContext


class Area(Container):
    """One top-level area of the app. Subclasses set ``area_id`` and ``help_text``."""

    area_id: str = ""
    help_text: str = ""

    DEFAULT_CSS = """
    Area { height: 1fr; }
    """

    def __init__(self, context: AppContext, **kwargs: object) -> None:
        super().__init__(id=f"{self.area_id}-area", **kwargs)  # type: ignore[arg-type]
        self.context = context

    def focus_default(self) -> None:
        """Give focus to the area's main widget when it is shown."""
        focusable = [w for w in self.query("*") if w.focusable]
        if focusable:
            focusable[0].focus()


def _hardware(context: AppContext) -> Area:
    from screens.hardware.area import HardwareArea

    return HardwareArea(context)


def _benchmark(context: AppContext) -> Area:
    from screens.benchmark.area import BenchmarkArea

    return BenchmarkArea(context)


def _results(context: AppContext) -> Area:
    from screens.results.area import ResultsArea

    return ResultsArea(context)


def _decide(context: AppContext) -> Area:
    from screens.decide.area import DecideArea

    return DecideArea(context)


@dataclass(frozen=True)
class AreaSpec:
    area_id: str
    key: str
    title: str
    factory: Callable[[AppContext], Area]


AREAS: tuple[AreaSpec, ...] = (
    AreaSpec("hardware", "1", "Hardware", _hardware),
    AreaSpec("benchmark", "2", "Benchmark", _benchmark),
    AreaSpec("results", "3", "Results", _results),
    AreaSpec("decide", "4", "Decide", _decide),
)
