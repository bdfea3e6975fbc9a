"""Your own model's results in the results database: stored with the model's identity, grouped by file,
cross-checked again on re-validation, carried by export and import, and opened from an older database."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import duckdb
import pytest
from model_files import onnx_model

from fwtui.bench.byom.model_file import ModelFile, Target, open_model_file
from fwtui.bench.byom.records import model_name, model_records
from fwtui.bench.byom.run import ModelResult
from fwtui.bench.contention import Window
from fwtui.store import SCHEMA_VERSION, open_store
from fwtui.store.browse import Filters, group_rows, group_workload, open_source, result_detail
from fwtui.store.importexport import export_database, import_into

REPO = Path(__file__).resolve().parents[1]
QUIET = Window(wall_s=1.0, own_cpus=1.0, other_cpus=0.05, steal_share=0.0, cpus=2)
SAMPLES = tuple(1.0 + 0.001 * (i % 7) for i in range(60))
MODEL_COLUMNS = "model_name, model_sha256, model_params, model_inputs"


def _fwtui(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [sys.executable, "-m", "fwtui", *args], capture_output=True, text=True, timeout=900, env=env
    )


def _results(
    model: ModelFile, diffs: dict[str, float], precision: dict[str, str] | None = None
) -> list[ModelResult]:
    """Hand-made results of ONNX Runtime targets (real samples and windows, chosen distances)."""
    return [
        _result(model, variant, diff, (precision or {}).get(variant, "float32"))
        for variant, diff in diffs.items()
    ]


def _result(model: ModelFile, variant: str, diff: float, precision: str) -> ModelResult:
    return ModelResult(
        model, Target("onnxruntime", variant), "ok", precision=precision, params=36, input_shapes={"x": [2, 8]},
        samples_ms=SAMPLES, inner_iterations=1, timer_resolution_ns=1.0, contention=QUIET, max_abs_diff=diff,
        tolerance=1e-3,
    )  # fmt: skip


def _save(db: Path, results: list[ModelResult], run_id: str) -> list[str]:
    with open_store(db) as store:
        store.upsert_machine({"machine_id": "box", "label": "box"})
        store.begin_run({"run_id": run_id, "machine_id": "box", "status": "complete"})
        pairs = model_records(results, run_id=run_id, machine_id="box", threads=1)
        return [store.save_result(record, samples) for record, samples in pairs]


def _flags(db: Path) -> dict[str, list[str]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {str(v): list(f) for v, f in con.execute("SELECT variant, flags FROM results").fetchall()}


# --- end to end, from the CLI ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_cli_stores_a_models_results_and_groups_them_by_file(tmp_path: Path) -> None:
    first = onnx_model(tmp_path / "tiny.onnx")
    (tmp_path / "elsewhere").mkdir()
    other = onnx_model(tmp_path / "elsewhere" / "tiny.onnx", celu=True)  # the same name, other content
    db = tmp_path / "results.duckdb"
    for path in (first, first, other):
        done = _fwtui(
            "bench", "--model", str(path), "--input-shape", "x=2x8", "-f", "onnxruntime", "--db", str(db)
        )
        assert done.returncode == 0, done.stderr[-3000:]
        assert "saved" in done.stdout and "model:tiny.onnx" in done.stdout
    sha_first, sha_other = open_model_file(first).sha256, open_model_file(other).sha256
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            f"SELECT run_id, variant, workload, size, status, {MODEL_COLUMNS}, "
            "(SELECT count(*) FROM samples s WHERE s.result_id = r.result_id) FROM results r"
        ).fetchall()
        runs = con.execute("SELECT status, label FROM runs").fetchall()
    assert len({r[0] for r in rows}) == 3 and runs == [("complete", "model:tiny.onnx")] * 3
    for _, variant, workload, size, status, name, sha, params, inputs, samples in rows:
        assert workload == "model:tiny.onnx" and name == "tiny.onnx" and inputs == "x=2x8"
        assert sha in (sha_first, sha_other) and size == sha[:12] and params == 36
        if status == "ok":
            assert samples > 0
        else:  # Celu has no float16 kernel: that target says so, the others go on
            assert (sha, variant, status) == (sha_other, "cpu-fp16", "unsupported")
    # Grouped by workload: both runs of the same file in one group, the other file in its own.
    with closing(open_source(db)) as source:
        groups = group_rows(source.cursor(), Filters(), "workload")
    by_group = {row[0]: row[3] for row in groups}  # group name -> results
    assert by_group == {f"model:tiny.onnx {sha_first[:12]}": 12, f"model:tiny.onnx {sha_other[:12]}": 6}
    assert {group_workload(name) for name in by_group} == {
        "model:tiny.onnx"
    }  # drilling in filters by workload
    done = _fwtui("query", "SELECT count(*) AS n FROM results WHERE model_sha256 = 'x'", "--db", str(db))
    assert done.returncode == 0, done.stderr


# --- the engine's flags, stored and re-validated ---------------------------------------------------------------


def test_a_disagreement_flags_every_stored_result_and_survives_a_forged_import(tmp_path: Path) -> None:
    model = open_model_file(onnx_model(tmp_path / "tiny.onnx"))
    db = tmp_path / "results.duckdb"
    _save(
        db, _results(model, {"cpu-none": 0.0, "cpu-all": 0.5, "cpu-int8": 1e-4}, {"cpu-int8": "int8"}), "r1"
    )
    assert all("output_mismatch" in flags for flags in _flags(db).values())
    # A file claiming no flag, and hiding the one distance that disagreed, is re-validated by the engine.
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE results SET flags = [], max_abs_error = CASE WHEN variant = 'cpu-all' THEN NULL "
                    "ELSE max_abs_error END")  # fmt: skip
    target = tmp_path / "imported.duckdb"
    with open_store(target) as store:
        report = import_into(store, db)
    assert len(report.revalidated) == 3
    assert all("output_mismatch" in flags for flags in _flags(target).values())


def test_agreeing_engines_store_the_same_flags_that_re_validation_computes(tmp_path: Path) -> None:
    model = open_model_file(onnx_model(tmp_path / "tiny.onnx"))
    db = tmp_path / "results.duckdb"
    _save(db, _results(model, {"cpu-none": 0.0, "cpu-all": 1e-6}), "r1")
    stored = _flags(db)
    assert stored == {"cpu-none": [], "cpu-all": []}
    target = tmp_path / "imported.duckdb"
    with open_store(target) as store:
        import_into(store, db)
    assert _flags(target) == stored


# --- export, import and an older database ----------------------------------------------------------------------


def test_export_and_import_keep_the_model_columns(tmp_path: Path) -> None:
    model = open_model_file(onnx_model(tmp_path / "tiny.onnx"))
    db = tmp_path / "results.duckdb"
    _save(db, _results(model, {"cpu-none": 0.0, "cpu-all": 1e-6}), "r1")
    with duckdb.connect(str(db), read_only=True) as con:
        before = sorted(con.execute(f"SELECT result_id, {MODEL_COLUMNS} FROM results").fetchall())
    assert before[0][1:] == ("tiny.onnx", model.sha256, 36, "x=2x8")
    with open_store(db) as store:
        export_database(store.connection, tmp_path / "parquet", "parquet")
        export_database(store.connection, tmp_path / "csv", "csv")
    with (tmp_path / "csv" / "results.csv").open() as handle:
        exported = [(r["result_id"], r["model_name"], r["model_sha256"], int(r["model_params"]), r["model_inputs"])
                    for r in csv.DictReader(handle)]  # fmt: skip
    assert sorted(exported) == before
    with closing(open_source(tmp_path / "parquet")) as source:  # browsed straight from the export
        detail = result_detail(source.cursor(), before[0][0])
    assert detail is not None and detail["model_sha256"] == model.sha256
    target = tmp_path / "imported.duckdb"
    with open_store(target) as store:
        import_into(store, tmp_path / "parquet")
        after = sorted(store.cursor().execute(f"SELECT result_id, {MODEL_COLUMNS} FROM results").fetchall())
    assert after == before


def test_a_version_2_database_opens_with_the_model_columns_added(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    open_store(path).close()
    with duckdb.connect(str(path)) as con:  # the version 2 layout: without the model's columns
        for column in ("model_name", "model_sha256", "model_params", "model_inputs"):
            con.execute(f"ALTER TABLE results DROP COLUMN {column}")
        con.execute("UPDATE schema_info SET value = '2' WHERE key = 'schema_version'")
        con.execute(
            "INSERT INTO results (result_id, framework, workload, status) VALUES ('old', 'torch', 'mlp', 'ok')"
        )
    with open_store(path) as store:
        assert store.schema_version == SCHEMA_VERSION == 4
        assert store.get_info("migrated_from") == "2"
        row = (
            store.cursor().execute(f"SELECT {MODEL_COLUMNS} FROM results WHERE result_id = 'old'").fetchone()
        )
    assert row == (None, None, None, None)  # not a user's model
    assert len(list(tmp_path.glob("old.duckdb.bak-v2-*"))) == 1
    model = open_model_file(onnx_model(tmp_path / "tiny.onnx"))
    _save(path, _results(model, {"cpu-none": 0.0}), "r1")  # the upgraded file takes a model's results
    with closing(open_source(path)) as source:
        groups = {row[0] for row in group_rows(source.cursor(), Filters(), "workload")}
    assert groups == {"mlp", f"model:tiny.onnx {model.sha256[:12]}"}


# --- untrusted names -------------------------------------------------------------------------------------------


def test_a_model_name_is_a_file_name_made_printable() -> None:
    assert model_name("/home/me/models/resnet.onnx") == "resnet.onnx"
    assert model_name("C:\\models\\net.onnx") == "net.onnx"
    assert model_name("evil\x1b]52;c;AAAA\x07.onnx") == "evil\\x1b]52;c;AAAA\\x07.onnx"
    assert len(model_name("a" * 500 + ".onnx")) == 120


def test_an_imported_model_name_is_shown_escaped(tmp_path: Path) -> None:
    model = open_model_file(onnx_model(tmp_path / "tiny.onnx"))
    db = tmp_path / "results.duckdb"
    (result_id,) = _save(db, _results(model, {"cpu-none": 0.0}), "r1")
    with duckdb.connect(str(db)) as con:  # a name that reads backwards on a terminal
        con.execute("UPDATE results SET model_name = 'x\u202eonnx.exe', model_inputs = '[b]x[/b]=1'")
    target = tmp_path / "imported.duckdb"
    with open_store(target) as store:
        import_into(store, db)
    with closing(open_source(target)) as source:
        detail = result_detail(source.cursor(), result_id)
    assert detail is not None and detail["model_name"] == "x\\u202eonnx.exe"
    done = _fwtui("query", "SELECT model_name FROM results", "--db", str(target), "--format", "csv")
    assert done.returncode == 0 and "x\\u202eonnx.exe" in done.stdout and "\u202e" not in done.stdout
