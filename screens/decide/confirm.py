"""The question asked before every answer is reset: the app's yes/no modal, defaulting to keeping the answers."""

from __future__ import annotations

from screens.confirm import Confirm
from screens.decide.keys import UNDO_KEY


class ConfirmReset(Confirm):
    """Dismisses with True to reset, False to keep the answers (the focused default)."""

    def __init__(self, answered: int) -> None:
        plural = "" if answered == 1 else "s"
        super().__init__(
            f"Reset {answered} answer{plural} to don't know?",
            f"{UNDO_KEY} brings them back afterwards.",
            yes="Reset",
            no="Keep answers",
        )
        self.answered = answered
