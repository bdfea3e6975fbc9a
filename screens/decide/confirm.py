"""The question asked before every answer is reset: a modal that defaults to keeping the answers."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from screens.decide.keys import CANCEL_KEYS, CONFIRM_KEY, UNDO_KEY


class ConfirmReset(ModalScreen[bool]):
    """Dismisses with True to reset, False to keep the answers (the focused default)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(CONFIRM_KEY, "confirm", "Reset"),
        Binding(CANCEL_KEYS, "cancel", "Keep answers"),
    ]
    DEFAULT_CSS = """
    ConfirmReset { align: center middle; }
    ConfirmReset > Vertical {
        width: 60; max-width: 95%; height: auto; border: round $warning; background: $surface; padding: 0 1;
    }
    ConfirmReset Label { width: 100%; }
    ConfirmReset Horizontal { height: auto; align-horizontal: right; margin-top: 1; }
    ConfirmReset Button { margin-left: 1; }
    """

    def __init__(self, answered: int) -> None:
        super().__init__()
        self.answered = answered

    def compose(self) -> ComposeResult:
        plural = "" if self.answered == 1 else "s"
        with Vertical():
            yield Label(f"Reset {self.answered} answer{plural} to don't know?", id="reset-question")
            yield Label(f"{UNDO_KEY} brings them back afterwards.", classes="muted")
            with Horizontal():
                yield Button("Keep answers", id="reset-cancel")
                yield Button(f"Reset ({CONFIRM_KEY})", variant="error", id="reset-confirm")

    def on_mount(self) -> None:
        self.query_one("#reset-cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "reset-confirm")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
