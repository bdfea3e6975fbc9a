"""One object per push holding what opening a fleet store needs, so the open reads one object per push.

Layout: ``_tables/<pusher>/<digest>.parquet`` beside the push's manifest ``_manifests/<pusher>/<digest>.json``
(the same pusher and digest). Its rows are of two kinds:

- one **entry** per file the manifest lists: ``_fleet_path``, ``_fleet_rows`` (as in the manifest) and
  ``_fleet_bytes``, the file's size as this push uploaded it, or NULL when the push did not upload it;
- the **rows** of every machines, runs and results file the push uploaded: ``_fleet_path`` and one struct
  column named after the table (the file's row, as a struct).

Why this is safe to read instead of the data files:
- It is written after the push's data files and before its manifest, and read only for a manifest that is
  there, so a push stopped half-way is as invisible as before.
- It names the manifest it belongs to by digest; a reader recomputes the digest from its entries and ignores a
  bundle that does not match (then reads the manifest and the files, as for an export without bundles).
- Its rows for a file are used only while that file is still what the push uploaded: the same size, and not
  written after the bundle. A later push that replaces the file (only its own machine's push can) writes its
  own bundle; anything else is read from the file itself. Nothing else changes: every data file is still
  written, so older readers, ``fwtui import`` and the SQL sandbox read the store as before.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from fwtui.store.fleet import (
    MANIFEST_DIR,
    FleetFile,
    Manifest,
    StoreObjects,
    parse_data_path,
)
from fwtui.store.importexport import sql_literal

TABLES_DIR = "_tables"
BUNDLED_TABLES = ("machines", "runs", "results")
MAX_BUNDLE_BYTES = 256 * 2**20
_MANIFEST_NAME = re.compile(f"^{MANIFEST_DIR}/(.+)\\.json$")


def bundle_path(manifest_path: str) -> str:
    """Where the bundle of the manifest at ``manifest_path`` is (``_manifests/p/d.json`` -> ``_tables/p/d.parquet``)."""
    match = _MANIFEST_NAME.match(manifest_path)
    if match is None:
        raise ValueError(f"not a manifest path: {manifest_path}")
    return f"{TABLES_DIR}/{match.group(1)}.parquet"


def write_bundle(manifest: Manifest, uploaded: list[tuple[FleetFile, Path]], out: Path) -> Path:
    """Write ``manifest``'s bundle to ``out``: an entry per listed file, and the rows of the uploaded ones."""
    carried = {item.path: local for item, local in uploaded if item.table in BUNDLED_TABLES}
    entries = ", ".join(
        f"({sql_literal(f.path)}, {f.rows}, {carried[f.path].stat().st_size if f.path in carried else 'NULL'})"
        for f in sorted(manifest.files, key=lambda f: f.path)
    )
    parts = [
        "SELECT _fleet_path, CAST(_fleet_rows AS BIGINT) AS _fleet_rows, CAST(_fleet_bytes AS BIGINT) "
        f"AS _fleet_bytes FROM (VALUES {entries}) v(_fleet_path, _fleet_rows, _fleet_bytes)"
    ]
    for table in BUNDLED_TABLES:
        files = sorted((str(local), path) for path, local in carried.items() if path.startswith(f"{table}/"))
        if files:  # one read of the table's files, each row tagged with its file's path in the store
            sources = ", ".join(f"({sql_literal(local)}, {sql_literal(path)})" for local, path in files)
            parts.append(
                f"SELECT m._fleet_path, struct_pack(*COLUMNS(t.* EXCLUDE (_fleet_source))) AS {table} "
                f"FROM read_parquet([{', '.join(sql_literal(local) for local, _ in files)}], "
                "filename = '_fleet_source', union_by_name = true, hive_partitioning = false) t "
                f"JOIN (VALUES {sources}) m(_fleet_local, _fleet_path) ON m._fleet_local = t._fleet_source"
            )
    con = duckdb.connect()
    try:
        con.execute(f"COPY ({' UNION ALL BY NAME '.join(parts)}) TO {sql_literal(str(out))} (FORMAT parquet)")
    finally:
        con.close()
    return out


@dataclass(frozen=True)
class Bundle:
    """A fetched bundle whose entries match its manifest: the files it lists, and those whose rows it holds."""

    manifest_path: str
    local: str
    files: tuple[FleetFile, ...]
    carried: Mapping[str, int]  # data file path -> its size when this push uploaded it


def bundles_wanted(objects: StoreObjects, manifest_paths: list[str]) -> dict[str, str]:
    """For each manifest with a bundle of a sane size beside it: its bundle's path."""
    wanted = {}
    for path in manifest_paths:
        bundle = bundle_path(path)
        if 0 < objects.sizes.get(bundle, 0) <= MAX_BUNDLE_BYTES:
            wanted[path] = bundle
    return wanted


def read_bundles(local: Mapping[str, str]) -> tuple[list[Bundle], dict[str, str]]:
    """Check fetched bundles (manifest path -> local file): the bundles that hold, and why each other does not.

    One query over all of them; only when one of them cannot be read is each read on its own."""
    con = duckdb.connect()
    try:
        by_file = {file: manifest for manifest, file in local.items()}
        try:
            rows = (
                con.execute(
                    "SELECT filename, _fleet_path, _fleet_rows, _fleet_bytes FROM read_parquet(?, filename = true, "
                    "union_by_name = true) WHERE _fleet_rows IS NOT NULL",
                    [sorted(by_file)],
                ).fetchall()
                if by_file
                else []
            )
            entries: dict[str, list[tuple[object, ...]]] = {file: [] for file in by_file}
            for file, *entry in rows:
                entries[file].append(tuple(entry))
        except duckdb.Error:
            entries = {}
            for file in sorted(by_file):
                with contextlib.suppress(duckdb.Error):
                    entries[file] = con.execute(
                        "SELECT _fleet_path, _fleet_rows, _fleet_bytes FROM read_parquet(?) WHERE _fleet_rows IS NOT NULL",
                        [file],
                    ).fetchall()
    finally:
        con.close()
    bundles, refused = [], {}
    for file, manifest in sorted(by_file.items(), key=lambda item: item[1]):
        try:
            if file not in entries:
                raise ValueError("unreadable")
            bundles.append(_checked(manifest, file, entries[file]))
        except ValueError:
            refused[manifest] = "its bundle does not check out, read without it"
    return bundles, refused


def _checked(manifest_path: str, file: str, entries: list[tuple[object, ...]]) -> Bundle:
    files, carried = [], {}
    for path, rows, size in entries:
        item = parse_data_path(path, rows)
        files.append(item)
        if isinstance(size, int) and size > 0 and item.table in BUNDLED_TABLES:
            carried[item.path] = size
    pusher = manifest_path.split("/")[1]
    if Manifest(pusher, tuple(files)).path != manifest_path:
        raise ValueError("its entries are not its manifest's")
    return Bundle(manifest_path, file, tuple(files), carried)


def choose_rows(bundles: list[Bundle], objects: StoreObjects, files: list[FleetFile]) -> dict[str, Bundle]:
    """For each of ``files`` whose rows a bundle still holds: that bundle (the newest one that fits).

    A bundle's rows stand for a file while the file is what its push uploaded: the same size, not written after
    the bundle (only the file's own machine ever replaces it, and that push writes a newer bundle)."""
    holders: dict[str, list[Bundle]] = {}  # data file path -> the bundles holding its rows, newest first
    for bundle in sorted(
        bundles, key=lambda b: objects.modified.get(bundle_path(b.manifest_path), 0.0), reverse=True
    ):
        for path in bundle.carried:
            holders.setdefault(path, []).append(bundle)
    chosen: dict[str, Bundle] = {}
    for item in files:
        written = objects.modified.get(item.path)
        for bundle in holders.get(item.path, []):
            if bundle.carried[item.path] != objects.sizes.get(item.path):
                continue
            when = objects.modified.get(bundle_path(bundle.manifest_path))
            if written is not None and when is not None and written > when:
                continue
            chosen[item.path] = bundle
            break
    return chosen


def bundled_relation(table: str, chosen: Mapping[str, Bundle]) -> str | None:
    """A relation over the rows the chosen bundles hold for ``table``'s files, or None when they hold none.

    One ``read_parquet`` over the bundles, each row kept only where its bundle is the one chosen for its file."""
    picked = sorted((bundle.local, path) for path, bundle in chosen.items() if path.startswith(f"{table}/"))
    if not picked:
        return None
    files = ", ".join(sql_literal(f) for f in sorted({local for local, _ in picked}))
    keys = ", ".join(sql_literal(f"{local}|{path}") for local, path in picked)
    return (
        f"(SELECT unnest({table}) FROM read_parquet([{files}], filename = true, union_by_name = true) "
        f"WHERE {table} IS NOT NULL AND filename || '|' || _fleet_path IN ({keys}))"
    )
