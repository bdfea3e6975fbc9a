"""`fwtui bench --model PATH`: a user's own model, in every engine that runs it, cross-checked and saved."""

from __future__ import annotations

import argparse
import json
import sys

from fwtui.errors import UsageError


def run_model_command(args: argparse.Namespace) -> int:
    from fwtui.bench.byom.model_file import open_model_file, parse_input_shapes
    from fwtui.bench.byom.run import summary_lines
    from fwtui.bench.byom.session import run_and_save
    from fwtui.bench.sink import OnSaveFailure, ResultSink
    from fwtui.frameworks import resolve

    if args.model is None:
        raise UsageError("--input-shape needs --model PATH")
    shapes = parse_input_shapes(args.input_shape)
    model = open_model_file(args.model)  # ModelError: one line, exit 1
    only = None
    if args.framework:
        try:
            only = [resolve(name).name for value in args.framework for name in value.split(",") if name]
        except KeyError as exc:
            raise UsageError(str(exc.args[0])) from None
    if args.threads and len(args.threads) > 1:
        raise UsageError("--model takes one --threads value, not a list")
    if args.batch:
        raise UsageError("--model takes no --batch: the model's input shapes fix it (see --input-shape)")
    threads = args.threads[0] if args.threads else 1
    # As for every benchmark: a script must never believe a run was saved when it was not.
    sink = None
    if not args.no_save:
        from fwtui.paths import default_db_path

        sink = ResultSink.open(args.db or default_db_path(), OnSaveFailure.ABORT)
    try:
        done = run_and_save(
            model, shapes, sink, threads=threads, timeout_s=args.timeout or 600.0, only=only,
            command=" ".join(["fwtui", *sys.argv[1:]]), label=args.label,
        )  # fmt: skip
    finally:
        if sink is not None:
            sink.close()
    if args.json:
        for result, record in zip(done.results, done.records, strict=True):
            line = {**result.to_dict(), "result_id": record.result_id if sink is not None else None}
            sys.stdout.write(json.dumps(line, default=str) + "\n")
        return 0
    print("\n".join(summary_lines(model, list(done.results))))
    if sink is not None and done.run_id:
        print(f"saved {sink.saved_count} results as run {done.run_id} (workload {done.records[0].workload})")
    return 0
