"""Widgets private to the Hardware area: feature chips, usage bars and absolute-scale graphs."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.widgets import Static

BLOCKS = " ▁▂▃▄▅▆▇█"


def level_style(percent: float) -> str:
    if percent >= 90:
        return "red"
    if percent >= 70:
        return "yellow"
    return "green"


def usage_bar(fraction: float | None, width: int = 20) -> Text:
    """``██████░░░░ 62%``; an unknown fraction renders as a dim placeholder."""
    if fraction is None:
        return Text("░" * width + "   —", style="dim")
    fraction = min(max(fraction, 0.0), 1.0)
    filled = round(fraction * width)
    text = Text("█" * filled, style=level_style(fraction * 100))
    text.append("░" * (width - filled), style="dim")
    text.append(f" {fraction * 100:3.0f}%")
    return text


def feature_chips(present: Iterable[str], missing: Iterable[str]) -> Text:
    """Present features as highlighted chips, missing ones dimmed, so gaps are visible at a glance."""
    text = Text()
    for name in present:
        text.append(f" {name} ", style="bold black on green")
        text.append(" ")
    missing = list(missing)
    if missing:
        # Spelled out as well as dimmed, so the gap reads right without colour (logs, screen readers, NO_COLOR).
        text.append("\nlacks: ", style="dim")
        text.append("  ".join(missing), style="dim strike")
    text.rstrip()
    return text


class PercentGraph(Static):
    """A one-line history of a percentage on a fixed 0-100 scale, newest sample on the right.

    Unlike ``Sparkline``, which stretches its data between the series' own min and max, a fixed
    scale keeps 3% looking like 3%.
    """

    DEFAULT_CSS = """
    PercentGraph { height: 1; width: 1fr; }
    """

    def __init__(self, values: Iterable[float] = (), **kwargs: object) -> None:
        super().__init__("", **kwargs)  # type: ignore[arg-type]
        self._values = list(values)

    def set_values(self, values: Iterable[float]) -> None:
        self._values = list(values)
        self.refresh()

    @property
    def values(self) -> list[float]:
        return list(self._values)

    def render(self) -> Text:
        width = max(self.size.width, 1)
        shown = self._values[-width:]
        text = Text(" " * (width - len(shown)))
        for value in shown:
            clamped = min(max(value, 0.0), 100.0)
            index = max(1, round(clamped / 100 * (len(BLOCKS) - 1)))  # 0% still shows a floor
            text.append(BLOCKS[index], style=level_style(clamped))
        return text
