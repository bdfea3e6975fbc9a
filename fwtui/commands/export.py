"""`fwtui export`: write the results database out as CSV, Parquet or JSON."""

from __future__ import annotations

import argparse
from typing import Any

FORMATS = ("csv", "parquet", "json")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "export",
        help="export results to CSV, Parquet or JSON",
        description=(
            "Write every table (machines, runs, results, samples) into the directory OUT. Parquet exports are "
            "partitioned by machine, so exports from several machines can be copied into one directory and "
            "browsed (`fwtui DIR`) or imported (`fwtui import DIR`) together."
        ),
    )
    parser.add_argument("--db", help="the database to export (default: the local one)")
    parser.add_argument("--format", "-f", choices=FORMATS, default="parquet", help="default: parquet")
    parser.add_argument("--out", "-o", required=True, help="output directory")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from fwtui.store.browse import open_for_reading
    from fwtui.store.importexport import export_database
    from fwtui.terminal_text import printable

    source = open_for_reading(args.db)
    try:
        written = export_database(source.cursor(), Path(args.out), args.format)
    finally:
        source.close()
    for path in written:
        print(printable(path))
    return 0
