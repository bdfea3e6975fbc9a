"""Headless commands. Each module exposes ``register(subparsers)`` and ``run(args) -> int``.

Modules here import only the standard library at import time, so ``fwtui --help`` stays instant;
heavy imports happen inside ``run``.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from types import ModuleType
from typing import TypeAlias

# command name -> module in this package
COMMANDS: dict[str, str] = {
    "hw": "hw",
    "bench": "bench",
    "query": "query",
    "export": "export",
    "import": "import_",
    "recommend": "recommend",
    "sample-data": "sample_data",
}


def load(name: str) -> ModuleType:
    return importlib.import_module(f"fwtui.commands.{COMMANDS[name]}")


Runner = Callable[[argparse.Namespace], int]
# What each command's ``register`` receives (argparse's class for it is private and generic only in its stubs).
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
