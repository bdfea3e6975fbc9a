"""A virtual grid: it knows the total row count but holds only a window of rows.

Each visible line is rendered as one strip of fixed-width cells, so painting costs the same for ten
rows or ten million. Rows outside the loaded window show as placeholders until the window around the
cursor arrives (the grid announces each move with :class:`ResultsGrid.CursorMoved`; ``table.py`` fetches).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

MARK = "●"


@dataclass(frozen=True)
class GridColumn:
    key: str
    width: int
    numeric: bool = False


def _fit(text: str, width: int, numeric: bool) -> str:
    if len(text) > width:
        return text[: max(0, width - 1)] + "…"
    return text.rjust(width) if numeric else text.ljust(width)


class GridMessage(Message):
    """A message from one grid; ``control`` lets ``@on(..., "#id")`` pick the grid it came from."""

    def __init__(self, grid: ResultsGrid) -> None:
        super().__init__()
        self.grid = grid

    @property
    def control(self) -> ResultsGrid:
        return self.grid


class ResultsGrid(Widget, can_focus=True):
    """Rows ``offset .. offset + len(rows)`` of ``total``, with a cursor over all ``total`` rows."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "move_to(0)", "Top", show=False),
        Binding("end", "move_to(-1)", "Bottom", show=False),
        Binding("left", "pan(-8)", "Left", show=False),
        Binding("right", "pan(8)", "Right", show=False),
    ]

    DEFAULT_CSS = """
    ResultsGrid { height: 1fr; background: $surface; }
    ResultsGrid:focus { background-tint: $foreground 3%; }
    """

    class CursorMoved(GridMessage):
        def __init__(self, grid: ResultsGrid, row: int) -> None:
            super().__init__(grid)
            self.row = row

    class RowChosen(GridMessage):
        def __init__(self, grid: ResultsGrid, row: int) -> None:
            super().__init__(grid)
            self.row = row

    class HeaderClicked(GridMessage):
        def __init__(self, grid: ResultsGrid, key: str) -> None:
            super().__init__(grid)
            self.key = key

    def __init__(self, columns: Sequence[GridColumn], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.columns = list(columns)
        self.total = 0
        self.window_start = 0
        self.rows: list[list[str]] = []
        self.ids: list[str] = []
        self.marked: set[str] = set()
        self.cursor = 0
        self.top_row = 0  # first visible row
        self.pan_x = 0
        self.sort_key: str | None = None
        self.descending = False

    # -- data -----------------------------------------------------------------------------------

    def set_window(self, total: int, offset: int, rows: list[list[str]], ids: list[str], cursor: int) -> None:
        self.total, self.window_start, self.rows, self.ids = total, offset, rows, ids
        self.cursor = max(0, min(cursor, total - 1)) if total else 0
        self._keep_cursor_visible()
        self.refresh()

    def set_sort(self, key: str | None, descending: bool) -> None:
        self.sort_key, self.descending = key, descending
        self.refresh()

    def id_at(self, row: int) -> str | None:
        index = row - self.window_start
        return self.ids[index] if 0 <= index < len(self.ids) else None

    @property
    def current_id(self) -> str | None:
        return self.id_at(self.cursor)

    def toggle_mark(self, result_id: str) -> None:
        self.marked.symmetric_difference_update({result_id})
        self.refresh()

    def set_marks(self, result_ids: Iterable[str]) -> None:
        self.marked = set(result_ids)
        self.refresh()

    # -- movement -------------------------------------------------------------------------------

    @property
    def _page(self) -> int:
        return max(1, self.size.height - 1)

    def _keep_cursor_visible(self) -> None:
        if self.cursor < self.top_row:
            self.top_row = self.cursor
        elif self.cursor >= self.top_row + self._page:
            self.top_row = self.cursor - self._page + 1
        self.top_row = max(0, min(self.top_row, max(0, self.total - self._page)))

    def move_cursor(self, row: int) -> None:
        if self.total == 0:
            return
        row = max(0, min(self.total - 1, row))
        if row != self.cursor:
            self.cursor = row
            self._keep_cursor_visible()
            self.refresh()
            self.post_message(self.CursorMoved(self, row))

    def action_move(self, step: int) -> None:
        self.move_cursor(self.cursor + step)

    def action_page(self, step: int) -> None:
        self.move_cursor(self.cursor + step * self._page)

    def action_move_to(self, row: int) -> None:
        self.move_cursor(row if row >= 0 else self.total + row)

    def action_pan(self, step: int) -> None:
        widest = sum(c.width + 1 for c in self.columns)
        self.pan_x = max(0, min(self.pan_x + step, max(0, widest - self.size.width)))
        self.refresh()

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self.move_cursor(self.cursor + 3)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self.move_cursor(self.cursor - 3)

    def on_click(self, event: events.Click) -> None:
        event.stop()
        if event.y == 0:
            x = event.x + self.pan_x
            for column in self.columns:
                if x < column.width + 1:
                    self.post_message(self.HeaderClicked(self, column.key))
                    return
                x -= column.width + 1
            return
        row = self.top_row + event.y - 1
        if row < self.total:
            if row == self.cursor and event.chain >= 2:
                self.post_message(self.RowChosen(self, row))
            self.move_cursor(row)

    def key_enter(self, event: events.Key) -> None:
        event.stop()
        if self.total:
            self.post_message(self.RowChosen(self, self.cursor))

    def on_resize(self, event: events.Resize) -> None:
        self._keep_cursor_visible()

    # -- rendering ------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y == 0:
            segments = []
            header_style = base + Style(bold=True, underline=True)
            for column in self.columns:
                label = column.key
                if column.key == self.sort_key:
                    label = f"{label}{'↓' if self.descending else '↑'}"
                segments.append(Segment(_fit(label, column.width, column.numeric) + " ", header_style))
            return (
                Strip(segments).crop(self.pan_x, self.pan_x + width).extend_cell_length(width, header_style)
            )
        row = self.top_row + y - 1
        if row >= self.total:
            return Strip.blank(width, base)
        style = base
        if row == self.cursor:
            style = base + (Style(reverse=True, bold=True) if self.has_focus else Style(bgcolor="grey30"))
        index = row - self.window_start
        if not 0 <= index < len(self.rows):
            return Strip([Segment(" …", style + Style(dim=True))]).extend_cell_length(width, style)
        cells = self.rows[index]
        marked = self.ids[index] in self.marked
        segments = []
        for column, text in zip(self.columns, cells, strict=False):
            if column.key == " ":
                segments.append(
                    Segment((MARK if marked else " ") + " ", style + Style(color="yellow", bold=True))
                )
            else:
                segments.append(Segment(_fit(text, column.width, column.numeric) + " ", style))
        return Strip(segments).crop(self.pan_x, self.pan_x + width).extend_cell_length(width, style)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
