"""The questions the Decide engine asks. Every one may be left at "don't know" (the default).

Keys and values are stable identifiers: they are stored in ``answers.json``, typed on the command line
(``--answer deploy=mobile,edge``) and matched by the knowledge base's rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from fwtui.errors import UsageError

DONT_KNOW = "dont_know"
"""The value a rule uses to match an unanswered question; never stored as an answer."""

Answers = dict[str, tuple[str, ...]]
"""Normalised answers: question key -> chosen values (empty or missing = don't know)."""


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    options: tuple[tuple[str, str], ...]  # (value, label)
    multi: bool = False
    noun: str = ""  # how a sentence names the answer: "if {noun} were ..."
    # Only asked when another answer allows it: (question key, values that make this one relevant).
    relevant_when: tuple[str, tuple[str, ...]] | None = None

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(value for value, _ in self.options)

    def label(self, value: str) -> str:
        return dict(self.options).get(value, value)


QUESTIONS: tuple[Question, ...] = (
    Question(
        "project",
        "New project or existing codebase?",
        (("new", "New project"), ("existing", "Existing codebase")),
        noun="the project",
    ),
    Question(
        "existing_framework",
        "The existing codebase is in",
        (
            ("pytorch", "PyTorch"),
            ("tensorflow", "TensorFlow"),
            ("jax", "JAX"),
            ("keras", "Keras"),
            ("mxnet", "MXNet"),
            ("caffe2", "Caffe2"),
            ("other", "Something else"),
        ),
        relevant_when=("project", ("existing", DONT_KNOW)),
        noun="the existing codebase",
    ),
    Question(
        "deploy",
        "Where will the model run?",
        (
            ("mobile", "Mobile apps"),
            ("edge", "Edge / microcontrollers"),
            ("browser", "Web browser"),
            ("server", "Server / cloud serving"),
            ("batch", "Batch (offline) jobs"),
            ("research", "Research only"),
        ),
        multi=True,
        noun="deployment",
    ),
    Question(
        "scale",
        "Scale of training",
        (("single", "One machine"), ("multi_gpu", "Several GPUs"), ("large", "100+ accelerators")),
        noun="the training scale",
    ),
    Question("tpu", "Google Cloud or TPUs?", (("yes", "Yes"), ("no", "No")), noun="Google Cloud / TPUs"),
    Question(
        "experience",
        "The team's experience",
        (
            ("beginner", "Beginners"),
            ("pytorch", "Python and PyTorch"),
            ("jax", "Functional programming and JAX"),
            ("tensorflow", "TensorFlow and Keras"),
        ),
        noun="the team's experience",
    ),
    Question(
        "workload",
        "The workload",
        (
            ("vision", "Vision"),
            ("nlp", "NLP and LLMs"),
            ("rl", "Reinforcement learning"),
            ("generative", "Generative models"),
            ("tabular", "Traditional ML on tabular data"),
        ),
        noun="the workload",
    ),
    Question(
        "pretrained",
        "Reliance on pretrained Hugging Face models",
        (("heavy", "Heavy"), ("some", "Some"), ("none", "None")),
        noun="reliance on pretrained models",
    ),
    Question(
        "priorities",
        "Priorities",
        (
            ("research_velocity", "Research velocity"),
            ("training_speed", "Raw training speed"),
            ("inference_latency", "Inference latency"),
            ("production_tooling", "Production tooling"),
            ("stability", "Long-term stability"),
        ),
        multi=True,
        noun="the priorities",
    ),
)

BY_KEY: dict[str, Question] = {q.key: q for q in QUESTIONS}


def is_relevant(question: Question, answers: Mapping[str, tuple[str, ...]], *, strict: bool = False) -> bool:
    """Whether a question applies given the other answers.

    An unanswered parent counts as don't know; ``strict`` requires the parent to be answered (the
    counterfactual search uses it so one suggested change never silently implies another).
    """
    if question.relevant_when is None:
        return True
    parent, allowed = question.relevant_when
    chosen = answers.get(parent, ())
    if not chosen:
        return not strict and DONT_KNOW in allowed
    return any(value in allowed for value in chosen)


def normalise(raw: Mapping[str, object]) -> Answers:
    """Validate answers and return them in canonical form (option order, no duplicates, no empty entries).

    Values may be a string (comma-separated for multi-select), a list, or None / "" / "dont_know" for
    don't know. Raises ``UsageError`` naming the valid keys or values.
    """
    answers: Answers = {}
    for key, value in raw.items():
        question = BY_KEY.get(key)
        if question is None:
            raise UsageError(f"unknown question {key!r}; valid keys: {', '.join(BY_KEY)}")
        chosen = _split(value)
        unknown = [v for v in chosen if v not in question.values]
        if unknown:
            raise UsageError(
                f"unknown value {unknown[0]!r} for {key}; valid values: {', '.join(question.values)}, {DONT_KNOW}"
            )
        if len(chosen) > 1 and not question.multi:
            raise UsageError(f"{key} takes one value, got {', '.join(chosen)}")
        ordered = tuple(v for v in question.values if v in chosen)
        if ordered:
            answers[key] = ordered
    return answers


def _split(value: object) -> list[str]:
    if value is None:
        return []
    items: Iterable[object] = value.split(",") if isinstance(value, str) else value  # type: ignore[assignment]
    cleaned = [str(item).strip() for item in items]
    return [item for item in cleaned if item and item != DONT_KNOW]


def parse_cli_answers(pairs: Iterable[str]) -> Answers:
    """``["deploy=mobile,edge", "tpu=yes"]`` -> answers; repeated keys of a multi-select question add up."""
    raw: dict[str, list[str]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"--answer takes KEY=VALUE, got {pair!r}; valid keys: {', '.join(BY_KEY)}")
        raw.setdefault(key, []).extend(_split(value))
    return normalise(raw)


def answer_text(key: str, values: tuple[str, ...]) -> str:
    """Human text of one answer: "Mobile apps, Web browser" or "don't know"."""
    if not values:
        return "don't know"
    question = BY_KEY[key]
    return ", ".join(question.label(v) for v in values)


def describe(key: str, values: tuple[str, ...]) -> str:
    """An answer quoted for a sentence: "'Mobile apps'"."""
    return f"'{answer_text(key, values)}'"
