"""The write API the benchmark engine uses, and the bundled sample data."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from results_fixtures import build_dataset, bundled_sample_results, populate, write_jsonl

from fwtui.store import StoreError, open_store
from fwtui.store.sample import (
    ensure_first_launch,
    load_sample_data,
    remove_sample_data,
    sample_sources,
    sample_status,
)


def _rows(store, sql: str, params=None):  # type: ignore[no-untyped-def]
    return store.connection.execute(sql, params or []).fetchall()


def test_a_benchmark_run_round_trips_through_the_write_api(tmp_path: Path) -> None:
    with open_store(tmp_path / "r.duckdb") as store:
        machine_id = store.upsert_machine({"machine_id": "m1", "label": "box", "cpu_flags": ["avx2"],
                                           "peak_gflops": {"cpu": {"float32": 100.0}}})  # fmt: skip
        run_id = store.begin_run({"machine_id": machine_id, "command": "fwtui bench", "threads": 2})
        assert _rows(store, "SELECT status, finished_at FROM runs") == [("running", None)]
        record = {
            "run_id": run_id, "machine_id": machine_id, "created_at": "2026-05-01T10:00:00+02:00",
            "framework": "torch", "variant": "eager", "workload": "mlp", "mode": "inference",
            "scenario": "latency", "batch_size": 1, "status": "ok", "n": 3,
            "latency_ms": {"p50": 2.0, "p90": 2.9, "p95": 2.95, "p99": 2.99, "mean": 2.0, "stdev": 1.0,
                           "min": 1.0, "max": 3.0},
            "ci95_ms": [1.5, 2.5], "throughput_samples_per_s": 500.0, "cv": float("nan"),
            "phases_s": {"import": 1.5, "build": 0.2, "first_call": 0.1, "compile": None, "warmup": 0.3,
                         "measure": 0.4},
            "flags": ["high_variance"], "details": {"note": "x"},
        }  # fmt: skip
        result_id = store.save_result(record, [1.0, 2.0, 3.0])
        store.finish_run(run_id, "complete")

        row = _rows(store, "SELECT created_at, p50_ms, ci95_low_ms, ci95_high_ms, import_s, compile_s, cv, flags, "
                           "details->>'note', throughput_samples_per_s FROM results WHERE result_id = ?", [result_id])  # fmt: skip
        assert row[0][0].isoformat() == "2026-05-01T08:00:00"  # stored as UTC
        assert row[0][1:] == (2.0, 1.5, 2.5, 1.5, None, None, ["high_variance"], "x", 500.0)
        assert _rows(store, "SELECT seq, ms FROM samples ORDER BY seq") == [(0, 1.0), (1, 2.0), (2, 3.0)]
        assert _rows(store, "SELECT status FROM runs")[0][0] == "complete"
        assert _rows(store, "SELECT finished_at IS NOT NULL FROM runs")[0][0] is True


def test_upsert_machine_keeps_first_seen_and_moves_last_seen(tmp_path: Path) -> None:
    with open_store(tmp_path / "r.duckdb") as store:
        store.upsert_machine({"machine_id": "m1", "label": "old name"})
        first = _rows(store, "SELECT first_seen, last_seen FROM machines")[0]
        time.sleep(0.01)
        store.upsert_machine({"machine_id": "m1", "label": "new name"})
        again = _rows(store, "SELECT label, first_seen, last_seen FROM machines")
        assert len(again) == 1
        assert again[0][0] == "new name"
        assert again[0][1] == first[0]
        assert again[0][2] > first[1]
        with pytest.raises(StoreError, match="machine_id"):
            store.upsert_machine({"label": "nameless"})


def test_a_failing_result_write_leaves_nothing_behind(tmp_path: Path) -> None:
    with open_store(tmp_path / "r.duckdb") as store:
        store.save_result({"result_id": "dup", "framework": "torch"}, [1.0, 2.0])
        with pytest.raises(Exception, match=r"(?i)constraint"):
            store.save_result({"result_id": "dup", "framework": "jax"}, [9.0] * 500)
        assert _rows(store, "SELECT framework FROM results") == [("torch",)]
        assert _rows(store, "SELECT count(*) FROM samples") == [(2,)]
        # The connection is usable afterwards.
        store.save_result({"result_id": "next", "framework": "jax"}, [3.0])
        assert _rows(store, "SELECT count(*) FROM results") == [(2,)]


def test_many_samples_are_stored_in_order(tmp_path: Path) -> None:
    samples = [0.001 * i for i in range(50_000)]
    with open_store(tmp_path / "r.duckdb") as store:
        rid = store.save_result({"framework": "torch"}, samples)
        stored = _rows(
            store, "SELECT count(*), min(seq), max(seq), sum(ms) FROM samples WHERE result_id = ?", [rid]
        )
    assert stored[0][:3] == (50_000, 0, 49_999)
    assert stored[0][3] == pytest.approx(sum(samples))


def test_first_launch_loads_sample_data_once_and_remove_keeps_it_out(tmp_path: Path) -> None:
    directory = tmp_path / "sample_data"
    directory.mkdir()
    write_jsonl(directory / "bench.jsonl")
    expected = sum(1 for item in build_dataset() if item["kind"] == "result")
    with open_store(tmp_path / "r.duckdb") as store:
        report = ensure_first_launch(store, directory)
        assert report is not None and report.added["results"] == expected
        assert _rows(store, "SELECT DISTINCT source FROM results") == [("sample",)]
        assert ensure_first_launch(store, directory) is None  # second launch: nothing more
        assert load_sample_data(store, directory).added["results"] == 0  # reload adds no duplicates

        counts = remove_sample_data(store)
        assert counts["results"] == expected
        assert _rows(store, "SELECT count(*) FROM results") == [(0,)]
        assert _rows(store, "SELECT count(*) FROM samples") == [(0,)]
        assert _rows(store, "SELECT count(*) FROM machines") == [(0,)]
        assert ensure_first_launch(store, directory) is None  # removed stays removed
        assert store.get_info("sample_data") == "removed"
        assert load_sample_data(store, directory).added["results"] == expected


def test_sample_data_never_loads_over_existing_results(tmp_path: Path) -> None:
    directory = tmp_path / "sample_data"
    directory.mkdir()
    write_jsonl(directory / "bench.jsonl")
    with open_store(tmp_path / "r.duckdb") as store:
        store.save_result({"framework": "torch", "status": "ok"}, [1.0])
        assert ensure_first_launch(store, directory) is None
        assert _rows(store, "SELECT count(*) FROM results") == [(1,)]


def test_remove_keeps_real_results_of_the_same_machine(tmp_path: Path) -> None:
    directory = tmp_path / "sample_data"
    directory.mkdir()
    write_jsonl(directory / "bench.jsonl")
    with open_store(tmp_path / "r.duckdb") as store:
        load_sample_data(store, directory)
        run = store.begin_run({"machine_id": "m-cpu-box"})
        store.save_result({"run_id": run, "machine_id": "m-cpu-box", "framework": "jax"}, [1.0])
        remove_sample_data(store)
        assert _rows(store, "SELECT framework, source FROM results") == [("jax", "local")]
        assert _rows(store, "SELECT machine_id FROM machines") == [("m-cpu-box",)]


def test_the_shipped_published_table_is_labelled_and_flagged_honestly(tmp_path: Path) -> None:
    assert any(p.name == "external_published_blog_table.jsonl" for p in sample_sources())
    with open_store(tmp_path / "r.duckdb") as store:
        load_sample_data(store)
        assert _rows(store, "SELECT label, source FROM machines WHERE source = 'external'") == [
            ("external: published blog table (unverified)", "external")
        ]
        rows = {
            (fw, mode): (status, flags, reason, mean, thr)
            for fw, mode, status, flags, reason, mean, thr in _rows(
                store,
                "SELECT framework, mode, status, flags, reason, mean_ms, throughput_samples_per_s "
                "FROM results WHERE source = 'external'",
            )
        }
        # The file carries no flags: the engine's are no samples (nothing can be verified) and, where latency
        # and throughput contradict each other (0.12 ms per call yet 138.5 samples/s at batch 1), that too.
        assert rows[("torch", "inference")][1] == ["no_samples", "inconsistent_stats"]
        assert (rows[("torch", "inference")][3], rows[("torch", "inference")][4]) == (0.12, 138.5)
        assert "no_samples" in rows[("onnxruntime", "inference")][1]
        assert rows[("onnxruntime", "training")][0] == "unsupported"
        assert "ONNX Runtime does not train" in rows[("onnxruntime", "training")][2]
        assert rows[("onnxruntime", "training")][1] == []
        assert "no_samples" in rows[("jax", "training")][1]
        assert rows[("jax", "training")][3] is None  # a published 0.00 s is not stored as a time
        status = sample_status(store)
        assert status["state"] == "loaded" and status["sample_results"] == bundled_sample_results()[0]
        remove_sample_data(store)
        assert _rows(store, "SELECT count(*) FROM results") == [(0,)]


def test_a_broken_sample_file_is_a_clear_error_and_loads_nothing(tmp_path: Path) -> None:
    directory = tmp_path / "sample_data"
    directory.mkdir()
    items = build_dataset()[:6]
    lines = [json.dumps(i) for i in items] + ["{not json"]
    (directory / "broken.jsonl").write_text("\n".join(lines) + "\n")
    with open_store(tmp_path / "r.duckdb") as store:
        with pytest.raises(StoreError, match=r"broken\.jsonl line 7: not JSON"):
            load_sample_data(store, directory)
        assert _rows(store, "SELECT count(*) FROM results") == [(0,)]
        assert store.get_info("sample_data") is None


def test_populate_writes_everything_from_a_worker_thread(tmp_path: Path) -> None:
    import threading

    errors: list[BaseException] = []
    with open_store(tmp_path / "r.duckdb") as store:

        def work() -> None:
            try:
                populate(store)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        thread = threading.Thread(target=work)
        thread.start()
        thread.join(timeout=120)
        assert not errors
        count = _rows(store, "SELECT count(*) FROM results")[0][0]
    assert count == sum(1 for item in build_dataset() if item["kind"] == "result")
