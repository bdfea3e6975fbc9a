"""The column picker (``S``): choose the sort column from a list instead of cycling through them."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option


class SortPicker(ModalScreen[str | None]):
    """Dismisses with the chosen column's key, or None (escape)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("j", "move(1)", "Down", show=False),
        Binding("k", "move(-1)", "Up", show=False),
    ]
    DEFAULT_CSS = """
    SortPicker { align: center middle; }
    SortPicker > Vertical {
        width: 40; max-width: 95%; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    SortPicker OptionList { height: auto; max-height: 18; border: none; }
    """

    def __init__(self, columns: list[tuple[str, str]], current: str, descending: bool) -> None:
        super().__init__()
        self.columns = columns  # (key, header)
        self.current = current
        self.descending = descending

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Sort by (enter; the same column again reverses)", classes="section-title")
            options = []
            for key, header in self.columns:
                arrow = (" ↓" if self.descending else " ↑") if key == self.current else ""
                options.append(Option(f"{header}{arrow}", id=key))
            yield OptionList(*options, id="sort-options")

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        keys = [key for key, _ in self.columns]
        option_list.highlighted = keys.index(self.current) if self.current in keys else 0
        option_list.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_move(self, step: int) -> None:
        option_list = self.query_one(OptionList)
        option_list.action_cursor_down() if step > 0 else option_list.action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)
