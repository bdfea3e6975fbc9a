"""The results database (DuckDB): opening, upgrading and writing.

>>> store = open_store(path)            # creates or upgrades; read_only=True for browsing
>>> machine_id = store.upsert_machine(machine)
>>> run_id = store.begin_run({"machine_id": machine_id, "command": "fwtui bench"})
>>> store.save_result(record, samples_ms)
>>> store.finish_run(run_id, "complete")

The app opens its local database once, as a :class:`fwtui.store.local.LocalDatabase`. Names are loaded
lazily, so importing a light module of this package (``errors``, ``local``) does not load DuckDB.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fwtui.lazy import load_export

if TYPE_CHECKING:
    from fwtui.store.errors import StoreError
    from fwtui.store.rows import result_row
    from fwtui.store.schema import SCHEMA_VERSION
    from fwtui.store.store import Store, open_store

_EXPORTS = {
    "SCHEMA_VERSION": "fwtui.store.schema",
    "Store": "fwtui.store.store",
    "StoreError": "fwtui.store.errors",
    "open_store": "fwtui.store.store",
    "result_row": "fwtui.store.rows",
}

__all__ = ["SCHEMA_VERSION", "Store", "StoreError", "open_store", "result_row"]  # the keys of _EXPORTS


def __getattr__(name: str) -> Any:
    return load_export(__name__, _EXPORTS, name)
