"""Installed versions of the ML packages, read from package metadata (never by importing them)."""

from __future__ import annotations

from fwtui.frameworks import BENCHMARK_FRAMEWORKS, RELATED_DISTRIBUTIONS, installed_version

# Reported under one name even when a variant distribution provides it (tensorflow-cpu, onnxruntime-gpu).
REPORTED_PACKAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    *((fw.import_name, fw.distributions) for fw in BENCHMARK_FRAMEWORKS),
    *((dist, (dist,)) for dist in RELATED_DISTRIBUTIONS),
)
# Distributions whose presence tells which accelerator build is installed.
BUILD_MARKERS: tuple[str, ...] = (
    "tensorflow-cpu",
    "onnxruntime-gpu",
    "jax-cuda12-plugin",
    "jax-cuda13-plugin",
    "jax-rocm-plugin",
    "libtpu",
)


def installed_packages() -> dict[str, str | None]:
    """``{name: version or None}`` for every framework and related package, plus any build markers found."""
    versions = {name: installed_version(dists) for name, dists in REPORTED_PACKAGES}
    for marker in BUILD_MARKERS:
        version = installed_version(marker)
        if version is not None:
            versions[marker] = version
    return versions
