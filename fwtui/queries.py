"""Named SQL queries shipped in ``queries/`` and ad-hoc SQL, run against a results database.

Each ``queries/<name>.sql`` starts with a header::

    -- name: speedup
    -- description: one line
    -- params: baseline=torch, run_a=

``params`` lists DuckDB named parameters (``$baseline``) with their defaults; an empty default is the
empty string, which the queries read as "all" or "pick the most recent".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from fwtui.errors import FwtuiError, UsageError
from fwtui.paths import resource_dir

_HEADER = re.compile(r"^--\s*(name|description|params)\s*:\s*(.*)$")
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


@dataclass(frozen=True)
class NamedQuery:
    name: str
    description: str
    params: dict[str, str]
    sql: str
    path: Path


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    types: list[str] = field(default_factory=list)


def parse_query_file(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    header: dict[str, str] = {}
    for line in text.splitlines():
        match = _HEADER.match(line.strip())
        if match:
            header.setdefault(match.group(1), match.group(2).strip())
        elif line.strip() and not line.strip().startswith("--"):
            break
    params: dict[str, str] = {}
    for item in filter(None, (p.strip() for p in header.get("params", "").split(","))):
        key, _, default = item.partition("=")
        params[key.strip()] = default.strip()
    return NamedQuery(
        name=header.get("name", path.stem),
        description=header.get("description", ""),
        params=params,
        sql=text,
        path=path,
    )


@cache
def _load(directory: Path) -> dict[str, NamedQuery]:
    queries = (parse_query_file(p) for p in sorted(directory.glob("*.sql")))
    return {q.name: q for q in queries}


def load_queries() -> dict[str, NamedQuery]:
    """Every shipped named query, by name."""
    return dict(_load(resource_dir("queries")))


def get_query(name: str) -> NamedQuery:
    queries = load_queries()
    if name not in queries:
        raise UsageError(f"unknown query {name!r}; named queries: {', '.join(sorted(queries))}")
    return queries[name]


def looks_like_name(text: str) -> bool:
    """``fwtui query leaderboard`` names a query; anything else is SQL."""
    return bool(_NAME.match(text.strip()))


def parse_params(pairs: Sequence[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--param expects KEY=VALUE, got {pair!r}")
        params[key.strip()] = value
    return params


def bind_params(query: NamedQuery, given: Mapping[str, str]) -> dict[str, str]:
    unknown = sorted(set(given) - set(query.params))
    if unknown:
        known = ", ".join(query.params) or "none"
        raise UsageError(f"query {query.name!r} has no parameter {unknown[0]!r} (parameters: {known})")
    return {**query.params, **given}


def sql_error_message(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"SQL error: {text.splitlines()[0] if text else type(exc).__name__}"


def execute(con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, Any] | None = None) -> QueryResult:
    """Run SQL; DuckDB failures become one-line :class:`FwtuiError` ("SQL error: ...")."""
    try:
        relation = con.execute(sql, dict(params)) if params else con.execute(sql)
        description = relation.description or []
        rows = relation.fetchall() if description else []
    except duckdb.Error as exc:
        raise FwtuiError(sql_error_message(exc)) from None
    return QueryResult(
        columns=[d[0] for d in description],
        rows=rows,
        types=[str(d[1]) for d in description],
    )


def run_named(
    con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, str] | None = None
) -> QueryResult:
    query = get_query(name)
    return execute(con, query.sql, bind_params(query, params or {}))


def run_text(
    con: duckdb.DuckDBPyConnection, text: str, params: Mapping[str, str] | None = None
) -> QueryResult:
    """A query name or SQL text; SQL text must pass the read-only gate (``fwtui.store.sql_gate``)."""
    from fwtui.store.sql_gate import check_sql

    if looks_like_name(text):
        return run_named(con, text.strip(), params)
    return execute(con, check_sql(text).sql, params)
