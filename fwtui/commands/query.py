"""`fwtui query`: run a named query or SQL against a results database, read-only."""

from __future__ import annotations

import argparse
from typing import Any

from fwtui import units

FORMATS = ("table", "csv", "json")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "query",
        help="run a named query or SQL on the results (read-only)",
        description=(
            "Run a named query (see `fwtui query` with no argument for the list) or an SQL statement against "
            "the results database. Databases are opened read-only; nothing is changed."
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


def run(args: argparse.Namespace) -> int:
    from fwtui.queries import load_queries, parse_params, run_text
    from fwtui.store.fleet_read import open_any

    if not args.query:
        _print_catalogue(load_queries())
        return 0
    params = parse_params(args.param)
    source = open_any(args.db, args.endpoint_url)
    try:
        result = run_text(source.cursor(), args.query, params)
    finally:
        source.close()
    _emit(result, args.format)
    return 0


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


def _emit(result: Any, fmt: str) -> None:
    import sys

    if fmt == "csv":
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows([_plain(v) for v in row] for row in result.rows)
    elif fmt == "json":
        import json

        rows = [{c: _plain(v) for c, v in zip(result.columns, row, strict=True)} for row in result.rows]
        json.dump(rows, sys.stdout, indent=1, default=str)
        sys.stdout.write("\n")
    else:
        from rich.console import Console
        from rich.markup import escape
        from rich.table import Table

        table = Table(caption=f"{len(result.rows):,} rows")
        for column in result.columns:
            table.add_column(escape(column), overflow="fold")
        for row in result.rows:
            table.add_row(*(escape(_text(v)) for v in row))
        # Piped output has no terminal width to fit: print rows whole rather than folded to 80 columns.
        Console(width=None if sys.stdout.isatty() else 1000).print(table)


def _plain(value: Any) -> Any:
    """JSON/CSV-friendly values: timestamps as ISO text, everything else as DuckDB returns it."""
    from datetime import date, datetime

    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _text(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return units.number(value)
    return str(_plain(value))
