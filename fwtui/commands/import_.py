"""`fwtui import`."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    subparsers.add_parser("import", help="(not yet available)")


def run(args: argparse.Namespace) -> int:
    from fwtui.errors import FwtuiError

    raise FwtuiError("fwtui import is not available yet")
