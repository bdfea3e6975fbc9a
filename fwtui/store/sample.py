"""Sample data: what makes Results and Decide useful on first launch, and removable in one command.

``sample_data/`` may hold JSON Lines files and Parquet export directories. A ``.jsonl`` file has one
object per line, each with a ``kind``:

* ``{"kind": "machine", <machines columns>}``
* ``{"kind": "run", <runs columns>}``
* ``{"kind": "result", <a result record as printed by fwtui bench --json>, "samples_ms": [...]}``

Rows are marked ``source = 'sample'`` unless a line says ``"source": "external"`` (published numbers
kept for reference, never measured here). Loading remembers what it loaded in ``schema_info`` so
``remove`` deletes exactly that, and records the removal so it is not loaded again on the next launch.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from fwtui.paths import resource_dir
from fwtui.store.errors import StoreError
from fwtui.store.importexport import import_into, is_parquet_export
from fwtui.store.revalidate import revalidate
from fwtui.store.rows import insert_row, insert_samples, result_row, to_timestamp, utc_now
from fwtui.store.store import Store, fetch_one

if TYPE_CHECKING:
    from fwtui.store.local import LocalDatabase

STATE_KEY = "sample_data"  # 'loaded' | 'removed'; absent = never loaded
RUNS_KEY = "sample_data_runs"  # JSON list of the run ids sample data added
MACHINES_KEY = "sample_data_machines"  # JSON list of the machine ids sample data added


@dataclass
class SampleReport:
    files: list[str] = field(default_factory=list)
    added: dict[str, int] = field(
        default_factory=lambda: {"machines": 0, "runs": 0, "results": 0, "samples": 0}
    )

    result_ids: list[str] = field(default_factory=list)

    def summary(self) -> str:
        counts = ", ".join(f"{v} {k}" for k, v in self.added.items())
        return f"loaded {counts} from {len(self.files)} file(s)"


def sample_dir() -> Path | None:
    try:
        return resource_dir("sample_data")
    except FileNotFoundError:
        return None


def sample_sources(directory: Path | None = None) -> list[Path]:
    """The ``.jsonl`` files and Parquet export directories shipped as sample data."""
    directory = directory if directory is not None else sample_dir()
    if directory is None or not directory.is_dir():
        return []
    found = sorted(directory.glob("*.jsonl"))
    found += sorted(p for p in directory.iterdir() if p.is_dir() and is_parquet_export(p))
    return found


def _lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise StoreError(f"{path.name} line {number}: not JSON ({exc.msg})") from None
            if not isinstance(item, dict) or item.get("kind") not in ("machine", "run", "result"):
                raise StoreError(
                    f"{path.name} line {number}: expected an object with kind machine, run or result"
                )
            yield number, item


def _source_of(item: dict[str, Any]) -> str:
    """'external' stays external (published numbers); anything else, e.g. 'local' from the machine that
    produced the file, becomes 'sample'."""
    return "external" if item.get("source") == "external" else "sample"


def _exists(con: duckdb.DuckDBPyConnection, table: str, key: str, value: Any) -> bool:
    return fetch_one(con.execute(f"SELECT 1 FROM {table} WHERE {key} = ?", [value])) is not None


def load_jsonl(
    con: duckdb.DuckDBPyConnection, path: Path, report: SampleReport, ids: dict[str, set[str]]
) -> None:
    """Insert a sample ``.jsonl`` file's rows that are not present yet (inside the caller's transaction)."""
    for number, item in _lines(path):
        kind = item.pop("kind")
        item["source"] = _source_of(item)
        if kind == "machine":
            if not item.get("machine_id"):
                raise StoreError(f"{path.name} line {number}: a machine needs a machine_id")
            item["first_seen"] = to_timestamp(item.get("first_seen")) or utc_now()
            item["last_seen"] = to_timestamp(item.get("last_seen")) or item["first_seen"]
            ids["machines"].add(item["machine_id"])
            if not _exists(con, "machines", "machine_id", item["machine_id"]):
                insert_row(con, "machines", item)
                report.added["machines"] += 1
        elif kind == "run":
            if not item.get("run_id"):
                raise StoreError(f"{path.name} line {number}: a run needs a run_id")
            for key in ("started_at", "finished_at"):
                item[key] = to_timestamp(item.get(key))
            item.setdefault("status", "complete")
            ids["runs"].add(item["run_id"])
            if not _exists(con, "runs", "run_id", item["run_id"]):
                insert_row(con, "runs", item)
                report.added["runs"] += 1
        else:
            samples = [float(x) for x in item.pop("samples_ms", None) or []]
            if not item.get("result_id") or not item.get("run_id"):
                raise StoreError(f"{path.name} line {number}: a result needs a result_id and a run_id")
            ids["runs"].add(item["run_id"])
            row = result_row(item)
            if not _exists(con, "results", "result_id", row["result_id"]):
                insert_row(con, "results", row)
                insert_samples(con, row["result_id"], samples)
                report.result_ids.append(row["result_id"])
                report.added["results"] += 1
                report.added["samples"] += len(samples)


def _remembered(store: Store, key: str) -> set[str]:
    raw = store.get_info(key)
    return set(json.loads(raw)) if raw else set()


def load_sample_data(store: Store, directory: Path | None = None) -> SampleReport:
    """Load every sample file (skipping rows already present) and remember what was loaded."""
    report = SampleReport()
    ids: dict[str, set[str]] = {
        "runs": _remembered(store, RUNS_KEY),
        "machines": _remembered(store, MACHINES_KEY),
    }
    sources = sample_sources(directory)
    with store.transaction() as con:
        for path in sources:
            if path.suffix == ".jsonl":
                load_jsonl(con, path, report, ids)
                report.files.append(path.name)
        # Sample files carry no trusted flags: the engine decides them from the samples, as for an import.
        revalidate(con, report.result_ids)
    for path in sources:
        if path.is_dir():
            parquet = import_into(store, path, source_label="sample")
            for table, count in parquet.added.items():
                report.added[table] += count
            report.files.append(path.name)
    with store.transaction() as con:
        for key, value in ((RUNS_KEY, ids["runs"]), (MACHINES_KEY, ids["machines"]), (STATE_KEY, "loaded")):
            text = value if isinstance(value, str) else json.dumps(sorted(value))
            con.execute("INSERT OR REPLACE INTO schema_info VALUES (?, ?)", [key, text])
    return report


def remove_sample_data(store: Store) -> dict[str, int]:
    """Delete all sample and bundled external rows; sample data stays off until ``load`` is run."""
    runs = sorted(_remembered(store, RUNS_KEY))
    machines = sorted(_remembered(store, MACHINES_KEY))
    sample_results = "SELECT result_id FROM results WHERE source = 'sample' OR list_contains($runs, run_id)"
    counts: dict[str, int] = {}
    with store.transaction() as con:
        params = {"runs": runs}
        counts["samples"] = _changes(
            con, f"DELETE FROM samples WHERE result_id IN ({sample_results})", params
        )
        counts["results"] = _changes(
            con, "DELETE FROM results WHERE source = 'sample' OR list_contains($runs, run_id)", params
        )
        counts["runs"] = _changes(
            con, "DELETE FROM runs WHERE source = 'sample' OR list_contains($runs, run_id)", params
        )
        # A machine goes only if nothing else still refers to it (sample results may come from this machine).
        counts["machines"] = _changes(
            con,
            "DELETE FROM machines WHERE (source = 'sample' OR list_contains($machines, machine_id)) "
            "AND machine_id NOT IN (SELECT DISTINCT machine_id FROM results WHERE machine_id IS NOT NULL)",
            {"machines": machines},
        )
        for key, value in ((STATE_KEY, "removed"), (RUNS_KEY, "[]"), (MACHINES_KEY, "[]")):
            con.execute("INSERT OR REPLACE INTO schema_info VALUES (?, ?)", [key, value])
    return counts


def _changes(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> int:
    row = fetch_one(con.execute(sql, params))
    return int(row[0]) if row else 0


def sample_status(store: Store) -> dict[str, Any]:
    """The sample-data state and how many rows it accounts for."""
    runs = sorted(_remembered(store, RUNS_KEY))
    cursor = store.cursor()
    row = fetch_one(
        cursor.execute(
            "SELECT count(*) FROM results WHERE source = 'sample' OR list_contains($runs, run_id)",
            {"runs": runs},
        )
    )
    total = fetch_one(cursor.execute("SELECT count(*) FROM results"))
    return {
        "state": store.get_info(STATE_KEY) or "never loaded",
        "sample_results": int(row[0]) if row else 0,
        "all_results": int(total[0]) if total else 0,
        "available_files": [p.name for p in sample_sources()],
    }


def ensure_first_launch(store: Store, directory: Path | None = None) -> SampleReport | None:
    """On the very first launch (no results, sample data never loaded or removed) load the sample data."""
    if store.read_only or store.get_info(STATE_KEY) is not None:
        return None
    row = fetch_one(store.cursor().execute("SELECT count(*) FROM results"))
    if row and int(row[0]) > 0:
        return None
    if not sample_sources(directory):
        return None
    return load_sample_data(store, directory)


def ensure_first_launch_in(database: LocalDatabase) -> SampleReport | None:
    """:func:`ensure_first_launch` through the app's one handle, whichever area opens it first (the areas are
    built on first visit, so Decide may read the database before Results does)."""
    access = database.access()
    if not access.writable:
        return None
    writer = database.writer()
    try:
        return ensure_first_launch(writer)
    finally:
        writer.close()


__all__ = [
    "SampleReport",
    "ensure_first_launch",
    "ensure_first_launch_in",
    "load_sample_data",
    "remove_sample_data",
    "sample_sources",
    "sample_status",
]
