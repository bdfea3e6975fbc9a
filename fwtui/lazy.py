"""Packages whose public names load on first use, so importing one light module of them stays light."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from typing import Any


def load_export(package: str, exports: Mapping[str, str], name: str) -> Any:
    """``name`` from the module ``exports`` says defines it (a package's module-level ``__getattr__``)."""
    if name in exports:
        return getattr(import_module(exports[name]), name)
    raise AttributeError(f"module {package!r} has no attribute {name!r}")
