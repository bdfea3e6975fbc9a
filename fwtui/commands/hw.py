"""`fwtui hw`: what this machine has, what each framework sees, peak compute and warnings."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fwtui.commands import Subparsers
    from fwtui.hardware.report import HardwareReport

DESCRIPTION = (
    "Show this machine's CPU (with the instruction-set features that matter to ML), memory, GPUs/TPUs, "
    "the devices each installed framework actually sees (each probed in its own process), the cached "
    "peak compute, and configuration warnings."
)


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "hw", help="show hardware, framework devices and warnings", description=DESCRIPTION
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    parser.add_argument(
        "--no-frameworks", action="store_true", help="skip the framework probes (no child processes; instant)"
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="probe the frameworks again even if nothing they depend on changed since the cached probe",
    )
    parser.add_argument(
        "--measure-peak",
        "--remeasure",
        dest="measure_peak",
        action="store_true",
        help="(re)measure peak GEMM compute now, in every dtype the device runs natively (a few seconds each), "
        "and cache it for this machine",
    )
    parser.add_argument(
        "--dtype",
        metavar="LIST",
        help="with --measure-peak: measure only these dtypes (comma list of float32, bfloat16, float16, int8, "
        "tf32); a dtype the device lacks natively is reported with the reason, never measured",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        metavar="S",
        help="seconds each framework probe may take before it is killed (default: 60)",
    )


def run(args: argparse.Namespace) -> int:
    from fwtui.errors import UsageError
    from fwtui.hardware import build_report

    if not args.timeout > 0:
        raise UsageError(f"--timeout must be a positive number of seconds, not {args.timeout:g}")
    dtypes = None
    if args.dtype is not None:
        from fwtui.hardware.peak_plan import parse_dtypes

        if not args.measure_peak:
            raise UsageError("--dtype names what --measure-peak measures; add --measure-peak")
        try:
            dtypes = parse_dtypes(args.dtype)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    report = build_report(
        frameworks=not args.no_frameworks,
        timeout_s=args.timeout,
        measure=args.measure_peak,
        measure_dtypes=dtypes,
        fresh=args.fresh,
    )
    if args.json:
        sys.stdout.write(json.dumps(report.to_dict(), indent=2) + "\n")
    else:
        print_report(report)
    return 0


def print_report(report: HardwareReport) -> None:
    from rich.console import Console

    from fwtui.hardware.render import report_renderables

    console = Console(highlight=False)
    for renderable in report_renderables(report):
        console.print(renderable)
