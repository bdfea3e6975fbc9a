"""`fwtui bench --model PATH`: a user's own model, in every engine that runs it, cross-checked."""

from __future__ import annotations

import argparse
import json
import sys

from fwtui import units
from fwtui.errors import UsageError


def run_model_command(args: argparse.Namespace) -> int:
    from fwtui.bench.byom.model_file import open_model_file, parse_input_shapes
    from fwtui.bench.byom.run import ModelResult, run_model
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
    header = [f"{model.name} ({model.kind}, sha256 {model.short_hash}, {units.count(model.size_bytes)} bytes)"]

    def show(result: ModelResult) -> None:
        if not args.json and header:
            print(header.pop())  # once, when results come (a failure stays one line)
        if args.json:
            sys.stdout.write(json.dumps(result.to_dict(), default=str) + "\n")
            sys.stdout.flush()
            return
        if result.status != "ok":
            print(f"  {result.target.name}: {result.status}: {result.reason}")
            return
        flags = f"  [{', '.join(result.flags)}]" if result.flags else ""
        print(
            f"  {result.target.name:<28} p50 {units.latency_ms(result.p50_ms):>12}  {result.precision:<8}"
            f" max|Δ| {units.number(result.max_abs_diff)} (tolerance {units.number(result.tolerance)}){flags}"
        )

    threads = args.threads or 1
    results = run_model(
        model, shapes, threads=threads, timeout_s=args.timeout or 600.0, only=only, on_result=show
    )
    if not args.json:
        first = next((r for r in results if r.status == "ok"), None)
        if first is not None:
            shapes_text = ", ".join(f"{k}={'x'.join(map(str, v))}" for k, v in first.input_shapes.items())
            print(
                f"inputs {shapes_text}; {units.count(first.params)} parameters; reference {first.target.name}"
            )
    return 0
