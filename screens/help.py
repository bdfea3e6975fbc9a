"""The ``?`` help overlay."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

GLOBAL_HELP = """\
# fwtui

| key | does |
|---|---|
| `1` `2` `3` `4` | Hardware, Benchmark, Results, Decide |
| `tab` / `shift+tab` | move between controls |
| `ctrl+p` | command palette |
| `?` | this help |
| `q`, `ctrl+q` | quit |

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
        width: 76; max-width: 95%; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, area_id: str, area_help: str) -> None:
        super().__init__()
        self.area_id = area_id
        self.area_help = area_help

    def compose(self) -> ComposeResult:
        text = GLOBAL_HELP
        if self.area_help:
            text += f"\n## {self.area_id.title()}\n\n{self.area_help}\n"
        text += "\n*esc closes this help*\n"
        with VerticalScroll():
            yield Markdown(text)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
