"""What a generating model (gpt2) adds to a prepared workload: one timed step per scenario, and the
teacher-forced correctness check.

A prepared gpt2 has ``make_scenario_step(scenario, prompt)``: ``prefill`` runs the prompt and chooses the first
new token; ``decode`` (and ``throughput``, the same at a larger batch) is one step of a real greedy loop over
the KV cache. Its ``infer(tokens)`` is teacher-forced: it is fed the prompt and the reference's own tokens and
returns the logits of every new token, so frameworks whose arithmetic would pick another token at a near-tie
are still compared position by position.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    import numpy as np

    from fwtui.bench.runner import Prepared, Step
    from fwtui.bench.workload_spec import WorkloadSpec


@runtime_checkable
class Generating(Protocol):
    def make_scenario_step(self, scenario: str, x: np.ndarray) -> Step:
        """The timed step of ``scenario`` for the prompts ``x`` (batch, seq_len)."""


def scenario_step(prepared: Prepared, scenario: str, x: np.ndarray, y: np.ndarray | None) -> Step:
    """The timed step of one scenario: a generating model's own, else the prepared workload's one step."""
    if isinstance(prepared, Generating):
        return prepared.make_scenario_step(scenario, x)
    return prepared.make_step(x, y)


def check_input(spec: WorkloadSpec, x: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """What the correctness check feeds a workload whose reference output is ``expected`` for ``x``: the
    input itself, or for a generating model the prompt and the reference's generated tokens."""
    if not spec.new_tokens:
        return x
    from fwtui.bench.models.reference import teacher_forced_tokens

    return teacher_forced_tokens(x, expected)


def next_token_agreement(actual: np.ndarray, expected: np.ndarray) -> float:
    """The share of positions whose most likely token is the reference's (top-1 agreement for classifiers)."""
    import numpy as np

    if actual.shape != expected.shape or not expected.size:
        return 0.0
    return float(np.mean(np.argmax(actual, axis=-1) == np.argmax(expected, axis=-1)))
