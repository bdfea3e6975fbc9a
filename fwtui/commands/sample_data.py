"""`fwtui sample-data`: the bundled sample results (load, remove, status)."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "sample-data",
        help="load, remove or show the bundled sample results",
        description=(
            "The local database starts with bundled sample results (marked 'sample', plus a published table "
            "marked 'external') so Results and Decide are useful before the first benchmark. `remove` deletes "
            "them and keeps them out; `load` brings them back. `models` writes tiny example models for "
            "`fwtui bench --model`."
        ),
    )
    parser.add_argument("action", choices=("status", "load", "remove", "models"), nargs="?", default="status")
    parser.add_argument("--db", help="the database (default: the local one)")
    parser.add_argument(
        "--out",
        default="fwtui-example-models",
        help="models: where to write tiny .onnx, .keras and .pt2 models",
    )


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    if args.action == "models":
        from fwtui.bench.byom.examples import write_examples

        out = Path(args.out).expanduser()
        for name, outcome in write_examples(out).items():
            print(f"{out / name}: {outcome}")
        print(f"try: fwtui bench --model {out / 'tiny.onnx'} --input-shape x=4x8")
        return 0

    from fwtui.paths import default_db_path
    from fwtui.store import open_store
    from fwtui.store.sample import load_sample_data, remove_sample_data, sample_status

    target = Path(args.db).expanduser() if args.db else default_db_path()
    with open_store(target) as store:
        if args.action == "load":
            print(load_sample_data(store).summary())
        elif args.action == "remove":
            counts = remove_sample_data(store)
            print("removed " + ", ".join(f"{v} {k}" for k, v in counts.items()))
        else:
            status = sample_status(store)
            files = ", ".join(status["available_files"]) or "none"
            print(f"sample data: {status['state']}")
            print(f"sample results in {target}: {status['sample_results']} of {status['all_results']}")
            print(f"bundled files: {files}")
    return 0
