"""`fwtui sample-data`."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    subparsers.add_parser("sample-data", help="(not yet available)")


def run(args: argparse.Namespace) -> int:
    from fwtui.errors import FwtuiError

    raise FwtuiError("fwtui sample-data is not available yet")
