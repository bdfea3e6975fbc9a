"""Child process: import one framework and report what it sees, as one JSON line on stdout.

Run as ``python -m fwtui.hardware.framework_child NAME``. Only ever runs in a child, so a framework
that crashes or hangs on import cannot take the caller down with it.

Which probe runs is the framework's registry entry's to say: its ``probe`` target (the built-in frameworks'
are in ``device_probes.py``), or else its runner's :meth:`~fwtui.bench.runner.Runner.probe_devices`. So a
framework added by a runner module and a registry line shows in the hardware view with nothing more.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Mapping
from typing import TypedDict

from fwtui.json_fields import JsonObject

# Keep probes from grabbing GPU memory or flooding stderr.
os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")


class ChildReport(TypedDict):
    """The line a probe child prints; the parent files it as a ``FrameworkProbe``."""

    version: str
    devices: list[str]
    details: JsonObject  # framework-specific; every probe gives gpu_devices and cuda_build


def probe(name: str) -> Mapping[str, object]:
    """What framework ``name`` sees, by the probe its registry entry names (imports the framework)."""
    from fwtui.frameworks import BY_NAME

    entry = BY_NAME[name]
    if entry.probe is None:
        from fwtui.bench.runner import load_runner

        return load_runner(entry).probe_devices()
    module_name, _, function = entry.probe.partition(":")
    probe_function = getattr(importlib.import_module(module_name), function)
    report: Mapping[str, object] = probe_function()
    return report


def main(argv: list[str]) -> int:
    from fwtui.frameworks import BY_NAME

    if len(argv) != 1 or argv[0] not in BY_NAME:
        print(f"usage: python -m fwtui.hardware.framework_child {{{','.join(BY_NAME)}}}", file=sys.stderr)
        return 2
    sys.stdout.write(json.dumps(probe(argv[0]), default=str) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
