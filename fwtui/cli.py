"""The ``fwtui`` command: the TUI with no sub-command, headless sub-commands otherwise."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from fwtui import __version__
from fwtui.commands import COMMANDS, load
from fwtui.errors import FwtuiError

_DESCRIPTION = (
    "Which framework - PyTorch, TensorFlow, JAX or ONNX Runtime - on this hardware, for this job. "
    "With no command, opens the terminal app (on DATABASE when given)."
)


class OneLineParser(argparse.ArgumentParser):
    """Bad usage is one line (which argument, what was wrong, where help is) and exit status 2."""

    def error(self, message: str) -> NoReturn:
        from fwtui.terminal_text import printable

        self.exit(2, f"{self.prog}: {printable(message, newlines=False)} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="fwtui", description=_DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"fwtui {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    for name in COMMANDS:
        module = load(name)
        module.register(sub)
    return parser


def build_app_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="fwtui",
        description=_DESCRIPTION,
        epilog="commands: " + ", ".join(COMMANDS) + " (fwtui COMMAND --help for each)",
    )
    parser.add_argument("--version", action="version", version=f"fwtui {__version__}")
    parser.add_argument(
        "database",
        nargs="?",
        help="a results database (.duckdb, opened read-only), a directory of Parquet exports, or a fleet store "
        "(s3://bucket/prefix) to browse",
    )
    parser.add_argument(
        "--endpoint-url", help="an S3-compatible endpoint for s3:// (default: $AWS_ENDPOINT_URL)"
    )
    parser.add_argument(
        "--db", dest="db", help="the read-write results database (default: $FWTUI_DB or the data directory)"
    )
    return parser


def _fail(message: str, code: int) -> int:
    from fwtui.terminal_text import printable

    print(f"fwtui: {printable(message)}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        if args_list and args_list[0] in COMMANDS:
            parser = build_parser()
            args = parser.parse_args(args_list)
            return int(load(args.command).run(args) or 0)
        if args_list and args_list[0] in ("-h", "--help"):
            build_parser().print_help()
            return 0
        app_args = build_app_parser().parse_args(args_list)
        return _run_app(app_args)
    except FwtuiError as exc:
        return _fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except BrokenPipeError:
        # `fwtui query ... | head` closes stdout early; that is not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # a bug, or input nothing checked: one line still (FWTUI_TRACEBACK=1 shows it)
        if os.environ.get("FWTUI_TRACEBACK"):
            raise
        text = str(exc).strip().splitlines()
        return _fail(f"unexpected error: {type(exc).__name__}: {text[0] if text else ''}", 1)


def _run_app(args: argparse.Namespace) -> int:
    database = args.database
    from fwtui.store.remote import is_remote_url

    if is_remote_url(database):
        return _run_app_on_store(database, args)
    if args.endpoint_url:
        return _fail("--endpoint-url applies to s3:// locations only", 2)
    if database is not None and not os.path.exists(database):
        if os.sep not in database and "." not in database:
            return _fail(f"unknown command {database!r} (commands: {', '.join(COMMANDS)})", 2)
        return _fail(f"no such database or directory: {database}", 1)
    if database is not None and os.path.isfile(database):
        _check_readable(database)
    from screens.launch import run_app  # the only place fwtui/ reaches into the UI layer

    return run_app(database=database, db=args.db)


def _run_app_on_store(url: str, args: argparse.Namespace) -> int:
    """Browse a fleet store; a missing bucket, bad credentials or no export is said before the app starts."""
    from fwtui.store.fleet_read import check_store
    from fwtui.store.remote import parse_remote

    location = parse_remote(url, args.endpoint_url)
    check_store(location)
    from screens.launch import run_app

    return run_app(remote=location, db=args.db)


def _check_readable(database: str) -> None:
    """Refuse a file that is not a readable results database before the app starts, in one line."""
    from fwtui.store import open_store

    open_store(database, read_only=True).close()  # raises StoreError (a FwtuiError) with the reason


if __name__ == "__main__":
    sys.exit(main())
