"""`fwtui query`: run a named query or SQL against a results database, in the locked SQL sandbox.

Rows stream from DuckDB in chunks and printing stops at ``--limit``: a billion-row answer never sits in
memory, and DuckDB answers under a small memory cap first (``sandbox.STREAMING``), so the blocks it reads
are not all kept cached. Text from the database is shown escaped in table and CSV output
(``fwtui.terminal_text``); JSON output is exact, its encoder escapes control characters itself.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from fwtui import units
from fwtui.terminal_text import printable

if TYPE_CHECKING:
    import duckdb

    from fwtui.store.sandbox import Budget

FORMATS = ("table", "csv", "json")
DEFAULT_LIMIT = 10_000


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "query",
        help="run a named query or SQL on the results (read-only)",
        description=(
            "Run a named query (see `fwtui query` with no argument for the list) or one read-only SQL "
            "statement against the results database. SQL may read fwtui's tables only (no files, settings "
            "or other databases); nothing is changed."
        ),
    )
    parser.add_argument("query", nargs="?", help="a query name (leaderboard, speedup, ...) or SQL text")
    parser.add_argument(
        "--db",
        help="a results database, Parquet export directory or fleet store (s3://bucket/prefix); default: the local one",
    )
    parser.add_argument("--endpoint-url", help="an S3-compatible endpoint (default: $AWS_ENDPOINT_URL)")
    parser.add_argument(
        "--param",
        "-p",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a query parameter (repeatable)",
    )
    parser.add_argument(
        "--format", "-f", choices=FORMATS, default="table", help="output format (default: table)"
    )
    parser.add_argument(
        "--limit",
        type=_limit,
        default=DEFAULT_LIMIT,
        help=f"print at most this many rows (default: {DEFAULT_LIMIT:,}; 0: all, streamed, csv/json only)",
    )


def _budgets(db: str | None) -> tuple[Budget | None, ...]:
    """The memory budgets to try in turn. A fleet store's tables are copied into the engine's memory, so it
    gets the one roomy cap (None); a database or Parquet directory streams under a small one first."""
    from fwtui.store.remote import is_remote_url
    from fwtui.store.sandbox import ROOMY, STREAMING

    return (None,) if db is not None and is_remote_url(db) else (STREAMING, ROOMY)


def _open_sandbox(
    db: str | None, endpoint_url: str | None, text: str, budget: Budget | None
) -> duckdb.DuckDBPyConnection:
    """The locked engine the query runs in: on a fleet store, a copy of its tables made by fwtui's own reads
    (``fleet_sandbox``); on a database or Parquet directory, ``sandbox.open_sandbox`` under ``budget``."""
    from fwtui.errors import UsageError
    from fwtui.store.remote import is_remote_url, parse_remote

    if db is not None and is_remote_url(db):
        from fwtui.store.fleet_sandbox import needs_samples, open_fleet_sandbox

        return open_fleet_sandbox(parse_remote(db, endpoint_url), samples=needs_samples(text))
    if endpoint_url:
        raise UsageError("--endpoint-url applies to s3:// locations only")
    from fwtui.store.browse import query_path
    from fwtui.store.sandbox import ROOMY, open_sandbox

    return open_sandbox(query_path(db), budget or ROOMY)


def _limit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of rows, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("expected 0 (all rows) or more")
    return value


def run(args: argparse.Namespace) -> int:
    from fwtui.errors import UsageError
    from fwtui.queries import load_queries, looks_like_name, parse_params
    from fwtui.store.sql_gate import check_sql

    if args.query is None:
        _print_catalogue(load_queries())
        return 0
    if args.format == "table" and args.limit == 0:
        raise UsageError("--limit 0 (every row) streams csv or json only; a table needs a limit")
    params = parse_params(args.param)
    if not looks_like_name(args.query):
        check_sql(args.query)  # refused before any database is opened
    if _print_answer(args, params):
        import sys

        print(f"fwtui: stopped at --limit {args.limit:,} rows; more rows follow", file=sys.stderr)
    return 0


def _print_answer(args: argparse.Namespace, params: dict[str, str]) -> bool:
    """Print the answer; returns whether rows beyond ``--limit`` remain.

    A budget that runs out of memory before the first row (nothing printed yet) gives way to the next one.
    """
    import itertools

    from fwtui.store.errors import OutOfMemory
    from fwtui.store.sandbox import stream_query

    budgets = _budgets(args.db)
    for attempt, budget in enumerate(budgets, start=1):
        con = _open_sandbox(args.db, args.endpoint_url, args.query, budget)
        printing = False
        try:
            with stream_query(con, args.query, params, shared_handle=False) as answer:
                rows = _limited(answer.chunks, args.limit)
                head = list(itertools.islice(rows, 1))  # a sort or a join runs (or runs out) before this row
                printing = True
                _emit(answer.columns, itertools.chain(head, rows), args.format, args.limit)
                return bool(args.limit) and next(rows, None) is not None
        except OutOfMemory:
            if printing or attempt == len(budgets):
                raise
        finally:
            con.close()
    raise AssertionError("no memory budget to answer with")  # budgets is never empty


def _limited(chunks: Iterator[list[tuple[Any, ...]]], limit: int) -> Iterator[tuple[Any, ...]]:
    """Rows one by one; after ``limit`` of them the iterator yields one more only to say there are more."""
    count = 0
    for chunk in chunks:
        for row in chunk:
            yield row
            count += 1
            if limit and count > limit:
                return


def _print_catalogue(queries: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="named queries (fwtui query NAME [--param KEY=VALUE])")
    for column in ("name", "parameters", "description"):
        table.add_column(column)
    for name, query in sorted(queries.items()):
        params = ", ".join(f"{k}={v!r}" if v else k for k, v in query.params.items())
        table.add_row(name, params, query.description)
    Console().print(table)


def _emit(columns: tuple[str, ...], rows: Iterator[tuple[Any, ...]], fmt: str, limit: int) -> int:
    """Print rows until the limit (the iterator's one extra row is left unread); returns how many."""
    import itertools
    import sys

    count = 0

    def counted() -> Iterator[tuple[Any, ...]]:
        nonlocal count
        for row in rows:
            count += 1
            yield row

    body = itertools.islice(counted(), limit) if limit else counted()
    if fmt == "csv":
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow([printable(c) for c in columns])
        for row in body:
            writer.writerow([_csv_value(v) for v in row])
    elif fmt == "json":
        import json

        sys.stdout.write("[")
        for i, row in enumerate(body):
            record = {c: _plain(v) for c, v in zip(columns, row, strict=True)}
            sys.stdout.write(("," if i else "") + "\n " + json.dumps(record, default=str))
        sys.stdout.write("\n]\n")
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table()
        for column in columns:
            table.add_column(printable(column, newlines=False), overflow="fold")
        for row in body:
            table.add_row(*(_text(v) for v in row))
        table.caption = f"{count:,} rows"
        # Piped output has no terminal width to fit: print rows whole rather than folded to 80 columns.
        Console(width=None if sys.stdout.isatty() else 1000, markup=False, emoji=False).print(table)
    return count


def _plain(value: Any) -> Any:
    """JSON/CSV-friendly values: timestamps as ISO text, everything else as DuckDB returns it."""
    from datetime import date, datetime

    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _csv_value(value: Any) -> Any:
    value = _plain(value)
    return printable(value) if isinstance(value, str) else value


def _text(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return units.number(value)
    return printable(str(_plain(value)), newlines=False)
