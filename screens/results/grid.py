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
PINNED = 2  # the mark column and the first data column stay in place when panning right


@dataclass(frozen=True)
class GridColumn:
    """A column; text columns wider than ``max_width`` end in "…" (the detail view has them whole), numbers
    never: a numeric column widens to its widest value."""

    key: str  # what the column is sorted and filtered by
    width: int  # at least this wide
    numeric: bool = False
    max_width: int = 28
    label: str = ""  # the header, when it says more than the key

    @property
    def header(self) -> str:
        return self.label or self.key


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
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("pageup,ctrl+b", "page(-1)", "Page up", show=False),
        Binding("pagedown,ctrl+f", "page(1)", "Page down", show=False),
        Binding("home,g", "move_to(0)", "Top", show=False),
        Binding("end,G", "move_to(-1)", "Bottom", show=False),
        Binding("left,h", "column(-1)", "Column left", show=False),
        Binding("right,l", "column(1)", "Column right", show=False),
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
        self.column = PINNED - 1  # the column under the cursor (index into columns)
        self.widths = [column.width for column in self.columns]
        self.sort_key: str | None = None
        self.descending = False

    # -- data -----------------------------------------------------------------------------------

    def set_window(self, total: int, offset: int, rows: list[list[str]], ids: list[str], cursor: int) -> None:
        self.total, self.window_start, self.rows, self.ids = total, offset, rows, ids
        self._fit_widths()
        self.cursor = max(0, min(cursor, total - 1)) if total else 0
        self._keep_cursor_visible()
        self.refresh()

    def set_sort(self, key: str | None, descending: bool) -> None:
        self.sort_key, self.descending = key, descending
        self.refresh()

    def _fit_widths(self) -> None:
        """Each column as wide as its widest value in the window (and its header with the sort arrow)."""
        widths = []
        for index, column in enumerate(self.columns):
            widest = max((len(row[index]) for row in self.rows if index < len(row)), default=0)
            if not column.numeric:
                widest = min(widest, column.max_width)
            extra = 1 if column.key.strip() else 0  # room for the sort arrow
            widths.append(max(column.width, len(column.header) + extra, widest))
        self.widths = widths

    @property
    def current_column(self) -> str:
        """The key of the column under the cursor."""
        return self.columns[self.column].key

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

    def action_column(self, step: int) -> None:
        self.column = max(PINNED - 1, min(len(self.columns) - 1, self.column + step))
        self._keep_column_visible()
        self.refresh()

    def _keep_column_visible(self) -> None:
        """Pan so that the current column is on screen, right of the pinned ones."""
        if self.column < PINNED:
            self.pan_x = 0
            return
        pinned = sum(w + 1 for w in self.widths[:PINNED])
        start = sum(w + 1 for w in self.widths[PINNED : self.column])
        end = start + self.widths[self.column] + 1
        room = max(1, self.size.width - pinned)
        if start < self.pan_x:
            self.pan_x = start
        elif end > self.pan_x + room:
            self.pan_x = end - room

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self.move_cursor(self.cursor + 3)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self.move_cursor(self.cursor - 3)

    def on_click(self, event: events.Click) -> None:
        event.stop()
        index = self._column_at(event.x)
        if event.y == 0:
            if index is not None:
                self.post_message(self.HeaderClicked(self, self.columns[index].key))
            return
        if index is not None and index >= PINNED - 1:
            self.column = index
            self.refresh()
        row = self.top_row + event.y - 1
        if row < self.total:
            if row == self.cursor and event.chain >= 2:
                self.post_message(self.RowChosen(self, row))
            self.move_cursor(row)

    def _column_at(self, x: int) -> int | None:
        """The column drawn at screen column ``x`` (the pinned ones first, then the panned rest)."""
        pinned = sum(w + 1 for w in self.widths[:PINNED])
        if x >= pinned:
            x = x - pinned + self.pan_x
            indexes = range(PINNED, len(self.columns))
        else:
            indexes = range(PINNED)
        for index in indexes:
            if x < self.widths[index] + 1:
                return index
            x -= self.widths[index] + 1
        return None

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
            header_style = base + Style(bold=True, underline=True)
            current_style = header_style + Style(reverse=True)
            cells = []
            for index, column in enumerate(self.columns):
                label = column.header
                if column.key == self.sort_key:
                    label = f"{label}{'↓' if self.descending else '↑'}"
                style = current_style if index == self.column and index else header_style
                cells.append((_fit(label, self.widths[index], column.numeric), style))
            return self._line(cells, header_style, width)
        row = self.top_row + y - 1
        if row >= self.total:
            return Strip.blank(width, base)
        style = base
        current = row == self.cursor
        if current:
            style = base + (Style(reverse=True, bold=True) if self.has_focus else Style(bgcolor="grey30"))
        index = row - self.window_start
        if not 0 <= index < len(self.rows):
            return Strip([Segment(" …", style + Style(dim=True))]).extend_cell_length(width, style)
        marked = self.ids[index] in self.marked
        cells = []
        for number, (column, text) in enumerate(zip(self.columns, self.rows[index], strict=False)):
            if column.key == " ":
                cells.append((MARK if marked else " ", style + Style(color="yellow", bold=True)))
            else:
                cell_style = style + Style(underline=True) if current and number == self.column else style
                cells.append((_fit(text, self.widths[number], column.numeric), cell_style))
        return self._line(cells, style, width)

    def _line(self, cells: list[tuple[str, Style]], style: Style, width: int) -> Strip:
        """One line: the pinned cells, then the others panned by ``pan_x``."""
        segments = [Segment(text + " ", cell_style) for text, cell_style in cells]
        pinned = Strip(segments[:PINNED])
        rest = Strip(segments[PINNED:]).crop(self.pan_x, self.pan_x + max(0, width - pinned.cell_length))
        return Strip.join([pinned, rest]).crop(0, width).extend_cell_length(width, style)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
