"""The key map: one meaning per key across the areas, in one place.

The help screen and the README list this table; ``tests/test_app_keys.py`` checks that every area's
bindings agree with it (a key is bound to one action wherever it is bound). Destructive keys ask first or
can be undone: cancelling a run or the queue asks, resetting Decide's answers asks and ``u`` undoes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding, BindingType


@dataclass(frozen=True)
class KeyMeaning:
    keys: str  # as the user presses them, e.g. "s" or "j / ↓"
    does: str
    where: str


KEYMAP: tuple[KeyMeaning, ...] = (
    KeyMeaning("1 2 3 4", "go to Hardware, Benchmark, Results, Decide", "everywhere"),
    KeyMeaning("?", "help for the area shown", "everywhere"),
    KeyMeaning("ctrl+p", "command palette: every action of every area by name", "everywhere"),
    KeyMeaning("q / ctrl+q", "quit", "everywhere"),
    KeyMeaning("tab / shift+tab", "next / previous control", "everywhere"),
    KeyMeaning("j k / ↓ ↑", "down / up", "tables and lists"),
    KeyMeaning("h l / ← →", "column left / right (the first column stays pinned)", "Results table"),
    KeyMeaning("g G / home end", "first / last row", "tables"),
    KeyMeaning("enter", "open: a result's detail, a group's rows", "Results"),
    KeyMeaning("escape", "back to the table; closes a dialog or the help", "Results, dialogs"),
    KeyMeaning("/", "find: filter the rows as you type (enter keeps it, escape clears it)", "Results"),
    KeyMeaning(":", "SQL console (read-only)", "Results"),
    KeyMeaning("s", "sort by the column under the cursor (again: reverse)", "Results"),
    KeyMeaning("S", "choose the sort column from a list", "Results"),
    KeyMeaning("space", "mark or unmark the row (the cursor stays)", "Results"),
    KeyMeaning("c", "compare the marked results", "Results"),
    KeyMeaning("b", "group by framework, workload, machine, ... (per scenario)", "Results"),
    KeyMeaning("p", "charts (plot): per framework, percentiles, curves against batch and threads", "Results"),
    KeyMeaning("M", "machines side by side (hardware, peaks, one framework across machines)", "Results"),
    KeyMeaning("a", "show all runs (clear the run filter)", "Results"),
    KeyMeaning("e", "export", "Results, Decide"),
    KeyMeaning("f5 / ctrl+r", "refresh: reload results, probe the frameworks again", "Results, Hardware"),
    KeyMeaning("m", "measure peak compute", "Hardware"),
    KeyMeaning("r", "run the selection (or your own model)", "Benchmark"),
    KeyMeaning("x", "cancel the current run (asks first)", "Benchmark"),
    KeyMeaning("X", "cancel the whole queue (asks first; finished results are kept)", "Benchmark"),
    KeyMeaning("f", "show or hide the form", "Benchmark"),
    KeyMeaning("o", "open this queue's results in Results", "Benchmark"),
    KeyMeaning("d", "reset every answer to don't know (asks first)", "Decide"),
    KeyMeaning("u", "undo the reset", "Decide"),
)


def keymap_markdown() -> str:
    """The key map as a Markdown table (the help screen shows it; the README has the same table)."""
    lines = ["| key | does | where |", "|---|---|---|"]
    for meaning in KEYMAP:
        keys = " ".join(
            f"`{k}`" if k != "/" or len(meaning.keys) == 1 else k for k in meaning.keys.split(" ")
        )
        lines.append(f"| {keys} | {meaning.does} | {meaning.where} |")
    return "\n".join(lines)


def vim_table_bindings() -> list[BindingType]:
    """j/k/g/G (and h/l) on a DataTable, next to its arrow keys and home/end."""
    return [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("h", "cursor_left", "Left", show=False),
        Binding("l", "cursor_right", "Right", show=False),
        Binding("g", "scroll_top", "First row", show=False),
        Binding("G", "scroll_bottom", "Last row", show=False),
    ]
