"""A fleet store for user SQL: a locked in-memory copy of its tables, built by fwtui's own reads.

The browse connection on a fleet store (``fleet_read.connect_remote``) has the store's fsspec filesystem
registered with DuckDB, since its samples are read on demand from the bucket; user SQL must never run there,
or ``read_parquet('s3://bucket/anything')`` would read any object the credentials reach. So typed SQL (the
Results console, ``fwtui query --db s3://...``) runs in a separate engine instead:

1. fwtui lists the store and keeps only the files its checked manifests list, fetches each push's checked
   bundle and the files no bundle holds into a temporary directory with its own filesystem object
   (``fleet_read.copy_tables``, the same reads as the browse), and reads them into in-memory tables of the
   current schema (known columns only, each cast to its type: ``browse.connect_relations``);
2. the temporary files are removed, no filesystem is ever registered on this engine, and it is locked
   exactly like every other sandbox (``sandbox.lock_down``: no file or network access, no extensions,
   configuration locked).

User SQL then meets the same gate and the same locked engine as on a local database; what it can read is
the copy, nothing else. Raw samples are the bulk of a store, so they are copied only when the statement
could read them (:func:`needs_samples`, a deliberate over-approximation: copying too much costs time only).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from fwtui.store.remote import RemoteLocation, open_filesystem

if TYPE_CHECKING:
    import duckdb
    from fsspec import AbstractFileSystem


_SAMPLES = re.compile(r"\bsamples\b", re.IGNORECASE)  # the table, not throughput_samples_per_s


def needs_samples(text: str) -> bool:
    """Could ``text`` (user SQL or a query name) read the samples table? True whenever it names it at all."""
    from fwtui.queries import get_query, looks_like_name

    if looks_like_name(text):
        try:
            text = get_query(text.strip()).sql
        except Exception:  # an unknown name fails later, with its own message
            return False
    return bool(_SAMPLES.search(text))


def open_fleet_sandbox(
    location: RemoteLocation, *, samples: bool, fs: AbstractFileSystem | None = None
) -> duckdb.DuckDBPyConnection:
    """A locked engine holding the fleet store's tables (samples only when ``samples``)."""
    from fwtui.store.fleet_read import copy_tables
    from fwtui.store.sandbox import lock_down

    con, _ = copy_tables(location, fs or open_filesystem(location), samples=samples)
    try:
        lock_down(con)
    except BaseException:
        con.close()
        raise
    return con
