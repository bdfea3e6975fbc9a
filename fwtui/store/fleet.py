"""A fleet's results under one object-storage prefix: the layout, the manifests, and reading them
(the push is in ``fleet_push.py``, the bundles the open reads in ``fleet_tables.py``).

Layout under ``scheme://bucket/prefix``::

    <table>/machine_id=<machine>/<run>.parquet      one file per table, machine and run (machines: machine.parquet)
    _tables/<pusher>/<digest>.parquet               what opening the store reads of that push (fleet_tables.py)
    _manifests/<pusher>/<digest>.json               what one push made visible, written after its data files

Why this shape:
- **One machine never rewrites another's files.** A push replaces files only in the partitions of the
  machines its database measured (``machines.source = 'local'``); another machine's rows it holds (imported
  ones) are uploaded only where that file is missing.
- **A repeated push is idempotent.** File names come from the machine and the run, and the manifest's name
  from what it lists, so pushing the same data again writes nothing new.
- **A partial upload is never a complete export.** Readers read only the files some manifest lists, and a
  manifest is uploaded last; a push stopped half-way leaves files no reader sees (the next push reuses them).

Everything read back from a bucket is untrusted: manifests are checked field by field, paths must have the
layout's shape, and nothing stored is ever executed. Sample and external reference rows are never pushed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from fwtui import __version__
from fwtui.store.importexport import TABLES, sql_literal
from fwtui.store.remote import RemoteLocation, remote_errors
from fwtui.terminal_text import printable

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

FORMAT = "fwtui-fleet"
FORMAT_VERSION = 1
MANIFEST_DIR = "_manifests"
MAX_MANIFEST_BYTES = 16 * 2**20
NAME_PATTERN = "[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}"
SAFE_NAME = re.compile(f"^{NAME_PATTERN}$")
_DATA_PATH = re.compile(f"^({'|'.join(TABLES)})/machine_id=({NAME_PATTERN})/({NAME_PATTERN})\\.parquet$")
_MANIFEST_PATH = re.compile(f"^{MANIFEST_DIR}/({NAME_PATTERN})/({NAME_PATTERN})\\.json$")


@dataclass(frozen=True)
class FleetFile:
    """One data file: its table, the machine whose partition holds it, its name, and its row count."""

    table: str
    machine_id: str
    name: str
    rows: int

    @property
    def path(self) -> str:
        return f"{self.table}/machine_id={self.machine_id}/{self.name}.parquet"

    def to_dict(self) -> dict[str, object]:
        return {"path": self.path, "rows": self.rows}


@dataclass(frozen=True)
class Manifest:
    """What one push made visible. Its name is a digest of what it lists, so the same push has the same name."""

    pushed_by: str
    files: tuple[FleetFile, ...]
    fwtui_version: str = __version__

    @property
    def digest(self) -> str:
        listed = json.dumps(sorted((f.path, f.rows) for f in self.files))
        return hashlib.sha256(listed.encode()).hexdigest()[:20]

    @property
    def path(self) -> str:
        return f"{MANIFEST_DIR}/{self.pushed_by}/{self.digest}.json"

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "version": FORMAT_VERSION,
                "pushed_by": self.pushed_by,
                "fwtui_version": self.fwtui_version,
                "pushed_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "files": [f.to_dict() for f in sorted(self.files, key=lambda f: f.path)],
            },
            indent=1,
        )


def parse_manifest(data: bytes) -> list[FleetFile]:
    """The files a stored manifest lists; ValueError (with the reason) for anything not of the format."""
    if len(data) > MAX_MANIFEST_BYTES:
        raise ValueError("larger than any manifest fwtui writes")
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ValueError("not JSON") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError(f"not an {FORMAT} manifest")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version > FORMAT_VERSION:
        raise ValueError(
            f"format version {printable(version, newlines=False, limit=40)} (this fwtui reads up to {FORMAT_VERSION})"
        )
    entries = doc.get("files")
    if not isinstance(entries, list):
        raise ValueError("no file list")
    files = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise ValueError(
                f"a file entry of the wrong shape: {printable(entry, newlines=False, limit=120)}"
            )
        files.append(parse_data_path(entry.get("path"), entry.get("rows")))
    return files


@dataclass(frozen=True)
class FleetListing:
    """What readers see under a location: the files the manifests list (that exist), and what was ignored."""

    files: tuple[FleetFile, ...]
    manifests: int
    ignored: tuple[str, ...]  # one line per manifest or file left out, and why
    sizes: Mapping[str, int]  # relative path -> bytes, for every object under the location
    modified: Mapping[str, float] = field(default_factory=dict)  # relative path -> when written, where known

    def of(self, table: str) -> list[FleetFile]:
        return [f for f in self.files if f.table == table]


def _relative(location: RemoteLocation, key: str) -> str:
    root = location.key() + "/"
    key = key.lstrip("/")
    return key[len(root) :] if key.startswith(root) else key


@dataclass(frozen=True)
class StoreObjects:
    """Every object under a location, by relative path: its size, and when the store says it was written."""

    sizes: Mapping[str, int]
    modified: Mapping[str, float]  # seconds since the epoch; absent where the filesystem gives no time


def _modified(info: Mapping[str, Any]) -> float | None:
    for name in ("LastModified", "last_modified", "mtime", "updated"):  # s3fs, adlfs, local, gcsfs
        value = info.get(name)
        if isinstance(value, datetime):
            return value.timestamp()
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
            except ValueError:
                return None
    return None


def list_store(fs: AbstractFileSystem, location: RemoteLocation) -> StoreObjects:
    """Every object under the location (one listing). Fails on a missing bucket."""
    found = fs.find(location.key(), detail=True)
    if (
        not found
    ):  # a missing bucket or bad credentials fail here, not as "empty" (one request more, only then)
        fs.ls(location.bucket, refresh=True)
    sizes, modified = {}, {}
    for key, info in found.items():
        relative = _relative(location, key)
        sizes[relative] = int(info.get("size") or 0)
        when = _modified(info)
        if when is not None:
            modified[relative] = when
    return StoreObjects(sizes, modified)


def list_objects(fs: AbstractFileSystem, location: RemoteLocation) -> dict[str, int]:
    """Every object under the location, by relative path, with its size. Fails on a missing bucket."""
    return dict(list_store(fs, location).sizes)


def parse_data_path(path: object, rows: object) -> FleetFile:
    """A listed data file from its path and row count; ValueError unless both have the layout's shape."""
    match = _DATA_PATH.match(path) if isinstance(path, str) else None
    if match is None or not isinstance(rows, int) or isinstance(rows, bool) or rows < 0:
        shown = printable({"path": path, "rows": rows}, newlines=False, limit=120)
        raise ValueError(f"a file entry of the wrong shape: {shown}")
    return FleetFile(match.group(1), match.group(2), match.group(3), rows)


def manifest_paths(objects: StoreObjects) -> tuple[list[str], list[str]]:
    """The manifests worth reading under a location, and a line for each object in their folder that is not."""
    under = sorted(p for p in objects.sizes if p.startswith(MANIFEST_DIR + "/"))
    ignored = [
        f"{printable(p, newlines=False, limit=200)}: not a manifest path"
        for p in under
        if not _MANIFEST_PATH.match(p)
    ]
    wanted = [p for p in under if _MANIFEST_PATH.match(p) and objects.sizes[p] <= MAX_MANIFEST_BYTES]
    ignored += [f"{p}: too large" for p in under if _MANIFEST_PATH.match(p) and p not in wanted]
    return wanted, ignored


def assemble_listing(
    listed: Mapping[str, list[FleetFile] | str], objects: StoreObjects, ignored: list[str]
) -> FleetListing:
    """The listing from each manifest's files (or why it was left out), keeping only files that are there."""
    files: dict[str, FleetFile] = {}
    read = 0
    ignored = list(ignored)
    for relative, entries in sorted(listed.items()):
        if isinstance(entries, str):
            ignored.append(f"{relative}: {entries}")
            continue
        read += 1
        for item in entries:
            if item.path not in objects.sizes:
                ignored.append(f"{relative}: lists {item.path}, which is not there")
            else:
                files.setdefault(item.path, item)
    return FleetListing(tuple(files.values()), read, tuple(ignored), objects.sizes, objects.modified)


def read_manifests(
    fs: AbstractFileSystem, location: RemoteLocation, paths: list[str]
) -> dict[str, list[FleetFile] | str]:
    """Fetch and parse manifests (all at once): each one's files, or why it cannot be read."""
    with remote_errors(location):
        contents: dict[str, bytes] = fs.cat([location.key(p) for p in paths]) if paths else {}
    parsed: dict[str, list[FleetFile] | str] = {}
    for key, data in contents.items():
        try:
            parsed[_relative(location, key)] = parse_manifest(data)
        except ValueError as exc:
            parsed[_relative(location, key)] = str(exc)
    return parsed


def read_listing(fs: AbstractFileSystem, location: RemoteLocation) -> FleetListing:
    """The manifests under ``location`` and the data files they list, each checked."""
    with remote_errors(location):
        objects = list_store(fs, location)
    wanted, ignored = manifest_paths(objects)
    return assemble_listing(read_manifests(fs, location, wanted), objects, ignored)


def describe_ignored(listing: FleetListing, limit: int = 3) -> str | None:
    """One line about what a read left out, or None."""
    if not listing.ignored:
        return None
    shown = "; ".join(listing.ignored[:limit])
    more = f" (and {len(listing.ignored) - limit} more)" if len(listing.ignored) > limit else ""
    return f"left out {len(listing.ignored)}: {shown}{more}"


def relation_sql(location: RemoteLocation, files: list[FleetFile]) -> str:
    """A ``read_parquet`` over the listed files, as DuckDB reads them through the registered filesystem.

    Not ``union_by_name``: that reads every file's footer when the view is created, one request each; a
    fleet's files of one table share their columns, and a query reads only the files it needs."""
    urls = ", ".join(sql_literal(location.url_of(f.path)) for f in sorted(files, key=lambda f: f.path))
    return f"read_parquet([{urls}], hive_partitioning = false)"


def dump_listing(listing: FleetListing) -> dict[str, Any]:
    """A plain summary (for ``--json`` style output and tests)."""
    return {
        "manifests": listing.manifests,
        "files": {t: len(listing.of(t)) for t in TABLES},
        "ignored": list(listing.ignored),
    }
