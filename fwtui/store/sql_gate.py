"""Which typed SQL may run: decided by DuckDB's own parser, at every nesting level.

The gate is the first of the two walls around user SQL (the second is the locked engine of
``sandbox.py``). A statement passes only when all of these hold:

- the text holds exactly one statement (an empty one, ``;`` or a comment alone is refused, as is a second);
- it is a ``SELECT`` (``DESCRIBE``, ``SUMMARIZE``, ``SHOW``, ``FROM t``, ``PIVOT`` parse as one) or an
  ``EXPLAIN [ANALYZE]`` whose inner statement passes the gate itself, so ``EXPLAIN ANALYZE DELETE`` is refused;
- DuckDB can serialise it (``json_serialize_sql`` serialises only SELECT statements), and in that tree, at
  every depth (subqueries, CTEs, joins, lateral joins, set operations, expressions):
  every table named is one of fwtui's tables or a CTE of the query (no file path, no other catalog, which
  also rules out replacement scans of files and Python objects); every table function is on a short
  allow-list (``read_text``, ``read_csv``, ``glob``, ``query``... are not); no function on the deny-list
  (``getenv``, ``nextval``, ...) is called.

Parsing never runs anything: the statement is parsed by a private in-memory DuckDB that holds no data.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import duckdb

from fwtui.store import schema
from fwtui.store.errors import StoreError

# fwtui's tables: the only names a typed query may read.
READABLE_TABLES = frozenset({*schema.TABLE_COLUMNS, "schema_info"})
# Table functions that read nothing outside the database.
TABLE_FUNCTIONS = frozenset({"range", "generate_series", "unnest", "duckdb_tables", "duckdb_columns"})
# Scalar functions that reach outside the query: the environment, sequences (a write), other SQL.
DENIED_FUNCTIONS = frozenset(
    {"getenv", "nextval", "setval", "currval", "query", "query_table", "current_setting", "read_text",
     "read_blob", "glob", "sql_auto_complete", "make_secret", "which_secret"}
)  # fmt: skip
_SHOW_SPECIAL = frozenset({"tables", "databases", "__show_tables_expanded"})
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_EXPLAIN = re.compile(r"^\s*EXPLAIN\s+(?:ANALY[SZ]E\s+|\(\s*[A-Za-z_ ,=']*\)\s*)?", re.IGNORECASE)
_NESTING_LIMIT = 200  # a tree deeper than this is refused rather than walked

_parser_lock = threading.Lock()
_parser: duckdb.DuckDBPyConnection | None = None


class NothingToRun(StoreError):
    """Empty text, ``;``, a comment alone, or more than one statement: a usage error."""

    exit_code = 2


@dataclass(frozen=True)
class CheckedStatement:
    """One statement that passed the gate: its text, and whether it is an EXPLAIN."""

    sql: str
    explain: bool = False


def check_sql(sql: str) -> CheckedStatement:
    """The one statement in ``sql`` if it only reads fwtui's tables; otherwise a one-line :class:`StoreError`."""
    statements = _statements(sql)
    if not statements:
        raise NothingToRun("nothing to run: give a query (SELECT ..., DESCRIBE results, or a query name)")
    if len(statements) > 1:
        raise NothingToRun(f"one statement at a time: this holds {len(statements)}")
    statement = statements[0]
    kind = str(statement.type).rsplit(".", 1)[-1]
    text = statement.query.strip().rstrip(";").strip()
    if kind == "EXPLAIN":
        inner = _EXPLAIN.sub("", text, count=1)
        if inner == text:
            raise StoreError("typed SQL is read-only: this EXPLAIN form is not run")
        _check_select(inner)
        return CheckedStatement(text, explain=True)
    if kind != "SELECT":
        raise StoreError(f"typed SQL is read-only: {kind} statements are not run")
    _check_select(text)
    return CheckedStatement(text)


def _statements(sql: str) -> list[Any]:
    try:
        return list(duckdb.extract_statements(sql))
    except duckdb.Error as exc:
        raise StoreError(f"SQL error: {_first_line(exc)}") from None


def _check_select(sql: str) -> None:
    inner = _statements(sql)
    if len(inner) != 1 or str(inner[0].type).rsplit(".", 1)[-1] != "SELECT":
        raise StoreError("typed SQL is read-only: only SELECT statements (and EXPLAIN of them) run")
    tree = _serialise(sql)
    ctes = {str(name).lower() for name in _cte_names(tree)}
    for name in ctes:
        if not _IDENTIFIER.match(name):
            raise StoreError(f"typed SQL reads fwtui's tables only: {name!r} is not a plain name")
    for node in _nodes(tree, 0):
        node_type = node.get("type")
        if node_type == "BASE_TABLE":
            _check_table(node, ctes)
        elif node_type == "SHOW_REF" and node.get("query") is None:
            _check_show(node)
        elif node_type == "TABLE_FUNCTION":
            function = node.get("function") or {}
            name = str(function.get("function_name", "")).lower()
            if name not in TABLE_FUNCTIONS:
                raise StoreError(f"typed SQL reads fwtui's tables only: {name}() is not allowed")
        elif node.get("class") == "FUNCTION":
            name = str(node.get("function_name", "")).lower()
            if name in DENIED_FUNCTIONS:
                raise StoreError(f"typed SQL reads fwtui's tables only: {name}() is not allowed")


def _check_table(node: dict[str, Any], ctes: set[str]) -> None:
    table = str(node.get("table_name", ""))
    catalog, schema_name = str(node.get("catalog_name", "")), str(node.get("schema_name", ""))
    allowed = table.lower() in READABLE_TABLES or table.lower() in ctes
    if not _IDENTIFIER.match(table) or not allowed or catalog or schema_name not in ("", "main"):
        shown = ".".join(p for p in (catalog, schema_name, table) if p)
        raise StoreError(
            f"typed SQL reads fwtui's tables only ({', '.join(sorted(READABLE_TABLES))}): "
            f"{shown!r} is not one of them"
        )


def _check_show(node: dict[str, Any]) -> None:
    """``SHOW name`` names its table directly (``DESCRIBE t`` carries a query, checked like any other)."""
    name = str(node.get("table_name", "")).strip('"').lower()
    if name not in READABLE_TABLES and name not in _SHOW_SPECIAL:
        raise StoreError(f"typed SQL reads fwtui's tables only: SHOW {name!r} is not run")


def _serialise(sql: str) -> dict[str, Any]:
    global _parser
    with _parser_lock:
        if _parser is None:
            _parser = duckdb.connect(config={"enable_external_access": False})
        row = _parser.execute("SELECT json_serialize_sql(?)", [sql]).fetchone()
    tree = json.loads(row[0]) if row else {"error": True, "error_message": "no parse"}
    if tree.get("error"):
        message = str(tree.get("error_message", "cannot parse")).splitlines()[0]
        raise StoreError(f"typed SQL is read-only: {message}")
    return dict(tree)


def _cte_names(tree: Any) -> Iterator[str]:
    for node in _nodes(tree, 0):
        cte_map = node.get("cte_map")
        if isinstance(cte_map, dict):
            for entry in cte_map.get("map", []):
                yield str(entry.get("key", ""))


def _nodes(value: Any, depth: int) -> Iterator[dict[str, Any]]:
    """Every JSON object in the tree, depth first."""
    if depth > _NESTING_LIMIT:
        raise StoreError("the query is nested too deeply to check")
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from _nodes(child, depth + 1)
    elif isinstance(value, list):
        for child in value:
            yield from _nodes(child, depth + 1)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
