"""The JAX runner: the benchmark workloads in plain ``jax.numpy``, compiled with ``jax.jit``.

Only ever imported inside a benchmark child process.

Threads: XLA's CPU backend sizes its thread pool from ``NPROC`` (else from the CPUs the process may use) and
reads ``XLA_FLAGS`` when the backend starts, which is at the first computation or device query, not at
``import jax``. :func:`configure` therefore sets both and then starts the backend; nothing in this module
starts it earlier (``device_available("cpu")`` and :func:`framework_version` do not).

Conventions beyond the canonical ones in :mod:`fwtui.bench.workloads`:

* Images are NHWC and convolution kernels HWIO, XLA's preferred layout on CPU. The canonical NCHW input and
  OIHW weights are converted once, when the model is built or the input is prepared, never inside the timed
  step (a real input pipeline would produce NHWC directly).
* float32 matmuls and convolutions run at full float32 precision (``jax_default_matmul_precision =
  "highest"``): on NVIDIA GPUs JAX would otherwise use TF32, which is not float32 and fails the output check.
* JAX dispatches asynchronously: a jitted call returns before the computation has run. Every timed step
  therefore ends with ``jax.block_until_ready`` on everything it produced.
"""

from __future__ import annotations

import os

# Take GPU memory as needed, like the other frameworks, instead of reserving most of it up front.
os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")

import pkgutil
from collections.abc import Callable
from importlib import metadata

import jax
import jax.numpy as jnp
import jaxlib
import numpy as np

from fwtui.bench import workload_data as workloads_data
from fwtui.bench import workloads
from fwtui.bench.models import gpt2
from fwtui.bench.runner import Prepared, Runner, Step, parse_device
from fwtui.bench.runners import to_channels_last_input, to_channels_last_weight
from fwtui.bench.runners._models_jax import JaxGeneration
from fwtui.bench.runners.jax_models import FORWARDS, Params, cross_entropy
from fwtui.bench.workloads import WorkloadSpec
from fwtui.frameworks import Framework
from fwtui.json_fields import JsonObject

MATMUL_PRECISION = "highest"



# --- process setup ---------------------------------------------------------------------------------------------


def _backend_started() -> bool:
    try:
        from jax._src import xla_bridge

        return bool(xla_bridge.backends_are_initialized())
    except (ImportError, AttributeError):  # private API moved: assume the worst
        return True


def _thread_environment(threads: int) -> dict[str, str]:
    """Environment that sizes XLA's CPU thread pool.

    XLA sizes the CPU client's thread pool from ``NPROC`` when set (else from the CPUs this process may use);
    with one thread, Eigen's own multi-threading inside XLA kernels is switched off too.
    """
    flags = [f for f in os.environ.get("XLA_FLAGS", "").split() if "xla_cpu_multi_thread_eigen" not in f]
    if threads == 1:
        flags.append("--xla_cpu_multi_thread_eigen=false")
    return {"NPROC": str(threads), "XLA_FLAGS": " ".join(flags)}


def xla_cpu_pool_threads() -> int | None:
    """Threads in XLA's CPU pool, counted from the running process (Linux), or None where unknown."""
    try:
        tasks = os.listdir("/proc/self/task")
        names = []
        for task in tasks:
            with open(f"/proc/self/task/{task}/comm") as comm:
                names.append(comm.read().strip())
    except OSError:
        return None
    count = sum(name == "tf_XLAEigen" for name in names)
    return count or None


def _gpu_plugins() -> list[str]:
    """Installed JAX GPU plugins, found the way JAX finds them but without starting a backend."""
    names = {entry.value for entry in metadata.entry_points(group="jax_plugins")}
    try:
        import jax_plugins  # a namespace package; absent when no plugin is installed

        names |= {m.name for m in pkgutil.iter_modules(jax_plugins.__path__, "jax_plugins.")}
    except ImportError:
        pass
    return sorted(n for n in names if "cuda" in n or "rocm" in n)


def _jax_device(device: str) -> jax.Device:
    kind, index = parse_device(device)
    if kind == "cuda":
        return jax.devices("gpu")[index]
    return jax.devices("cpu")[0]


# --- the prepared model ----------------------------------------------------------------------------------------


class JaxPrepared:
    """One workload built for JAX: jitted forward and training step, state as pytrees on the device.

    The training step donates the parameters and momentum buffers, so XLA updates them in place (as an
    in-place optimiser would) instead of allocating new ones every step.
    """

    def __init__(
        self, spec: WorkloadSpec, weights: dict[str, np.ndarray], *, mode: str, device: str, precision: str = "float32"
    ) -> None:
        self.spec = spec
        self.mode = mode
        # Mixed precision the JAX way: float32 parameters (and optimiser state), cast to the compute dtype inside
        # the jitted function, so every matmul and convolution runs in it.
        compute = jnp.dtype(precision if precision in ("bfloat16", "float16") else "float32")
        self._device = _jax_device(device)
        trainable = set(workloads.trainable_names(spec))
        self._initial = {
            name: to_channels_last_weight(np.asarray(w, np.float32)) for name, w in weights.items()
        }
        self._trainable_names = [n for n in self._initial if n in trainable]
        self._frozen = {
            n: jax.device_put(w, self._device) for n, w in self._initial.items() if n not in trainable
        }
        forward = FORWARDS[spec.name]
        lr, momentum = spec.learning_rate, spec.momentum

        def cast(t: jax.Array) -> jax.Array:
            return t.astype(compute) if jnp.issubdtype(t.dtype, jnp.floating) else t

        def infer(trainable_params: Params, frozen: Params, x: jax.Array) -> jax.Array:
            return forward(spec, jax.tree.map(cast, {**trainable_params, **frozen}), cast(x), False)

        def loss_fn(trainable_params: Params, frozen: Params, x: jax.Array, y: jax.Array) -> jax.Array:
            logits = forward(spec, jax.tree.map(cast, {**trainable_params, **frozen}), cast(x), True)
            return cross_entropy(logits.astype(jnp.float32), y)  # the loss in float32, as mixed precision does

        def train_step(
            trainable_params: Params, velocity: Params, frozen: Params, x: jax.Array, y: jax.Array
        ) -> tuple[Params, Params, jax.Array]:
            loss, grads = jax.value_and_grad(loss_fn)(trainable_params, frozen, x, y)
            # PyTorch's SGD with momentum: v = m * v + g; w -= lr * v.
            velocity = jax.tree.map(lambda v, g: momentum * v + g, velocity, grads)
            trainable_params = jax.tree.map(lambda w, v: w - lr * v, trainable_params, velocity)
            return trainable_params, velocity, loss

        self._infer = jax.jit(infer)
        self._train_step = jax.jit(train_step, donate_argnums=(0, 1))
        self.reset()

    def reset(self) -> None:
        """Put the initial weights and zero momentum on the device."""
        self._params: Params = {
            n: jax.device_put(self._initial[n], self._device) for n in self._trainable_names
        }
        self._velocity: Params = {
            n: jax.device_put(np.zeros_like(self._initial[n]), self._device) for n in self._trainable_names
        }

    def compute_precision(self) -> str:
        """The dtype the jitted forward produces, from tracing it (nothing is compiled or run)."""
        x_dev, _ = self.put_input(workloads_data.make_batch(self.spec, 2)[0])
        return str(jax.eval_shape(self._infer, self._params, self._frozen, x_dev).dtype)

    def put_input(self, x: np.ndarray, y: np.ndarray | None = None) -> tuple[jax.Array, jax.Array | None]:
        """The batch in this runner's layout, on the device (done before timing)."""
        x_dev = jax.device_put(to_channels_last_input(self.spec, x), self._device)
        y_dev = None if y is None else jax.device_put(np.asarray(y, dtype=np.int32), self._device)
        return x_dev, y_dev

    def infer(self, x: np.ndarray) -> np.ndarray:
        x_dev, _ = self.put_input(x)
        return np.asarray(self._infer(self._params, self._frozen, x_dev), dtype=np.float32)

    def train_losses(self, x: np.ndarray, y: np.ndarray, steps: int) -> list[float]:
        """The loss before each of ``steps`` training steps, starting from the initial weights."""
        self.reset()
        x_dev, y_dev = self.put_input(x, y)
        losses: list[float] = []
        for _ in range(steps):
            loss = self.train_once(x_dev, y_dev)
            losses.append(float(loss))
        return losses

    def train_once(self, x_dev: jax.Array, y_dev: jax.Array | None) -> jax.Array:
        """Dispatch one training step and return its loss (not waited for)."""
        self._params, self._velocity, loss = self._train_step(
            self._params, self._velocity, self._frozen, x_dev, y_dev
        )
        return loss

    def make_step(self, x: np.ndarray, y: np.ndarray | None = None) -> Callable[[], jax.Array]:
        x_dev, y_dev = self.put_input(x, y)
        if self.mode == "training":

            def train_step() -> jax.Array:
                loss = self.train_once(x_dev, y_dev)
                jax.block_until_ready((self._params, self._velocity, loss))
                return loss

            return train_step

        infer, params, frozen = self._infer, self._params, self._frozen

        def infer_step() -> jax.Array:
            return jax.block_until_ready(infer(params, frozen, x_dev))

        return infer_step

    def compile_count(self) -> tuple[int, str]:
        """Traces JAX reported in this process (``jax.monitoring``): any during the timed samples is a retrace."""
        return _TRACES[0], "jax.monitoring /jax/core/compile/jaxpr_trace_duration events"

    def device_memory_peak_mb(self) -> float | None:
        stats = self._device.memory_stats() if self._device.platform != "cpu" else None
        if not stats or "peak_bytes_in_use" not in stats:
            return None
        return float(stats["peak_bytes_in_use"]) / 2**20


_TRACES = [0]


def trace_count() -> int:
    """Traces JAX has reported in this process (also Keras' on its jax backend)."""
    return _TRACES[0]


def _count_trace(event: str, duration_secs: float, **_: object) -> None:
    if event == "/jax/core/compile/jaxpr_trace_duration":
        _TRACES[0] += 1


jax.monitoring.register_event_duration_secs_listener(_count_trace)


# --- the runner ------------------------------------------------------------------------------------------------


class JaxRunner(Runner):
    """JAX: plain ``jax.numpy`` models compiled with ``jax.jit``."""

    def __init__(self, framework: Framework) -> None:
        super().__init__(framework)
        # The thread settings the CPU backend started with; fixed for the life of the process once it starts.
        self._settings_in_force: JsonObject | None = None

    def framework_version(self) -> str:
        return f"{jax.__version__} (jaxlib {jaxlib.__version__})"

    def configure(self, threads: int, device: str) -> JsonObject:
        """Size XLA's CPU thread pool, then start the backend; returns the settings actually in force.

        Idempotent: once the backend has started, its thread pool cannot change, so a later call reports the
        settings it started with and says so in ``note``.
        """
        if threads < 1:
            raise ValueError("threads must be at least 1")
        if self._settings_in_force is None:
            if _backend_started():
                # JAX ran before configure: report what the environment said when it started.
                nproc = os.environ.get("NPROC")
                self._settings_in_force = {
                    "threads": int(nproc) if nproc and nproc.isdigit() else os.cpu_count(),
                    "NPROC": nproc,
                    "XLA_FLAGS": os.environ.get("XLA_FLAGS", ""),
                }
            else:
                env = _thread_environment(threads)
                os.environ.update(env)
                self._settings_in_force = {"threads": threads, **env}
        jax.config.update("jax_default_matmul_precision", MATMUL_PRECISION)
        backend = jax.default_backend()  # starts the backend with the settings above
        in_force = self._settings_in_force
        settings: JsonObject = {
            **in_force,
            "intra_op_threads": in_force["threads"],
            "inter_op_threads": in_force["threads"],
            "xla_cpu_pool_threads": xla_cpu_pool_threads(),
            "matmul_precision": MATMUL_PRECISION,
            "preallocate": os.environ.get("XLA_PYTHON_CLIENT_PREALLOCATE"),
            "backend": backend,
        }
        if settings["threads"] != threads:
            settings["note"] = (
                f"JAX's CPU backend had already started with {settings['threads']} threads; "
                f"{threads} could not be applied"
            )
        return settings

    def accelerator_reason(self, kind: str, index: int) -> str | None:
        """Checking a machine without a JAX GPU plugin does not start JAX's backend; checking a GPU that has
        a plugin does, which fixes the CPU thread pool: call :meth:`configure` first."""
        if not _gpu_plugins():
            return "JAX has no GPU support installed (CPU-only jaxlib); install 'jax[cuda12]'"
        try:
            gpus = jax.devices("gpu")
        except RuntimeError as exc:
            return f"JAX sees no GPU: {str(exc).splitlines()[0]}"
        if index >= len(gpus):
            return f"JAX sees {len(gpus)} GPU(s); there is no {kind}:{index}"
        return None

    def dispatches_asynchronously(self, device: str) -> bool:
        return True  # every JAX call returns futures, on the CPU too

    def output_pending(self, output: object, device: str) -> bool | None:
        is_ready = getattr(output, "is_ready", None)  # a jax.Array; a tuple of them (generation) cannot tell
        return None if not callable(is_ready) else not is_ready()

    def prepare_input(self, spec: WorkloadSpec, x: np.ndarray) -> np.ndarray:
        """Channels-last: XLA's preferred layout on CPU."""
        return to_channels_last_input(spec, x)

    def prepare(
        self, spec: WorkloadSpec, weights: dict[str, np.ndarray], *, mode: str, variant: str, device: str
    ) -> JaxPrepared | JaxGeneration:
        if spec.name == gpt2.NAME:
            dtype = jnp.dtype(self.precision if self.precision != "int8" else "float32")
            return JaxGeneration(spec, weights, _jax_device(device), dtype)
        return JaxPrepared(spec, weights, mode=mode, device=device, precision=self.precision)

    def make_unsynced_step_for_testing(
        self, prepared: Prepared, x: np.ndarray, y: np.ndarray | None = None
    ) -> Step:
        """A deliberately WRONG step that dispatches the work without waiting for it.

        A testing aid only: it reproduces the classic asynchronous-dispatch mistake ("JAX trains in 0.00 s")
        so that tests can prove the harness detects a step that returns before its work has run. Never time it.
        """
        if not isinstance(prepared, JaxPrepared):
            raise TypeError("not a workload built by the JAX runner")
        x_dev, y_dev = prepared.put_input(x, y)
        infer, params, frozen = prepared._infer, prepared._params, prepared._frozen

        def unsynced_step() -> jax.Array:
            if prepared.mode == "training":
                return prepared.train_once(x_dev, y_dev)
            return infer(params, frozen, x_dev)

        return unsynced_step
