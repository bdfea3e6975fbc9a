"""The live view of a queue: progress of the current run and overall, the current run's numbers, the queue."""

from __future__ import annotations

from collections import Counter

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, OptionList, ProgressBar, Sparkline, Static
from textual.widgets.option_list import Option

from fwtui import units
from fwtui.bench.progress import BenchState, QueueItem
from screens.benchmark.state import status_icon

ITEM_STYLES: dict[str, str] = {
    "running": "bold",
    "ok": "green",
    "complete": "green",
    "failed": "red",
    "timeout": "red",
    "unsupported": "yellow",
    "skipped": "yellow",
    "cancelled": "yellow",
    "queued": "dim",
}


def queue_prompt(item: QueueItem) -> Text:
    text = Text(f"{status_icon(item.status)} ", style=ITEM_STYLES.get(item.status, ""))
    text.append(item.label, style=ITEM_STYLES.get(item.status, ""))
    if item.status == "running" and item.phase:
        text.append(f" · {item.phase}", style="dim")
    return text


def outcome_counts(state: BenchState) -> str:
    """How the runs ended, each status counted: ``2 ok, 1 cancelled`` (a cancelled run is not finished)."""
    counts = Counter(item.status for item in state.items)
    return ", ".join(f"{n} {status}" for status, n in counts.items()) or "none"


class QueueList(OptionList):
    """The runs of the queue with a status icon each."""

    DEFAULT_CSS = """
    QueueList { width: 30; height: 1fr; border: none; padding: 0; }
    """

    def paint(self, items: list[QueueItem]) -> None:
        if self.option_count != len(items):
            self.set_options(Option(queue_prompt(item), id=f"q{item.index}") for item in items)
            return
        for item in items:
            self.replace_option_prompt_at_index(item.index, queue_prompt(item))


class LivePanel(Vertical):
    """What is being measured now, how far it is, and the overall progress with an ETA."""

    DEFAULT_CSS = """
    LivePanel { height: auto; padding: 0 1; }
    LivePanel #bench-live-title { height: 1; text-style: bold; }
    LivePanel #bench-live-stats { height: 1; color: $text-muted; }
    LivePanel Sparkline { height: 1; margin: 0; }
    LivePanel .bars { height: 1; }
    LivePanel .bars > Label { width: auto; padding: 0 1 0 0; }
    LivePanel .bars > Label.gap { padding: 0 1 0 1; }
    LivePanel ProgressBar { width: 1fr; }
    LivePanel ProgressBar > Bar { width: 1fr; }
    LivePanel #bench-eta { width: auto; padding-left: 1; }
    """

    def compose(self) -> ComposeResult:
        yield Static("Nothing running. Choose a selection and press r.", id="bench-live-title", markup=False)
        yield Static("", id="bench-live-stats", markup=False)
        yield Sparkline([], id="bench-sparkline")
        with Horizontal(classes="bars"):
            yield Label("run")
            yield ProgressBar(total=1.0, show_eta=False, id="bench-run-progress")
            yield Label("all", classes="gap")
            yield ProgressBar(total=1.0, show_eta=False, id="bench-all-progress")
            yield Label("ETA —", id="bench-eta")

    def paint(self, state: BenchState) -> None:
        live = state.live
        title = self.query_one("#bench-live-title", Static)
        stats = self.query_one("#bench-live-stats", Static)
        total = len(state.items)
        if live is None:
            title.update(
                "Nothing running. Choose a selection and press r." if not state.items else "Starting…"
            )
            stats.update("")
        else:
            position = f"{live.index + 1}/{total}"
            title.update(f"{'▶' if state.running else '■'} {position} {live.label}")
            scenario = f" {live.scenario}" if live.scenario else ""
            stats.update(
                f"{live.phase}{scenario} · {units.count(live.iterations)} it"
                f" · p50 {units.latency_ms(live.p50_ms)} · {units.seconds(live.elapsed_s)}"
            )
        if state.done:
            word = "cancelled" if state.cancelled else "finished"
            title.update(f"■ {word}: {outcome_counts(state)} of {total} runs · {len(state.records)} results")
        self.query_one("#bench-sparkline", Sparkline).data = list(live.recent_ms) if live else []
        self.query_one("#bench-run-progress", ProgressBar).update(progress=live.fraction if live else 0.0)
        self.query_one("#bench-all-progress", ProgressBar).update(progress=state.overall_fraction)
        eta = "done" if state.done else f"ETA {units.duration(state.eta_s())}"
        self.query_one("#bench-eta", Label).update(eta)
