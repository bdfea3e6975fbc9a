"""What `fwtui export --out s3://...` and `fwtui import s3://...` add to those commands (not a command itself)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from fwtui.errors import UsageError

if TYPE_CHECKING:
    from fwtui.store.remote import RemoteLocation


def push_export(args: argparse.Namespace) -> int:
    """Push the database (``--db``, else the local one) to the fleet store ``--out``."""
    from fwtui.store.fleet_push import push
    from fwtui.store.fleet_read import open_any
    from fwtui.store.remote import is_remote_url, parse_remote

    if args.format != "parquet":
        raise UsageError(f"a fleet store holds Parquet; --format {args.format} cannot go to {args.out}")
    location = parse_remote(args.out, args.endpoint_url)
    from_store = args.db is not None and is_remote_url(args.db)
    source = open_any(args.db, args.endpoint_url if from_store else None)
    try:
        # Rows read from another fleet store are nobody's own here: they never replace a file.
        report = push(source.cursor(), location, own_machines=() if from_store else None)
    finally:
        source.close()
    if report.skipped_rows:
        print(
            f"fwtui: {report.skipped_rows} rows left out: their machine id cannot be a file name",
            file=sys.stderr,
        )
    print(report.summary())
    return 0


def import_location(args: argparse.Namespace) -> RemoteLocation | None:
    """The fleet store ``fwtui import`` was given, or None for a local path."""
    from fwtui.store.remote import is_remote_url, parse_remote

    if is_remote_url(args.path):
        return parse_remote(args.path, args.endpoint_url)
    if args.endpoint_url:
        raise UsageError("--endpoint-url applies to s3:// locations only")
    return None
