"""The questions the Decide engine asks. Every one may be left at "don't know" (the default).

Keys and values are stable identifiers: they are stored in ``answers.json``, typed on the command line
(``--answer deploy=mobile,edge``) and matched by the knowledge base's rules. A question that only applies
when another answer allows it (``relevant_when``) is *hidden* otherwise, and an answer to a hidden question is
never used: :func:`prune_hidden` drops it and says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from fwtui.errors import UsageError

DONT_KNOW = "dont_know"
"""The value a rule uses to match an unanswered question; never stored as an answer."""

Answers = dict[str, tuple[str, ...]]
"""Normalised answers: question key -> chosen values (empty or missing = don't know)."""

# Questions that were replaced, with the hint a user of the old key needs.
REPLACED: dict[str, str] = {
    "tpu": "replaced by train_hardware=tpu and serve_hardware=tpu",
}


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    options: tuple[tuple[str, str], ...]  # (value, label)
    multi: bool = False
    noun: str = ""  # how a sentence names the answer: "if {noun} were ..."
    # Only asked when another answer allows it: (question key, values that make this one relevant).
    relevant_when: tuple[str, tuple[str, ...]] | None = None
    # Unanswered means "what this machine has" (the engine fills it in from the hardware probe).
    hardware_default: bool = False
    # Multi-select options that contradict any other ticked option ("Research only" and a deployment target).
    exclusive: tuple[str, ...] = ()

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(value for value, _ in self.options)

    def label(self, value: str) -> str:
        return dict(self.options).get(value, value)


# Target hardware: one list of kinds for training and for serving, so rules and defaults share the names.
HARDWARE_OPTIONS: tuple[tuple[str, str], ...] = (
    ("nvidia", "NVIDIA GPUs"),
    ("amd", "AMD GPUs"),
    ("tpu", "Google Cloud TPUs"),
    ("trainium", "AWS Trainium / Inferentia"),
    ("apple", "Apple silicon"),
    ("cpu", "CPUs only"),
)

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
        "workload",
        "The workload",
        (
            ("vision", "Vision"),
            ("nlp", "NLP and LLMs"),
            ("rl", "Reinforcement learning"),
            ("generative", "Image, audio or video generation"),
            ("tabular", "Traditional ML on tabular data"),
        ),
        noun="the workload",
    ),
    Question(
        "llm_stage",
        "What you do with language models",
        (
            ("pretrain", "Pretrain a model"),
            ("finetune_full", "Fine-tune all weights"),
            ("finetune_lora", "Fine-tune with LoRA / adapters"),
            ("serve", "Serve a model"),
        ),
        multi=True,
        relevant_when=("workload", ("nlp",)),
        noun="the language-model work",
    ),
    Question(
        "model_size",
        "Model size (parameters)",
        (("small", "Under 1B"), ("medium", "1B to 15B"), ("large", "15B to 100B"), ("frontier", "Over 100B")),
        relevant_when=("workload", ("nlp", "generative")),
        noun="the model size",
    ),
    Question(
        "llm_engine",
        "LLM serving engine",
        (
            ("vllm", "vLLM"),
            ("sglang", "SGLang"),
            ("tensorrt_llm", "TensorRT-LLM"),
            ("llama_cpp", "llama.cpp (GGUF)"),
            ("ort_genai", "ONNX Runtime GenAI"),
        ),
        relevant_when=("llm_stage", ("serve",)),
        noun="the serving engine",
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
        exclusive=("research",),
    ),
    Question(
        "train_hardware",
        "Hardware for training",
        HARDWARE_OPTIONS,
        noun="the training hardware",
        hardware_default=True,
    ),
    Question(
        "serve_hardware",
        "Hardware for serving",
        HARDWARE_OPTIONS,
        relevant_when=("deploy", ("server", "batch", DONT_KNOW)),
        noun="the serving hardware",
        hardware_default=True,
    ),
    Question(
        "scale",
        "Scale of training",
        (("single", "One machine"), ("multi_gpu", "Several GPUs"), ("large", "100+ accelerators")),
        noun="the training scale",
    ),
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
    Question(
        "evidence_scope",
        "Which benchmark results count?",
        (("matching", "Only workloads like mine"), ("all", "Every workload measured")),
        relevant_when=("workload", ("vision", "nlp", "rl", "generative", "tabular")),
        noun="the benchmark results counted",
    ),
    Question(
        "precision",
        "Precision you will compute in",
        (
            ("float32", "float32"),
            ("bfloat16", "bfloat16 (mixed precision)"),
            ("float16", "float16"),
            ("int8", "int8 (quantised inference)"),
        ),
        noun="the precision",
    ),
)

BY_KEY: dict[str, Question] = {q.key: q for q in QUESTIONS}


def is_relevant(question: Question, answers: Mapping[str, tuple[str, ...]]) -> bool:
    """Whether a question applies given the other answers: its parent is itself relevant and its answer
    (an unanswered parent counts as don't know) is one of the values that open this question."""
    if question.relevant_when is None:
        return True
    parent_key, allowed = question.relevant_when
    parent = BY_KEY[parent_key]
    if not is_relevant(parent, answers):
        return False
    chosen = answers.get(parent_key, ())
    if not chosen:
        return DONT_KNOW in allowed
    return any(value in allowed for value in chosen)


def prune_hidden(answers: Mapping[str, tuple[str, ...]]) -> tuple[Answers, tuple[str, ...]]:
    """The answers to relevant questions, and the keys of the answers dropped because their question is hidden.

    Questions are visited parents first (``QUESTIONS`` is ordered so), so an answer hidden by a dropped
    parent is dropped too.
    """
    kept: Answers = {}
    dropped: list[str] = []
    for question in QUESTIONS:
        values = answers.get(question.key, ())
        if not values:
            continue
        if is_relevant(question, kept):
            kept[question.key] = tuple(values)
        else:
            dropped.append(question.key)
    return kept, tuple(dropped)


def normalise(raw: Mapping[str, object]) -> Answers:
    """Validate answers and return them in canonical form (option order, no duplicates, no empty entries).

    Values may be a string (comma-separated for multi-select), a list, or None / "" / "dont_know" for
    don't know. Raises ``UsageError`` naming the valid keys or values. Answers to hidden questions are kept
    here; the engine drops them (``prune_hidden``) and reports each one.
    """
    answers: Answers = {}
    for key, value in raw.items():
        question = _question(key)
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


def mixed_dont_know(raw: Mapping[str, object]) -> tuple[str, ...]:
    """Keys of multi-select answers that say "don't know" and name values too (the values are used)."""
    mixed = []
    for key, value in raw.items():
        items = _items(value)
        if DONT_KNOW in items and any(item and item != DONT_KNOW for item in items):
            mixed.append(key)
    return tuple(mixed)


@dataclass(frozen=True)
class Salvaged:
    answers: Answers
    dropped: tuple[str, ...]  # one line per value or question that could not be kept


def salvage(raw: Mapping[str, object]) -> Salvaged:
    """Stored answers, keeping every valid value: one unknown value drops that value, not its whole answer.

    For answers written by another version of fwtui, whose questions or values may no longer exist.
    """
    answers: Answers = {}
    dropped: list[str] = []
    for key, value in raw.items():
        question = BY_KEY.get(str(key))
        if question is None:
            dropped.append(f"{key}: no such question" + (f" ({REPLACED[key]})" if key in REPLACED else ""))
            continue
        chosen = _split(value)
        valid = [v for v in question.values if v in chosen]
        dropped.extend(f"{key}={v}: no such value" for v in chosen if v not in question.values)
        if len(valid) > 1 and not question.multi:
            dropped.append(f"{key}: takes one value, got {', '.join(valid)}")
            continue
        if valid:
            answers[question.key] = tuple(valid)
    return Salvaged(answers, tuple(dropped))


def _question(key: str) -> Question:
    question = BY_KEY.get(key)
    if question is None:
        hint = f" ({REPLACED[key]})" if key in REPLACED else ""
        raise UsageError(f"unknown question {key!r}{hint}; valid keys: {', '.join(BY_KEY)}")
    return question


def _items(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        items: Iterable[object] = value.split(",")
    elif isinstance(value, list | tuple):
        items = value
    else:
        items = [value]
    return [str(item).strip() for item in items]


def _split(value: object) -> list[str]:
    return [item for item in _items(value) if item and item != DONT_KNOW]


def parse_cli_answers(pairs: Iterable[str]) -> dict[str, list[str]]:
    """``["deploy=mobile,edge", "train_hardware=tpu"]`` -> raw answers (validated by ``normalise``);
    repeated keys of a multi-select question add up."""
    raw: dict[str, list[str]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"--answer takes KEY=VALUE, got {pair!r}; valid keys: {', '.join(BY_KEY)}")
        raw.setdefault(key, []).extend(_items(value))
    normalise(raw)  # the usage errors, before anything runs
    return raw


def answer_text(key: str, values: tuple[str, ...]) -> str:
    """Human text of one answer: "Mobile apps, Web browser" or "don't know"."""
    if not values:
        return "don't know"
    question = BY_KEY[key]
    return ", ".join(question.label(v) for v in values)


def describe(key: str, values: tuple[str, ...]) -> str:
    """An answer quoted for a sentence: "'Mobile apps'"."""
    return f"'{answer_text(key, values)}'"
