"""The Decide questions as keyboard-navigable widgets: a RadioSet (with "Don't know") for a single choice, a
column of checkboxes for a multi-select question. Labels wrap, so every option can be read at 80 columns.

Only relevant questions are shown; when an answer hides another question, that question's answer is cleared
(a hidden answer is never kept).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.geometry import Size
from textual.message import Message
from textual.widgets import Checkbox, Label, RadioButton, RadioSet

from fwtui.decide.questions import DONT_KNOW, QUESTIONS, Answers, Question, is_relevant, prune_hidden
from screens.toggles import GlyphCheckbox, GlyphRadioButton

DONT_KNOW_LABEL = "Don't know"


def option_id(key: str, value: str) -> str:
    return f"decide-{key}--{value}"


def dont_know_label(question: Question, machine: str) -> str:
    """The unanswered choice; for target hardware it means this machine's, so it says which."""
    if question.hardware_default and machine:
        return f"{DONT_KNOW_LABEL}: this machine's ({machine})"
    return DONT_KNOW_LABEL


class WrappingRadioButton(GlyphRadioButton):
    """A radio button whose label wraps instead of being cut off in a narrow column."""

    DEFAULT_CSS = "WrappingRadioButton { height: auto; text-wrap: wrap; text-overflow: fold; }"

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        # Textual's own widgets measure wrapped content with their styles the same way.
        return self.render().get_height(self.styles, width)  # type: ignore[arg-type]


class WrappingCheckbox(GlyphCheckbox):
    """A checkbox whose label wraps instead of being cut off in a narrow column."""

    DEFAULT_CSS = "WrappingCheckbox { height: auto; width: 100%; text-wrap: wrap; text-overflow: fold; }"

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        # Textual's own widgets measure wrapped content with their styles the same way.
        return self.render().get_height(self.styles, width)  # type: ignore[arg-type]


class QuestionPanel(VerticalScroll):
    """Every question, each defaulting to don't know. Posts ``AnswersChanged`` when the user changes one."""

    DEFAULT_CSS = """
    QuestionPanel { width: 45%; min-width: 36; max-width: 64; height: 1fr; border-right: tall $panel; padding: 0 1 0 0; }
    QuestionPanel .question { height: auto; margin-bottom: 1; }
    QuestionPanel Label { width: 100%; }
    QuestionPanel .question-text { text-style: bold; color: $accent; }
    QuestionPanel .question-hint { color: $text-muted; }
    QuestionPanel RadioSet { width: 100%; }
    QuestionPanel RadioSet > WrappingRadioButton { width: 100%; }
    QuestionPanel .checks { height: auto; width: 100%; }
    QuestionPanel .checks > WrappingCheckbox { border: none; padding: 0 1; background: transparent; }
    QuestionPanel .checks > WrappingCheckbox:focus { border: none; }
    """

    class AnswersChanged(Message):
        def __init__(self, answers: Answers) -> None:
            super().__init__()
            self.answers = answers

    def __init__(self, answers: Answers, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._answers: Answers = prune_hidden(answers)[0]
        self._machine = ""

    @property
    def answers(self) -> Answers:
        return dict(self._answers)

    def compose(self) -> ComposeResult:
        for question in QUESTIONS:
            with Vertical(classes="question", id=f"decide-q-{question.key}"):
                yield Label(question.text, classes="question-text")
                chosen = self._answers.get(question.key, ())
                if question.multi:
                    yield Label("none ticked = don't know", classes="question-hint")
                    with Vertical(classes="checks", id=f"decide-{question.key}"):
                        for value, label in question.options:
                            yield WrappingCheckbox(label, value in chosen, id=option_id(question.key, value))
                else:
                    with RadioSet(id=f"decide-{question.key}"):
                        for value, label in question.options:
                            yield WrappingRadioButton(
                                label, value in chosen, id=option_id(question.key, value)
                            )
                        yield WrappingRadioButton(
                            dont_know_label(question, self._machine),
                            not chosen,
                            id=option_id(question.key, DONT_KNOW),
                        )

    def on_mount(self) -> None:
        self._update_relevance()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        key = (event.radio_set.id or "").removeprefix("decide-")
        value = (event.pressed.id or "").removeprefix(f"decide-{key}--")
        self._set(key, () if value == DONT_KNOW else (value,))

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        key, _, _ = (event.checkbox.id or "").removeprefix("decide-").partition("--")
        question = next(q for q in QUESTIONS if q.key == key)
        ticked = tuple(v for v in question.values if self.query_one(f"#{option_id(key, v)}", Checkbox).value)
        self._set(key, ticked)

    def _set(self, key: str, values: tuple[str, ...]) -> None:
        if self._answers.get(key, ()) == values:
            return
        if values:
            self._answers[key] = values
        else:
            self._answers.pop(key, None)
        kept, dropped = prune_hidden(self._answers)
        if dropped:  # the change hid a question: its answer goes, on screen as in the answers
            self._answers = kept
            with self.prevent(RadioSet.Changed, Checkbox.Changed):
                for question in QUESTIONS:
                    if question.key in dropped:
                        self._show(question, ())
        self._update_relevance()
        self.post_message(self.AnswersChanged(self.answers))

    def set_answers(self, answers: Answers) -> None:
        """Show these answers without reporting them back as user changes."""
        self._answers = prune_hidden(answers)[0]
        with self.prevent(RadioSet.Changed, Checkbox.Changed):
            for question in QUESTIONS:
                self._show(question, self._answers.get(question.key, ()))
        self._update_relevance()

    def set_machine(self, machine: str) -> None:
        """Name this machine's hardware in the unanswered choice of the target-hardware questions."""
        self._machine = machine
        for question in QUESTIONS:
            if question.hardware_default:
                button = self.query_one(f"#{option_id(question.key, DONT_KNOW)}", RadioButton)
                button.label = dont_know_label(question, machine)

    def _show(self, question: Question, chosen: tuple[str, ...]) -> None:
        if question.multi:
            for value in question.values:
                self.query_one(f"#{option_id(question.key, value)}", Checkbox).value = value in chosen
            return
        target = chosen[0] if chosen else DONT_KNOW
        self.query_one(f"#{option_id(question.key, target)}", RadioButton).value = True

    def _update_relevance(self) -> None:
        for question in QUESTIONS:
            if question.relevant_when is not None:
                self.query_one(f"#decide-q-{question.key}").display = is_relevant(question, self._answers)
