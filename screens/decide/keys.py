"""The Decide area's keys, in one place: the bindings, the footer and the help text all read them here.

Resetting every answer is destructive, so it has a key no other area uses, asks first, and can be undone.
``e`` exports here as in Results; the app's key map (``screens/keys.py``) lists every key.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

EXPORT_KEY = "e"
RESET_KEY = "d"  # "don't know" for every question
UNDO_KEY = "u"

AREA_BINDINGS: list[BindingType] = [
    Binding(EXPORT_KEY, "export", "Export"),
    Binding(RESET_KEY, "reset", "Reset answers"),
    Binding(UNDO_KEY, "undo_reset", "Undo reset"),
]
