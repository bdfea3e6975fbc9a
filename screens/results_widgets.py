"""Widgets private to the Results area: the SQL console's input with history, and the export dialog."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from fwtui.paths import data_dir
from fwtui.store.importexport import EXPORT_FORMATS


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


def default_export_dir() -> Path:
    return data_dir() / "exports" / datetime.now().strftime("results-%Y%m%d-%H%M%S")


class ExportDialog(ModalScreen[tuple[str, Path] | None]):
    """Ask for a format and an output directory; dismisses with (format, path) or None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    ExportDialog { align: center middle; }
    ExportDialog > Vertical {
        width: 70; max-width: 95%; height: auto; border: round $accent; background: $surface; padding: 0 1;
    }
    ExportDialog Horizontal { height: auto; }
    ExportDialog #export-buttons { align-horizontal: right; margin-top: 1; }
    ExportDialog Button { margin-left: 1; }
    ExportDialog #export-error { color: $error; height: auto; }
    """

    def __init__(self, default_path: Path | None = None) -> None:
        super().__init__()
        self._default_path = default_path or default_export_dir()

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Export every table (machines, runs, results, samples)", classes="section-title")
            yield Select(
                [(f, f) for f in EXPORT_FORMATS], value="parquet", allow_blank=False, id="export-format"
            )
            yield Label("Output directory")
            yield Input(str(self._default_path), id="export-path")
            yield Label("", id="export-error")
            with Horizontal(id="export-buttons"):
                yield Button("Cancel", id="export-cancel")
                yield Button("Export", variant="primary", id="export-ok")

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "export-ok":
            self._submit()
        else:
            self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit()

    def _submit(self) -> None:
        text = self.query_one("#export-path", Input).value.strip()
        if not text:
            self.query_one("#export-error", Label).update("Give an output directory.")
            return
        fmt = self.query_one("#export-format", Select).value
        self.dismiss((str(fmt), Path(text).expanduser()))

    def action_cancel(self) -> None:
        self.dismiss(None)
