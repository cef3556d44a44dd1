"""The current step, the weight updates, the list of steps and the loss history."""

from __future__ import annotations

import numpy as np
from rich.style import Style
from rich.text import Text
from textual.containers import Vertical
from textual.widgets import OptionList, Sparkline, Static
from textual.widgets.option_list import Option

from engine import notation
from engine.notation import indices
from tui.widgets.present import View, show_text
from tui.widgets.textview import TextView

PHASE_MARK = {"forward": "→", "loss": "L", "backward": "←", "update": "Δ"}


class StepPanel(TextView, can_focus=True):
    """The current step: its formula, its place in the chain rule, the numbers put in, the
    result and what it means."""

    BORDER_TITLE = "current step"  # constant titles are set once: setting one repaints the panel
    DEFAULT_CSS = """
    StepPanel { border: round $accent; padding: 0 1; scrollbar-size-vertical: 1; }
    StepPanel > .step--formula { color: $accent; text-style: bold; }
    StepPanel > .step--computing { color: $accent; text-style: bold reverse; }
    StepPanel > .step--known { color: $success; }
    StepPanel > .step--later { color: $text-muted; }
    StepPanel > .step--label { color: $text-muted; }
    StepPanel > .step--why { text-style: italic; }
    StepPanel > .step--danger { color: $error; text-style: bold; }
    """
    COMPONENT_CLASSES = {"step--formula", "step--computing", "step--known", "step--later", "step--label",
                         "step--why", "step--danger"}

    def show(self, view: View) -> None:
        s = view.stepper
        step = s.step
        style = self.get_component_rich_style
        text = Text()
        if step is None:
            who = "the whole batch" if s.sample is None else f"sample {s.sample}"
            self.border_subtitle = ""
            text.append(f"Iteration {s.iteration + 1} is ready to start on {who}.\n\n", style("step--formula"))
            text.append("Press ", style("step--label"))
            text.append("n", style("step--computing"))
            text.append(" to compute the first factor of the forward pass: ", style("step--label"))
            text.append(view.words(s.steps[0].formula), style("step--formula"))
            self.set_text(text)
            return
        self.border_subtitle = f"{step.phase}{'' if step.layer is None else f' · layer {step.layer}'}"
        found = s.nonfinite()
        if found is not None:
            text.append(f"⚠ not finite from {found.describe()}\n\n", style("step--danger"))
        words = view.words
        text.append(words(step.formula) + "\n", style("step--formula"))
        if s.mistake and step.phase in ("backward", "update"):
            right = s.correct.steps[step.index]
            if np.array_equal(right.value, step.value, equal_nan=True):
                text.append("(the same without the common mistake)\n", style("step--known"))
            else:
                off = float(np.nanmax(np.abs(right.value - step.value)))
                text.append("⚠ the mistake changed this; correct: ", style("step--danger"))
                text.append(words(f"{step.symbol} = {notation.text(right.value, view.fmt, step.column)}"))
                text.append(f" (off by up to {view.fmt(off)})\n", style("step--danger"))
        if step.chain:
            text.append("\nchain rule: ", style("step--label"))
            text.append(f"{words(step.chain_target)} = ")
            computing = _computing(step)
            for i, (symbol, name) in enumerate(step.chain):
                if i:
                    text.append(" · ")
                symbol = words(symbol)
                if i in computing:
                    text.append(symbol, style("step--computing"))
                elif name is None or s.value(name) is not None:
                    text.append(symbol, style("step--known"))
                else:
                    text.append(symbol, style("step--later"))
            text.append("\n")
            for i, (symbol, name) in enumerate(step.chain):
                if i in computing:
                    continue
                if name is None:
                    text.append(f"  {words(symbol)} = 1\n", style("step--known"))
                elif s.value(name) is not None:
                    text.append(f"  {words(symbol)} = {view.compact(s.value(name))}\n", style("step--known"))
            if not step.column:
                text.append(f"  (values of sample {view.row})\n", style("step--label"))
        text.append("\n")
        text.append(words(step.substitution(view.fmt)) + "\n")
        if view.explain:
            text.append("\nwhy: ", style("step--label"))
            text.append(words(step.explanation), style("step--why"))
            if step.convention:
                text.append("\nconvention: ", style("step--label"))
                text.append(words(step.convention), style("step--why"))
        self.set_text(text)


def _computing(step) -> set[int]:
    """Which factors of the layer's chain this step computes."""
    if step.kind in ("delta", "simplified"):
        return {0, 1}
    if step.kind in ("dW", "db"):
        return {2}
    return {i for i, (_, name) in enumerate(step.chain) if name == step.writes}


class UpdatesPanel(TextView):
    """Every parameter's old → new value in the update phase; after an iteration, a summary."""

    BORDER_TITLE = "weight updates"
    DEFAULT_CSS = """
    UpdatesPanel { border: round $primary-darken-1; padding: 0 1; height: 5; scrollbar-size-vertical: 1; }
    UpdatesPanel > .update--down { color: $success; }
    UpdatesPanel > .update--up { color: $error; }
    UpdatesPanel > .update--label { color: $text-muted; }
    UpdatesPanel > .update--name { text-style: bold; }
    """
    COMPONENT_CLASSES = {"update--down", "update--up", "update--label", "update--name"}

    def show(self, view: View) -> None:
        s = view.stepper
        style = self.get_component_rich_style
        fmt = view.fmt
        text = Text()
        updates = [st for st in s.steps[: s.cursor] if st.phase == "update"]
        if s.cursor == s.total:
            before, after = s.derived.loss, s.loss_after()
            text.append(f"iteration {s.iteration + 1} done: ", style("update--name"))
            text.append(f"loss {fmt(before)} → {fmt(after)} ")
            text.append(f"({'+' if after >= before else '−'}{fmt(abs(after - before))})",
                        style("update--up" if after > before else "update--down"))
            text.append("   n starts the next iteration\n", style("update--label"))
            if s.mistake:
                exact = notation.significant(9)
                text.append(f"with the common mistake: loss after {exact(after)}; without it "
                            f"{exact(s.loss_after(correct=True))}\n", style("update--up"))
        elif not updates:
            if s.losses:
                text.append(f"iteration {s.iteration} changed the loss {fmt(s.losses[-1])} → "
                            f"{fmt(s.derived.loss)}\n", style("update--label"))
            text.append("The parameters change in the update phase, after every gradient is known: "
                        "p ← p − η ∂L/∂p.", style("update--label"))
            self.set_text(text)
            return
        for st in reversed(updates):  # the newest first: in sight without a scroll
            old, new = st.operands[0], st.value
            text.append(f"{view.words(st.symbol)}: ", style("update--name"))
            flat_old, flat_new = old.reshape(-1), new.reshape(-1)
            shown = indices(flat_old.size, 6)
            for i in shown:
                if i is None:
                    text.append("…  ", style("update--label"))
                    continue
                index = np.unravel_index(i, old.shape)
                cell = ",".join(str(int(k)) for k in index)
                change = flat_new[i] - flat_old[i]
                text.append(f"[{cell}] {fmt(flat_old[i])}→{fmt(flat_new[i])} ")
                text.append(f"({'+' if change >= 0 else '−'}{fmt(abs(change))})  ",
                            style("update--up" if change > 0 else "update--down"))
            text.append("\n")
        text.rstrip()
        self.set_text(text)
        if self.scroll_y:  # the summary and the newest update are at the top
            self.scroll_home(animate=False)


class StepList(OptionList):
    """The iteration's steps; the current one is highlighted, and Enter or a click jumps there."""

    BORDER_TITLE = "steps"
    DEFAULT_CSS = """
    StepList { border: round $primary-darken-1; height: 1fr; }
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._formulas: list[str] = []

    # Textual 8.2.8's OptionList pages by its laid-out lines, which a list with no room (a short
    # terminal squeezes it to its borders, yet it keeps the focus) never has: PgUp / PgDn raised KeyError.
    def on_resize(self) -> None:
        self.scroll_to_highlight(top=True)  # a list shown before it had a size scrolls now

    def action_page_up(self) -> None:
        if self.scrollable_content_region:
            super().action_page_up()

    def action_page_down(self) -> None:
        if self.scrollable_content_region:
            super().action_page_down()

    def show(self, view: View) -> None:
        s = view.stepper
        formulas = [f"{i + 1:>2} {PHASE_MARK[st.phase]} {view.words(st.formula)}" for i, st in enumerate(s.steps)]
        if formulas != self._formulas:
            self._formulas = formulas
            self.clear_options()
            self.add_options([Option(f, id=str(i)) for i, f in enumerate(formulas)])
        self.border_subtitle = f"{s.cursor}/{s.total}"
        highlighted = s.cursor - 1 if s.cursor else None
        if highlighted != self.highlighted:
            self.highlighted = highlighted
            # the current step at the top, the ones to come below it: the same step, the same
            # picture; scrolled now, so the key paints one frame, not two
            self.scroll_to_highlight(top=True)


class LossHistory(Vertical):
    """The loss of every iteration so far, as a Sparkline with its first and latest value."""

    BORDER_TITLE = "loss per iteration"
    DEFAULT_CSS = """
    LossHistory { height: 4; border: round $primary-darken-1; padding: 0 1; }
    LossHistory Sparkline { height: 1; }
    LossHistory #loss-label { height: 1; }
    """
    _shown: tuple | None = None  # the losses and number format last shown

    def compose(self):
        yield Static(id="loss-label")
        yield Sparkline([], id="loss-sparkline")

    def on_resize(self) -> None:
        if self._shown is not None:  # the label's long or short form follows the width
            self.show(*self._shown)

    def show(self, losses: list[float], fmt) -> None:
        self._shown = losses, fmt
        label = self.query_one("#loss-label", Static)
        if not losses:
            show_text(label, Text("no iteration finished yet", Style(dim=True)))
        else:
            trend = f"{fmt(losses[0])} → {fmt(losses[-1])}"  # the first loss and the latest
            text = f"{len(losses):,} iterations: {trend}"
            fits = len(text) <= self.content_region.width or not self.content_region.width
            show_text(label, text if fits else f"{len(losses):,}: {trend}")
        finite = [x for x in losses[-400:] if np.isfinite(x)]
        sparkline = self.query_one(Sparkline)
        if finite != sparkline.data:
            sparkline.data = finite
