"""The Decide questions as keyboard-navigable widgets: a RadioSet (with "Don't know") or a SelectionList each."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Label, RadioButton, RadioSet, SelectionList
from textual.widgets.selection_list import Selection

from fwtui.decide.questions import DONT_KNOW, QUESTIONS, Answers, Question, is_relevant

DONT_KNOW_LABEL = "Don't know"


def _button_id(key: str, value: str) -> str:
    return f"decide-{key}--{value}"


class QuestionPanel(VerticalScroll):
    """Every question, each defaulting to don't know. Posts ``AnswersChanged`` when the user changes one."""

    DEFAULT_CSS = """
    QuestionPanel { width: 36; height: 1fr; border-right: tall $panel; padding: 0 1 0 0; }
    QuestionPanel .question { height: auto; margin-bottom: 1; }
    QuestionPanel .question-text { text-style: bold; color: $accent; }
    QuestionPanel .question-hint { color: $text-muted; }
    QuestionPanel RadioSet { width: 100%; }
    QuestionPanel SelectionList { width: 100%; height: auto; max-height: 9; }
    """

    class AnswersChanged(Message):
        def __init__(self, answers: Answers) -> None:
            super().__init__()
            self.answers = answers

    def __init__(self, answers: Answers, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._answers: Answers = dict(answers)

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
                    yield SelectionList[str](
                        *(Selection(label, value, value in chosen) for value, label in question.options),
                        id=f"decide-{question.key}",
                    )
                else:
                    with RadioSet(id=f"decide-{question.key}"):
                        for value, label in question.options:
                            yield RadioButton(label, value in chosen, id=_button_id(question.key, value))
                        yield RadioButton(DONT_KNOW_LABEL, not chosen, id=_button_id(question.key, DONT_KNOW))

    def on_mount(self) -> None:
        self._update_relevance()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        key = (event.radio_set.id or "").removeprefix("decide-")
        value = (event.pressed.id or "").removeprefix(f"decide-{key}--")
        self._set(key, () if value == DONT_KNOW else (value,))

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged[str]) -> None:
        event.stop()
        key = (event.selection_list.id or "").removeprefix("decide-")
        question = next(q for q in QUESTIONS if q.key == key)
        selected = set(event.selection_list.selected)
        self._set(key, tuple(v for v in question.values if v in selected))

    def _set(self, key: str, values: tuple[str, ...]) -> None:
        if self._answers.get(key, ()) == values:
            return
        if values:
            self._answers[key] = values
        else:
            self._answers.pop(key, None)
        self._update_relevance()
        self.post_message(self.AnswersChanged(self.answers))

    def set_answers(self, answers: Answers) -> None:
        """Show these answers without reporting them back as user changes."""
        self._answers = dict(answers)
        with self.prevent(RadioSet.Changed, SelectionList.SelectedChanged):
            for question in QUESTIONS:
                self._show(question, self._answers.get(question.key, ()))
        self._update_relevance()

    def _show(self, question: Question, chosen: tuple[str, ...]) -> None:
        if question.multi:
            selection = self.query_one(f"#decide-{question.key}", SelectionList)
            selection.deselect_all()
            for value in chosen:
                selection.select(value)
            return
        target = chosen[0] if chosen else DONT_KNOW
        self.query_one(f"#{_button_id(question.key, target)}", RadioButton).value = True

    def _update_relevance(self) -> None:
        for question in QUESTIONS:
            if question.relevant_when is not None:
                self.query_one(f"#decide-q-{question.key}").display = is_relevant(question, self._answers)
