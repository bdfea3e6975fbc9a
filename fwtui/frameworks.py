"""The frameworks fwtui knows: the one registry of names, packages, benchmark facts and runners.

Pure data, no imports of the frameworks themselves: the UI process must never load one. Each entry names its
benchmark runner by a string target (``"module:Class"``) that only a benchmark child imports, so everything
the UI needs to know about a framework (its variants, which of them compile, whether it trains and why not,
its devices and precisions) is read here, and nowhere else.

A framework kept outside fwtui registers its entry under the ``fwtui.frameworks`` entry-point group of its
own distribution (see docs/architecture.md, "Where to add a framework"); the module the entry point names
must stay as light as this one.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata

MODES: tuple[str, ...] = ("inference", "training")
PRECISIONS: tuple[str, ...] = ("float32",)
ENTRY_POINT_GROUP = "fwtui.frameworks"


@dataclass(frozen=True)
class Framework:
    name: str  # the name used on the command line and in the database
    display: str
    import_name: str
    distributions: tuple[str, ...]  # PyPI distributions that provide it, first found wins
    extra: str  # the fwtui extra that installs it
    runner: str  # "package.module:Class" of its Runner; imported only inside a benchmark child
    variants: tuple[str, ...]  # benchmark variants, first is the baseline the others are compared with
    compiled: tuple[str, ...] = ()  # variants whose first call traces or compiles (they get a compile time)
    cannot_train: str | None = None  # why it never trains; None when it does
    devices: tuple[str, ...] = ("cpu",)  # device kinds its runner can target
    precisions: tuple[str, ...] = PRECISIONS
    # "package.module:function" of the hardware view's device probe (run in a child, returns its report);
    # None: the runner describes the framework (Runner.probe_devices), which is enough for most
    probe: str | None = None
    # An environment variable the child sets to the variant before it imports the runner: for a framework
    # that fixes the variant at import (Keras reads its backend from $KERAS_BACKEND once)
    variant_env: str | None = None
    # The workloads it runs (empty: every one) and why it runs no other
    workloads: tuple[str, ...] = ()
    other_workloads: str | None = None

    def __post_init__(self) -> None:
        if not self.variants:
            raise ValueError(f"{self.name}: a framework needs at least one variant")
        if not set(self.compiled) <= set(self.variants):
            raise ValueError(f"{self.name}: compiled variants {self.compiled} are not all among {self.variants}")
        if "cpu" not in self.devices:
            raise ValueError(f"{self.name}: every runner must run on the cpu")
        if ":" not in self.runner:
            raise ValueError(f"{self.name}: runner must be 'module:Class', not {self.runner!r}")
        if self.probe is not None and ":" not in self.probe:
            raise ValueError(f"{self.name}: probe must be 'module:function', not {self.probe!r}")

    def workload_reason(self, workload: str) -> str | None:
        """Why this framework never runs ``workload``, or None when it does."""
        if not self.workloads or workload in self.workloads:
            return None
        return self.other_workloads or f"{self.display} runs only {', '.join(self.workloads)}"

    @property
    def install_command(self) -> str:
        return f"pip install 'fwtui[{self.extra}]'"

    @property
    def baseline(self) -> str:
        return self.variants[0]

    @property
    def trains(self) -> bool:
        return self.cannot_train is None

    @property
    def modes(self) -> tuple[str, ...]:
        return MODES if self.trains else tuple(m for m in MODES if m != "training")


BUILT_IN: tuple[Framework, ...] = (
    Framework(
        name="torch",
        display="PyTorch",
        import_name="torch",
        distributions=("torch",),
        extra="torch",
        runner="fwtui.bench.runners.torch:TorchRunner",
        variants=("eager", "compile"),
        compiled=("compile",),
        devices=("cpu", "cuda", "mps"),
        probe="fwtui.hardware.device_probes:probe_torch",
    ),
    Framework(
        name="tensorflow",
        display="TensorFlow",
        import_name="tensorflow",
        distributions=("tensorflow", "tensorflow-cpu", "tf-nightly", "tensorflow-macos"),
        extra="tensorflow",
        runner="fwtui.bench.runners.tensorflow:TensorFlowRunner",
        variants=("eager", "function", "xla"),
        compiled=("function", "xla"),
        devices=("cpu", "cuda"),
        probe="fwtui.hardware.device_probes:probe_tensorflow",
    ),
    Framework(
        name="jax",
        display="JAX",
        import_name="jax",
        distributions=("jax",),
        extra="jax",
        runner="fwtui.bench.runners.jax:JaxRunner",
        variants=("jit",),
        compiled=("jit",),
        devices=("cpu", "cuda"),
        probe="fwtui.hardware.device_probes:probe_jax",
    ),
    Framework(
        name="onnxruntime",
        display="ONNX Runtime",
        import_name="onnxruntime",
        distributions=("onnxruntime", "onnxruntime-gpu"),
        extra="onnx",
        runner="fwtui.bench.runners.onnxruntime:OrtRunner",
        variants=("ort",),
        cannot_train="ONNX Runtime is an inference engine; it does not train general models",
        devices=("cpu", "cuda"),
        probe="fwtui.hardware.device_probes:probe_onnxruntime",
    ),
    Framework(
        name="keras",
        display="Keras",
        import_name="keras",
        distributions=("keras",),
        extra="keras",
        runner="fwtui.bench.runners.keras:KerasRunner",
        # Its variants are its backends; TensorFlow, Keras' default, is the baseline.
        variants=("tensorflow", "jax", "torch"),
        compiled=("tensorflow", "jax"),  # jit_compile="auto": XLA on these two, eager on torch
        devices=("cpu", "cuda"),
        probe="fwtui.hardware.keras_probe:probe_keras",
        variant_env="KERAS_BACKEND",
    ),
    Framework(
        name="sklearn",
        display="scikit-learn",
        import_name="sklearn",
        distributions=("scikit-learn",),
        extra="sklearn",
        runner="fwtui.bench.runners.sklearn:SklearnRunner",
        variants=("mlp",),
        workloads=("mlp",),
        other_workloads="scikit-learn's neural networks are multi-layer perceptrons: it runs the mlp workload only",
    ),
)

# Plugins that failed to load, with the reason (a broken plugin must not stop fwtui).
PLUGIN_ERRORS: dict[str, str] = {}


def _plugins(taken: set[str]) -> list[Framework]:
    """Frameworks registered by installed distributions under :data:`ENTRY_POINT_GROUP`."""
    found: list[Framework] = []
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            value = entry.load()
        except Exception as exc:  # an installed plugin is outside our control: report, never crash
            PLUGIN_ERRORS[entry.name] = f"{type(exc).__name__}: {exc}"
            continue
        if not isinstance(value, Framework):
            PLUGIN_ERRORS[entry.name] = f"{entry.value} is not a fwtui.frameworks.Framework"
        elif value.name in taken:
            PLUGIN_ERRORS[entry.name] = f"the name {value.name!r} is already registered"
        else:
            taken.add(value.name)
            found.append(value)
    return found


BENCHMARK_FRAMEWORKS: tuple[Framework, ...] = (*BUILT_IN, *_plugins({fw.name for fw in BUILT_IN}))

BY_NAME: dict[str, Framework] = {fw.name: fw for fw in BENCHMARK_FRAMEWORKS}

# Every variant of every framework, in registry order (a name may belong to several frameworks).
ALL_VARIANTS: tuple[str, ...] = tuple(dict.fromkeys(v for fw in BENCHMARK_FRAMEWORKS for v in fw.variants))

# Accepted spellings on the command line.
ALIASES: dict[str, str] = {
    "pytorch": "torch",
    "tf": "tensorflow",
    "ort": "onnxruntime",
    "onnx": "onnxruntime",
    "scikit-learn": "sklearn",
    "tf.keras": "keras",
}

# Other packages whose versions the hardware view reports (by distribution name).
RELATED_DISTRIBUTIONS: tuple[str, ...] = ("jaxlib", "onnx", "scikit-learn", "numpy")


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
