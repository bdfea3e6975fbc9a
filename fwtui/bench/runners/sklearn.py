"""scikit-learn runner: the mlp workload as scikit-learn's multi-layer perceptron; every other one unsupported.

The canonical mlp (ReLU after every layer but the last, logits out, mean softmax cross-entropy, SGD with
momentum) is exactly two of scikit-learn's estimators, both with the canonical weights copied into their
public ``coefs_``/``intercepts_`` (layout ``(in, out)``, as fwtui's):

* inference: ``MLPRegressor.predict`` (identity output) computes the logits themselves; ``MLPClassifier``
  would add a softmax (``predict_proba``) or an argmax (``predict``), which is not the function checked.
* training: ``MLPClassifier.partial_fit`` with ``solver="sgd"``, a constant learning rate, ``momentum`` and
  ``nesterovs_momentum=False``, ``alpha=0`` (no L2 term), no shuffling and ``batch_size`` = the batch: one
  call is one step on the whole batch. Its loss is the mean softmax cross-entropy; its update
  ``v = m v - lr g; w += v`` is the canonical ``v = m v + g; w -= lr v`` for a fixed learning rate.

The estimators are initialised by a fit on ten dummy rows (one per class) and then given the canonical
weights; the one private attribute touched is the classifier's ``_optimizer``, dropped so the first timed
step starts from zero velocity as the canonical SGD does (the correctness check proves the result).
Imported only inside a benchmark child.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from threadpoolctl import threadpool_info, threadpool_limits

from fwtui.bench import workloads
from fwtui.bench.runner import Runner
from fwtui.json_fields import JsonObject

if TYPE_CHECKING:
    from fwtui.bench.workloads import WorkloadSpec


def _copy_weights(estimator: Any, spec: WorkloadSpec, weights: dict[str, np.ndarray]) -> None:
    layers = len(workloads.mlp_dims(spec)) - 1
    names = {f"fc{i}.{p}" for i in range(1, layers + 1) for p in ("weight", "bias")}
    if names ^ set(weights):
        raise ValueError(f"weights do not match the {spec.key} layout: {sorted(names ^ set(weights))[:5]}")
    estimator.coefs_ = [np.array(weights[f"fc{i}.weight"], np.float32) for i in range(1, layers + 1)]
    estimator.intercepts_ = [np.array(weights[f"fc{i}.bias"], np.float32) for i in range(1, layers + 1)]


class SklearnPrepared:
    """The mlp as an MLPRegressor (inference) or an MLPClassifier (training) holding the canonical weights."""

    def __init__(self, spec: WorkloadSpec, weights: dict[str, np.ndarray], *, mode: str, batch: int) -> None:
        self.spec, self.mode, self.weights = spec, mode, weights
        self.batch = batch
        self.estimator = self._estimator()

    def _estimator(self) -> Any:
        spec = self.spec
        common: dict[str, Any] = {
            "hidden_layer_sizes": spec.hidden, "activation": "relu", "alpha": 0.0, "max_iter": 1,
            "random_state": 0, "shuffle": False,
        }  # fmt: skip
        classes = spec.num_classes
        x0 = np.zeros((classes, spec.input_shape[0]), np.float32)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # the one-iteration fit only shapes it
            if self.mode == "inference":
                estimator: Any = MLPRegressor(solver="adam", **common)
                estimator.fit(x0, np.zeros((classes, classes), np.float32))
            else:
                estimator = MLPClassifier(
                    solver="sgd", learning_rate="constant", learning_rate_init=spec.learning_rate,
                    momentum=spec.momentum, nesterovs_momentum=False, batch_size=classes, **common,
                )  # fmt: skip
                estimator.fit(x0, np.arange(classes))
                estimator.set_params(batch_size=self.batch)  # one step per call on the timed batch
        _copy_weights(estimator, spec, self.weights)
        if self.mode == "training":
            del estimator._optimizer  # a fresh optimiser, zero velocity, on the next partial_fit
        return estimator

    def infer(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.estimator.predict(np.asarray(x, np.float32)), np.float32)

    def train_losses(self, x: np.ndarray, y: np.ndarray, steps: int) -> list[float]:
        if self.mode != "training":
            raise RuntimeError("built for inference; build with mode='training' to train")
        self.estimator = self._estimator()  # from the canonical weights
        self.estimator.set_params(batch_size=len(x))
        losses = []
        xf = np.asarray(x, np.float32)
        for _ in range(steps):
            self.estimator.partial_fit(xf, y)
            losses.append(float(self.estimator.loss_))  # the batch's loss before this step's update
        return losses

    def make_step(self, x: np.ndarray, y: np.ndarray | None) -> Callable[[], None]:
        xf = np.ascontiguousarray(x, dtype=np.float32)
        estimator = self.estimator
        if self.mode == "inference":

            def infer_step() -> None:
                estimator.predict(xf)

            return infer_step
        if y is None:
            raise ValueError("training needs labels")
        estimator.set_params(batch_size=len(xf))
        labels = np.asarray(y)

        def training_step() -> None:
            estimator.partial_fit(xf, labels)

        return training_step

    def device_memory_peak_mb(self) -> float | None:
        return None


class SklearnRunner(Runner):
    """scikit-learn's MLP estimators on the CPU; NumPy's BLAS threads are limited through threadpoolctl."""

    def __init__(self, framework: Any) -> None:
        super().__init__(framework)
        self._limits: Any = None  # kept alive: the limit holds while the object does

    def framework_version(self) -> str:
        return str(sklearn.__version__)

    def configure(self, threads: int, device: str) -> JsonObject:
        if threads > 0:
            self._limits = threadpool_limits(limits=threads)
        pools = threadpool_info()
        blas = [p for p in pools if p.get("user_api") == "blas"]
        in_force = min((int(p.get("num_threads", 1)) for p in blas), default=1)
        return {
            "intra_op_threads": in_force,
            "inter_op_threads": 1,
            "blas": ", ".join(f"{p.get('internal_api')} {p.get('version')}" for p in blas) or None,
        }

    def prepare(
        self, spec: WorkloadSpec, weights: dict[str, np.ndarray], *, mode: str, variant: str, device: str
    ) -> SklearnPrepared:
        # Runner.build has refused every workload but mlp (the registry entry's ``workloads``).
        return SklearnPrepared(spec, weights, mode=mode, batch=spec.train_batch)
