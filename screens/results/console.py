"""The SQL console: a query name or read-only SQL, run by ``fwtui.store.console``, its rows in a table."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from fwtui import units
from fwtui.store.console import ConsoleResult, run_console_query
from fwtui.terminal_text import printable
from screens.results.reading import LoadFailed, SourceReader
from screens.results.render import value_text


class HistoryInput(Input):
    """An input that recalls earlier entries with up/down, like a shell."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "history(-1)", "Previous", show=False),
        Binding("down", "history(1)", "Next", show=False),
    ]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.history: list[str] = []
        self._position = 0

    def remember(self, entry: str) -> None:
        if entry and (not self.history or self.history[-1] != entry):
            self.history.append(entry)
        self._position = len(self.history)

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        self._position = max(0, min(len(self.history), self._position + step))
        self.value = self.history[self._position] if self._position < len(self.history) else ""
        self.cursor_position = len(self.value)


class _QueryDone(Message, bubble=False):
    def __init__(self, result: ConsoleResult) -> None:
        super().__init__()
        self.result = result


class SqlConsole(Vertical):
    """Input, one message line (timing or the error) and the rows."""

    DEFAULT_CSS = """
    SqlConsole { height: 1fr; }
    SqlConsole #results-sql-message { height: auto; max-height: 3; }
    SqlConsole #results-sql-message.error { color: $error; }
    SqlConsole DataTable { height: 1fr; }
    """

    def __init__(self, reader: SourceReader, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.reader = reader

    def compose(self) -> ComposeResult:
        yield HistoryInput(placeholder="SQL or a query name (leaderboard, speedup, …), enter runs it",
                           id="results-sql-input")  # fmt: skip
        yield Static("", id="results-sql-message")
        yield DataTable(id="results-sql-table", zebra_stripes=True)

    @on(Input.Submitted, "#results-sql-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text or self.reader.source is None:
            return
        self.query_one(HistoryInput).remember(text)
        self._message("running…")
        source = self.reader.source
        # Typed SQL runs where the source says: a locked sandbox for a stored file, else the gate on this handle.
        self.reader.read(self, "sql", lambda _con: run_console_query(source.user_sql(), text), _QueryDone)

    @on(_QueryDone)
    def _done(self, message: _QueryDone) -> None:
        result = message.result
        table = self.query_one("#results-sql-table", DataTable)
        table.clear(columns=True)
        for column in result.columns:
            table.add_column(Text(printable(column, newlines=False)))
        for row in result.rows:
            table.add_row(
                *(Text(value_text(v), justify="right" if isinstance(v, int | float) else "left") for v in row)
            )
        shown = f"first {len(result.rows):,} rows" if result.truncated else f"{len(result.rows):,} rows"
        self._message(f"{shown} in {units.latency_ms(result.elapsed_s * 1000)}")

    def on_load_failed(self, message: LoadFailed) -> None:
        message.stop()  # shown here, where the query was typed
        self._message(message.error, error=True)

    def _message(self, text: str, *, error: bool = False) -> None:
        widget = self.query_one("#results-sql-message", Static)
        widget.update(Text(text))
        widget.set_class(error, "error")
