"""Find as you type (``/``, as in k9s and less): a one-line field above the table; each keystroke narrows the
rows, ``enter`` keeps the text and goes back to the table, ``escape`` (in the area) clears it."""

from __future__ import annotations

from textual import on
from textual.message import Message
from textual.widgets import Input


class FindBar(Input):
    """Posts :class:`Typed` with the text (None when empty) and :class:`Kept` on enter."""

    DEFAULT_CSS = """
    FindBar { display: none; height: 1; }
    FindBar.shown { display: block; }
    """

    class Typed(Message):
        def __init__(self, text: str | None) -> None:
            super().__init__()
            self.text = text

    class Kept(Message):
        """Enter: back to the table (the bar hides itself when nothing is typed)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder="find: type to narrow the rows, enter keeps, escape clears", compact=True,
                         id=id)  # fmt: skip

    @property
    def shown(self) -> bool:
        return self.has_class("shown")

    def show_text(self, text: str | None) -> None:
        """Show ``text`` (None hides the bar) without announcing it as typed."""
        if text is not None and self.value != text:
            with self.prevent(Input.Changed):
                self.value = text
        self.set_class(text is not None, "shown")

    def open(self) -> None:
        self.show_text(self.value)
        self.focus()

    def clear_and_hide(self) -> bool:
        """Clear the text (announced, so the rows widen again) and hide; False when it was not shown."""
        if not self.shown:
            return False
        self.value = ""
        self.show_text(None)
        return True

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Typed(event.value.strip() or None))

    @on(Input.Submitted)
    def _kept(self, event: Input.Submitted) -> None:
        event.stop()
        if not self.value.strip():
            self.show_text(None)
        self.post_message(self.Kept())
