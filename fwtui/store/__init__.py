"""The results database (DuckDB): opening, upgrading and writing.

>>> store = open_store(path)            # creates or upgrades; read_only=True for browsing
>>> machine_id = store.upsert_machine(machine)
>>> run_id = store.begin_run({"machine_id": machine_id, "command": "fwtui bench"})
>>> store.save_result(record, samples_ms)
>>> store.finish_run(run_id, "complete")
"""

from __future__ import annotations

from fwtui.store.errors import StoreError
from fwtui.store.schema import SCHEMA_VERSION
from fwtui.store.store import Store, open_store, result_row

__all__ = ["SCHEMA_VERSION", "Store", "StoreError", "open_store", "result_row"]
