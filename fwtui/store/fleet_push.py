"""The push: a database's measured results written to a fleet store (the layout is in ``fleet.py``).

Data files first, then the push's bundle (``fleet_tables.py``), then its manifest, which makes it visible.
"""

from __future__ import annotations

import tempfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from fwtui.store.errors import StoreError
from fwtui.store.fleet import NAME_PATTERN, SAFE_NAME, FleetFile, Manifest, list_objects
from fwtui.store.fleet_tables import bundle_path, write_bundle
from fwtui.store.importexport import TABLES, export_database, sql_literal
from fwtui.store.remote import RemoteLocation, open_filesystem, remote_errors
from fwtui.store.store import first_line
from fwtui.terminal_text import printable

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

_PUSHED = "source IS DISTINCT FROM 'sample' AND source IS DISTINCT FROM 'external'"
# What each table contributes to a push, with the partition (machine) and file name of each row.
_RUN_FILE = (
    f"CASE WHEN regexp_full_match(run_id, '{NAME_PATTERN}') THEN run_id "
    "ELSE 'r-' || left(sha256(coalesce(run_id, '')), 16) END"
)
_PUSH_SELECTS: dict[str, str] = {
    "machines": f"SELECT *, 'machine' AS _fleet_file FROM machines WHERE {_PUSHED}",
    "runs": f"SELECT *, {_RUN_FILE} AS _fleet_file FROM runs WHERE {_PUSHED}",
    "results": f"SELECT *, {_RUN_FILE} AS _fleet_file FROM results WHERE {_PUSHED}",
    "samples": (
        f"SELECT s.result_id, s.seq, s.ms, r.machine_id, r.run_id, {_RUN_FILE.replace('run_id', 'r.run_id')} "
        f"AS _fleet_file FROM samples s JOIN results r USING (result_id) WHERE r.{_PUSHED.replace(' AND ', ' AND r.')}"
    ),
}


@dataclass(frozen=True)
class PushReport:
    location: str
    manifest: str
    uploaded: tuple[str, ...]  # data files written by this push
    kept: tuple[str, ...]  # data files already there (the same push before, or another machine's)
    already_pushed: bool  # the same manifest was there: this push made nothing new visible
    skipped_rows: int  # rows of machines whose id cannot be a file name

    def summary(self) -> str:
        if self.already_pushed:
            return f"{self.location}: already pushed, nothing new ({len(self.kept)} files in {self.manifest})"
        return (
            f"{self.location}: {len(self.uploaded)} files uploaded, {len(self.kept)} already there; "
            f"visible through {self.manifest}"
        )


def _write_local(con: duckdb.DuckDBPyConnection, out: Path) -> tuple[list[tuple[FleetFile, Path]], int]:
    """Write each table's pushed rows as one Parquet file per machine and run under ``out``."""
    written: list[tuple[FleetFile, Path]] = []
    skipped = 0
    for table in TABLES:
        select = _PUSH_SELECTS[table]
        safe = f"regexp_full_match(machine_id, '{NAME_PATTERN}')"
        row = con.execute(
            f"SELECT count(*) FILTER (WHERE NOT coalesce({safe}, false)) FROM ({select})"
        ).fetchone()
        skipped += int(row[0]) if row else 0
        groups = con.execute(
            f"SELECT machine_id, _fleet_file, count(*) FROM ({select}) WHERE {safe} GROUP BY ALL"
        ).fetchall()
        if not groups:
            continue
        target = out / table
        con.execute(
            f"COPY (SELECT * EXCLUDE (_fleet_file), machine_id AS _fleet_machine, _fleet_file FROM ({select}) "
            f"WHERE {safe}) TO {sql_literal(str(target))} "
            "(FORMAT parquet, PARTITION_BY (_fleet_machine, _fleet_file), OVERWRITE_OR_IGNORE)"
        )
        for machine, name, rows in groups:
            folder = target / f"_fleet_machine={machine}" / f"_fleet_file={name}"
            parts = sorted(folder.glob("*.parquet"))
            if len(parts) != 1:
                raise StoreError(
                    f"unexpected local layout for {table} of {machine}/{name}: {len(parts)} files"
                )
            written.append((FleetFile(table, str(machine), str(name), int(rows)), parts[0]))
    return written, skipped


def _stage(con: duckdb.DuckDBPyConnection, folder: Path) -> tuple[list[tuple[FleetFile, Path]], int]:
    """The push's files, written locally: first the database exported by ``export_database`` (streaming,
    bounded memory, atomic: the same code as a local export), then that export split into the fleet
    layout's one file per table, machine and run. Only the second step's files are uploaded."""
    from fwtui.store.browse import connect_parquet

    exported = folder / "export"
    export_database(con, exported, "parquet")
    staged = connect_parquet(exported)
    try:
        (folder / "fleet").mkdir()
        return _write_local(staged, folder / "fleet")
    except duckdb.Error as exc:
        raise StoreError(
            f"cannot prepare the push: {printable(first_line(exc), newlines=False, limit=300)}"
        ) from None
    finally:
        staged.close()


def _own_machines(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "SELECT machine_id FROM machines WHERE source = 'local' ORDER BY last_seen DESC NULLS LAST"
    )
    return [str(r[0]) for r in rows.fetchall() if r[0] is not None and SAFE_NAME.match(str(r[0]))]


def push(
    con: duckdb.DuckDBPyConnection,
    location: RemoteLocation,
    fs: AbstractFileSystem | None = None,
    *,
    own_machines: Collection[str] | None = None,
) -> PushReport:
    """Push the database's measured results to ``location``: data files first, then the manifest.

    ``own_machines`` are the machines whose files this push may replace (default: those the database
    measured itself); every other machine's files are only added where missing."""
    fs = fs or open_filesystem(location)
    own = set(_own_machines(con) if own_machines is None else own_machines)
    with tempfile.TemporaryDirectory(prefix="fwtui-push-") as tmp:
        files, skipped = _stage(con, Path(tmp))
        if not any(f.table == "results" for f, _ in files):
            raise StoreError("nothing to push: the database holds no measured results")
        manifest = Manifest(sorted(own)[0] if own else "shared", tuple(f for f, _ in files))
        with remote_errors(location, "push failed"):
            existing = list_objects(fs, location)
            upload, kept = [], []
            for item, local in files:
                there = existing.get(item.path)
                # Only this machine's own partitions are ever replaced; a file of the same size is the same push.
                if there is None or (item.machine_id in own and there != local.stat().st_size):
                    upload.append((item, local))
                else:
                    kept.append(item.path)
            if upload:
                fs.put([str(local) for _, local in upload], [location.key(item.path) for item, _ in upload])
            already = manifest.path in existing and not upload
            if manifest.path not in existing or upload:
                # What opening the store reads instead of this push's files, then the manifest: last, it
                # makes the push visible (fleet_tables.py).
                bundle = write_bundle(manifest, upload, Path(tmp) / "bundle.parquet")
                fs.put_file(str(bundle), location.key(bundle_path(manifest.path)))
                fs.pipe(location.key(manifest.path), manifest.to_json().encode())
    return PushReport(
        location.url,
        manifest.path,
        tuple(item.path for item, _ in upload),
        tuple(kept),
        already,
        skipped,
    )
