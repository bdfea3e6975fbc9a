"""Reading a fleet store: browse it (DuckDB over the registered fsspec filesystem), or import it.

The one place an ``s3://`` (or ``gs://``, ``az://``) location is resolved for reading by fwtui's own code:
``open_any`` is what ``fwtui export --db`` calls, ``open_remote_source`` what the Results area calls, and
``import_remote`` what ``fwtui import`` calls. Only the files a manifest lists are read (``fleet.py``). User
SQL never runs on these connections: it gets a locked copy of the tables (``fleet_sandbox.py``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from fwtui.errors import UsageError
from fwtui.store.browse import ResultsSource, connect_relations, limit_memory, open_for_reading
from fwtui.store.errors import StoreError
from fwtui.store.fleet import (
    FleetFile,
    FleetListing,
    StoreObjects,
    assemble_listing,
    describe_ignored,
    list_store,
    manifest_paths,
    parse_manifest,
    read_listing,
    read_manifests,
    relation_sql,
)
from fwtui.store.fleet_tables import Bundle, bundled_relation, bundles_wanted, choose_rows, read_bundles
from fwtui.store.importexport import TABLES, ImportReport, import_into, sql_literal
from fwtui.store.remote import RemoteLocation, is_remote_url, open_filesystem, parse_remote, remote_errors

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

    from fwtui.store.store import Store

# The tables every view joins are fetched at open, all at once (many small objects: concurrent requests, not
# one after another), and held in memory; raw samples, the bulk, are read on demand through the filesystem
# registered with DuckDB (a detail view reads one result's samples).
EAGER_TABLES = ("machines", "runs", "results")
FETCH_BATCH = 256


def fleet_listing(location: RemoteLocation, fs: AbstractFileSystem | None = None) -> FleetListing:
    """The checked listing of ``location``; an error when it holds no complete export at all."""
    fs = fs or open_filesystem(location)
    return _complete(location, read_listing(fs, location))


def check_store(location: RemoteLocation) -> None:
    """What ``fwtui s3://...`` checks before the app starts, in one listing: the bucket answers, with these
    credentials, and the prefix holds manifests. The app's open reads them (once, not twice)."""
    fs = open_filesystem(location)
    with remote_errors(location):
        objects = list_store(fs, location)
    if not manifest_paths(objects)[0]:
        raise StoreError(f"{location.url}: no fwtui export here (no manifest)")


def _complete(location: RemoteLocation, listing: FleetListing) -> FleetListing:
    if not listing.of("results"):
        why = describe_ignored(listing)
        raise StoreError(
            f"{location.url}: no fwtui export here (no manifest lists any results)"
            + (f"; {why}" if why else "")
        )
    return listing


def _open_listing(
    fs: AbstractFileSystem, location: RemoteLocation, folder: Path
) -> tuple[FleetListing, list[Bundle]]:
    """The listing as the open reads it: one listing request, then each push's bundle where it has one (its
    manifest otherwise), all fetched at once. A bundle that does not check out is read as its manifest."""
    with remote_errors(location):
        objects = list_store(fs, location)
    wanted, ignored = manifest_paths(objects)
    bundled = bundles_wanted(objects, wanted)
    plain = [p for p in wanted if p not in bundled]
    with remote_errors(location):
        contents: dict[str, bytes] = (
            fs.cat([location.key(p) for p in [*bundled.values(), *plain]]) if wanted else {}
        )
    local: dict[str, str] = {}
    for index, (manifest, bundle) in enumerate(sorted(bundled.items())):
        path = folder / f"bundle-{index:06d}.parquet"
        path.write_bytes(contents[location.key(bundle)])
        local[manifest] = str(path)
    bundles, refused = read_bundles(local)
    listed: dict[str, list[FleetFile] | str] = {}
    for key in plain:
        try:
            listed[key] = parse_manifest(contents[location.key(key)])
        except ValueError as exc:
            listed[key] = str(exc)
    listed.update(read_manifests(fs, location, sorted(refused)))
    ignored += [f"{manifest}: {why}" for manifest, why in sorted(refused.items())]
    listed.update({b.manifest_path: list(b.files) for b in bundles})
    return _complete(location, assemble_listing(listed, objects, ignored)), bundles


@dataclass(frozen=True)
class OpenPlan:
    """What opening a store reads: the listing, the eager files whose rows come from a bundle, and the rest."""

    listing: FleetListing
    bundled: Mapping[str, Bundle]  # eager file path -> the bundle holding its rows
    fetched: tuple[FleetFile, ...]  # eager files read from the store themselves (no bundle holds them)


def plan_open(fs: AbstractFileSystem, location: RemoteLocation, folder: Path) -> OpenPlan:
    """The listing and, for each machines, runs and results file, where its rows are read from."""
    listing, bundles = _open_listing(fs, location, folder)
    eager = [f for f in sorted(listing.files, key=lambda f: f.path) if f.table in EAGER_TABLES]
    chosen = choose_rows(bundles, StoreObjects(listing.sizes, listing.modified), eager)
    return OpenPlan(listing, chosen, tuple(f for f in eager if f.path not in chosen))


def connect_remote(
    location: RemoteLocation, fs: AbstractFileSystem | None = None
) -> tuple[duckdb.DuckDBPyConnection, FleetListing]:
    """An in-memory database over the fleet store: machines, runs and results read once into memory (so
    browsing is as quick as on a local file), from each push's bundle where it still holds a file's rows, else
    from the file; samples read through the filesystem registered with DuckDB."""
    return _connect(location, fs or open_filesystem(location), locked_copy=False, samples=False)


def copy_tables(
    location: RemoteLocation, fs: AbstractFileSystem | None = None, *, samples: bool
) -> tuple[duckdb.DuckDBPyConnection, FleetListing]:
    """An in-memory copy of the store's tables (samples only when ``samples``) with no filesystem registered:
    nothing of it refers to a file or the bucket once it is built (what ``fleet_sandbox`` locks for user SQL)."""
    return _connect(location, fs or open_filesystem(location), locked_copy=True, samples=samples)


def _connect(
    location: RemoteLocation, fs: AbstractFileSystem, *, locked_copy: bool, samples: bool
) -> tuple[duckdb.DuckDBPyConnection, FleetListing]:
    with tempfile.TemporaryDirectory(prefix="fwtui-fleet-") as tmp:
        plan = plan_open(fs, location, Path(tmp))
        try:
            return _connect_planned(fs, location, plan, Path(tmp), locked_copy, samples), plan.listing
        except StoreError:
            if not plan.bundled:
                raise
        # Bundles that pass their checks yet do not read together (written by fwtuis of other schemas):
        # read every file itself, as for an export without bundles.
        eager = tuple(f for f in sorted(plan.listing.files, key=lambda f: f.path) if f.table in EAGER_TABLES)
        unbundled = OpenPlan(plan.listing, {}, eager)
        return _connect_planned(fs, location, unbundled, Path(tmp), locked_copy, samples), plan.listing


def _connect_planned(
    fs: AbstractFileSystem,
    location: RemoteLocation,
    plan: OpenPlan,
    folder: Path,
    locked_copy: bool,
    samples: bool,
) -> duckdb.DuckDBPyConnection:
    copied = sorted(plan.listing.of("samples"), key=lambda f: f.path) if locked_copy and samples else []
    local = fetch_files(fs, location, [*plan.fetched, *copied], folder)
    relations: dict[str, str | None] = {}
    for table in TABLES:
        files = plan.listing.of(table)
        if not files:
            relations[table] = None
        elif table in EAGER_TABLES:
            arms = [bundled_relation(table, plan.bundled)]
            paths = ", ".join(sql_literal(local[f.path]) for f in plan.fetched if f.table == table)
            if paths:
                arms.append(f"read_parquet([{paths}], union_by_name = true, hive_partitioning = false)")
            relations[table] = "(" + " UNION ALL BY NAME ".join(f"SELECT * FROM {a}" for a in arms if a) + ")"
        elif locked_copy:
            paths = ", ".join(sql_literal(local[f.path]) for f in copied if f.table == table)
            relations[table] = (
                f"read_parquet([{paths}], union_by_name = true, hive_partitioning = false)" if paths else None
            )
        else:
            relations[table] = relation_sql(location, files)

    def prepare(con: duckdb.DuckDBPyConnection) -> None:
        con.register_filesystem(fs)

    with remote_errors(location):
        if locked_copy:  # every table in memory: nothing refers to a file once the folder is gone
            return connect_relations(relations, location.url, materialise=TABLES)
        return connect_relations(relations, location.url, prepare=prepare, materialise=EAGER_TABLES)


def fetch_files(
    fs: AbstractFileSystem, location: RemoteLocation, files: list[FleetFile], folder: Path
) -> dict[str, str]:
    """Fetch ``files`` into ``folder``, many requests at a time; each file's local path by its store path."""
    local: dict[str, str] = {}
    with remote_errors(location):
        for start in range(0, len(files), FETCH_BATCH):
            batch = files[start : start + FETCH_BATCH]
            contents = fs.cat([location.key(f.path) for f in batch])
            for item in batch:
                path = folder / f"{len(local):06d}.parquet"
                path.write_bytes(contents[location.key(item.path)])
                local[item.path] = str(path)
    return local


def open_remote_source(location: RemoteLocation) -> ResultsSource:
    """The fleet store as a read-only Results source."""
    from fwtui.store.fleet_sandbox import open_fleet_sandbox

    con, _ = connect_remote(location)
    # Typed SQL never runs on ``con`` (it has the store's filesystem registered): it gets a locked copy.
    source = ResultsSource(
        Path(location.key()),
        "object store",
        False,
        lambda: con,
        con.close,
        stored=True,
        sandbox_factory=lambda samples: open_fleet_sandbox(location, samples=samples),
    )
    limit_memory(con)
    return source


def open_any(db: str | None, endpoint_url: str | None = None) -> ResultsSource:
    """What a read-only command works on: a fleet store URL, a database or Parquet directory, or the local one."""
    if db is not None and is_remote_url(db):
        return open_remote_source(parse_remote(db, endpoint_url))
    if endpoint_url:
        raise UsageError("--endpoint-url applies to s3:// locations only")
    return open_for_reading(db)


def import_remote(
    store: Store, location: RemoteLocation, *, source_label: str | None = "import"
) -> ImportReport:
    """Merge the fleet store into ``store``: the listed files are fetched, then imported like a local export."""
    fs = open_filesystem(location)
    listing = fleet_listing(location, fs)
    with tempfile.TemporaryDirectory(prefix="fwtui-import-") as tmp:
        local: list[str] = []
        remote: list[str] = []
        for index, item in enumerate(sorted(listing.files, key=lambda f: f.path)):
            # A flat layout: the machine is a column of every file, not read from the folder name.
            folder = Path(tmp) / item.table
            folder.mkdir(exist_ok=True)
            local.append(str(folder / f"{index:06d}.parquet"))
            remote.append(location.key(item.path))
        with remote_errors(location, "cannot fetch the fleet store"):
            fs.get(remote, local)
        try:
            return import_into(store, Path(tmp), source_label=source_label)
        except StoreError as exc:  # the message names the fetched copy; name the store instead
            raise StoreError(str(exc).replace(tmp, location.url)) from None
