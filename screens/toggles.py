"""Check boxes, radio buttons and selection lists whose state is in the glyph, not only its colour.

Textual draws every toggle as a coloured block (``▐X▌``, ``▐●▌``) and shows on or off by colour alone, which a
monochrome terminal, a screen reader, a screenshot or a 256-colour SSH link loses. These draw ``[x]``/``[ ]``
for a check box or a list item and ``(•)``/``( )`` for a radio button; the colours stay as a second cue.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.content import Content
from textual.strip import Strip
from textual.widgets import Checkbox, RadioButton, SelectionList
from textual.widgets.option_list import OptionDoesNotExist

CHECKED, UNCHECKED = "[x]", "[ ]"
CHOSEN, NOT_CHOSEN = "(•)", "( )"


def _glyph(widget: Checkbox | RadioButton, on: str, off: str) -> Content:
    return Content.assemble((on if widget.value else off, widget.get_visual_style("toggle--button")))


class GlyphCheckbox(Checkbox):
    """A check box that reads ``[x]`` when ticked and ``[ ]`` when not."""

    @property
    def _button(self) -> Content:
        return _glyph(self, CHECKED, UNCHECKED)


class GlyphRadioButton(RadioButton):
    """A radio button that reads ``(•)`` when chosen and ``( )`` when not."""

    @property
    def _button(self) -> Content:
        return _glyph(self, CHOSEN, NOT_CHOSEN)


class GlyphSelectionList(SelectionList[str]):
    """A selection list whose items read ``[x]`` when selected and ``[ ]`` when not."""

    def _get_left_gutter_width(self) -> int:
        return len(CHECKED) + 1

    def render_line(self, y: int) -> Strip:
        # The base class puts its coloured block before the prompt; build the line from the plain prompt.
        line = super(SelectionList, self).render_line(y)
        _, scroll_y = self.scroll_offset
        index = scroll_y + y
        try:
            option = self.get_option_at_index(index)
        except OptionDoesNotExist:
            return line
        selected = option.value in self._selected
        component = "selection-list--button" + ("-selected" if selected else "")
        if self.highlighted == index:
            component += "-highlighted"
        underlying = next(iter(line)).style or self.rich_style
        style = self.get_component_rich_style(component) + Style(meta={"option": index})
        glyph = CHECKED if selected else UNCHECKED
        return Strip([Segment(glyph, style), Segment(" ", underlying), *line])
