"""`fwtui import`: merge another results database or a Parquet export directory into the local one."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "import",
        help="merge another results database or Parquet export into the local one",
        description=(
            "Merge PATH (a .duckdb results database or a directory of Parquet exports) into the local "
            "database. Rows already present (same ids) are skipped, so importing twice adds nothing. Every "
            "imported result's flags are recomputed from its samples; the flagged ones are listed."
        ),
    )
    parser.add_argument(
        "path", help="a results database, a Parquet export directory, or a fleet store (s3://bucket/prefix)"
    )
    parser.add_argument("--db", help="the database to merge into (default: the local one)")
    parser.add_argument("--endpoint-url", help="an S3-compatible endpoint (default: $AWS_ENDPOINT_URL)")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from fwtui.commands._fleet import import_location
    from fwtui.paths import default_db_path
    from fwtui.store import open_store
    from fwtui.store.importexport import import_into
    from fwtui.store.revalidate import describe
    from fwtui.terminal_text import printable

    remote = import_location(args)  # None unless PATH is a fleet store URL
    target = Path(args.db).expanduser() if args.db else default_db_path()
    with open_store(target) as store:
        if remote is not None:
            from fwtui.store.fleet_read import import_remote

            report = import_remote(store, remote)
        else:
            report = import_into(store, Path(args.path))
    print(printable(f"imported {args.path} into {target}: {report.summary()}"))
    for line in describe(report.revalidated):  # names come from the imported file: untrusted
        print(f"  {printable(line)}")
    return 0
