"""The TensorFlow runner: the benchmark workloads in raw ``tf`` ops and ``tf.Variable``s.

Only ever imported inside a benchmark child process. Keras is deliberately not used: importing it costs
seconds, and the workloads need nothing it provides beyond a handful of ops.

Variants: ``eager`` runs the Python model op by op; ``function`` wraps it in ``tf.function`` (the first call
traces, which the harness times apart); ``xla`` uses ``tf.function(jit_compile=True)``.

Conventions beyond the canonical ones in :mod:`fwtui.bench.workloads`:

* Images are NHWC and convolution kernels HWIO, the layout TensorFlow's CPU kernels are fastest in. The
  canonical NCHW input and OIHW weights are converted once, when the model is built or the input is prepared,
  never inside the timed step (a real input pipeline would produce NHWC directly).
* TF32 is switched off on GPUs so float32 means float32, as in the other runners.
* Optimiser: ``ResourceApplyMomentum``, TensorFlow's fused kernel for exactly PyTorch's update
  (``accum = momentum * accum + grad; var -= lr * accum``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

from fwtui.bench import workload_data, workloads
from fwtui.bench.runner import Runner, parse_device
from fwtui.bench.runners import to_channels_last_input, to_channels_last_weight
from fwtui.bench.workloads import WorkloadSpec
from fwtui.json_fields import JsonObject

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # must precede the import to silence its start-up banner

import tensorflow as tf

from fwtui.bench.models import gpt2
from fwtui.bench.runners._models_tf import FORWARDS as MODEL_FORWARDS
from fwtui.bench.runners._models_tf import TensorFlowGeneration
from fwtui.bench.runners._models_tf import batch_norm as _batch_norm
from fwtui.bench.runners._models_tf import layer_norm as _layer_norm

Params = dict[str, tf.Variable]


# --- process setup ---------------------------------------------------------------------------------------------


def _tf_device(device: str) -> str:
    kind, index = parse_device(device)
    return f"/GPU:{index}" if kind == "cuda" else "/CPU:0"


# --- models ----------------------------------------------------------------------------------------------------


def _linear(p: Params, name: str, x: tf.Tensor) -> tf.Tensor:
    return tf.matmul(x, p[f"{name}.weight"]) + p[f"{name}.bias"]


def _mlp(spec: WorkloadSpec, p: Params, x: tf.Tensor, training: bool) -> tf.Tensor:
    layers = len(workloads.mlp_dims(spec)) - 1
    for i in range(1, layers + 1):
        x = _linear(p, f"fc{i}", x)
        if i < layers:
            x = tf.nn.relu(x)
    return x


def _conv(x: tf.Tensor, kernel: tf.Variable, stride: int) -> tf.Tensor:
    # Explicit symmetric padding: "SAME" pads asymmetrically at stride 2 and would not match the reference.
    pad = (kernel.shape[0] - 1) // 2
    return tf.nn.conv2d(x, kernel, strides=stride, padding=[[0, 0], [pad, pad], [pad, pad], [0, 0]])


def _cnn(spec: WorkloadSpec, p: Params, x: tf.Tensor, training: bool) -> tf.Tensor:
    x = tf.nn.relu(_batch_norm(p, "stem.bn", _conv(x, p["stem.conv.weight"], 1), training))
    for block in workloads.cnn_blocks(spec):
        b = block.prefix
        h = tf.nn.relu(_batch_norm(p, f"{b}.bn1", _conv(x, p[f"{b}.conv1.weight"], block.stride), training))
        h = _batch_norm(p, f"{b}.bn2", _conv(h, p[f"{b}.conv2.weight"], 1), training)
        if block.has_projection:
            shortcut = _batch_norm(p, f"{b}.proj_bn", _conv(x, p[f"{b}.proj.weight"], block.stride), training)
        else:
            shortcut = x
        x = tf.nn.relu(h + shortcut)
    return _linear(p, "fc", tf.reduce_mean(x, axis=[1, 2]))


def _transformer(spec: WorkloadSpec, p: Params, x: tf.Tensor, training: bool) -> tf.Tensor:
    batch, seq, width = x.shape
    heads, head_dim = spec.heads, spec.width // spec.heads
    h = tf.reshape(x, (batch * seq, width))  # every dense layer works on (tokens, width)
    scale = np.float32(1.0 / np.sqrt(head_dim))

    def split_heads(t: tf.Tensor) -> tf.Tensor:  # (tokens, width) -> (batch, heads, seq, head_dim)
        return tf.transpose(tf.reshape(t, (batch, seq, heads, head_dim)), (0, 2, 1, 3))

    for layer in range(spec.layers):
        a = f"layer{layer}"
        q = split_heads(_linear(p, f"{a}.attn.q", h))
        k = split_heads(_linear(p, f"{a}.attn.k", h))
        v = split_heads(_linear(p, f"{a}.attn.v", h))
        scores = tf.matmul(q, k, transpose_b=True) * scale
        context = tf.matmul(tf.nn.softmax(scores, axis=-1), v)
        context = tf.reshape(tf.transpose(context, (0, 2, 1, 3)), (batch * seq, width))
        h = _layer_norm(p, f"{a}.ln1", h + _linear(p, f"{a}.attn.o", context))
        ffn = _linear(p, f"{a}.ffn.fc2", tf.nn.gelu(_linear(p, f"{a}.ffn.fc1", h), approximate=False))
        h = _layer_norm(p, f"{a}.ln2", h + ffn)
    pooled = tf.reduce_mean(tf.reshape(h, (batch, seq, width)), axis=1)
    return _linear(p, "head", pooled)


def _gemm(spec: WorkloadSpec, p: Params, x: tf.Tensor, training: bool) -> tf.Tensor:
    return tf.matmul(x, p["b"])


_FORWARDS: dict[str, Callable[[WorkloadSpec, Params, Any, bool], Any]] = {
    "mlp": _mlp,
    "cnn": _cnn,
    "transformer": _transformer,
    "gemm": _gemm,
    **MODEL_FORWARDS,
}


def _compile(fn: Callable[..., Any], variant: str) -> Callable[..., Any]:
    if variant == "eager":
        return fn
    compiled: Callable[..., Any] = tf.function(fn, jit_compile=variant == "xla")
    return compiled


def _sync_device(device_name: str) -> None:
    """Block until ``device_name`` has run everything queued on it (GPU kernels run asynchronously).

    The same op ``tf.test.experimental.sync_devices`` runs, on the one device in use only.
    """
    with tf.device(device_name):
        tf.raw_ops.SyncDevice()


# --- the prepared model ----------------------------------------------------------------------------------------


class TensorFlowPrepared:
    """One workload built for TensorFlow: variables on the device, forward and training step per variant."""

    def __init__(
        self,
        spec: WorkloadSpec,
        weights: dict[str, np.ndarray],
        *,
        mode: str,
        variant: str,
        device: str,
        precision: str = "float32",
    ) -> None:
        self.spec = spec
        # The mixed-precision policy's rule (Keras "mixed_bfloat16"/"mixed_float16"): float32 variables, each
        # read cast to the compute dtype, so every matmul and convolution runs in it; the loss in float32.
        compute = tf.bfloat16 if precision == "bfloat16" else tf.float16 if precision == "float16" else tf.float32
        self.mode = mode
        self.variant = variant
        self._device = _tf_device(device)
        self._initial = {
            name: to_channels_last_weight(np.asarray(w, np.float32)) for name, w in weights.items()
        }
        trainable = set(workloads.trainable_names(spec))
        with tf.device(self._device):
            self._params: Params = {
                name: tf.Variable(value, name=name.replace(".", "_"), trainable=name in trainable)
                for name, value in self._initial.items()
            }
            self._trainable = [self._params[n] for n in self._initial if n in trainable]
            self._velocity = [tf.Variable(tf.zeros_like(v), trainable=False) for v in self._trainable]
            learning_rate = tf.constant(spec.learning_rate, tf.float32)
            momentum = tf.constant(spec.momentum, tf.float32)
        raw_forward, params, device_name = _FORWARDS[spec.name], self._params, self._device

        def cast(t: Any) -> Any:
            return tf.cast(t, compute) if t.dtype.is_floating and compute != tf.float32 else t

        def forward(spec: WorkloadSpec, p: Params, x: tf.Tensor, training: bool) -> tf.Tensor:
            return raw_forward(spec, {n: cast(v) for n, v in p.items()}, cast(x), training)

        self._forward = forward

        def infer(x: tf.Tensor) -> tf.Tensor:
            with tf.device(device_name):
                return forward(spec, params, x, False)

        def train_step(x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
            with tf.device(device_name):
                with tf.GradientTape() as tape:
                    logits = tf.cast(forward(spec, params, x, True), tf.float32)
                    loss = tf.reduce_mean(
                        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
                    )
                grads = tape.gradient(loss, self._trainable)
                updates = []
                for var, accum, grad in zip(self._trainable, self._velocity, grads, strict=True):
                    # An embedding's gradient is sparse (IndexedSlices); the fused kernel takes it dense.
                    grad = tf.convert_to_tensor(grad)
                    update = tf.raw_ops.ResourceApplyMomentum(
                        var=var.handle,
                        accum=accum.handle,
                        lr=learning_rate,
                        grad=grad,
                        momentum=momentum,
                        use_locking=False,
                        use_nesterov=False,
                    )
                    updates.append(update)
                # The returned loss is produced after every update (program order when eager, control
                # dependencies in a graph), so fetching it waits for the whole step.
                with tf.control_dependencies([u for u in updates if u is not None]):
                    return tf.identity(loss)

        self._infer = _compile(infer, variant)
        self._train_step = _compile(train_step, variant)

    def reset(self) -> None:
        """Back to the initial weights and zero momentum."""
        for name, var in self._params.items():
            var.assign(self._initial[name])
        for accum in self._velocity:
            accum.assign(tf.zeros_like(accum))

    def put_input(self, x: np.ndarray, y: np.ndarray | None = None) -> tuple[tf.Tensor, tf.Tensor | None]:
        """The batch in this runner's layout, on the device (done before timing)."""
        with tf.device(self._device):
            x_dev = tf.identity(tf.constant(to_channels_last_input(self.spec, x)))
            y_dev = None if y is None else tf.identity(tf.constant(np.asarray(y, dtype=np.int64)))
        return x_dev, y_dev

    def infer(self, x: np.ndarray) -> np.ndarray:
        x_dev, _ = self.put_input(x)
        return np.asarray(tf.cast(self._infer(x_dev), tf.float32).numpy())

    def compute_precision(self) -> str:
        """The dtype the forward produces, run eagerly (a traced variant's first call stays untouched)."""
        x_dev, _ = self.put_input(workload_data.make_batch(self.spec, 2)[0])
        with tf.device(self._device):
            return str(self._forward(self.spec, self._params, x_dev, self.mode == "training").dtype.name)

    def train_losses(self, x: np.ndarray, y: np.ndarray, steps: int) -> list[float]:
        """The loss before each of ``steps`` training steps, starting from the initial weights."""
        self.reset()
        x_dev, y_dev = self.put_input(x, y)
        return [float(self._train_step(x_dev, y_dev).numpy()) for _ in range(steps)]

    def make_step(self, x: np.ndarray, y: np.ndarray | None = None) -> Callable[[], object]:
        x_dev, y_dev = self.put_input(x, y)
        if self.mode == "training":
            train_step = self._train_step

            def training_step() -> object:
                return train_step(x_dev, y_dev).numpy()  # the loss comes after the updates: a full sync

            return training_step

        infer = self._infer
        if self.spec.name == "gemm":
            # The product stays on the device, as a matmul's caller would keep it: wait for it without
            # paying a host copy of the whole matrix.
            device_name = self._device

            def synced_step() -> object:
                product = infer(x_dev)
                _sync_device(device_name)
                return product

            return synced_step

        def fetched_step() -> object:
            # A classifier's caller reads the logits on the host; the copy waits for every queued kernel.
            return infer(x_dev).numpy()

        return fetched_step

    def compile_count(self) -> tuple[int, str] | None:
        """``tf.function``'s tracing count of the timed function; None when eager (nothing traces)."""
        function = self._train_step if self.mode == "training" else self._infer
        counter = getattr(function, "experimental_get_tracing_count", None)
        if not callable(counter):
            return None
        return int(counter()), "tf.function experimental_get_tracing_count"

    def device_memory_peak_mb(self) -> float | None:
        if not self._device.startswith("/GPU"):
            return None
        info = tf.config.experimental.get_memory_info(self._device.lstrip("/"))
        return float(info["peak"]) / 2**20


# --- the runner ------------------------------------------------------------------------------------------------


class TensorFlowRunner(Runner):
    """TensorFlow: raw ``tf`` ops on ``tf.Variable``s, eager, in ``tf.function`` or compiled by XLA."""

    def framework_version(self) -> str:
        return str(tf.__version__)

    def configure(self, threads: int, device: str) -> JsonObject:
        """Set TensorFlow's thread pools (before any op runs); returns the settings actually in force.

        Idempotent: once TensorFlow has started its runtime the pools cannot change; a later call with other
        values reports the values in force and says so in ``note``.
        """
        if threads < 1:
            raise ValueError("threads must be at least 1")
        notes: list[str] = []
        try:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(threads)
        except RuntimeError:
            notes.append("TensorFlow had already started; its thread pools could not be changed")
        for gpu in tf.config.list_physical_devices("GPU"):
            try:
                tf.config.experimental.set_memory_growth(gpu, True)  # take memory as needed, like the others
            except RuntimeError:
                notes.append("GPU memory growth could not be enabled after start-up")
        tf.config.experimental.enable_tensor_float_32_execution(False)
        intra = tf.config.threading.get_intra_op_parallelism_threads()
        inter = tf.config.threading.get_inter_op_parallelism_threads()
        settings: JsonObject = {
            # 0 means TensorFlow chose (one thread per logical CPU).
            "intra_op_threads": intra or os.cpu_count(),
            "inter_op_threads": inter or os.cpu_count(),
            "threads": intra or os.cpu_count(),
            "tensor_float_32": tf.config.experimental.tensor_float_32_execution_enabled(),
            "onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default"),
        }
        if notes:
            settings["note"] = "; ".join(notes)
        return settings

    def dispatches_asynchronously(self, device: str) -> bool:
        return parse_device(device)[0] != "cpu"  # eager ops on a GPU are queued; on the CPU they run inline

    def accelerator_reason(self, kind: str, index: int) -> str | None:
        if not tf.test.is_built_with_cuda():
            return "this TensorFlow build has no CUDA support (tensorflow-cpu); install 'tensorflow[and-cuda]'"
        gpus = tf.config.list_physical_devices("GPU")
        if not gpus:
            return "TensorFlow sees no GPU (CUDA libraries or driver missing or mismatched)"
        if index >= len(gpus):
            return f"TensorFlow sees {len(gpus)} GPU(s); there is no {kind}:{index}"
        return None

    def prepare_input(self, spec: WorkloadSpec, x: np.ndarray) -> np.ndarray:
        """Channels-last: TensorFlow's CPU kernels are fastest in NHWC."""
        return to_channels_last_input(spec, x)

    def prepare(
        self, spec: WorkloadSpec, weights: dict[str, np.ndarray], *, mode: str, variant: str, device: str
    ) -> TensorFlowPrepared | TensorFlowGeneration:
        if spec.name == gpt2.NAME:
            dtype = {"bfloat16": tf.bfloat16, "float16": tf.float16}.get(self.precision, tf.float32)
            return TensorFlowGeneration(spec, weights, _tf_device(device), lambda fn: _compile(fn, variant), dtype)
        return TensorFlowPrepared(
            spec, weights, mode=mode, variant=variant, device=device, precision=self.precision
        )
