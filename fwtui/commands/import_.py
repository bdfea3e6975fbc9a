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
            "database. Rows already present (same ids) are skipped, so importing twice adds nothing."
        ),
    )
    parser.add_argument("path", help="a results database or a Parquet export directory")
    parser.add_argument("--db", help="the database to merge into (default: the local one)")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from fwtui.paths import default_db_path
    from fwtui.store import open_store
    from fwtui.store.importexport import import_into
    from fwtui.terminal_text import printable

    target = Path(args.db).expanduser() if args.db else default_db_path()
    with open_store(target) as store:
        report = import_into(store, Path(args.path))
    print(printable(f"imported {args.path} into {target}: {report.summary()}"))
    return 0
