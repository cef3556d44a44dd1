"""Quiz mode's question: the next step's value, asked one scalar at a time."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Label, Static

from engine.files import printable
from engine.quiz import Score, close_enough, origins, parse_answer
from engine.scalar import cell, cell_indices
from tui.screens.dialog import Dialog
from tui.widgets.present import View


class QuizScreen(Dialog[str | None]):
    """Asks every cell of one step; dismisses with "done" (all answered or revealed), "skip"
    (reveal the rest of the step) or None (Esc: paused, the step stays hidden). It keeps its
    own copy of the score and posts Scored after each answer, for the app to keep and show."""

    class Scored(Message):
        """The running score after an answer or a reveal."""

        def __init__(self, score: Score):
            super().__init__()
            self.score = score

    DEFAULT_CSS = """
    QuizScreen { align: center bottom; }
    QuizScreen > Vertical { width: 100%; height: auto; max-height: 60%; border: round $accent;
                            background: $surface; padding: 0 1; }
    QuizScreen #quiz-question { text-style: bold; margin-top: 1; }
    QuizScreen #quiz-help { color: $text-muted; }
    QuizScreen > .quiz--ok { color: $good; text-style: bold; }
    QuizScreen > .quiz--bad { color: $bad; text-style: bold; }
    QuizScreen > .quiz--formula { color: $step-writes; text-style: bold; }
    QuizScreen > .quiz--label { color: $muted; }
    """
    COMPONENT_CLASSES = {"quiz--ok", "quiz--bad", "quiz--formula", "quiz--label"}
    BINDINGS = [
        Binding("escape", "close", "Pause the quiz"),
        Binding("ctrl+r", "reveal", "Reveal this value"),
        Binding("ctrl+n", "skip", "Skip the step"),
    ]

    def __init__(self, view: View, score: Score):
        super().__init__()
        self.view, self.score = view, replace(score)
        s = view.stepper
        self.step = s.steps[s.cursor]
        self.cells = cell_indices(self.step)
        self.position = 0
        self.feedback = Text()

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(id="quiz-step")
            yield Label(id="quiz-question")
            yield Input(id="quiz-answer", placeholder="your value, e.g. 0.1385 or -1/4")
            yield Static(id="quiz-feedback")
            yield Static(
                "Enter checks · Enter with no answer (or Ctrl+R) reveals this value · Ctrl+N reveals the "
                "whole step · Esc pauses (n asks again) · k in the main screen ends the quiz",
                id="quiz-help",
            )  # a Static: the line wraps where a Label was cut

    def on_mount(self) -> None:
        s, v, style = self.view.stepper, self.view.v_names, partial(self.get_component_rich_style, partial=True)
        box = self.query_one(Vertical)
        box.border_title = f"quiz · step {self.step.index + 1} of {s.total} · {self.step.phase}"
        head = Text()
        head.append(self.step.words(v).formula, style("quiz--formula"))
        head.append("   from " + ", ".join(origins(self.step, s.steps, v=v)), style("quiz--label"))
        self.query_one("#quiz-step", Static).update(head)
        self.ask()

    def ask(self) -> None:
        box = self.query_one(Vertical)
        box.border_subtitle = f"score: {self.score}"
        current = self.current()
        count = f"  (value {self.position + 1} of {len(self.cells)})" if len(self.cells) > 1 else ""
        self.query_one("#quiz-question", Label).update(f"What is {current.label}?{count}")
        self.query_one("#quiz-feedback", Static).update(self.feedback)
        answer = self.query_one(Input)
        answer.value = ""
        answer.focus()

    def current(self):
        """The cell asked, written in the notation on screen."""
        view = self.view
        s = view.stepper
        return cell(self.step, self.cells[self.position], s.network, view.fmt, v=view.v_names, first_row=s.rows.start)

    def explained(self, prefix: str, style_name: str) -> Text:
        c, style = self.current(), partial(self.get_component_rich_style, partial=True)
        text = Text()
        text.append(prefix, style(style_name))
        text.append(c.line(self.view.fmt))
        return text

    @on(Input.Submitted)
    def answered(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            self.action_reveal()
            return
        try:
            answer = parse_answer(event.value)
        except ValueError as err:
            self.feedback = Text(printable(str(err)), self.get_component_rich_style("quiz--bad", partial=True))
            self.query_one("#quiz-feedback", Static).update(self.feedback)
            return
        c = self.current()
        if close_enough(answer, c.value):
            self.score.right += 1
            self.feedback = self.explained("✓ right: ", "quiz--ok")
        else:
            self.score.wrong += 1
            self.feedback = self.explained(f"✗ not {printable(event.value.strip())}: ", "quiz--bad")
        self.advance()

    def action_reveal(self) -> None:
        self.score.revealed += 1
        self.feedback = self.explained("revealed: ", "quiz--label")
        self.advance()

    def advance(self) -> None:
        self.post_message(self.Scored(replace(self.score)))  # the header's score follows each answer
        self.position += 1
        if self.position < len(self.cells):
            self.ask()
            return
        # the whole step is answered: the main screen reveals it; the last verdict stays in view
        self.app.notify(
            self.feedback.plain,
            title=f"quiz · {self.score}",
            timeout=6,
            markup=False,
            severity="error" if self.feedback.plain.startswith("✗") else "information",
        )
        self.close("done")

    def action_skip(self) -> None:
        self.close("skip")
