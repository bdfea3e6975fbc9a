"""The recommendation side of the Decide area: ranking with bars, tagged reasons, vetoes, deployment path,
the counterfactual, measured evidence and cited facts (stale ones marked)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from fwtui.decide.answers import AnswerIssue
from fwtui.decide.hardware_facts import describe_hardware
from fwtui.decide.model import Contribution, Recommendation
from fwtui.decide.report import headline, status_note

BAR_WIDTH = 10
MAX_EVIDENCE_SHOWN = 6
SKIP_REASONS = {
    "flagged": "flagged by the validity checks",
    "bad_samples": "missing or non-finite samples",
    "too_few_samples": "too few samples",
    "cannot_train": "training results of a framework that does not train",
    "not_ranked": "frameworks Decide does not rank",
    "no_comparable": "no comparable result of another framework",
    "superseded": "superseded by newer comparable results",
    "other_machine": "measured on other machines",
}
TAG_STYLES = {
    "answer": ("answer", "cyan"),
    "hardware": ("hardware", "magenta"),
    "measured": ("measured", "green"),
    "prior": ("default", "dim"),
    "knowledge": ("fact", "yellow"),
}


def score_bar(score: float, best: float) -> str:
    if best <= 0 or score <= 0:
        return ""
    return "█" * max(1, round(BAR_WIDTH * min(score / best, 1.0)))


def reason_text(c: Contribution) -> Text:
    tag, style = TAG_STYLES.get(c.source, (c.source, ""))
    delta = f"{c.delta:+.1f}" if c.source != "prior" else f"{c.delta:.1f}"
    return Text.assemble((f"[{tag}]", style), f" {delta} {c.text}")


class RecommendationView(VerticalScroll):
    DEFAULT_CSS = """
    RecommendationView { width: 1fr; height: 1fr; padding: 0 1; }
    RecommendationView > Static { margin-bottom: 1; }
    RecommendationView #decide-winner { margin-bottom: 0; }
    """

    def compose(self) -> ComposeResult:
        yield Static("Working out a recommendation…", id="decide-winner")
        yield Static("", id="decide-issues")
        yield Static("", id="decide-deployment")
        yield Static("", id="decide-ranking")
        yield Static("", id="decide-reasons")
        yield Static("", id="decide-counterfactual")
        yield Static("", id="decide-stale")
        yield Static("", id="decide-evidence")
        yield Static("", id="decide-facts")

    def show(
        self, rec: Recommendation, *, hardware_note: str = "", earlier_issues: Sequence[AnswerIssue] = ()
    ) -> None:
        """``earlier_issues``: checks of answers dropped before ``rec`` was computed (still worth saying)."""
        self.query_one("#decide-winner", Static).update(self._winner(rec))
        shown = tuple(dict.fromkeys((*earlier_issues, *rec.issues)))
        issues = self.query_one("#decide-issues", Static)
        issues.update(self._issues(shown))
        issues.display = bool(shown)
        self.query_one("#decide-deployment", Static).update(self._deployment(rec))
        self.query_one("#decide-ranking", Static).update(self._ranking(rec))
        self.query_one("#decide-reasons", Static).update(self._reasons(rec))
        self.query_one("#decide-counterfactual", Static).update(self._counterfactual(rec))
        stale = self.query_one("#decide-stale", Static)
        stale.update(self._stale(rec))
        stale.display = bool(rec.stale_advice)
        self.query_one("#decide-evidence", Static).update(self._evidence(rec, hardware_note))
        self.query_one("#decide-facts", Static).update(self._facts(rec))

    @staticmethod
    def _winner(rec: Recommendation) -> Text:
        return Text.assemble(("Recommendation: ", "bold"), (headline(rec), "bold green"))

    @staticmethod
    def _issues(shown: Sequence[AnswerIssue]) -> Text:
        text = Text("Answer checks\n", "bold yellow")
        for issue in shown:
            text.append("! ", "bold yellow")
            text.append(issue.text + "\n")
        text.rstrip()
        return text

    @staticmethod
    def _deployment(rec: Recommendation) -> Text:
        text = Text()
        for note in rec.deployment:
            text.append("→ ", "bold")
            text.append(note.text + "\n")
        if not rec.deployment:
            text.append("Deployment: answer 'Where will the model run?' for a deployment path.", "dim")
        text.rstrip()
        return text

    @staticmethod
    def _ranking(rec: Recommendation) -> Group:
        best = max((r.score for r in rec.ranking if not r.vetoed), default=0.0)
        # A grid, so a long label ("Train in PyTorch, deploy with ONNX Runtime") wraps within its column.
        grid = Table.grid(padding=(0, 1))
        grid.add_column(justify="right")
        grid.add_column(width=BAR_WIDTH, no_wrap=True)
        grid.add_column(justify="right", no_wrap=True)
        grid.add_column(ratio=1)
        for r in rec.ranking:
            if r.vetoed:
                grid.add_row(str(r.rank), Text("vetoed", "red"), "", Text(r.label, "dim strike"))
                continue
            first = r.rank == 1 or r.id in rec.tied
            colour = "green" if first else "blue"
            label = Text(r.label + (" (tied)" if r.id in rec.tied else ""), "bold green" if first else "")
            grid.add_row(str(r.rank), Text(score_bar(r.score, best), colour), f"{r.score:.1f}", label)
        return Group(Text("Ranking", "bold"), grid)

    @staticmethod
    def _reasons(rec: Recommendation) -> Text:
        text = Text("Why\n", "bold")
        shown = [r for r in rec.ranking if not r.vetoed][:3]
        for r in shown:
            text.append(f"{r.label}\n", "bold")
            for reason in r.top_reasons(3):
                text.append("  ")
                text.append_text(reason_text(reason))
                text.append("\n")
        for r in rec.ranking:
            for veto in r.vetoes:
                text.append(f"{r.name}: ", "bold")
                text.append("vetoed", "red")
                text.append(f" - {veto.text}\n")
        text.rstrip()
        return text

    @staticmethod
    def _counterfactual(rec: Recommendation) -> Text:
        text = Text("What would change it\n", "bold")
        for cf in rec.counterfactuals:
            text.append("• ")
            if cf.is_tie:
                text.append("tie: ", "yellow")
            text.append(f"{cf.text}\n")
        if rec.counterfactual_note:
            text.append(rec.counterfactual_note, "dim")
        text.rstrip()
        return text

    @staticmethod
    def _stale(rec: Recommendation) -> Text:
        text = Text("Stale advice\n", "bold")
        for advice in rec.stale_advice:
            text.append(f'• "{advice.claim}" ', "dim")
            text.append(advice.now + "\n")
        text.rstrip()
        return text

    @staticmethod
    def _evidence(rec: Recommendation, hardware_note: str) -> Text:
        text = Text("Hardware and measurements\n", "bold")
        text.append(f"Hardware: {describe_hardware(rec.hardware)}")
        if hardware_note:
            text.append(f" ({hardware_note})", "dim")
        text.append("\n")
        text.append(rec.evidence_note or "Measured evidence: not loaded yet.", "dim")
        used = [e for e in rec.evidence if e.used]
        for use in used[:MAX_EVIDENCE_SHOWN]:
            text.append("\n")
            text.append("[measured]", "green")
            text.append(f" {use.comparison.text}")
        off_topic = [e for e in rec.evidence if e.comparison.counts and not e.relevant]
        for use in off_topic[:MAX_EVIDENCE_SHOWN]:
            text.append("\n")
            text.append("[not relevant]", "yellow")
            text.append(f" {use.relevance}: {use.comparison.text}", "dim")
        ignored = sum(1 for e in rec.evidence if not e.comparison.counts)
        if ignored:
            text.append(f"\n{ignored} measured difference(s) too small or not significant: ignored.", "dim")
        counts: Counter[str] = Counter()
        for skipped in rec.skipped:
            counts[skipped.reason] += skipped.count
        for reason, count in sorted(counts.items()):
            text.append(f"\nSkipped {count}: {SKIP_REASONS.get(reason, reason)}.", "dim")
        return text

    @staticmethod
    def _facts(rec: Recommendation) -> Text:
        text = Text("Cited facts\n", "bold")
        for cited in rec.facts:
            fact = cited.fact
            text.append("• " + fact.text)
            if fact.status != "verified":
                text.append(status_note(fact), "yellow")
            text.append(f" (as of {fact.as_of}, review by {fact.review_by})", "dim")
            if cited.stale:
                text.append(" possibly stale", "bold yellow")
            text.append("\n")
        text.rstrip()
        return text
