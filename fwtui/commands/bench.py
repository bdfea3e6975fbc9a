"""`fwtui bench`: run benchmarks headlessly, with live progress on a terminal or JSON records for scripts."""

from __future__ import annotations

import argparse
import math
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from fwtui import units
from fwtui.bench.limits import MAX_BATCH, MAX_THREADS, parse_count, parse_counts

if TYPE_CHECKING:
    from fwtui.bench.events import SessionEvent
    from fwtui.bench.session import BenchSession

_EPILOG = """\
Every NAME option is repeatable and accepts comma lists (--framework torch,jax).
Unsupported combinations (ONNX Runtime training) are reported as unsupported with a reason, never as 0;
frameworks that are not installed are reported as skipped with the command that installs them.
--model PATH benchmarks your own model instead: a .keras file on each Keras backend and in ONNX Runtime
(through Keras' ONNX export), an .onnx file in ONNX Runtime (each execution provider and optimisation level,
an fp16 and an int8 copy), a torch.export .pt2 archive in PyTorch eager, torch.compile and ONNX Runtime.
Inputs are seeded random data of the model's own signature; the engines' outputs are checked against each
other. Model files are untrusted: nothing in them is unpickled or executed.
Exit status: 0 when the run completed (even if some results failed), 1 on a fatal error, 2 on bad usage,
3 with --fail-on-error when a benchmark failed, timed out or was skipped (a scheduler can retry it), 130 after
Ctrl-C and 143 after SIGTERM (the running benchmark is stopped, finished results are kept).
FWTUI_MACHINE_NAME names this machine in the results (default: the hostname): set it to the node's name
where the hostname changes with every job (a Kubernetes pod)."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="benchmark the frameworks on this machine",
        description=(
            "Time PyTorch, TensorFlow, JAX, ONNX Runtime, Keras 3 (on each backend) and scikit-learn on the same "
            "workloads, each in its own process, "
            "after checking every framework's outputs against a NumPy reference. Results go to the results "
            "database unless --no-save."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from fwtui.frameworks import ALL_VARIANTS, BY_NAME

    add = parser.add_argument
    add("--framework", "-f", action="append", metavar="NAME", help=", ".join(BY_NAME))
    add("--workload", "-w", action="append", metavar="NAME",
        help="mlp, cnn, transformer, gemm; the real models resnet50, bert-base, gpt2")  # fmt: skip
    add("--mode", "-m", action="append", metavar="MODE", help="inference, training")
    add("--variant", action="append", metavar="NAME", help=", ".join(ALL_VARIANTS) + " (keras: its backend)")
    add("--precision", action="append", metavar="NAME",
        help="float32 (default), bfloat16, float16, int8; a list runs each one")  # fmt: skip
    add("--batch", type=_bounded_list(MAX_BATCH), metavar="N[,N...]",
        help="batch size for the throughput and training scenarios; a list sweeps them (1,2,4,8)")  # fmt: skip
    add("--size", choices=("small", "medium", "large"),
        help="workload size (default: the preset's; small, or large for models)")  # fmt: skip
    add("--device", default="auto", help="auto (cuda if an NVIDIA GPU is visible), cpu or cuda")
    add("--threads", type=_bounded_list(MAX_THREADS), metavar="N[,N...]",
        help="threads per framework (default: physical cores); a list sweeps them (1,2)")  # fmt: skip
    add("--preset", default="quick", help="quick (about a minute), standard, full or models")
    add("--db", metavar="PATH", help="results database (default: $FWTUI_DB or the data directory)")
    add("--no-save", action="store_true", help="do not write results to the database")
    add("--timeout", type=_positive_float, metavar="S", help="seconds each benchmark process may run")
    add("--memory-limit", type=_positive_float, metavar="MB", help="stop a benchmark process whose memory exceeds MB")
    add("--repetitions", type=_bounded_int(MAX_REPETITIONS), metavar="N",
        help="independent processes per result (default: the preset's; significance needs at least 2)")  # fmt: skip
    add("--label", help="a label stored with the run")
    add("--json", action="store_true", help="print one JSON result record per line on stdout, nothing else")
    add("--model", metavar="PATH", help="benchmark your own model (.keras, .onnx or .pt2) in every engine that runs it")
    add("--input-shape", action="append", metavar="NAME=DIMS",
        help="with --model: fix an input's dynamic dimensions, e.g. x=1x3x224x224 (repeatable)")  # fmt: skip
    add(
        "--fail-on-error",
        action="store_true",
        help="exit 3 when any benchmark failed, timed out or was skipped (for schedulers and CI)",
    )


MAX_REPETITIONS = 100


def _bounded_int(maximum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            return parse_count(text, maximum)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a finite number above 0, got {text}")
    return value


def _bounded_list(maximum: int) -> Callable[[str], list[int]]:
    """``"1,2,4"`` as ``[1, 2, 4]``; argparse turns the error into a one-line usage error."""

    def parse(text: str) -> list[int]:
        try:
            return parse_counts(text, maximum)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


def run(args: argparse.Namespace) -> int:
    if args.model is not None or args.input_shape:
        from fwtui.commands.bench_model import run_model_command

        return run_model_command(args)
    import json
    import sys
    import threading

    from fwtui.bench.events import RunEnded, RunResult
    from fwtui.bench.plan import Selection, estimate_seconds, expand
    from fwtui.bench.session import BenchSession
    from fwtui.bench.sink import OnSaveFailure, ResultSink

    selection = Selection(
        frameworks=args.framework,
        workloads=args.workload,
        modes=args.mode,
        variants=args.variant,
        batches=args.batch,
        size=args.size,
        device=args.device,
        thread_counts=args.threads,
        preset=args.preset,
        timeout_s=args.timeout,
        memory_limit_mb=args.memory_limit,
        precisions=args.precision,
        repetitions=args.repetitions,
    )
    specs = expand(selection)

    # A script must never believe a run was saved when it was not: any database failure stops the run.
    sink = None
    if not args.no_save:
        from fwtui.paths import default_db_path

        sink = ResultSink.open(args.db or default_db_path(), OnSaveFailure.ABORT)

    live = (
        None if args.json or not sys.stderr.isatty() else _LiveProgress(len(specs), estimate_seconds(specs))
    )

    failed: list[str] = []  # benchmarks that ended neither ok nor unsupported, for --fail-on-error

    def on_event(event: SessionEvent) -> None:
        if isinstance(event, RunEnded) and event.status not in _FINE:
            failed.append(f"{specs[event.index].label}: {event.status}")
        if args.json and isinstance(event, RunResult):
            sys.stdout.write(json.dumps(event.record.to_dict(), default=str) + "\n")
            sys.stdout.flush()
        elif live is not None:
            live.handle(event)
        elif not args.json and isinstance(event, RunEnded):
            spec = specs[event.index]
            note = f": {event.reason}" if event.reason else ""
            print(f"[{event.index + 1}/{len(specs)}] {spec.label}: {event.status}{note}", file=sys.stderr)

    session = BenchSession(
        specs, sink=sink, on_event=on_event, command=" ".join(["fwtui", *sys.argv[1:]]), label=args.label
    )
    failure: list[BaseException] = []
    finished = threading.Event()

    def work() -> None:
        try:
            session.run()
        except BaseException as exc:  # reported by the main thread
            failure.append(exc)
        finally:
            finished.set()

    # The queue runs on a worker thread so that Ctrl-C (delivered to the main thread) can cancel it cleanly.
    # Waiting on an Event rather than Thread.join: an interrupted join can leave the thread looking finished.
    worker = threading.Thread(target=work, name="fwtui-bench", daemon=True)
    interrupted = False
    with _terminate_as_interrupt() as terminated:
        try:
            if live is not None:
                live.start()
            worker.start()
            while not finished.is_set():
                try:
                    finished.wait(timeout=0.2)
                except KeyboardInterrupt:
                    interrupted = True
                    session.cancel_all()  # kills the running child's process group, keeps finished results
        finally:
            if live is not None:
                live.stop()
            if sink is not None and finished.is_set():
                sink.close()
    if failure:
        raise failure[0]
    if not args.json:
        _print_report(session)
    if interrupted:
        return 143 if terminated else 130
    if args.fail_on_error and failed:
        print(f"fwtui: {len(failed)} of {len(specs)} benchmarks did not complete ({failed[0]})", file=sys.stderr)
        return FAILED_EXIT
    return 0


# What --fail-on-error accepts: a measurement, or a combination that cannot run anywhere (ONNX Runtime training).
_FINE = frozenset({"ok", "unsupported"})
FAILED_EXIT = 3


@contextmanager
def _terminate_as_interrupt() -> Iterator[list[int]]:
    """SIGTERM (a service manager, ``kill``) stops the queue like Ctrl-C: the running child is killed, the
    results so far and the run's end are saved, and the command exits 143 (128 + SIGTERM)."""
    terminated: list[int] = []

    def on_term(signum: int, frame: object) -> None:
        terminated.append(signum)
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, on_term)
    except ValueError:  # not the main thread: leave signals alone
        yield terminated
        return
    try:
        yield terminated
    finally:
        signal.signal(signal.SIGTERM, previous)


class _LiveProgress:
    """Rich progress bars on stderr: one for the queue, one for the running benchmark."""

    def __init__(self, total: int, estimate_s: float) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.console = Console(stderr=True)
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[note]}"),
            TimeElapsedColumn(),
            console=self.console,
            transient=False,
        )
        self.overall = self.progress.add_task(
            f"all ({total} runs, ~{units.duration(estimate_s)})", total=total, note=""
        )
        self.current = self.progress.add_task("", total=1.0, note="", visible=False)
        self.total = total

    def start(self) -> None:
        self.progress.start()

    def stop(self) -> None:
        self.progress.stop()

    def handle(self, event: SessionEvent) -> None:
        from fwtui.bench.events import RunEnded, RunPhase, RunProgress, RunStarted

        if isinstance(event, RunStarted):
            self.progress.update(
                self.current, description=event.spec.label, completed=0, note="starting", visible=True
            )
        elif isinstance(event, RunPhase):
            scenario = f" {event.scenario}" if event.scenario else ""
            self.progress.update(self.current, note=f"{event.phase}{scenario}")
        elif isinstance(event, RunProgress):
            self.progress.update(
                self.current,
                completed=event.fraction or 0.0,
                note=f"{event.scenario} n={event.iterations} p50 {units.latency_ms(event.p50_ms)}",
            )
        elif isinstance(event, RunEnded):
            self.progress.advance(self.overall)
            from rich.markup import escape

            if event.status != "ok":
                self.progress.console.print(f"  [yellow]{event.status}[/]: {escape(event.reason or '')}")


def _print_report(session: BenchSession) -> None:
    from rich import box
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    if not console.is_terminal:
        console = Console(width=160)  # a pipe or file: do not squeeze the table into 80 columns
    table = Table(
        title="Results: time per call; samples/s from the same samples",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    wide = console.width >= 110  # narrow terminals drop the secondary columns
    table.add_column("benchmark", no_wrap=True)
    # Times carry their unit per cell (µs below a millisecond), as every area of the app shows them.
    for column in ("batch", "p50", "p99", "samples/s", "GFLOP/s"):
        if wide or column not in ("p99", "GFLOP/s"):
            table.add_column(column, justify="right", no_wrap=True)
    table.add_column("status / flags", overflow="fold", min_width=16)
    for record in session.records:
        latency = record.latency_ms
        if record.status == "ok":
            note = ", ".join(record.flags) or "ok"
        else:
            note = f"{record.status}: {record.reason or ''}"
        cells = [
            record.label,
            units.count(record.batch_size),
            units.latency_ms(None if latency is None else latency.p50),
            units.latency_ms(None if latency is None else latency.p99),
            units.throughput(record.throughput_samples_per_s, unit=False),
            units.gflops(record.gflops, unit=False),
            escape(note),
        ]
        if not wide:
            del cells[5], cells[3]
        table.add_row(*cells)
    console.print(table)
    lines = []
    for row in session.summary():
        where = f"{row.workload} {row.mode} {row.scenario}"
        if row.winner is None:
            lines.append(f"{where}: no valid result")
        elif row.runner_up is None or row.speedup is None:
            lines.append(f"{where}: {row.winner} (only valid result)")
        else:
            if row.significant is None:
                verdict = "not tested: fewer than 2 processes"
            else:
                verdict = ("significant" if row.significant else "not significant") + " across processes"
            lines.append(
                f"{where}: {row.winner} {units.latency_ms(row.winner_p50_ms)}, "
                f"{units.ratio(row.speedup)} faster than "
                f"{row.runner_up} ({verdict})"
            )
    if lines:
        console.print("[bold]Fastest valid result per workload and scenario[/]")
        for line in lines:
            console.print("  " + escape(line))
    if session.run_id:
        console.print(f"saved as run {session.run_id}")
