"""The decision as a Markdown document: answers, hardware, evidence, recommendation and cited facts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fwtui.decide.hardware_facts import describe_hardware
from fwtui.decide.model import Contribution, Recommendation
from fwtui.decide.questions import QUESTIONS, answer_text

SOURCE_TAGS = {
    "prior": "default",
    "answer": "answer",
    "hardware": "hardware",
    "measured": "measured",
    "knowledge": "fact",
}


def default_report_name(today: date) -> str:
    return f"fwtui-decision-{today:%Y%m%d}.md"


def reason_line(c: Contribution) -> str:
    sign = f"{c.delta:+.1f}" if c.source != "prior" else f"{c.delta:.1f}"
    where = f" ({c.question or c.fact})" if (c.question or c.fact) else ""
    return f"[{SOURCE_TAGS.get(c.source, c.source)}] {sign} {c.text}{where}"


def render_markdown(rec: Recommendation, *, title: str = "Framework decision") -> str:
    winner = rec.winner
    lines: list[str] = [f"# {title}", "", f"Decided on {rec.today.isoformat()} with fwtui.", ""]
    lines += ["## Recommendation", "", f"**{winner.label}** (score {winner.score:.1f})", ""]
    for reason in winner.top_reasons(5):
        lines.append(f"- {reason_line(reason)}")
    lines.append("")
    if rec.deployment:
        lines += ["### Deployment path", ""]
        lines += [f"- {note.text}" for note in rec.deployment]
        lines.append("")
    if rec.counterfactuals:
        lines += ["### What would change it", ""]
        lines += [f"- {cf.text}" for cf in rec.counterfactuals]
        lines.append("")

    lines += ["## Answers", "", "| Question | Answer |", "|---|---|"]
    for question in QUESTIONS:
        lines.append(f"| {question.text} | {answer_text(question.key, rec.answers.get(question.key, ()))} |")
    lines.append("")

    lines += ["## Hardware", "", describe_hardware(rec.hardware) + ".", ""]

    lines += ["## Measured evidence", ""]
    if rec.evidence_note:
        lines += [rec.evidence_note + ".", ""]
    if rec.comparisons:
        lines += [f"- {c.text}" for c in rec.comparisons]
    else:
        lines.append("No comparison between frameworks measured on this machine.")
    lines.append("")

    lines += ["## Ranking", "", "| # | Candidate | Score | Status |", "|---|---|---|---|"]
    for ranked in rec.ranking:
        status = "vetoed: " + "; ".join(v.text for v in ranked.vetoes) if ranked.vetoed else ""
        lines.append(f"| {ranked.rank} | {ranked.label} | {ranked.score:.1f} | {status} |")
    lines.append("")
    for ranked in rec.ranking:
        lines += [f"### {ranked.label}", ""]
        lines += [f"- {reason_line(c)}" for c in ranked.contributions]
        lines.append("")

    lines += ["## Cited facts", ""]
    for cited in rec.facts:
        fact = cited.fact
        stale = f" **Possibly stale: review was due {fact.review_by.isoformat()}.**" if cited.stale else ""
        lines.append(
            f"- {fact.text} (as of {fact.as_of.isoformat()}, source: {fact.source}, review by "
            f"{fact.review_by.isoformat()}){stale}"
        )
    lines.append("")
    return "\n".join(lines)


def write_report(rec: Recommendation, path: Path | None = None) -> Path:
    target = Path(path) if path is not None else Path.cwd() / default_report_name(rec.today)
    target.write_text(render_markdown(rec), encoding="utf-8")
    return target.resolve()
