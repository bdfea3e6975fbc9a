"""The Results area's filters and sort, kept between launches (``<config dir>/results.json``).

The run filter and the find text are not kept: they belong to what the user was looking at just then.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import datetime

from fwtui.json_fields import JsonObject
from fwtui.settings import load_settings, save_settings
from fwtui.store.browse import SORT_KEYS, Filters

NAME = "results"
_KEPT = ("framework", "workload", "mode", "scenario", "device", "machine_id", "status")


@dataclass(frozen=True)
class RememberedView:
    filters: Filters = field(default_factory=Filters)
    sort: str = "created"
    descending: bool = True
    note: str | None = None  # why a saved file was ignored


def load_view() -> RememberedView:
    loaded = load_settings(NAME)
    values = loaded.values
    if not values:
        return RememberedView(note=loaded.note)
    kept: dict[str, object] = {}
    saved = values.get("filters")
    if isinstance(saved, dict):
        kept = {k: v for k, v in saved.items() if k in _KEPT and isinstance(v, str)}
        for name in ("date_from", "date_to"):
            text = saved.get(name)
            if isinstance(text, str):
                with contextlib.suppress(ValueError):  # a damaged date is dropped alone
                    kept[name] = datetime.fromisoformat(text)
    sort = values.get("sort")
    descending = values.get("descending")
    return RememberedView(
        Filters(**kept),  # type: ignore[arg-type]
        sort if isinstance(sort, str) and sort in SORT_KEYS else "created",
        descending if isinstance(descending, bool) else True,
        loaded.note,
    )


def save_view(filters: Filters, sort: str, descending: bool) -> None:
    saved: JsonObject = {k: getattr(filters, k) for k in _KEPT if getattr(filters, k) is not None}
    for name in ("date_from", "date_to"):
        value = getattr(filters, name)
        if value is not None:
            saved[name] = value.isoformat()
    save_settings(NAME, {"filters": saved, "sort": sort, "descending": descending})
