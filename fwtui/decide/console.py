"""Rich rendering of a recommendation for ``fwtui recommend``."""

from __future__ import annotations

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from fwtui.decide.hardware_facts import describe_hardware
from fwtui.decide.model import Recommendation
from fwtui.decide.report import reason_line

BAR_WIDTH = 20


def score_bar(score: float, best: float, width: int = BAR_WIDTH) -> str:
    """A bar proportional to the score (negative and vetoed scores draw nothing)."""
    if best <= 0 or score <= 0:
        return ""
    filled = round(width * min(score / best, 1.0))
    return "█" * filled


def ranking_table(rec: Recommendation) -> Table:
    best = max((r.score for r in rec.ranking if not r.vetoed), default=0.0)
    table = Table(title="Ranking", title_justify="left", expand=False)
    table.add_column("#", justify="right")
    table.add_column("Candidate")
    table.add_column("Score", justify="right")
    table.add_column("", min_width=BAR_WIDTH)
    for r in rec.ranking:
        if r.vetoed:
            table.add_row(str(r.rank), Text(r.label, style="dim strike"), "-", Text("vetoed", style="red"))
        else:
            style = "bold green" if r.rank == 1 else ""
            table.add_row(str(r.rank), Text(r.label, style=style), f"{r.score:.1f}", score_bar(r.score, best))
    return table


def print_recommendation(
    rec: Recommendation, *, hardware_note: str = "", console: Console | None = None
) -> None:
    out = console or Console()
    winner = rec.winner
    headline = Text.assemble(
        ("Recommendation: ", "bold"), (winner.label, "bold green"), f"  (score {winner.score:.1f})"
    )
    reasons = [Text(f"  {reason_line(c)}") for c in winner.top_reasons(4)]
    out.print(Panel(Group(headline, *reasons), expand=False))
    out.print(ranking_table(rec))

    out.print("[bold]Why[/bold]")
    for r in rec.ranking:
        if r.vetoed:
            for veto in r.vetoes:
                out.print(f"  {escape(r.name)}: [red]vetoed[/red] - {escape(veto.text)}")
            continue
        out.print(f"  [bold]{escape(r.label)}[/bold]")
        for c in r.top_reasons(3):
            out.print(f"    {escape(reason_line(c))}")

    if rec.deployment:
        out.print("[bold]Deployment path[/bold]")
        for note in rec.deployment:
            out.print(f"  {escape(note.text)}")
    if rec.counterfactuals:
        out.print("[bold]What would change it[/bold]")
        for cf in rec.counterfactuals:
            out.print(f"  {escape(cf.text)}")

    hardware = describe_hardware(rec.hardware)
    out.print(
        f"[bold]Hardware[/bold]  {escape(hardware)}"
        + (f" ({escape(hardware_note)})" if hardware_note else "")
    )
    out.print(f"[bold]Measured evidence[/bold]  {escape(rec.evidence_note or 'none')}")
    for comp in rec.comparisons:
        mark = "[green]counts[/green]" if comp.counts else "[dim]ignored[/dim]"
        out.print(f"  {mark} {escape(comp.text)}")

    out.print("[bold]Cited facts[/bold]")
    for cited in rec.facts:
        fact = cited.fact
        stale = " [yellow]possibly stale[/yellow]" if cited.stale else ""
        out.print(
            f"  {escape(fact.text)} [dim](as of {fact.as_of}, review by {fact.review_by}; "
            f"{escape(fact.source)})[/dim]{stale}"
        )
