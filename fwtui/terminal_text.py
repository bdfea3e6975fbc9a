"""Text from outside the process made safe to show on a terminal: :func:`printable`.

Stored databases, file names, error messages and typed SQL are untrusted. A raw ESC, CSI or OSC sequence in
one of them can retitle the terminal, clear it or (OSC 52) set the clipboard, so every such string passes
through :func:`printable` before it reaches a terminal: the TUI's tables and detail views and the table and
CSV output of ``fwtui query``. Control characters are shown escaped (``\\x1b``, ``\\x9b``), which keeps them
visible to the reader without the terminal acting on them. JSON output stays exact: its encoder escapes them.

Rich/Textual markup is a second, separate hazard: a string with ``[/b]`` in it breaks a markup parser. The
TUI renders such strings as :class:`rich.text.Text` (never parsed) or through :func:`rich.markup.escape`.
"""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, and the C1 range (0x80-0x9f; 0x9b is a one-byte CSI).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Line and paragraph separators and bidirectional overrides reorder or break what the reader sees.
_MISLEADING = re.compile("[\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object, *, newlines: bool = True, limit: int | None = None) -> str:
    """``text`` as a string with every character a terminal would act on shown escaped.

    ``newlines=False`` escapes newline and tab too, for one-line places (a table cell, a status line);
    ``limit`` cuts the result to that many characters, the last one ``…`` (a server's message, a stored label).
    """
    value = text if isinstance(text, str) else str(text)
    value = _MISLEADING.sub(_escape, _UNSAFE.sub(_escape, value))
    if not newlines:
        value = value.replace("\n", "\\n").replace("\t", "\\t")
    if limit is not None and len(value) > limit:
        value = value[: max(limit - 1, 0)] + "…"
    return value


def is_printable(text: str) -> bool:
    """Whether ``text`` holds nothing :func:`printable` would escape (newlines and tabs allowed)."""
    return not (_UNSAFE.search(text) or _MISLEADING.search(text))


def printable_value(value: object) -> object:
    """``value`` with every string in it (inside lists, tuples and dict values too) made :func:`printable`."""
    if isinstance(value, str):
        return printable(value, newlines=False)
    if isinstance(value, list):
        return [printable_value(v) for v in value]
    if isinstance(value, tuple):
        return tuple(printable_value(v) for v in value)
    if isinstance(value, dict):
        return {k: printable_value(v) for k, v in value.items()}
    return value
