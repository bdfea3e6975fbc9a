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
    parser.add_argument(
        "--out", "-o", required=True, help="output directory, or s3://bucket/prefix to push to a fleet store"
    )
    parser.add_argument("--endpoint-url", help="an S3-compatible endpoint (default: $AWS_ENDPOINT_URL)")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from fwtui.store.remote import is_remote_url

    if is_remote_url(args.out):  # a fleet store: the push has its own layout and rules
        from fwtui.commands._fleet import push_export

        return push_export(args)
    from fwtui.store.fleet_read import open_any
    from fwtui.store.importexport import export_database
    from fwtui.terminal_text import printable

    source = open_any(args.db, args.endpoint_url)
    try:
        written = export_database(source.cursor(), Path(args.out), args.format)
    finally:
        source.close()
    for path in written:
        print(printable(path))
    return 0
