"""The environment stored with every run: versions, BLAS, thread settings, load, hardware summary."""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from fwtui import __version__
from fwtui.bench.plan import RunSpec
from fwtui.bench.process import child_environment
from fwtui.frameworks import BENCHMARK_FRAMEWORKS, RELATED_DISTRIBUTIONS, installed_version

THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
    "NPROC",
    "XLA_FLAGS",
    "XLA_PYTHON_CLIENT_PREALLOCATE",
    "TF_CPP_MIN_LOG_LEVEL",
)


def numpy_blas() -> dict[str, Any] | None:
    """NumPy's BLAS/LAPACK build (name, version, configuration)."""
    try:
        import numpy

        deps = numpy.show_config(mode="dicts").get("Build Dependencies", {})
    except Exception:
        return None
    keep = ("name", "version", "openblas configuration")
    return {
        lib: {k: v for k, v in info.items() if k in keep}
        for lib, info in deps.items()
        if isinstance(info, dict)
    }


def machine() -> dict[str, Any]:
    """This machine's ``machines`` row (from the hardware probe), with a minimal fallback."""
    try:
        from fwtui.hardware import machine_record

        return machine_record()
    except Exception as exc:  # a broken probe must not stop a benchmark
        node = platform.node()
        return {
            "machine_id": f"m-fallback-{node}",
            "label": node,
            "hostname": node,
            "os": f"{platform.system()} ({platform.machine()})",
            "kernel": platform.release(),
            "python": platform.python_version(),
            "logical_cores": os.cpu_count(),
            "source": "local",
            "details": {"probe_error": str(exc)},
        }


def run_environment(
    specs: Sequence[RunSpec],
    command: str | None = None,
    hw: Mapping[str, Any] | None = None,
    *,
    threads: int | None = None,
) -> dict[str, Any]:
    """The JSON stored in ``runs.environment`` (``threads``: a run without specs, such as ``--model``)."""
    counts = sorted({s.threads for s in specs}) or [threads or 1]
    child_env = child_environment(counts[0])
    try:
        load = list(os.getloadavg())
    except OSError:
        load = None
    versions = {fw.name: installed_version(fw.distributions) for fw in BENCHMARK_FRAMEWORKS}
    versions.update({dist: installed_version(dist) for dist in RELATED_DISTRIBUTIONS})
    summary = None
    if hw:
        summary = {
            k: hw.get(k)
            for k in (
                "cpu_brand",
                "physical_cores",
                "logical_cores",
                "memory_total_bytes",
                "gpu_names",
                "gpu_driver",
                "cuda_driver",
                "os",
                "kernel",
            )
        }
    return {
        "fwtui_version": __version__,
        "python": sys.version.split()[0],
        "python_executable": sys.executable,
        "platform": platform.platform(),
        "command": command,
        "versions": versions,
        "numpy_blas": numpy_blas(),
        "threads": counts,
        "child_environment": {k: child_env[k] for k in THREAD_VARIABLES if k in child_env},
        "load_average": load,
        "cpu_count": os.cpu_count(),
        "hardware": summary,
    }
