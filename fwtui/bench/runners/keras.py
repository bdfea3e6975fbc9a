"""Keras 3 runner: every workload as a Keras model, on the backend the variant names (jax, tensorflow, torch).

Keras picks its backend once, when it is first imported, from ``$KERAS_BACKEND``. The registry entry names
that variable (``variant_env``), so :func:`fwtui.bench.runner.load_runner` sets it to the run's variant
before this module (and with it Keras) is imported: each backend runs in a child process of its own.

What is timed is the Keras path a user takes: ``predict_on_batch`` (Keras' compiled predict function; it
returns a NumPy array, so the step ends synchronised) and ``train_on_batch`` (the step ``model.fit`` runs for
each batch, loss and SGD update in Keras' compiled train function). On jax and tensorflow Keras compiles
these (``jit_compile="auto"``: XLA); on torch it runs them eagerly, as Keras does by default. A hand-written
train step on a backend is what the native runner of that framework times, so the two side by side are
the cost of the Keras layer. The thread pools, float32 settings and GPU checks are the native runner's
(:meth:`KerasRunner.configure` delegates to it), so Keras and the native framework run under the same
settings.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from fwtui.bench.runner import Runner, load_runner, parse_device
from fwtui.bench.runners import to_channels_last_input
from fwtui.frameworks import BY_NAME, Framework, installed_version
from fwtui.json_fields import JsonObject

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before the TensorFlow backend's import, as in its runner

import keras

if TYPE_CHECKING:
    from fwtui.bench.workloads import WorkloadSpec

BACKEND_ENV = "KERAS_BACKEND"


def keras_device(device: str) -> str:
    """Keras' name for a device (``cuda:1`` -> ``gpu:1``), the same on every backend."""
    kind, index = parse_device(device)
    return f"{'gpu' if kind == 'cuda' else kind}:{index}"


class KerasPrepared:
    """A workload as a compiled Keras model on one device."""

    def __init__(self, spec: WorkloadSpec, weights: dict[str, np.ndarray], *, mode: str, device: str) -> None:
        from fwtui.bench.runners.keras_models import make_model

        self.spec = spec
        self.mode = mode
        self.device = keras_device(device)
        self._weights = weights
        with self._scope():
            self.model = make_model(spec, weights)
            self._compile()

    def _scope(self) -> Any:
        """Where Keras places tensors. On torch a device scope around the model's construction makes its
        variables non-leaf tensors that get no gradients, so the torch backend is pointed at the device
        once instead (Keras reads ``DEFAULT_DEVICE`` whenever no scope is active; ``$KERAS_TORCH_DEVICE``
        sets it at import)."""
        if keras.backend.backend() != "torch":
            return keras.device(self.device)
        from keras.src.backend.torch import core

        kind, _, index = self.device.partition(":")
        core.DEFAULT_DEVICE = "cpu" if kind == "cpu" else f"cuda:{index}"
        return contextlib.nullcontext()

    def _compile(self) -> None:
        # SGD with momentum, no nesterov: Keras' form (v = m v - lr g; w += v) is the canonical one for a
        # fixed learning rate. Mean softmax cross-entropy over integer labels, from logits.
        self.model.compile(
            optimizer=keras.optimizers.SGD(
                learning_rate=self.spec.learning_rate, momentum=self.spec.momentum, nesterov=False
            ),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        )

    def _tensor(self, array: np.ndarray, labels: bool = False) -> Any:
        value = array if labels else to_channels_last_input(self.spec, array)
        with self._scope():
            return keras.ops.convert_to_tensor(np.ascontiguousarray(value))

    def infer(self, x: np.ndarray) -> np.ndarray:
        with self._scope():
            return np.asarray(self.model.predict_on_batch(self._tensor(x)))

    def train_losses(self, x: np.ndarray, y: np.ndarray, steps: int) -> list[float]:
        if self.mode != "training":
            raise RuntimeError("built for inference; build with mode='training' to train")
        xd, yd = self._tensor(x), self._tensor(y, labels=True)
        with self._scope():
            # train_on_batch returns the loss of the batch before the update (metrics reset per call).
            return [float(np.asarray(self.model.train_on_batch(xd, yd))) for _ in range(steps)]

    def make_step(self, x: np.ndarray, y: np.ndarray | None) -> Callable[[], None]:
        model, scope = self.model, self._scope
        xd = self._tensor(x)
        if self.mode == "inference":

            def infer_step() -> None:
                with scope():
                    model.predict_on_batch(xd)  # a NumPy array: the work is finished

            return infer_step
        if y is None:
            raise ValueError("training needs labels")
        yd = self._tensor(y, labels=True)

        def training_step() -> None:
            with scope():
                model.train_on_batch(xd, yd)  # returns the loss as a Python float: finished

        return training_step

    def device_memory_peak_mb(self) -> float | None:
        return None  # Keras has no backend-independent peak-memory query


class KerasRunner(Runner):
    """Keras 3 on the backend the variant names; the backend's own runner sets threads and checks devices."""

    def __init__(self, framework: Framework) -> None:
        super().__init__(framework)
        self._native: Runner | None = None

    @property
    def backend(self) -> str:
        return str(keras.backend.backend())

    def native(self) -> Runner:
        """The runner of the framework under Keras (it imports that framework, as Keras already has)."""
        if self._native is None:
            self._native = load_runner(self.backend)
        return self._native

    def framework_version(self) -> str:
        return str(keras.__version__)

    def configure(self, threads: int, device: str) -> JsonObject:
        settings = dict(self.native().configure(threads, device))
        backend = BY_NAME[self.backend]
        settings.update(
            keras_backend=self.backend,
            backend_version=installed_version(backend.distributions),
            floatx=keras.config.floatx(),
            jit_compile="auto (XLA)" if self.backend in self.compiled_variants else "off (eager)",
        )
        return settings

    def accelerator_reason(self, kind: str, index: int) -> str | None:
        return self.native().device_available(f"{kind}:{index}")

    def unavailable_reason(self, mode: str, variant: str, device: str) -> str | None:
        if variant != self.backend:
            missing = _missing_backend(variant)
            if missing:
                return missing
            return (
                f"Keras runs on its {self.backend} backend in this process; the {variant} backend is chosen "
                f"by ${BACKEND_ENV} before Keras is imported, in a process of its own"
            )
        return None

    def prepare(
        self, spec: WorkloadSpec, weights: dict[str, np.ndarray], *, mode: str, variant: str, device: str
    ) -> KerasPrepared:
        return KerasPrepared(spec, weights, mode=mode, device=device)


def _missing_backend(variant: str) -> str | None:
    """Why the backend ``variant`` is not installed, or None."""
    entry = BY_NAME.get(variant)
    if entry is None or installed_version(entry.distributions) is not None:
        return None
    return f"Keras' {variant} backend needs {entry.display}: {entry.install_command}"
