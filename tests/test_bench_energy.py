"""Energy per sample: RAPL read from a powercap tree (fake ones built from real files in tmp_path, and this
machine's own), NVML where there is a GPU, pooled across processes, stored, exported, upgraded and shown.

A fake tree is a directory of ``intel-rapl:<n>`` folders holding ``energy_uj`` and ``max_energy_range_uj``
files, as Linux lays them out; ``$FWTUI_POWERCAP_ROOT`` points the benchmark children at one.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from rich.console import Console

from fwtui import units
from fwtui.bench import energy
from fwtui.bench.events import ChildResult
from fwtui.bench.repetition import combine
from fwtui.bench.result_record import ResultRecord
from fwtui.bench.session import BenchSession
from fwtui.bench.sink import OnSaveFailure, ResultSink
from fwtui.bench.spec import RunSpec
from fwtui.hardware.gpus import probe_nvidia
from fwtui.store import SCHEMA_VERSION, open_store
from fwtui.store.importexport import export_database, import_into
from screens.results.render import detail_renderable

FAST = {"min_time_s": 0.05, "min_iterations": 5, "max_time_s": 0.5, "warmup_s": 0.01, "threads": 1}


def _domain(root: Path, name: str, energy_uj: int, max_range_uj: int = 262_143_328_850) -> Path:
    domain = root / name
    domain.mkdir(parents=True, exist_ok=True)
    (domain / "name").write_text("package-0\n")
    _write_counter(domain, energy_uj)
    (domain / "max_energy_range_uj").write_text(f"{max_range_uj}\n")
    return domain


def _write_counter(domain: Path, energy_uj: int) -> None:
    """Replace the counter atomically, as the kernel's one read of it is."""
    partial = domain / "energy_uj.partial"
    partial.write_text(f"{energy_uj}\n")
    os.replace(partial, domain / "energy_uj")


# --- the RAPL meter on fake trees ----------------------------------------------------------------------------


def test_rapl_sums_the_package_domains_only(tmp_path: Path) -> None:
    first, second = _domain(tmp_path, "intel-rapl:0", 1_000), _domain(tmp_path, "intel-rapl:1", 5_000)
    core = _domain(tmp_path, "intel-rapl:0:0", 0)  # part of package 0: counting it would count twice
    mmio = _domain(tmp_path, "intel-rapl-mmio:0", 0)  # package 0 again, through MMIO
    meter = energy.meter_for("cpu", powercap_root=tmp_path)
    assert isinstance(meter, energy.RaplMeter) and [d.name for d in meter.domains] == [
        "intel-rapl:0",
        "intel-rapl:1",
    ]
    meter.start()
    _write_counter(first, 1_000 + 2_000_000)
    _write_counter(second, 5_000 + 1_000_000)
    _write_counter(core, 9_000_000)
    _write_counter(mmio, 9_000_000)
    reading = meter.stop()
    assert reading == energy.EnergyReading(3.0, None, energy.RAPL_SCOPE)
    assert reading.per_sample(1500) == (pytest.approx(0.002), None)


def test_rapl_counter_wrapping_around_adds_its_range(tmp_path: Path) -> None:
    domain = _domain(tmp_path, "intel-rapl:0", 9_500_000, max_range_uj=10_000_000)
    meter = energy.meter_for("cpu", powercap_root=tmp_path)
    meter.start()
    _write_counter(domain, 500_000)  # passed 10 J and started again from 0
    assert meter.stop().joules == pytest.approx(1.0)


def test_a_wrap_with_an_unreadable_range_is_a_reason_not_a_guess(tmp_path: Path) -> None:
    domain = _domain(tmp_path, "intel-rapl:0", 9_500_000)
    (domain / "max_energy_range_uj").unlink()
    meter = energy.meter_for("cpu", powercap_root=tmp_path)
    meter.start()
    _write_counter(domain, 500_000)
    reading = meter.stop()
    assert reading.joules is None
    assert (
        reading.reason
        == "RAPL counter intel-rapl:0/max_energy_range_uj unreadable: No such file or directory"
    )


def test_no_powercap_tree_or_no_package_domain_is_no_rapl(tmp_path: Path) -> None:
    for root in (tmp_path / "absent", tmp_path):
        meter = energy.meter_for("cpu", powercap_root=root)
        meter.start()
        assert meter.stop() == energy.EnergyReading(None, energy.NO_RAPL)
    _domain(tmp_path, "intel-rapl:0:0", 0)  # a sub-domain alone is no package
    assert energy.meter_for("cpu", powercap_root=tmp_path).stop().reason == energy.NO_RAPL


def test_a_counter_that_did_not_move_or_is_not_a_number_gives_the_reason(tmp_path: Path) -> None:
    domain = _domain(tmp_path, "intel-rapl:0", 42)
    meter = energy.meter_for("cpu", powercap_root=tmp_path)
    meter.start()
    reading = meter.stop()
    assert reading.joules is None and reading.reason == energy.NOT_ADVANCED
    assert reading.per_sample(100) == (None, energy.NOT_ADVANCED)  # never 0 J
    (domain / "energy_uj").write_text("garbage\n")
    meter.start()
    assert meter.stop().reason == "RAPL counter intel-rapl:0/energy_uj is not a number"


def test_root_only_counters_say_so(tmp_path: Path) -> None:
    """Linux 5.10 and later make energy_uj readable by root only (mode 0400): a user's run gets the reason."""
    root = Path(tempfile.mkdtemp(prefix="powercap-", dir="/tmp"))  # somewhere an unprivileged user can reach
    try:
        root.chmod(0o755)
        domain = _domain(root, "intel-rapl:0", 1_000)
        domain.chmod(0o755)
        (domain / "energy_uj").chmod(0o000)  # the kernel's 0400 root:root, as an unprivileged reader meets it
        assert _reason_as_a_user(root) == energy.RAPL_ROOT_ONLY
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _reason_as_a_user(powercap_root: Path) -> str:
    """The meter's reason, read by a forked process that is not root (root reads any file)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop root, read, report, exit without running the parent's cleanup
        try:
            os.close(read_end)
            if os.geteuid() == 0:
                os.setgid(65534)
                os.setuid(65534)
            meter = energy.meter_for("cpu", powercap_root=powercap_root)
            meter.start()
            os.write(write_end, str(meter.stop().reason).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        reason = pipe.read().decode()
    os.waitpid(pid, 0)
    return reason


def test_a_gpu_without_nvml_or_an_unknown_device_gives_the_reason() -> None:
    status, gpus = probe_nvidia()
    reading = energy.meter_for("cuda:0").stop()
    if not status.available:
        assert reading.joules is None and reading.reason and str(status.reason).startswith(reading.reason)
    else:  # a real NVIDIA GPU: its energy counter, or why not
        assert reading.joules is None and reading.reason is not None and gpus
    assert energy.meter_for("tpu").stop().reason == "no energy counter for device 'tpu'"
    assert energy.EnergyReading(1.0).per_sample(0) == (None, "no samples were measured")


# --- pooled across processes, carried by the records ---------------------------------------------------------


def _child(value: float | None, reason: str | None = None) -> ChildResult:
    return ChildResult(
        scenario="latency", batch_size=1, status="ok", samples_ms=(1.0, 1.1, 0.9), inner_iterations=1,
        energy_j_per_sample=value, energy_reason=reason,
    )  # fmt: skip


def test_processes_pool_to_their_median_or_to_the_reason_one_lacks() -> None:
    pooled = combine([_child(0.003), _child(0.001), _child(0.002)])
    assert (pooled.energy_j_per_sample, pooled.energy_reason) == (pytest.approx(0.002), None)
    pooled = combine([_child(0.003), _child(None, energy.RAPL_ROOT_ONLY), _child(0.002)])
    assert (pooled.energy_j_per_sample, pooled.energy_reason) == (None, energy.RAPL_ROOT_ONLY)
    event = _child(0.5)
    assert ChildResult.from_dict(json.loads(json.dumps(event.to_dict()))) == event


def test_joules_are_written_in_the_unit_that_keeps_them_above_one() -> None:
    assert [units.joules(v) for v in (1.234, 0.0031, 0.000412, 0.99996, None, float("nan"))] == [
        "1.23 J", "3.10 mJ", "412 µJ", "1.00 J", "—", "—",
    ]  # fmt: skip


# --- real runs, stored ---------------------------------------------------------------------------------------


def _ort_mlp() -> RunSpec:
    spec = RunSpec(
        framework="onnxruntime", workload="mlp", mode="inference", variant="ort", device="cpu", timeout_s=120
    )
    return spec.with_changes(**FAST)


def _stored_energy(path: Path) -> list[tuple[str, float | None, str | None, str | None]]:
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(
            "SELECT status, energy_j_per_sample, energy_reason, details->>'energy_scope' FROM results ORDER BY scenario"
        ).fetchall()
    return [(str(r[0]), r[1], r[2], r[3]) for r in rows]


def _bench_into(path: Path, spec: RunSpec) -> list[ResultRecord]:
    pytest.importorskip("onnxruntime")
    store = open_store(path)
    try:
        return BenchSession([spec], sink=ResultSink(store, OnSaveFailure.ABORT)).run()
    finally:
        store.close()


def test_a_real_run_stores_energy_or_null_with_the_reason(tmp_path: Path) -> None:
    """This machine's own counters: a positive figure where RAPL is readable, else NULL and why (never 0)."""
    records = _bench_into(tmp_path / "results.duckdb", _ort_mlp().with_changes(repetitions=2))
    assert [r.status for r in records] == ["ok", "ok"]
    rows = _stored_energy(tmp_path / "results.duckdb")
    reading = energy.meter_for("cpu")
    for status, value, reason, scope in rows:
        assert status == "ok"
        if value is not None:
            assert value > 0 and reason is None and scope == energy.RAPL_SCOPE
        else:
            assert reason  # why there is none
            if isinstance(reading, energy.Unavailable):
                assert reason == reading.reason == energy.NO_RAPL


@pytest.fixture
def advancing_counter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fake package whose counter rises 1 J a second while the benchmark runs (a real file, rewritten)."""
    root = tmp_path / "powercap"
    domain = _domain(root, "intel-rapl:0", 0)
    stop = threading.Event()

    def tick() -> None:
        spent = 0
        while not stop.wait(0.001):
            spent += 1_000
            _write_counter(domain, spent)

    monkeypatch.setenv(energy.POWERCAP_ROOT_ENV, str(root))
    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    yield root
    stop.set()
    ticker.join()


def test_a_readable_counter_is_stored_as_energy_per_sample(advancing_counter: Path, tmp_path: Path) -> None:
    path = tmp_path / "results.duckdb"
    records = _bench_into(path, _ort_mlp())
    for record in records:
        assert (
            record.status == "ok" and record.energy_j_per_sample is not None and record.energy_reason is None
        )
        assert (
            record.n is not None
            and record.inner_iterations is not None
            and record.phases_s.measure is not None
        )
        # At most 1 J a second over the measure phase, shared by every sample computed in it.
        examples = record.n * record.inner_iterations * record.batch_size
        assert 0 < record.energy_j_per_sample * examples <= record.phases_s.measure * 1.5
    rows = _stored_energy(path)
    assert [(r[1], r[3]) for r in rows] == [(r.energy_j_per_sample, energy.RAPL_SCOPE) for r in records]

    # Exported and imported with the rest; CSV holds the columns too.
    with open_store(path, read_only=True) as store:
        export_database(store.connection, tmp_path / "parquet", "parquet")
        export_database(store.connection, tmp_path / "csv", "csv")
    with (tmp_path / "csv" / "results.csv").open() as handle:
        exported = sorted(float(row["energy_j_per_sample"]) for row in csv.DictReader(handle))
    assert exported == pytest.approx(sorted(r.energy_j_per_sample or 0 for r in records))
    with open_store(tmp_path / "imported.duckdb") as local:
        import_into(local, tmp_path / "parquet")
    assert [(r[1], r[3]) for r in _stored_energy(tmp_path / "imported.duckdb")] == [
        (r[1], r[3]) for r in rows
    ]


# --- an older database, the detail view ----------------------------------------------------------------------


def test_a_schema_3_database_gains_the_energy_columns_null(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    open_store(path).close()
    with duckdb.connect(str(path)) as con:  # the version 3 layout: without the two columns
        for column in ("energy_j_per_sample", "energy_reason"):
            con.execute(f"ALTER TABLE results DROP COLUMN {column}")
        con.execute("UPDATE schema_info SET value = '3' WHERE key = 'schema_version'")
        con.execute("INSERT INTO results (result_id, framework, status) VALUES ('old', 'torch', 'ok')")
    with open_store(path) as store:
        assert store.schema_version == SCHEMA_VERSION == 4
        row = (
            store.cursor()
            .execute("SELECT energy_j_per_sample, energy_reason FROM results WHERE result_id = 'old'")
            .fetchone()
        )
    assert row == (None, None)  # an older result never read a counter: unknown, not 0
    assert list(tmp_path.glob("old.duckdb.bak-v3-*"))  # the upgrade kept a backup


def _detail_text(detail: dict[str, object]) -> str:
    import numpy as np

    console = Console(width=120, record=True, color_system=None)
    console.print(detail_renderable(detail, np.array([1.0, 1.1]), {}))
    return " ".join(console.export_text().split())  # one space between words, whatever the widths


def test_the_detail_view_shows_energy_its_scope_or_why_not() -> None:
    base = {"status": "ok", "framework": "onnxruntime", "variant": "ort", "workload": "mlp", "flags": []}
    text = _detail_text(
        {**base, "energy_j_per_sample": 0.0031, "details": json.dumps({"energy_scope": energy.RAPL_SCOPE})}
    )
    assert "energy per sample 3.10 mJ" in text and f"energy measured {energy.RAPL_SCOPE}" in text
    text = _detail_text({**base, "energy_j_per_sample": None, "energy_reason": "root only\x1b[31m"})
    assert "energy per sample —" in text and "energy is — root only" in text and "\x1b" not in text


# --- your own model ------------------------------------------------------------------------------------------


def test_a_models_records_carry_energy_per_input_sample_or_the_reason(tmp_path: Path) -> None:
    from model_files import onnx_model

    from fwtui.bench.byom.model_file import Target, open_model_file
    from fwtui.bench.byom.records import model_records
    from fwtui.bench.byom.run import ModelResult

    model = open_model_file(onnx_model(tmp_path / "tiny.onnx"))
    samples = tuple(1.0 + 0.001 * (i % 7) for i in range(60))
    common = {"params": 36, "input_shapes": {"x": [2, 8]}, "samples_ms": samples, "inner_iterations": 3}
    read = ModelResult(
        model, Target("onnxruntime", "cpu"), "ok", energy_j=0.72, energy_scope=energy.RAPL_SCOPE, **common
    )
    unread = ModelResult(
        model, Target("onnxruntime", "cpu-fp16"), "ok", energy_reason=energy.NO_RAPL, **common
    )
    [(first, _), (second, _)] = model_records([read, unread], run_id="r", machine_id="m", threads=1)
    assert first.energy_j_per_sample == pytest.approx(0.72 / (60 * 3 * 2)) and first.energy_reason is None
    assert (
        first.details.measurement is not None and first.details.measurement.energy_scope == energy.RAPL_SCOPE
    )
    assert (second.energy_j_per_sample, second.energy_reason) == (None, energy.NO_RAPL)


@pytest.mark.slow
def test_the_model_cli_stores_the_energy_its_child_read(advancing_counter: Path, tmp_path: Path) -> None:
    from model_files import onnx_model

    pytest.importorskip("onnxruntime")
    db = tmp_path / "results.duckdb"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run(
        [sys.executable, "-m", "fwtui", "bench", "--model", str(onnx_model(tmp_path / "tiny.onnx")),
         "--input-shape", "x=2x8", "-f", "onnxruntime", "--db", str(db)],
        capture_output=True, text=True, timeout=600, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [r for r in _stored_energy(db) if r[0] == "ok"]
    assert rows and all(
        value is not None and value > 0 and scope == energy.RAPL_SCOPE for _, value, _, scope in rows
    )
