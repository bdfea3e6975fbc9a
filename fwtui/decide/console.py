"""Rich rendering of a recommendation for ``fwtui recommend``."""

from __future__ import annotations

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from fwtui.decide.hardware_facts import describe_hardware
from fwtui.decide.model import Recommendation
from fwtui.decide.report import headline, reason_line, status_note

BAR_WIDTH = 20
MAX_SKIPPED_SHOWN = 8


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
            style = "bold green" if r.rank == 1 or r.id in rec.tied else ""
            table.add_row(str(r.rank), Text(r.label, style=style), f"{r.score:.1f}", score_bar(r.score, best))
    return table


def print_recommendation(
    rec: Recommendation, *, hardware_note: str = "", console: Console | None = None
) -> None:
    out = console or Console()
    winner = rec.winner
    headline_text = Text.assemble(("Recommendation: ", "bold"), (headline(rec), "bold green"))
    reasons = [Text(f"  {reason_line(c)}") for c in winner.top_reasons(4)]
    out.print(Panel(Group(headline_text, *reasons), expand=False))
    for issue in rec.issues:
        out.print(f"[yellow]Answer check[/yellow]  {escape(issue.text)}")
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
    out.print("[bold]What would change it[/bold]")
    for cf in rec.counterfactuals:
        mark = "[yellow]tie[/yellow] " if cf.is_tie else ""
        out.print(f"  {mark}{escape(cf.text)}")
    if rec.counterfactual_note:
        out.print(f"  {escape(rec.counterfactual_note)}")
    if rec.stale_advice:
        out.print("[bold]Stale advice[/bold]")
        for advice in rec.stale_advice:
            out.print(f'  [dim]"{escape(advice.claim)}"[/dim] {escape(advice.now)}')

    hardware = describe_hardware(rec.hardware)
    out.print(
        f"[bold]Hardware[/bold]  {escape(hardware)}"
        + (f" ({escape(hardware_note)})" if hardware_note else "")
    )
    out.print(f"[bold]Measured evidence[/bold]  {escape(rec.evidence_note or 'none')}")
    for use in rec.evidence:
        if use.used:
            mark = "[green]counts[/green]"
        elif use.comparison.counts:
            mark = "[dim]not relevant[/dim]"
        else:
            mark = "[dim]ignored[/dim]"
        out.print(f"  {mark} {escape(use.comparison.text)}")
        if use.comparison.counts and not use.relevant:
            out.print(f"    [dim]{escape(use.relevance)}[/dim]")
    for skipped in rec.skipped[:MAX_SKIPPED_SHOWN]:
        out.print(f"  [dim]skipped[/dim] {escape(skipped.text)}")
    if len(rec.skipped) > MAX_SKIPPED_SHOWN:
        out.print(f"  [dim]and {len(rec.skipped) - MAX_SKIPPED_SHOWN} more skipped (--json lists all)[/dim]")

    out.print("[bold]Cited facts[/bold]")
    for cited in rec.facts:
        fact = cited.fact
        stale = " [yellow]possibly stale[/yellow]" if cited.stale else ""
        out.print(
            f"  {escape(fact.text)}{escape(status_note(fact))} [dim](as of {fact.as_of}, review by "
            f"{fact.review_by}; {escape(fact.source)})[/dim]{stale}"
        )
