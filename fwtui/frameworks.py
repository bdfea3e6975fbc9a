"""The frameworks fwtui knows: names, packages and how to install each.

Pure data, no imports of the frameworks themselves: the UI process must never load one.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata


@dataclass(frozen=True)
class Framework:
    name: str  # the name used on the command line and in the database
    display: str
    import_name: str
    distributions: tuple[str, ...]  # PyPI distributions that provide it, first found wins
    extra: str  # the fwtui extra that installs it
    variants: tuple[str, ...]  # benchmark variants, first is the baseline the others are compared with
    trains: bool

    @property
    def install_command(self) -> str:
        return f"pip install 'fwtui[{self.extra}]'"


BENCHMARK_FRAMEWORKS: tuple[Framework, ...] = (
    Framework("torch", "PyTorch", "torch", ("torch",), "torch", ("eager", "compile"), True),
    Framework(
        "tensorflow",
        "TensorFlow",
        "tensorflow",
        ("tensorflow", "tensorflow-cpu", "tf-nightly", "tensorflow-macos"),
        "tensorflow",
        ("eager", "function", "xla"),
        True,
    ),
    Framework("jax", "JAX", "jax", ("jax",), "jax", ("jit",), True),
    Framework("onnxruntime", "ONNX Runtime", "onnxruntime", ("onnxruntime", "onnxruntime-gpu"), "onnx", ("ort",), False),
)

# Variants whose first call traces or compiles: they get a compile time and a break-even against the baseline.
COMPILED_VARIANTS: frozenset[str] = frozenset({"compile", "function", "xla", "jit"})

BY_NAME: dict[str, Framework] = {fw.name: fw for fw in BENCHMARK_FRAMEWORKS}

# Accepted spellings on the command line.
ALIASES: dict[str, str] = {
    "pytorch": "torch",
    "tf": "tensorflow",
    "ort": "onnxruntime",
    "onnx": "onnxruntime",
}

# Other packages whose versions the hardware view reports (by distribution name).
RELATED_DISTRIBUTIONS: tuple[str, ...] = ("jaxlib", "onnx", "keras", "scikit-learn", "numpy")


def resolve(name: str) -> Framework:
    """The framework for a user-typed name; raises ``KeyError`` naming the valid ones."""
    key = ALIASES.get(name.lower(), name.lower())
    if key not in BY_NAME:
        raise KeyError(f"unknown framework {name!r}; choose from {', '.join(BY_NAME)}")
    return BY_NAME[key]


def installed_version(distributions: tuple[str, ...] | str) -> str | None:
    """The installed version of the first distribution found, read from metadata without importing."""
    names = (distributions,) if isinstance(distributions, str) else distributions
    for dist in names:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return None
