"""The shape of a workload at one size: :class:`WorkloadSpec`, shared by the catalogue and the real models.

Imports nothing heavy; :mod:`fwtui.bench.workloads` holds the catalogue and :mod:`fwtui.bench.models` the
real models' structure.
"""

from __future__ import annotations

from dataclasses import dataclass

# Inference tolerance, relative to max|reference|: 10x the worst error any framework and variant showed against
# the float64 reference at any size (2.2e-6; at the small size `python benchmarks/tolerances.py` gives 3.8e-7
# for mlp, 2.7e-7 cnn, 3.0e-7 transformer, 7.5e-7 gemm across every variant). The corruptions it must catch err
# by 1e-4 (tanh GELU) to 7e-4 (float16 weights): tests/test_tolerances.py.
INFERENCE_TOLERANCE_REL = 2.2e-5
# Training: the worst relative loss error over 3 SGD steps was 1.0e-6 (mlp, small); 100x leaves room for the
# larger sizes' longer reductions. A step that does not update the weights errs by the loss's first change (>1e-2).
TRAIN_TOLERANCE_REL = 1e-4
# The real models are held to the same inference tolerance: `python benchmarks/tolerances.py --workloads
# resnet50,bert-base,gpt2` gives at most 5.0e-7 at the small size (every framework and variant) and 2.1e-6 at full
# size (bert-base, jax/jit; ONNX Runtime and JAX measured there, PyTorch and TensorFlow not yet). Their training
# errs more (batch norm over tiny batches: 1.2e-4), so resnet50 and bert-base set their own train_tolerance_rel.


@dataclass(frozen=True)
class WorkloadSpec:
    """One workload at one size. Fields that do not apply to the workload keep their zero defaults."""

    name: str
    size: str
    input_shape: tuple[int, ...]  # per sample; gemm: the whole (n, n) input
    num_classes: int
    throughput_batch: int  # batch for the offline/throughput scenario (latency is always batch 1)
    train_batch: int
    trainable: bool
    tolerance_abs: float  # inference check: max|out - ref| <= tolerance_abs + tolerance_rel * max|ref|
    tolerance_rel: float
    learning_rate: float
    momentum: float
    train_tolerance_rel: float = TRAIN_TOLERANCE_REL  # training check: max |loss - ref| / |ref| over the steps
    # Whether a reduced precision's training losses can follow the reference step by step. False where rounding
    # to that precision alone moves the reference's own trajectory by more than any tolerance that would still
    # catch a wrong step: then the first loss is compared and the later ones must fall as the reference's do.
    reduced_train_trajectory: bool = True
    description: str = ""
    # mlp
    hidden: tuple[int, ...] = ()
    # cnn
    image_size: int = 0
    stem_channels: int = 0
    # (channels, blocks) per stage; every stage after the first starts with a stride-2 block
    stages: tuple[tuple[int, int], ...] = ()
    # transformer
    seq_len: int = 0
    width: int = 0
    heads: int = 0
    layers: int = 0
    ffn_hidden: int = 0
    # gemm
    n: int = 0
    # the real models (fwtui.bench.models): token vocabulary and positions of bert-base and gpt2, the
    # bottleneck expansion of resnet50, the new tokens gpt2 generates after a prompt of ``seq_len``
    vocab: int = 0
    positions: int = 0
    expansion: int = 0
    new_tokens: int = 0
    # why it cannot train in any framework ("" when ``trainable``)
    training_reason: str = ""

    @property
    def key(self) -> str:
        return f"{self.name}/{self.size}"

    @property
    def tokens(self) -> bool:
        """Whether the input is token ids (int64, shape (batch, seq_len)) rather than float32 values."""
        return self.vocab > 0

