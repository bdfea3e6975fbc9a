"""Export: the dialog that asks for a format and a directory, and the worker that writes the files."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select

from fwtui.paths import data_dir
from fwtui.store.importexport import EXPORT_FORMATS, export_database
from fwtui.terminal_text import printable
from screens.results.reading import SourceReader


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
            yield Label("enter exports · esc cancels", classes="muted")
            with Horizontal(id="export-buttons"):
                # Export comes first: from the path field, tab then enter exports (enter alone does too).
                yield Button("Export", variant="primary", id="export-ok")
                yield Button("Cancel", id="export-cancel")

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


class _Exported(Message, bubble=False):
    def __init__(self, fmt: str, out: Path, tables: int) -> None:
        super().__init__()
        self.fmt, self.out, self.tables = fmt, out, tables


class Exporter(Widget):
    """Asks with :class:`ExportDialog`, then writes every table in a thread worker and says where."""

    DEFAULT_CSS = "Exporter { display: none; }"

    def __init__(self, reader: SourceReader) -> None:
        super().__init__()
        self.reader = reader

    def ask(self) -> None:
        if self.reader.source is not None:
            self.app.push_screen(ExportDialog(), self._chosen)

    def _chosen(self, answer: tuple[str, Path] | None) -> None:
        if answer is None:
            self.notify("Export cancelled: nothing was written.", title="Export")
        else:
            fmt, out = answer
            self.reader.read(
                self,
                "export",
                lambda con: export_database(con, out, fmt),
                lambda written: _Exported(fmt, out, len(written)),
                exclusive=False,  # a second export must not silence the first one's notice
            )

    @on(_Exported)
    def _exported(self, message: _Exported) -> None:
        where = printable(message.out, newlines=False)
        self.notify(f"exported {message.tables} tables as {message.fmt} to {where}", title="Export", markup=False)
