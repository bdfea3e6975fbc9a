"""Stored databases that carry code (macros, look-alike views, sequences, generated columns) are refused
before a byte of their data is read; databases whose text carries terminal escapes are shown escaped,
exported exactly and refused by import."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from hostile import (
    CANARY_TEXT,
    ESCAPES,
    Snapshot,
    canary,
    control_text_db,
    generated_column_db,
    lookalike_view_db,
    shadowing_macro_db,
    terminal_safe,
)
from results_fixtures import make_database

from fwtui import cli
from fwtui.errors import FwtuiError
from fwtui.store import open_store
from fwtui.store.browse import Filters, fetch_window, open_source, result_detail
from fwtui.store.importexport import import_into
from fwtui.store.local import LocalDatabase
from fwtui.store.sandbox import open_sandbox

BUILDERS: dict[str, Callable[[Path, Path], Path]] = {
    "shadowing macro": shadowing_macro_db,
    "look-alike view": lookalike_view_db,
    "generated column": lambda path, _canary: generated_column_db(path),
}


@pytest.fixture(params=sorted(BUILDERS))
def hostile(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, Path]:
    path = BUILDERS[request.param](tmp_path / "hostile.duckdb", canary(tmp_path))
    return tmp_path, path


def test_every_way_of_reading_refuses_a_database_that_carries_code(
    hostile: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root, path = hostile
    before = Snapshot.of(root)
    for opener in (lambda: open_store(path, read_only=True), lambda: open_source(path), lambda: open_sandbox(path)):
        with pytest.raises(FwtuiError, match="refused: it holds objects fwtui never writes"):
            opener()
    local = make_database(root / "local.duckdb")
    with open_store(local) as store, pytest.raises(FwtuiError, match="refused"):
        import_into(store, path)
    before = Snapshot.of(root)
    for argv in (
        ["query", "SELECT * FROM machines", "--db", str(path)],
        ["query", "leaderboard", "--db", str(path)],
        ["export", "--db", str(path), "--out", str(root / "out"), "--format", "csv"],
        ["import", str(path), "--db", str(local)],
        [str(path)],  # the app refuses it before it starts
    ):
        assert cli.main(argv) == 1
        out, err = capsys.readouterr()
        assert "refused" in err and len(err.strip().splitlines()) == 1
        assert CANARY_TEXT not in out + err
    assert Snapshot.of(root) == before and not (root / "out").exists()


def test_a_local_database_with_a_stored_macro_is_not_used(tmp_path: Path) -> None:
    """fwtui's own queries can never be shadowed: the app's handle refuses such a file with the reason."""
    path = shadowing_macro_db(tmp_path / "local.duckdb", canary(tmp_path))
    access = LocalDatabase(path).access()
    assert not access.readable and "macro or function main.array_to_string" in (access.reason or "")


def test_control_characters_are_escaped_for_terminals_and_exact_in_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = control_text_db(tmp_path / "escapes.duckdb")
    sql = "SELECT m.label, r.reason, r.flags, r.framework_version, u.label AS run_label FROM results r " \
          "JOIN machines m USING (machine_id) JOIN runs u USING (run_id) WHERE r.reason IS NOT NULL LIMIT 3"  # fmt: skip
    for fmt in ("table", "csv"):
        assert cli.main(["query", sql, "--db", str(path), "--format", fmt]) == 0
        out, _ = capsys.readouterr()
        assert terminal_safe(out) and "\\x1b]0;pwned\\x07" in out
        if fmt == "csv":
            assert all(len(row) == 5 for row in csv.reader(io.StringIO(out)))
    assert cli.main(["query", sql, "--db", str(path), "--format", "json"]) == 0
    out, _ = capsys.readouterr()
    assert terminal_safe(out)  # JSON escapes them itself...
    rows = json.loads(out)
    assert rows and all(row["label"].endswith(ESCAPES) for row in rows)  # ...and keeps the values exact


def test_browsing_reads_show_escaped_text(tmp_path: Path) -> None:
    source = open_source(control_text_db(tmp_path / "escapes.duckdb"))
    try:
        rows = fetch_window(source.cursor(), Filters(), limit=20)
        texts = [cell for row in rows for cell in row[:-1] if isinstance(cell, str)]
        assert texts and all(terminal_safe(cell) for cell in texts)
        assert any("\\x1b]0;pwned" in cell for cell in texts)
        detail = result_detail(source.cursor(), rows[0][-1])  # the id stays exact: it finds the row
        assert detail is not None
        assert all(terminal_safe(v) for v in detail.values() if isinstance(v, str))
    finally:
        source.close()


def test_import_refuses_text_with_escapes_and_export_keeps_it_exact(tmp_path: Path) -> None:
    path = control_text_db(tmp_path / "escapes.duckdb")
    local = make_database(tmp_path / "local.duckdb")
    with open_store(local) as store:
        before = store.connection.execute("SELECT count(*) FROM results").fetchone()
        with pytest.raises(FwtuiError, match="control characters"):
            import_into(store, path)
        assert store.connection.execute("SELECT count(*) FROM results").fetchone() == before
    assert cli.main(["export", "--db", str(path), "--out", str(tmp_path / "pq")]) == 0
    with pytest.raises(FwtuiError, match="control characters"), open_store(local) as store:
        import_into(store, tmp_path / "pq")
    exported = duckdb.sql(
        f"SELECT label FROM read_parquet('{tmp_path / 'pq' / 'machines' / '**' / '*.parquet'}')"
    ).fetchall()
    assert exported and all(label.endswith(ESCAPES) for (label,) in exported)


def test_recommend_shows_stored_text_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = control_text_db(tmp_path / "escapes.duckdb")
    assert cli.main(["recommend", "--no-hardware", "--db", str(path)]) == 0
    out, err = capsys.readouterr()
    assert terminal_safe(out + err)
