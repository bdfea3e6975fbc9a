"""The decision as a Markdown document: answers, hardware, evidence, recommendation and cited facts.

The sentences shared with the console and the Decide area (a reason, an answer, a fact, the headline) are
written here once.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fwtui.decide.hardware_facts import describe_hardware
from fwtui.decide.knowledge import Fact
from fwtui.decide.model import CitedFact, Contribution, Recommendation
from fwtui.decide.questions import BY_KEY, DONT_KNOW, QUESTIONS, answer_text, is_relevant

SOURCE_TAGS = {
    "prior": "default",
    "answer": "answer",
    "hardware": "hardware",
    "measured": "measured",
    "knowledge": "fact",
}
MAX_SKIPPED_SHOWN = 20


def default_report_name(today: date) -> str:
    return f"fwtui-decision-{today:%Y%m%d}.md"


def reason_line(c: Contribution) -> str:
    sign = f"{c.delta:+.1f}" if c.source != "prior" else f"{c.delta:.1f}"
    where = f" ({c.question or c.fact})" if (c.question or c.fact) else ""
    return f"[{SOURCE_TAGS.get(c.source, c.source)}] {sign} {c.text}{where}"


def headline(rec: Recommendation) -> str:
    """ "PyTorch (score 2.0)", or the tie: "a tie: PyTorch and JAX (score 1.5 each)"."""
    if rec.is_tie:
        labels = [r.label for r in rec.ranking if r.id in rec.tied]
        return f"a tie: {', '.join(labels[:-1])} and {labels[-1]} (score {rec.winner.score:.1f} each)"
    return f"{rec.winner.label} (score {rec.winner.score:.1f})"


def answer_value(rec: Recommendation, key: str) -> str:
    """An answer as the report shows it: the values, don't know, this machine's default, or not asked."""
    question = BY_KEY[key]
    if key in rec.defaults:
        return f"not answered: this machine's ({question.label(rec.defaults[key])})"
    if not is_relevant(question, rec.answers):
        assert question.relevant_when is not None
        parent_key, allowed = question.relevant_when
        parent = BY_KEY[parent_key]
        opening = " or ".join("don't know" if v == DONT_KNOW else parent.label(v) for v in allowed)
        return f"not asked (only when {parent.noun or parent_key} is {opening})"
    return answer_text(key, rec.answers.get(key, ()))


def fact_line(cited: CitedFact) -> str:
    fact = cited.fact
    line = f"{fact.text} (as of {fact.as_of.isoformat()}, source: {fact.source}, review by {fact.review_by.isoformat()})"
    return line + status_note(fact)


def status_note(fact: Fact) -> str:
    if fact.status == "partly":
        return f" Partly verified: {fact.caveat}"
    if fact.status == "not_verified":
        return f" Not verified: {fact.caveat}"
    return ""


def render_markdown(rec: Recommendation, *, title: str = "Framework decision") -> str:
    winner = rec.winner
    lines: list[str] = [f"# {title}", "", f"Decided on {rec.today.isoformat()} with fwtui.", ""]
    lines += ["## Recommendation", "", f"**{headline(rec)}**", ""]
    for reason in winner.top_reasons(5):
        lines.append(f"- {reason_line(reason)}")
    lines.append("")
    if rec.issues:
        lines += ["### Answer checks", ""]
        lines += [f"- {issue.text}" for issue in rec.issues]
        lines.append("")
    if rec.deployment:
        lines += ["### Deployment path", ""]
        lines += [f"- {note.text}" for note in rec.deployment]
        lines.append("")
    lines += ["### What would change it", ""]
    lines += [f"- {cf.text}" for cf in rec.counterfactuals]
    if rec.counterfactual_note:
        lines.append(f"- {rec.counterfactual_note}")
    lines.append("")
    if rec.stale_advice:
        lines += ["### Stale advice", ""]
        lines += [f'- *"{a.claim}"* No longer holds: {a.now}' for a in rec.stale_advice]
        lines.append("")

    lines += ["## Answers", "", "| Question | Answer |", "|---|---|"]
    for question in QUESTIONS:
        lines.append(f"| {question.text} | {answer_value(rec, question.key)} |")
    lines.append("")

    lines += ["## Hardware", "", describe_hardware(rec.hardware) + ".", ""]

    lines += ["## Measured evidence", ""]
    if rec.evidence_note:
        lines += [rec.evidence_note + ".", ""]
    if rec.evidence:
        for use in rec.evidence:
            mark = "used" if use.used else ("does not count" if not use.comparison.counts else "not relevant")
            lines.append(f"- ({mark}) {use.comparison.text}. Relevance: {use.relevance}.")
    else:
        lines.append("No comparison between frameworks.")
    lines.append("")
    if rec.skipped:
        lines += ["Skipped:", ""]
        lines += [f"- {s.text}" for s in rec.skipped[:MAX_SKIPPED_SHOWN]]
        if len(rec.skipped) > MAX_SKIPPED_SHOWN:
            lines.append(
                f"- and {len(rec.skipped) - MAX_SKIPPED_SHOWN} more (`fwtui recommend --json` lists all)"
            )
        lines.append("")

    lines += ["## Ranking", "", "| # | Candidate | Score | Status |", "|---|---|---|---|"]
    for ranked in rec.ranking:
        status = "vetoed: " + "; ".join(v.text for v in ranked.vetoes) if ranked.vetoed else ""
        if ranked.id in rec.tied:
            status = "tied for first"
        lines.append(f"| {ranked.rank} | {ranked.label} | {ranked.score:.1f} | {status} |")
    lines.append("")
    for ranked in rec.ranking:
        lines += [f"### {ranked.label}", ""]
        lines += [f"- {reason_line(c)}" for c in ranked.contributions]
        lines.append("")

    lines += ["## Cited facts", ""]
    for cited in rec.facts:
        stale = (
            f" **Possibly stale: review was due {cited.fact.review_by.isoformat()}.**" if cited.stale else ""
        )
        lines.append(f"- {fact_line(cited)}{stale}")
    lines.append("")
    return "\n".join(lines)


def write_report(rec: Recommendation, path: Path | None = None) -> Path:
    target = Path(path) if path is not None else Path.cwd() / default_report_name(rec.today)
    target.write_text(render_markdown(rec), encoding="utf-8")
    return target.resolve()
