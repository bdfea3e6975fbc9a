"""`fwtui bench --model PATH`: a user's own model, in every engine that runs it, cross-checked."""

from __future__ import annotations

import argparse
import json
import sys

from fwtui.errors import UsageError


def run_model_command(args: argparse.Namespace) -> int:
    from fwtui.bench.byom.model_file import open_model_file, parse_input_shapes
    from fwtui.bench.byom.run import ModelResult, run_model, summary_lines
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
    threads = args.threads or 1
    shown: list[ModelResult] = []

    def show(result: ModelResult) -> None:
        if args.json:
            sys.stdout.write(json.dumps(result.to_dict(), default=str) + "\n")
            sys.stdout.flush()
        shown.append(result)

    run_model(model, shapes, threads=threads, timeout_s=args.timeout or 600.0, only=only, on_result=show)
    if not args.json:
        print("\n".join(summary_lines(model, shown)))
    return 0
