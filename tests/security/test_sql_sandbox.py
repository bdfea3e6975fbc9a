"""User SQL is read-only and reads nothing but fwtui's tables: the console and `fwtui query`, on the local
database (through the app's own read-write handle), a stored database and a Parquet export directory.

Every statement below either is refused or runs harmlessly; after each one the hash of every file under
the test's directory is unchanged, no file was created, and the canary file's content was not shown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hostile import CANARY_TEXT, Snapshot, canary, parquet_export, sql_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from results_fixtures import make_database

from fwtui import cli
from fwtui.errors import FwtuiError
from fwtui.store.browse import open_source
from fwtui.store.console import run_console_query
from fwtui.store.local import LocalDatabase


class World:
    """A directory with a local database, a stored one, a Parquet export and a canary file."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.canary = canary(root)
        self.local = make_database(root / "local.duckdb")
        self.stored = make_database(root / "stored.duckdb")
        self.parquet = parquet_export(self.stored, root / "export")
        self.out = root / "written"  # where an attack would like to write

    def attacks(self) -> list[str]:
        c, out = sql_text(str(self.canary)), self.out
        stored, local = sql_text(str(self.stored)), sql_text(str(self.local))
        return [
            "DELETE FROM results",
            "DROP TABLE runs",
            "ALTER TABLE results RENAME TO gone",
            "UPDATE results SET p50_ms = 0",
            "INSERT INTO runs (run_id) VALUES ('x')",
            "TRUNCATE samples",
            "CREATE TABLE t AS SELECT 1",
            "CREATE MACRO array_to_string(a, b) AS 'x'",
            "CREATE VIEW v AS SELECT 1",
            f"COPY results TO {sql_text(str(out / 'r.csv'))}",
            f"COPY (SELECT * FROM results) TO {sql_text(str(out / 'r.parquet'))} (FORMAT parquet)",
            f"EXPORT DATABASE {sql_text(str(out))}",
            f"ATTACH {stored} AS l (READ_WRITE)",
            f"ATTACH {local} AS l2",
            "DETACH fwtui_data",
            "SET enable_external_access = true",
            "SET lock_configuration = false",
            "RESET memory_limit",
            "PRAGMA enable_profiling",
            "LOAD httpfs",
            "INSTALL httpfs",
            "CALL pragma_version()",
            "CHECKPOINT",
            "COMMIT",
            "BEGIN TRANSACTION",
            "ROLLBACK",
            "VACUUM",
            "USE memory",
            f"SELECT * FROM read_text({c})",
            f"SELECT * FROM read_blob({c})",
            f"SELECT * FROM read_csv({c}, header = false)",
            f"SELECT * FROM {c}",
            f"SELECT * FROM glob({sql_text(str(self.root / '*'))})",
            "SELECT getenv('HOME')",
            "SELECT * FROM query('DELETE FROM results')",
            f"SELECT * FROM query_table({c})",
            "SELECT nextval('s')",
            "SELECT current_setting('enable_external_access')",
            "SELECT * FROM duckdb_settings()",
            f'SHOW "{self.canary}"',
            f"DESCRIBE {c}",
            f"SUMMARIZE {c}",
            "SELECT count(*) FROM results",
            "DESCRIBE results",
        ]


WRAPPERS = [
    "{}",
    "EXPLAIN {}",
    "EXPLAIN ANALYZE {}",
    "explain analyze {};",
    "/* hidden */ {}",
    "{}; EXPLAIN ANALYZE DELETE FROM results",
    "SELECT 1; {}",
    "SELECT * FROM ({})",
    "WITH x AS ({}) SELECT * FROM x",
    "SELECT (SELECT count(*) FROM ({}))",
    "SELECT * FROM results WHERE EXISTS ({})",
    "SELECT 1 UNION ALL SELECT * FROM ({})",
    "EXPLAIN ANALYZE {}; EXPLAIN ANALYZE {}; EXPLAIN ANALYZE {}",
]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return World(tmp_path_factory.mktemp("sandbox"))


def test_every_attack_can_be_drawn(world: World) -> None:
    assert len(world.attacks()) == 44  # attack_index draws 0..43


def _statement(world: World, attack: int, wrapper: int, upper: bool) -> str:
    inner = world.attacks()[attack]
    sql = WRAPPERS[wrapper].replace("{}", inner)
    return sql.upper() if upper and "'" not in sql else sql


def _console(con_source: Any, sql: str) -> str:
    """What the console would show: the rows, or the one-line error."""
    try:
        result = run_console_query(con_source.cursor(), sql)
    except FwtuiError as exc:
        message = str(exc)
        assert "\n" not in message
        return message
    return repr(result.columns) + repr(result.rows)


def _assert_untouched(world: World, before: Snapshot, shown: str) -> None:
    assert Snapshot.of(world.root) == before, "a file changed or appeared"
    assert not world.out.exists()
    assert CANARY_TEXT not in shown


attack_index = st.integers(min_value=0, max_value=43)
wrapper_index = st.integers(min_value=0, max_value=len(WRAPPERS) - 1)
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(attack=attack_index, wrapper=wrapper_index, upper=st.booleans())
def test_console_on_stored_database_and_parquet(world: World, attack: int, wrapper: int, upper: bool) -> None:
    sql = _statement(world, attack, wrapper, upper)
    for path in (world.stored, world.parquet):
        source = open_source(path)
        before = Snapshot.of(world.root)
        try:
            shown = _console(source, sql)
        finally:
            source.close()
        _assert_untouched(world, before, shown)


@FUZZ
@given(attack=attack_index, wrapper=wrapper_index, upper=st.booleans())
def test_console_on_the_apps_read_write_handle(world: World, attack: int, wrapper: int, upper: bool) -> None:
    """The local database open read-write, as the app holds it: the console still changes nothing."""
    sql = _statement(world, attack, wrapper, upper)
    database = LocalDatabase(world.local)
    before_rows = database.cursor().execute("SELECT count(*) FROM results").fetchone()
    shown = _console(database.results_source(), sql)
    con = database.cursor()
    assert con.execute("SELECT count(*) FROM results").fetchone() == before_rows
    assert {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()} == {
        "schema_info", "machines", "runs", "results", "samples"
    }  # fmt: skip
    assert not con.execute("SELECT * FROM duckdb_functions() WHERE NOT internal").fetchall()
    writer = database.writer()  # and the app can still write through its handle
    writer.close()
    database.close()
    assert not world.out.exists()
    assert CANARY_TEXT not in shown


@FUZZ
@given(attack=attack_index, wrapper=wrapper_index, upper=st.booleans())
def test_query_command(
    world: World, attack: int, wrapper: int, upper: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    sql = _statement(world, attack, wrapper, upper)
    for path in (world.stored, world.parquet, world.local):
        before = Snapshot.of(world.root)
        code = cli.main(["query", sql, "--db", str(path), "--format", "csv"])
        out, err = capsys.readouterr()
        assert code in (0, 1, 2)
        assert "Traceback" not in err and len(err.strip().splitlines()) <= 1
        _assert_untouched(world, before, out + err)


@pytest.mark.parametrize(
    "sql",
    [
        # What emptied a local database of 48 results: three EXPLAIN ANALYZE statements on one line.
        "EXPLAIN ANALYZE DELETE FROM samples; EXPLAIN ANALYZE DELETE FROM results; EXPLAIN ANALYZE COMMIT",
        "EXPLAIN ANALYZE DELETE FROM results",
        "EXPLAIN ANALYZE DROP TABLE runs",
        "EXPLAIN ANALYZE ALTER TABLE results RENAME TO x",
        "EXPLAIN ANALYZE COMMIT",
        "EXPLAIN ANALYZE COPY results TO 'leak.csv'",
    ],
)
def test_observed_console_attacks_are_refused(world: World, sql: str) -> None:
    database = LocalDatabase(world.local)
    with pytest.raises(FwtuiError, match=r"read-only|one statement at a time"):
        run_console_query(database.cursor(), sql)
    assert database.cursor().execute("SELECT count(*) FROM results").fetchone() == (108,)
    database.close()


def test_read_only_queries_still_work_everywhere(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    for path in (world.stored, world.parquet, world.local):
        assert cli.main(["query", "EXPLAIN SELECT count(*) FROM results", "--db", str(path)]) == 0
        assert cli.main(["query", "SELECT count(*) AS n FROM results", "--db", str(path), "-f", "json"]) == 0
        assert '"n": 108' in capsys.readouterr().out
        assert cli.main(["query", "leaderboard", "--db", str(path), "-f", "csv"]) == 0
    source = open_source(world.stored)
    try:
        result = run_console_query(source.cursor(), "EXPLAIN ANALYZE SELECT framework, count(*) FROM results GROUP BY 1")
        assert result.rows
    finally:
        source.close()


def test_query_streams_and_stops_at_the_limit(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    """A billion-row answer: printing stops at --limit, and nothing holds the rest in memory."""
    sql = "SELECT i, repeat('x', 100) AS pad FROM range(1000000000) t(i)"
    assert cli.main(["query", sql, "--db", str(world.stored), "-f", "csv", "--limit", "5"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[1:] == [f"{i},{'x' * 100}" for i in range(5)]
    assert "stopped at --limit 5 rows" in err


@pytest.mark.parametrize("which", ["stored", "parquet"])
def test_the_engine_wall_holds_even_without_the_gate(world: World, which: str) -> None:
    """The console on a stored file and `fwtui query` use a locked engine: statements the gate would refuse,
    sent to it directly, still cannot read a file, write one, attach, or unlock it."""
    import duckdb

    source = open_source(world.stored if which == "stored" else world.parquet)
    try:
        con = source.user_sql().cursor()
        assert con.execute("SELECT count(*) FROM results").fetchall() == [(108,)]
        before = Snapshot.of(world.root)
        for sql in (
            f"SELECT * FROM read_text({sql_text(str(world.canary))})",
            f"COPY (SELECT 1) TO {sql_text(str(world.out / 'x.csv'))}",
            f"ATTACH {sql_text(str(world.stored))} AS rw (READ_WRITE)",
            "SET enable_external_access = true",
            "SET lock_configuration = false",
            "LOAD httpfs",
            "INSTALL httpfs",
        ):
            with pytest.raises(duckdb.Error):
                con.execute(sql).fetchall()
        _assert_untouched(world, before, "")
    finally:
        source.close()
