"""Views built from a few results at a time: one result in detail, marked results compared, and charts.

Each view builds its renderable in a thread worker (queries, statistics, histograms) and shows it when it
arrives; it then posts :class:`ReportView.Ready` so the area can switch to it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import duckdb
from rich.console import RenderableType
from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from fwtui.errors import FwtuiError
from fwtui.store.browse import Filters, result_detail, result_samples, results_by_ids
from fwtui.store.charts import chart_data
from fwtui.store.curves import AXES, curve_data, sweeps_of
from screens.results.reading import SourceReader
from screens.results.render import chart_renderable, compare_renderable, detail_renderable

Build = Callable[[duckdb.DuckDBPyConnection], RenderableType]


class _Built(Message, bubble=False):
    def __init__(self, renderable: RenderableType) -> None:
        super().__init__()
        self.renderable = renderable


class ReportView(VerticalScroll):
    """A scrolling report; ``kind`` names its reads and failures (detail, compare, chart)."""

    kind: ClassVar[str] = ""

    class Ready(Message):
        """The report is on the view, scrolled to its top."""

        def __init__(self, view: ReportView) -> None:
            super().__init__()
            self.view = view

        @property
        def control(self) -> ReportView:
            return self.view

    def __init__(self, reader: SourceReader, *, id: str) -> None:
        super().__init__(id=id)
        self.reader = reader

    def compose(self) -> ComposeResult:
        yield Static(id=f"{self.id}-body")

    def build(self, build: Build) -> bool:
        """Start building the report; False while no source is open."""
        return self.reader.read(self, self.kind, build, _Built)

    @on(_Built)
    def _built(self, message: _Built) -> None:
        self.query_one(f"#{self.id}-body", Static).update(message.renderable)
        self.scroll_home(animate=False)
        self.post_message(self.Ready(self))


def _detail(con: duckdb.DuckDBPyConnection, result_id: str) -> RenderableType:
    from fwtui.store.explain import flag_explanations

    detail = result_detail(con, result_id)
    if detail is None:
        raise FwtuiError(f"result {result_id} is no longer in the database")
    return detail_renderable(detail, result_samples(con, result_id), flag_explanations())


def _comparison(con: duckdb.DuckDBPyConnection, result_ids: list[str]) -> RenderableType:
    details = results_by_ids(con, result_ids)
    if len(details) < 2:
        raise FwtuiError("the marked results are no longer in the database")
    samples = [result_samples(con, str(d["result_id"])) for d in details]
    return compare_renderable(details, samples, sweeps_of(con, details))


class DetailView(ReportView):
    """Everything about one result: statistics, flags explained, environment, histogram."""

    kind = "detail"

    def show(self, result_id: str) -> bool:
        return self.build(lambda con: _detail(con, result_id))


class CompareView(ReportView):
    """Marked results side by side, each against the first."""

    kind = "compare"

    def show(self, result_ids: list[str]) -> bool:
        ids = list(result_ids)
        return self.build(lambda con: _comparison(con, ids))


class ChartView(ReportView):
    """p50 and throughput per framework, and the latency percentiles, for one machine."""

    kind = "chart"

    def show(self, filters: Filters) -> bool:
        return self.build(
            lambda con: chart_renderable(
                chart_data(con, filters), [curve_data(con, filters, axis) for axis in AXES]
            )
        )
