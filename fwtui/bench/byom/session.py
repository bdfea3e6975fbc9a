"""One ``--model`` benchmark as a run: measured, cross-checked and saved through a :class:`ResultSink`.

The CLI (``OnSaveFailure.ABORT``) and the Benchmark area (``CONTINUE_UNSAVED``, through the app's database
handle) both run a user's model here, so its results reach the store the way every result does: the machine
and a ``running`` run first (a run whose process dies reads as interrupted later), then each record with its
samples in one transaction, then the run's status.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from fwtui.bench.byom.model_file import ModelFile
from fwtui.bench.byom.records import model_records, model_size, model_workload
from fwtui.bench.byom.run import ModelResult, run_model
from fwtui.bench.result_record import ResultRecord
from fwtui.bench.sink import ResultSink


@dataclass(frozen=True)
class ModelRun:
    """What one ``--model`` benchmark produced: each target's result (``--json``) and its stored record."""

    model: ModelFile
    results: tuple[ModelResult, ...]
    records: tuple[ResultRecord, ...]
    run_id: str | None


def run_and_save(
    model: ModelFile,
    input_shapes: dict[str, tuple[int, ...]],
    sink: ResultSink | None,
    *,
    threads: int = 1,
    timeout_s: float = 600.0,
    only: list[str] | None = None,
    command: str = "fwtui bench --model",
    label: str | None = None,
    on_target: Callable[[int, int, str], None] | None = None,
) -> ModelRun:
    """Run ``model`` in every engine that runs it and save the cross-checked records through ``sink``.

    Raises what :func:`run_model` raises (a missing input shape, a model no engine runs); the run is then
    marked failed. ``on_target(done, total, name)`` is told as each engine starts.
    """
    machine_id, run_id = _begin(model, sink, threads, command, label)
    status = "failed"
    try:
        results = run_model(model, input_shapes, threads=threads, timeout_s=timeout_s, only=only,
                            on_start=on_target)  # fmt: skip
        pairs = model_records(results, run_id=run_id, machine_id=machine_id, threads=threads)
        for record, samples in pairs:
            if sink is not None:
                sink.save(record, samples)
        status = "complete"
    finally:
        if sink is not None:
            sink.finish_run(run_id, status)
    records = tuple(record for record, _ in pairs)
    # The --json lines carry the stored flags: the engine's, computed from the record.
    shown = tuple(replace(r, flags=record.flags) for r, record in zip(results, records, strict=True))
    return ModelRun(model, shown, records, run_id)


def _begin(
    model: ModelFile, sink: ResultSink | None, threads: int, command: str, label: str | None
) -> tuple[str | None, str | None]:
    if sink is None or sink.store is None:
        return None, None
    from fwtui.bench.environment import machine, run_environment

    hw = machine()
    run = {
        "command": command,
        "preset": None,
        "size": model_size(model),
        "device": "cpu",
        "threads": threads,
        "status": "running",
        "source": "local",
        "label": label or model_workload(model),
        "environment": run_environment([], command, hw, threads=threads),
    }
    return sink.begin_run(hw, run)
