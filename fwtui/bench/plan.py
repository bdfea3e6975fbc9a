"""What to run: a user's selection becomes one :class:`RunSpec` per child process.

Presets trade time for precision, and say in how many independent processes each result is measured
(``repetitions``). ``quick`` times the main variant of PyTorch, TensorFlow, JAX and ONNX Runtime on the four
small workloads in three processes each and aims at about a minute on a 2-core machine; ``standard`` adds the compiled/eager variants
and longer measurements; ``full`` adds the medium size and measures longest; ``models`` runs the real models
(ResNet-50, BERT-base, GPT-2 small) at full size in three processes each. The presets but ``models`` default to
the small workloads.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass

from fwtui.bench.spec import RunSpec
from fwtui.bench.workloads import (
    MODEL_WORKLOADS,
    SIZES,
    TOY_WORKLOADS,
    WORKLOADS,
    flops_per_sample,
    get_spec,
    training_unsupported_reason,
)
from fwtui.bench.zygote import supported as zygote_supported
from fwtui.errors import UsageError
from fwtui.frameworks import (
    ALIASES,
    ALL_PRECISIONS,
    ALL_VARIANTS,
    BENCHMARK_FRAMEWORKS,
    BY_NAME,
    MODES,
    installed_version,
)

__all__ = ["DEVICES", "MODES", "PRESETS", "SIZES", "TOY_WORKLOADS", "WORKLOADS", "Preset", "RunSpec", "Selection", "expand"]

DEVICES: tuple[str, ...] = ("auto", "cpu", "cuda")


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    variants: dict[str, tuple[str, ...]]  # framework -> variants to run
    sizes: tuple[str, ...]
    min_time_s: float  # per scenario, together with min_iterations
    min_iterations: int
    max_time_s: float
    warmup_s: float
    timeout_s: float  # per run
    repetitions: int  # independent processes per result (fwtui.bench.repetition)
    workloads: tuple[str, ...] = TOY_WORKLOADS  # when the selection names none
    frameworks: tuple[str, ...] | None = None  # run when the selection names none; None: every framework
    # When the selection names no precision: float32 plus every reduced precision the device runs natively
    # (int8 for inference only: nobody trains in it); otherwise float32 alone.
    native_precisions: bool = False

    def runs_framework(self, name: str) -> bool:
        """Whether the preset runs ``name`` when the selection names no framework."""
        return self.frameworks is None or name in self.frameworks


PRESETS: dict[str, Preset] = {
    "quick": Preset(
        "quick",
        "main variant of PyTorch, TensorFlow, JAX and ONNX Runtime, small workloads, short measurements, "
        "3 processes",
        # Keras on JAX when named (-f keras): the cost of the Keras layer beside JAX itself, and the quickest
        # Keras backend to start.
        {"torch": ("eager",), "tensorflow": ("function",), "jax": ("jit",), "onnxruntime": ("ort",),
         "keras": ("jax",), "sklearn": ("mlp",)},
        ("small",),
        min_time_s=0.2,
        min_iterations=10,
        max_time_s=2.0,
        warmup_s=0.05,
        timeout_s=180.0,
        repetitions=3,
        # The four a choice usually comes down to. Keras (its import and model builds alone cost about a
        # minute over three processes here) and scikit-learn are in standard, or named with -f.
        frameworks=("torch", "tensorflow", "jax", "onnxruntime"),
    ),
    "standard": Preset(
        "standard",
        "every variant (eager, compiled, XLA), small workloads, 1 s measurements, 5 processes",
        {fw.name: fw.variants for fw in BENCHMARK_FRAMEWORKS},
        ("small",),
        min_time_s=1.0,
        min_iterations=20,
        max_time_s=10.0,
        warmup_s=0.3,
        timeout_s=600.0,
        repetitions=5,
    ),
    "full": Preset(
        "full",
        "every variant, small and medium workloads, 3 s measurements, 5 processes",
        {fw.name: fw.variants for fw in BENCHMARK_FRAMEWORKS},
        ("small", "medium"),
        min_time_s=3.0,
        min_iterations=30,
        max_time_s=30.0,
        warmup_s=1.0,
        timeout_s=1200.0,
        repetitions=5,
    ),
    "models": Preset(
        "models",
        "ResNet-50, BERT-base and GPT-2 small at full size, main variant of PyTorch, TensorFlow, JAX and ONNX "
        "Runtime, float32 and the device's native reduced precisions, 3 processes",
        # Keras on jax when named (-f keras): the cost of the Keras layer on a real model (it has no gpt2).
        {"torch": ("eager",), "tensorflow": ("function",), "jax": ("jit",), "onnxruntime": ("ort",),
         "keras": ("jax",)},
        ("large",),
        min_time_s=1.0,
        min_iterations=5,
        max_time_s=10.0,
        warmup_s=0.5,
        timeout_s=1800.0,
        repetitions=3,
        workloads=MODEL_WORKLOADS,
        native_precisions=True,
        # Keras on JAX compiles the same XLA as JAX and would add a third to the time: one -f away, as in quick.
        frameworks=("torch", "tensorflow", "jax", "onnxruntime"),
    ),
}


@dataclass
class Selection:
    """What the user asked for; ``None`` means the preset decides."""

    frameworks: list[str] | None = None
    workloads: list[str] | None = None
    modes: list[str] | None = None
    variants: list[str] | None = None
    batch: int | None = None
    size: str | None = "small"
    device: str = "auto"
    threads: int | None = None
    preset: str = "quick"
    timeout_s: float | None = None
    memory_limit_mb: float | None = None
    precisions: list[str] | None = None  # None: float32
    # Sweeps: every batch size (throughput and training batch) and thread count listed, one run each;
    # they replace ``batch`` and ``threads`` when given.
    batches: list[int] | None = None
    thread_counts: list[int] | None = None
    repetitions: int | None = None


def _names(values: list[str] | None, valid: tuple[str, ...], what: str) -> list[str] | None:
    """Split comma lists, lower-case, and reject unknown names with the valid ones listed."""
    if values is None:
        return None
    names = [part.strip().lower() for value in values for part in value.split(",") if part.strip()]
    unknown = [n for n in names if n not in valid]
    if unknown:
        raise UsageError(f"unknown {what} {unknown[0]!r}; choose from {', '.join(valid)}")
    return list(dict.fromkeys(names))


def _framework_names(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    names = [part.strip().lower() for value in values for part in value.split(",") if part.strip()]
    resolved = []
    for name in names:
        key = ALIASES.get(name, name)
        if key not in BY_NAME:
            raise UsageError(f"unknown framework {name!r}; choose from {', '.join(BY_NAME)}")
        resolved.append(key)
    return list(dict.fromkeys(resolved))


def default_threads() -> int:
    """Physical cores: hyper-threads rarely help dense maths and make timings noisier."""
    try:
        import psutil  # type: ignore[import-untyped, unused-ignore]

        return int(psutil.cpu_count(logical=False) or os.cpu_count() or 1)
    except Exception:
        return os.cpu_count() or 1


def resolve_device(device: str) -> str:
    """``auto`` is ``cuda`` when an NVIDIA GPU is visible, else ``cpu``."""
    if device != "auto":
        return device
    try:
        from fwtui.hardware import local_system

        return "cuda" if local_system().nvidia.available else "cpu"
    except Exception:
        return "cpu"


def _native_reduced(device: str) -> tuple[str, ...]:
    try:
        from fwtui.hardware import local_system
        from fwtui.hardware.peak_plan import native_reduced_precisions

        return native_reduced_precisions(local_system(), device)
    except Exception:  # no probe, no reduced precisions: float32 is always there
        return ()


def expand(selection: Selection) -> list[RunSpec]:
    """One RunSpec per child; validates every name (UsageError lists the valid ones)."""
    if selection.preset not in PRESETS:
        raise UsageError(f"unknown preset {selection.preset!r}; choose from {', '.join(PRESETS)}")
    preset = PRESETS[selection.preset]
    # Named frameworks run whatever the preset; otherwise the preset's own.
    frameworks = _framework_names(selection.frameworks) or [
        fw.name for fw in BENCHMARK_FRAMEWORKS if preset.runs_framework(fw.name)
    ]
    workloads = _names(selection.workloads, WORKLOADS, "workload") or list(preset.workloads)
    explicit_modes = _names(selection.modes, MODES, "mode")
    modes = explicit_modes or list(MODES)
    variants = _names(selection.variants, ALL_VARIANTS, "variant")
    precisions: list[str] = _names(selection.precisions, ALL_PRECISIONS, "precision") or []
    default_precisions = not precisions
    if selection.size is not None and selection.size not in SIZES:
        raise UsageError(f"unknown size {selection.size!r}; choose from {', '.join(SIZES)}")
    sizes = [selection.size] if selection.size else list(preset.sizes)
    if selection.device not in DEVICES:
        raise UsageError(f"unknown device {selection.device!r}; choose from {', '.join(DEVICES)}")
    batches: list[int | None] = list(selection.batches) if selection.batches else [selection.batch]
    if any(b is not None and b < 1 for b in batches):
        raise UsageError("--batch must be at least 1")
    if selection.threads is not None and selection.threads < 1:
        raise UsageError("--threads must be at least 1")
    thread_counts = list(selection.thread_counts or [selection.threads or default_threads()])
    if any(t < 1 for t in thread_counts):
        raise UsageError("--threads must be at least 1")
    if selection.repetitions is not None and selection.repetitions < 1:
        raise UsageError("--repetitions must be at least 1")
    if selection.timeout_s is not None and selection.timeout_s <= 0:
        raise UsageError("--timeout must be positive")
    device = resolve_device(selection.device)
    if default_precisions:
        precisions = ["float32", *(_native_reduced(device) if preset.native_precisions else ())]

    specs: list[RunSpec] = []
    for name in frameworks:
        fw = BY_NAME[name]
        chosen = [v for v in (variants or preset.variants.get(name, fw.variants[:1])) if v in fw.variants]
        missing = None if installed_version(fw.distributions) else f"not installed: {fw.install_command}"
        for size in sizes:
            for workload in workloads:
                for mode in modes:
                    status, reason = ("skipped", missing) if missing else (None, None)
                    cannot_train = training_unsupported_reason(get_spec(workload, size))
                    if mode == "training" and cannot_train:
                        if explicit_modes is None:
                            continue  # never trains: only listed as unsupported when training was asked for
                        status, reason = "unsupported", cannot_train
                    elif mode not in fw.modes and status is None:
                        status, reason = "unsupported", fw.cannot_train
                    elif status is None and fw.workload_reason(workload):
                        status, reason = "unsupported", fw.workload_reason(workload)
                    for variant, precision, batch, threads in itertools.product(
                        chosen, precisions, batches, thread_counts
                    ):
                        if default_precisions and mode == "training" and precision == "int8":
                            continue
                        # A precision the framework never runs is known here; one it cannot run for this
                        # workload, mode or device is found by its runner, in the child.
                        not_run = (status, reason)
                        if status is None and fw.precision_reason(precision):
                            not_run = ("unsupported", fw.precision_reason(precision))
                        specs.append(
                            RunSpec(
                                framework=name,
                                workload=workload,
                                mode=mode,
                                variant=variant,
                                size=size,
                                device=device,
                                threads=threads,
                                batch=batch,
                                preset=preset.name,
                                timeout_s=selection.timeout_s or preset.timeout_s,
                                min_time_s=preset.min_time_s,
                                min_iterations=preset.min_iterations,
                                max_time_s=preset.max_time_s,
                                warmup_s=preset.warmup_s,
                                memory_limit_mb=selection.memory_limit_mb,
                                precision=precision,
                                repetitions=selection.repetitions or preset.repetitions,
                                status=not_run[0],
                                reason=not_run[1],
                            )
                        )
    if not specs:
        wanted = ", ".join(variants or [])
        raise UsageError(f"no framework among {', '.join(frameworks)} has the variant(s) {wanted}")
    return specs


# Rough costs on a 2-core CPU, for the estimate shown before a run starts, calibrated on an idle machine against
# benchmarks/quick_preset.py and benchmarks/models_preset.py (README "Performance" has both figures).
_IMPORT_S = {"torch": 2.8, "tensorflow": 5.5, "jax": 1.2, "onnxruntime": 0.8, "keras": 5.0, "sklearn": 0.8}
_PROCESS_START_S = 0.4  # the interpreter, fwtui and NumPy, per process
# A scenario's compile or trace, on top of one step, in a result's first process; in later ones JAX reads the
# session's compile cache (about a quarter of the cold time), the others trace again.
_FIRST_CALL_S = {"eager": 0.02, "compile": 25.0, "function": 0.3, "xla": 3.0, "jit": 0.45, "ort": 0.02, "mlp": 0.02}
_LATER_FIRST_CALL_SHARE = {"jit": 0.25}
_BUILD_S = {"mlp": 0.03, "cnn": 0.05, "transformer": 0.05, "gemm": 0.03}  # per run and process
_CHECK_S = {"mlp": 0.1, "cnn": 0.25, "transformer": 0.25, "gemm": 0.1}  # the reference checks, first process
_SIZE_FACTOR = {"small": 1.0, "medium": 2.5, "large": 8.0}
# The real models at full size, whatever the framework: (build, inference check, training check) seconds (the
# inference checks include the float64 reference's own forward; gpt2's is a teacher-forced generation), ONNX
# Runtime's export and quantisation on top of the build, and compiles and traces this many times the toys'.
_MODEL_COSTS = {"resnet50": (0.5, 3.0, 3.0), "bert-base": (0.7, 3.0, 1.5), "gpt2": (0.3, 11.0, 0.0)}
_MODEL_EXPORT_S = {"ort": 9.0}
_MODEL_FIRST_CALL_FACTOR, _MODEL_TRAINING_FIRST_CALL_FACTOR = 6.0, 15.0
_MODEL_SIZE_FACTOR = {"small": 0.05, "medium": 0.3, "large": 1.0}
_STEP_CHECK_S = 0.08  # per scenario in the first process: a lone call's pause, the dispatch checks, the output
_STEP_CHECK_CALLS = 3  # steps the first process spends on them
_DEVICE_GFLOPS = {"cpu": 100.0, "cuda": 20000.0}  # the rate a step's FLOPs run at, for its duration
_MIN_SAMPLES_PER_PROCESS = 3  # as fwtui.bench.child


def _run_costs(spec: RunSpec) -> tuple[float, float]:
    """Seconds for one run in a result's first process and in each later one, measuring included."""
    wspec = get_spec(spec.workload, spec.size)
    compile_s = _FIRST_CALL_S.get(spec.variant, 0.5)
    if spec.workload in MODEL_WORKLOADS:
        build, infer_check, train_check = _MODEL_COSTS.get(spec.workload, (1.0, 5.0, 5.0))
        factor = _MODEL_SIZE_FACTOR.get(spec.size, 1.0)
        build = (build + _MODEL_EXPORT_S.get(spec.variant, 0.0)) * factor
        check = (train_check if spec.mode == "training" else infer_check) * factor
        training = spec.mode == "training"
        compile_s *= factor * (_MODEL_TRAINING_FIRST_CALL_FACTOR if training else _MODEL_FIRST_CALL_FACTOR)
    else:
        factor = _SIZE_FACTOR.get(spec.size, 1.0)
        build, check = _BUILD_S.get(spec.workload, 0.05) * factor, _CHECK_S.get(spec.workload, 0.2) * factor
        compile_s *= factor
    repetitions = max(1, spec.repetitions)
    later_compile_s = compile_s * _LATER_FIRST_CALL_SHARE.get(spec.variant, 1.0)
    rate = _DEVICE_GFLOPS["cuda" if spec.device == "cuda" else "cpu"] * 1e9
    first, later = build + check, build
    for measurement in spec.measurements():
        step = flops_per_sample(wspec, spec.mode, measurement.scenario) * measurement.batch / rate
        timed = max(spec.min_time_s / repetitions, _MIN_SAMPLES_PER_PROCESS * step)
        timed = min(timed, spec.max_time_s / repetitions + step)
        each = step + max(spec.warmup_s, step) + timed
        first += compile_s + each + _STEP_CHECK_S + _STEP_CHECK_CALLS * step
        later += later_compile_s + each
    return first, later


def estimate_seconds(specs: list[RunSpec], *, import_once: bool | None = None) -> float:
    """A rough wall-time estimate for running ``specs``: a framework is imported once per session where its
    processes are forked from a fork server (``import_once``; by default where fork servers run), else once
    per process."""
    import_once = zygote_supported() if import_once is None else import_once
    total = 0.0
    processes: dict[str, int] = {}
    for spec in specs:
        if spec.status is not None:
            continue
        first, later = _run_costs(spec)
        repetitions = max(1, spec.repetitions)
        total += first + later * (repetitions - 1)
        processes[spec.framework] = max(processes.get(spec.framework, 0), repetitions)
    for framework, count in processes.items():
        imports = 1 if import_once else count
        total += _PROCESS_START_S * count + _IMPORT_S.get(framework, 1.0) * imports
    return total
