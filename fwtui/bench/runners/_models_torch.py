"""The real models in PyTorch: ResNet-50, BERT-base (functional ``nn.Module``s over the canonical weights)
and GPT-2 with its KV-cache generation.

Imported only inside a benchmark child. The parameters keep their canonical names and layouts (linear weights
``(in, out)``, used as ``x @ w + b``), so loading is a copy and nothing is transposed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from fwtui.bench.models import gpt2 as gpt2_spec
from fwtui.bench.models import resnet
from fwtui.bench.workloads import BN_EPS, LN_EPS, trainable_names, weight_shapes

if TYPE_CHECKING:
    from fwtui.bench.workload_spec import WorkloadSpec

Cache = list[tuple[torch.Tensor, torch.Tensor]]


def _key(name: str) -> str:
    return name.replace(".", "__")  # module attribute names cannot hold dots


class CanonicalModel(nn.Module):  # type: ignore[misc]
    """Parameters (and batch-norm running statistics, as buffers) under their canonical names."""

    def __init__(self, spec: WorkloadSpec) -> None:
        super().__init__()
        self.spec = spec
        trainable = set(trainable_names(spec)) if spec.trainable else set()
        self.params = nn.ParameterDict()
        for name, shape in weight_shapes(spec).items():
            if name in trainable or (not spec.trainable and not name.endswith(("running_mean", "running_var"))):
                self.params[_key(name)] = nn.Parameter(torch.empty(shape), requires_grad=name in trainable)
            else:
                self.register_buffer(_key(name), torch.empty(shape))

    def w(self, name: str) -> torch.Tensor:
        key = _key(name)
        if key in self.params:
            return self.params[key]
        value: torch.Tensor = getattr(self, key)
        return value

    def load_canonical(self, weights: dict[str, np.ndarray]) -> None:
        expected = set(weight_shapes(self.spec))
        if expected ^ set(weights):
            raise ValueError(f"weights do not match the {self.spec.key} layout: {sorted(expected ^ set(weights))[:5]}")
        with torch.no_grad():
            for name, value in weights.items():
                self.w(name).copy_(torch.from_numpy(np.ascontiguousarray(value, dtype=np.float32)))

    def dense(self, x: torch.Tensor, name: str) -> torch.Tensor:
        packed = self.__dict__.get("int8", {}).get(name)
        if packed is not None:
            return torch.ops.quantized.linear_dynamic(x, packed)
        # F.linear (not matmul + bias) so that autocast runs the bias in the reduced type too, as nn.Linear does.
        return F.linear(x, self.w(f"{name}.weight").T, self.w(f"{name}.bias"))

    def quantize_dense(self) -> int:
        """int8 dynamic quantisation of every dense layer, with the kernels ``quantize_dynamic`` gives an
        ``nn.Linear`` (int8 weights per tensor, activations quantised per call); returns the layers quantised."""
        names = {n[: -len(".weight")] for n in weight_shapes(self.spec) if n.endswith(".weight")}
        dense = [n for n in names if f"{n}.bias" in weight_shapes(self.spec) and self.w(f"{n}.weight").ndim == 2]
        packed = {}
        with torch.no_grad():
            for name in dense:
                weight = self.w(f"{name}.weight").detach().float().T.contiguous()  # nn.Linear's (out, in)
                scale = float(weight.abs().max()) / 127.0 or 1.0
                q = torch.quantize_per_tensor(weight, scale, 0, torch.qint8)
                packed[name] = torch.ops.quantized.linear_prepack(q, self.w(f"{name}.bias").detach().float())
        self.__dict__["int8"] = packed  # plain attribute: packed weights are not parameters
        return len(packed)

    def layer_norm(self, x: torch.Tensor, name: str) -> torch.Tensor:
        w = self.w(f"{name}.weight")
        return F.layer_norm(x, (x.shape[-1],), w, self.w(f"{name}.bias"), LN_EPS)

    def batch_norm(self, x: torch.Tensor, name: str) -> torch.Tensor:
        # Training normalises with batch statistics and never updates the running ones (the convention).
        mean = None if self.training else self.w(f"{name}.running_mean")
        var = None if self.training else self.w(f"{name}.running_var")
        return F.batch_norm(
            x, mean, var, self.w(f"{name}.weight"), self.w(f"{name}.bias"), training=self.training, eps=BN_EPS
        )

    def attention(self, h: torch.Tensor, prefix: str, past: tuple[torch.Tensor, torch.Tensor] | None = None,
                  causal: bool = False) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        b, t, width = h.shape
        heads = self.spec.heads

        def split(v: torch.Tensor) -> torch.Tensor:
            return v.view(b, t, heads, width // heads).transpose(1, 2)

        q, k, v = (split(self.dense(h, f"{prefix}.attn.{p}")) for p in "qkv")
        if past is not None:
            k, v = torch.cat([past[0], k], dim=2), torch.cat([past[1], v], dim=2)
        # A causal prompt with no cache is square, so is_causal's top-left alignment is the right mask; one new
        # token after a cache sees every key.
        ctx = F.scaled_dot_product_attention(q, k, v, is_causal=causal and past is None and t > 1)
        out = self.dense(ctx.transpose(1, 2).reshape(b, t, width), f"{prefix}.attn.o")
        return out, (k, v)


class ResNet50(CanonicalModel):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.conv2d(x, self.w("stem.conv.weight"), stride=resnet.STEM_STRIDE, padding=resnet.STEM_PAD)
        h = F.relu(self.batch_norm(h, "stem.bn"))
        h = F.max_pool2d(h, resnet.POOL_KERNEL, resnet.POOL_STRIDE, resnet.POOL_PAD)
        for b in resnet.blocks(self.spec):
            n = b.prefix
            y = F.relu(self.batch_norm(F.conv2d(h, self.w(f"{n}.conv1.weight")), f"{n}.bn1"))
            y = F.conv2d(y, self.w(f"{n}.conv2.weight"), stride=b.stride, padding=1)
            y = F.relu(self.batch_norm(y, f"{n}.bn2"))
            y = self.batch_norm(F.conv2d(y, self.w(f"{n}.conv3.weight")), f"{n}.bn3")
            shortcut = h
            if b.has_projection:
                shortcut = self.batch_norm(F.conv2d(h, self.w(f"{n}.proj.weight"), stride=b.stride), f"{n}.proj_bn")
            h = F.relu(y + shortcut)
        return self.dense(h.mean(dim=(2, 3)), "fc")


class Bert(CanonicalModel):
    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(ids.shape[1], device=ids.device)
        h = F.embedding(ids, self.w("emb.token")) + F.embedding(positions, self.w("emb.position"))
        h = self.layer_norm(h, "emb.ln")
        for layer in range(self.spec.layers):
            a = f"layer{layer}"
            h = self.layer_norm(h + self.attention(h, a)[0], f"{a}.ln1")
            ff = self.dense(F.gelu(self.dense(h, f"{a}.ffn.fc1")), f"{a}.ffn.fc2")
            h = self.layer_norm(h + ff, f"{a}.ln2")
        return self.dense(torch.tanh(self.dense(h[:, 0], "pool")), "head")


class Gpt2(CanonicalModel):
    def forward(self, ids: torch.Tensor, cache: Cache | None = None) -> tuple[torch.Tensor, Cache]:
        """Logits of the last new token and the cache with the new keys and values appended."""
        start = 0 if cache is None else cache[0][0].shape[2]
        positions = torch.arange(start, start + ids.shape[1], device=ids.device)
        h = F.embedding(ids, self.w("wte")) + F.embedding(positions, self.w("wpe"))
        present: Cache = []
        for layer in range(self.spec.layers):
            n = f"h{layer}"
            attn, kv = self.attention(self.layer_norm(h, f"{n}.ln1"), n, None if cache is None else cache[layer],
                                      causal=True)
            present.append(kv)
            h = h + attn
            m = self.layer_norm(h, f"{n}.ln2")
            h = h + self.dense(F.gelu(self.dense(m, f"{n}.ffn.fc1")), f"{n}.ffn.fc2")
        return torch.matmul(self.layer_norm(h[:, -1], "ln_f"), self.w("wte").T), present


TORCH_DTYPES = {"bfloat16": torch.bfloat16, "float16": torch.float16}


def dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


MODULES: dict[str, type[CanonicalModel]] = {resnet.NAME: ResNet50, "bert-base": Bert}


class TorchGeneration:
    """GPT-2 generating greedily with a growing KV cache (the way Hugging Face's ``generate`` keeps it)."""

    def __init__(self, spec: WorkloadSpec, weights: dict[str, np.ndarray], device: torch.device,
                 sync: Callable[[], None], *, compile_model: bool = False, precision: str = "float32") -> None:
        self.spec, self.device, self.sync = spec, device, sync
        model = Gpt2(spec)
        model.load_canonical(weights)
        # Reduced precision the way generation usually runs it: weights (and so the cache) in bfloat16/float16.
        model = model.to(device=device, dtype=TORCH_DTYPES.get(precision, torch.float32)).eval()
        self.int8_layers = model.quantize_dense() if precision == "int8" else 0
        self.module = model
        # The cache grows every token: dynamic shapes, or torch.compile would recompile for each length.
        self.model: Callable[..., tuple[torch.Tensor, Cache]] = (
            torch.compile(model, dynamic=True) if compile_model else model
        )

    def _ids(self, x: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(x, dtype=np.int64)).to(self.device)

    def infer(self, x: np.ndarray) -> np.ndarray:
        """Teacher forcing: ``x`` is the prompt then the tokens to feed; the logits of every new token."""
        ids, prompt = self._ids(x), self.spec.seq_len
        with torch.inference_mode():
            logits, cache = self.model(ids[:, :prompt])
            found = [logits]
            for i in range(prompt, ids.shape[1]):
                logits, cache = self.model(ids[:, i : i + 1], cache)
                found.append(logits)
        return np.asarray(torch.stack(found, dim=1).float().cpu().numpy())

    def make_scenario_step(self, scenario: str, x: np.ndarray) -> Callable[[], torch.Tensor]:
        ids, model, sync = self._ids(x), self.model, self.sync
        if scenario == gpt2_spec.PREFILL:

            def prefill() -> torch.Tensor:
                with torch.inference_mode():
                    logits = model(ids)[0]
                    torch.argmax(logits, dim=-1)  # the first new token: time to first token
                sync()
                return logits  # what it computed: the timed call's output is checked

            return prefill
        with torch.inference_mode():
            logits, prompt_cache = model(ids)
            first = torch.argmax(logits, dim=-1, keepdim=True)
        state = _Loop(prompt_cache, first)
        steps = max(self.spec.new_tokens - 1, 1)

        def decode() -> torch.Tensor:
            if state.made == steps:  # a new generation from the prompt's cache
                state.cache, state.token, state.made = prompt_cache, first, 0
            with torch.inference_mode():
                logits, state.cache = model(state.token, state.cache)
                state.token = torch.argmax(logits, dim=-1, keepdim=True)
            state.made += 1
            sync()
            return logits

        return decode

    def make_step(self, x: np.ndarray, y: np.ndarray | None = None) -> Callable[[], torch.Tensor]:
        return self.make_scenario_step(gpt2_spec.DECODE, x)

    def compute_precision(self) -> str:
        return "int8" if self.int8_layers else dtype_name(self.module.w("wte").dtype)

    def train_losses(self, x: np.ndarray, y: np.ndarray, steps: int) -> list[float]:
        raise NotImplementedError(gpt2_spec.TRAINING_REASON)

    def device_memory_peak_mb(self) -> float | None:
        if self.device.type != "cuda":
            return None
        return float(torch.cuda.max_memory_allocated(self.device)) / 2**20


@dataclass
class _Loop:
    """Where a greedy generation loop is: its cache, the token to feed next, how many it has made."""

    cache: Cache
    token: torch.Tensor
    made: int = 0
