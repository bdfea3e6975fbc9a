"""Runs left ``running`` by a process that died: stamped when they start, found when the database opens.

``fwtui bench`` killed with ``kill -9`` (or a crashed app) never records its run's end. Each run therefore
carries its owner (host name and process id) under ``environment.fwtui_owner``; whenever a database is opened
for writing, a ``running`` run whose owner is on this host and no longer alive becomes ``interrupted``.
Runs owned by other hosts are left as they are: their liveness cannot be checked from here.
"""

from __future__ import annotations

import json
import os
import socket
from typing import Any

import duckdb

OWNER_KEY = "fwtui_owner"


def owner_stamp() -> dict[str, Any]:
    return {"host": socket.gethostname(), "pid": os.getpid()}


def with_owner(environment: Any) -> Any:
    """The run's environment with this process recorded as its owner (left alone when not a JSON object)."""
    if environment is None:
        return {OWNER_KEY: owner_stamp()}
    if isinstance(environment, str):
        try:
            environment = json.loads(environment)
        except json.JSONDecodeError:
            return environment
    if isinstance(environment, dict):
        return {**environment, OWNER_KEY: owner_stamp()}
    return environment


def process_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    except OSError:
        return False
    return True


def mark_dead_runs(con: duckdb.DuckDBPyConnection) -> int:
    """Mark this host's ``running`` runs whose process is gone as ``interrupted``; returns how many."""
    rows = con.execute(
        f"SELECT run_id, environment->>'$.{OWNER_KEY}.host', environment->>'$.{OWNER_KEY}.pid' "
        "FROM runs WHERE status = 'running'"
    ).fetchall()
    host = socket.gethostname()
    dead = [
        run_id
        for run_id, owner_host, pid in rows
        if owner_host == host and str(pid or "").isdigit() and int(pid) != os.getpid() and not process_alive(int(pid))
    ]
    if dead:
        con.execute(
            "UPDATE runs SET status = 'interrupted', finished_at = coalesce(finished_at, now()::TIMESTAMP) "
            "WHERE run_id = ANY($ids)",
            {"ids": dead},
        )
    return len(dead)
