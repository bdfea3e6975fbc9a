"""`fwtui recommend`: the Decide engine from the command line."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from fwtui.commands import Subparsers
    from fwtui.decide.model import Recommendation
    from fwtui.hardware.model import SystemInfo

_EPILOG_HEAD = "questions (KEY=VALUE; comma-separate several values where a question allows it):"


def register(subparsers: Subparsers) -> None:
    from fwtui.decide.questions import DONT_KNOW, QUESTIONS  # stdlib-only module: keeps --help instant

    lines = [_EPILOG_HEAD]
    for q in QUESTIONS:
        notes = [note for note, applies in (
            ("several", q.multi),
            (f"only when {q.relevant_when[0]} is {'/'.join(q.relevant_when[1])}" if q.relevant_when else "", bool(q.relevant_when)),
            ("unanswered: this machine's", q.hardware_default),
        ) if applies]  # fmt: skip
        kind = f" ({'; '.join(notes)})" if notes else ""
        lines.append(f"  {q.key}{kind}: {', '.join(q.values)}, {DONT_KNOW}")
    parser = subparsers.add_parser(
        "recommend",
        help="recommend a framework from your answers, this hardware and measured results",
        description=(
            "Rank PyTorch, TensorFlow, JAX, Keras 3, ONNX Runtime and scikit-learn for your job, explaining "
            "every score: your answers, this machine's hardware and benchmark results measured on it. "
            "Unanswered questions count as don't know."
        ),
        epilog="\n".join(lines),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--answer",
        "-a",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="answer a question (repeatable)",
    )
    parser.add_argument(
        "--saved", action="store_true", help="start from the answers saved by the Decide screen"
    )
    parser.add_argument(
        "--db", help="results database for measured evidence (default: $FWTUI_DB or the data dir)"
    )
    parser.add_argument(
        "--no-hardware",
        action="store_true",
        help="do not probe this machine's hardware (results of every machine then count, each named by its machine)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--report", metavar="PATH", help="also write the decision as Markdown to PATH")
    parser.add_argument("--today", metavar="YYYY-MM-DD", help=argparse.SUPPRESS)  # for reproducible output


def run(args: argparse.Namespace) -> int:
    import json
    from datetime import date
    from pathlib import Path

    from fwtui.decide.answers_store import load_answers
    from fwtui.decide.engine import recommend
    from fwtui.decide.evidence import NoEvidence, load_evidence, results_cursor
    from fwtui.decide.questions import parse_cli_answers
    from fwtui.errors import UsageError
    from fwtui.paths import default_db_path

    if args.report:
        _check_report_path(Path(args.report))  # before any work, not after it
    given = parse_cli_answers(args.answer)
    answers: dict[str, object] = {**(load_answers() if args.saved else {}), **given}
    try:
        today = date.fromisoformat(args.today) if args.today else date.today()
    except ValueError as exc:
        raise UsageError(f"--today takes YYYY-MM-DD, got {args.today!r}") from exc
    if args.no_hardware:
        hardware, hardware_note = (
            None,
            "not probed (--no-hardware): every machine's results count, each named",
        )
    else:
        hardware, hardware_note = _probe()
    db_path = Path(args.db).expanduser() if args.db else default_db_path()
    try:
        with results_cursor(db_path) as cursor:
            evidence = load_evidence(cursor, _machine_id(hardware), db_path=db_path)
    except NoEvidence as missing:
        evidence = missing.load
    rec = recommend(
        answers, hardware, evidence.measured, today, evidence_note=evidence.note, elsewhere=evidence.elsewhere
    )
    report_path = _write_report(rec, Path(args.report)) if args.report else None
    if args.json:
        payload = rec.to_dict()
        payload["hardware_note"] = hardware_note
        if report_path is not None:
            payload["report"] = str(report_path)
        print(json.dumps(payload, default=str))
    else:
        from fwtui.decide.console import print_recommendation

        print_recommendation(rec, hardware_note=hardware_note)
        if report_path is not None:
            print(f"report written to {report_path}")
    return 0


def _probe() -> tuple[SystemInfo | None, str]:
    """This machine's system probe (the process's cached one), with a note when there is none."""
    try:
        from fwtui.hardware.machine import local_system
    except ImportError:
        return None, "hardware probe unavailable in this installation"
    try:
        return local_system(), ""
    except Exception as exc:  # a broken probe must not stop a recommendation
        return None, f"hardware probe failed: {exc}"


def _machine_id(hardware: SystemInfo | None) -> str | None:
    """This machine's fingerprint, so results imported from elsewhere never count as measured here."""
    if hardware is None:
        return None
    from fwtui.hardware.machine import machine_id

    return machine_id(hardware)


def _check_report_path(path: Path) -> None:
    from fwtui.errors import UsageError
    from fwtui.terminal_text import printable

    path = path.expanduser()
    if path.is_dir():
        raise UsageError(f"--report {printable(path)} is a directory; give a file name")
    if not path.parent.is_dir():
        raise UsageError(f"--report {printable(path)}: the directory {printable(path.parent)} does not exist")


def _write_report(rec: Recommendation, path: Path) -> Path:
    """Write the Markdown report, or say in one line why it cannot be written there."""
    from fwtui.decide.report import write_report
    from fwtui.errors import FwtuiError
    from fwtui.terminal_text import printable

    path = path.expanduser()
    _check_report_path(path)
    try:
        return write_report(rec, path)
    except OSError as exc:
        raise FwtuiError(f"cannot write the report to {printable(path)}: {exc.strerror or exc}") from None
