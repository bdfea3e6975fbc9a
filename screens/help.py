"""The ``?`` help overlay."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from screens.keys import keymap_markdown

GLOBAL_HELP = f"""\
# fwtui

One meaning per key in every area. Cancelling a run or the queue and resetting Decide's answers ask
first; `u` in Decide undoes a reset. Every action is also in the command palette (`ctrl+p`, type a word).

{keymap_markdown()}

Every area has a headless twin: `fwtui hw`, `fwtui bench`, `fwtui query`, `fwtui export`,
`fwtui recommend`.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 100; max-width: 95%; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, area_id: str, area_help: str) -> None:
        super().__init__()
        self.area_id = area_id
        self.area_help = area_help

    def compose(self) -> ComposeResult:
        # The area's own help first (what the user is looking at), then the key map of every area.
        heading = "" if self.area_help.lstrip().startswith("#") else f"## {self.area_id.title()}\n\n"
        text = "*esc closes this help*\n\n"
        text += f"{heading}{self.area_help}\n\n" if self.area_help else ""
        text += GLOBAL_HELP
        with VerticalScroll():
            yield Markdown(text)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
