"""Derive mode's question: the expression for the next step's quantity, judged as
`backprop-tui answer` judges it (engine.answer) at this iteration's parameters and others."""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from engine.answer import AnswerError, Judge
from engine.expr import Names
from engine.files import printable
from engine.quantities import Kind, Quantity
from engine.quiz import Score
from tui.screens.dialog import Dialog
from tui.screens.quiz import QuizScreen
from tui.widgets.present import View


def judge_for(view: View) -> Judge:
    """A judge of the iteration on screen: its parameters, the batch or the one sample walked."""
    s = view.stepper
    return Judge(s.network.with_params(s.start_params), s.sample, t=s.start_state.t)


class DeriveScreen(Dialog[str | None]):
    """Asks for the expression of one step's quantity; dismisses with "done" (right, or the
    form revealed), "skip" (Ctrl+N) or None (Esc: paused). It posts QuizScreen.Scored after
    each try, as the quiz does, for the app to keep the score."""

    DEFAULT_CSS = """
    DeriveScreen { align: center bottom; }
    DeriveScreen > Vertical { width: 100%; height: auto; max-height: 70%; border: round $accent;
                              background: $surface; padding: 0 1; }
    DeriveScreen #derive-question { text-style: bold; margin-top: 1; }
    DeriveScreen #derive-names { color: $text-muted; }
    DeriveScreen #derive-help { color: $text-muted; }
    DeriveScreen > .derive--ok { color: $good; text-style: bold; }
    DeriveScreen > .derive--bad { color: $bad; text-style: bold; }
    DeriveScreen > .derive--formula { color: $step-writes; text-style: bold; }
    """
    COMPONENT_CLASSES = {"derive--ok", "derive--bad", "derive--formula"}
    BINDINGS = [
        Binding("escape", "close", "Pause"),
        Binding("ctrl+r", "reveal", "Reveal the expression"),
        Binding("ctrl+n", "skip", "Skip the step"),
    ]

    def __init__(self, view: View, score: Score, judge: Judge):
        super().__init__()
        self.view, self.score, self.judge = view, replace(score), judge
        s = view.stepper
        self.step = s.steps[s.cursor]
        self.quantity = Quantity.parse(self.step.writes)
        self.updated = self.step.phase == "update"
        self.tried = False  # a wrong try counts once

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(id="derive-question")
            yield Static(id="derive-names")
            yield Input(
                id="derive-answer", placeholder="an expression in the names above (syntax: backprop-tui answer --help)"
            )
            yield Static(id="derive-feedback")
            yield Static(
                "Enter checks · Ctrl+R reveals the expression · Ctrl+N reveals the step · Esc pauses (n asks "
                "again) · s in the main screen ends derive mode · syntax: backprop-tui answer --help",
                id="derive-help",
            )

    def on_mount(self) -> None:
        s = self.view.stepper
        box = self.query_one(Vertical)
        box.border_title = f"derive · step {self.step.index + 1} of {s.total} · {self.step.phase}"
        box.border_subtitle = f"score: {self.score}"
        symbol = self.view.symbol(self.step.writes)
        shape = "×".join(str(n) for n in self.judge.envs[0][self.quantity.id].shape) or "a number"
        what = f"{symbol} after this update" if self.updated else symbol
        self.query_one("#derive-question", Label).update(f"What is {what}, as an expression? ({shape})")
        self.query_one("#derive-names", Static).update(self.names())
        self.query_one(Input).focus()

    def names(self) -> str:
        """The names the learner may use here: the data, the parameters and what is known so far."""
        s, net = self.view.stepper, self.view.stepper.network
        column = self.judge.column
        kinds = (Kind.Z, Kind.A, Kind.DL_DA, Kind.DA_DZ, Kind.DELTA, Kind.DL_DW, Kind.DL_DB)
        known = [
            Quantity(kind, l)
            for l in range(1, net.depth + 1)
            for kind in kinds
            if s.value(Quantity(kind, l).id) is not None
            and not (kind is Kind.DA_DZ and self.judge.envs[0][Quantity(kind, l).id].ndim == 3)  # a Jacobian
        ]
        data = "x, y (this sample's columns)" if column else "X, Y (rows are samples), m"
        params = ", ".join(Quantity(k, l).id for l in range(1, net.depth + 1) for k in (Kind.W, Kind.B))
        found = ", ".join(Names(column=column).answer(q.id) for q in known) or "none yet"
        return f"names: {data}; {params}; computed so far: {found}; eta (the learning rate)"

    @on(Input.Submitted)
    def answered(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            self.action_reveal()
            return
        try:
            verdict = self.judge.judge(self.quantity, text, self.updated)
        except AnswerError as err:  # not an expression: said, not counted
            self.say(Text(printable(str(err)), self.style("derive--bad")))
            return
        if verdict.correct:
            self.score.right += 1
            self.post_message(QuizScreen.Scored(replace(self.score)))
            self.app.notify(f"✓ {text}", title=f"derive · {self.score}", timeout=2)  # short: the next question opens
            self.close("done")
            return
        if not self.tried:
            self.score.wrong += 1
            self.tried = True
            self.post_message(QuizScreen.Scored(replace(self.score)))
        self.say(Text(f"✗ {printable(verdict.message)} (try again, or Ctrl+R)", self.style("derive--bad")))

    def style(self, name: str):
        return self.get_component_rich_style(name, partial=True)

    def say(self, text: Text) -> None:
        self.query_one(Vertical).border_subtitle = f"score: {self.score}"
        self.query_one("#derive-feedback", Static).update(text)

    def form(self) -> str:
        if self.updated:
            p = self.view.symbol(self.step.writes)
            gradient = Quantity(Kind.DL_DW if self.quantity.kind is Kind.W else Kind.DL_DB, self.quantity.layer)
            return f"{p} − η{self.view.symbol(gradient.id)}"
        return self.judge.closed_form(self.quantity, "unicode", names=Names(self.judge.column, self.view.v_names))

    def action_reveal(self) -> None:
        self.score.revealed += 1
        self.post_message(QuizScreen.Scored(replace(self.score)))
        self.app.notify(f"{self.view.symbol(self.step.writes)} = {self.form()}", title="revealed", timeout=8)
        self.close("done")

    def action_skip(self) -> None:
        self.close("skip")
