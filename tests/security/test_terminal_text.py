"""printable(): nothing a terminal acts on survives, everything else is left as it was."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from fwtui.terminal_text import is_printable, printable, printable_value

ACTIVE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


@given(st.text())
def test_no_control_character_survives(text: str) -> None:
    shown = printable(text)
    assert not ACTIVE.search(shown) and is_printable(shown)
    one_line = printable(text, newlines=False)
    assert "\n" not in one_line and "\t" not in one_line and not ACTIVE.search(one_line)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Zl", "Zp", "Cf"))))
def test_ordinary_text_is_unchanged(text: str) -> None:
    assert printable(text) == text


def test_escapes_are_visible_not_active() -> None:
    assert printable("\x1b]0;title\x07\x9b2J") == "\\x1b]0;title\\x07\\x9b2J"
    assert printable("a\nb\tc") == "a\nb\tc"
    assert printable("a\nb", newlines=False) == "a\\nb"
    assert printable("\u202eevil") == "\\u202eevil"
    assert printable_value({"k": ["\x1b", 1, None], "n": ("\x07",)}) == {"k": ["\\x1b", 1, None], "n": ("\\x07",)}
