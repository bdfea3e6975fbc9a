"""A yes/no question before a destructive action: a modal whose focused default keeps things as they are."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

CONFIRM_KEY = "y"
CANCEL_KEYS = "n,escape"


class Confirm(ModalScreen[bool]):
    """Dismisses with True for ``yes`` (``y``), False for ``no`` (``n``, escape, or the focused button)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(CONFIRM_KEY, "answer(True)", "Yes"),
        Binding(CANCEL_KEYS, "answer(False)", "No"),
    ]
    DEFAULT_CSS = """
    Confirm { align: center middle; }
    Confirm > Vertical {
        width: 64; max-width: 95%; height: auto; border: round $warning; background: $surface; padding: 0 1;
    }
    Confirm Label { width: 100%; }
    Confirm Horizontal { height: auto; align-horizontal: right; margin-top: 1; }
    Confirm Button { margin-left: 1; }
    """

    def __init__(self, question: str, detail: str, *, yes: str, no: str) -> None:
        super().__init__()
        self.question, self.detail, self.yes, self.no = question, detail, yes, no

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question, id="confirm-question", markup=False)
            if self.detail:
                yield Label(self.detail, classes="muted", markup=False)
            with Horizontal():
                yield Button(f"{self.no} (n)", id="confirm-no")
                yield Button(f"{self.yes} ({CONFIRM_KEY})", variant="warning", id="confirm-yes")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
