"""The current step, the weight updates, the list of steps and the loss history."""

from __future__ import annotations

import re

import numpy as np
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.containers import Vertical
from textual.geometry import Region
from textual.message import Message
from textual.widgets import Sparkline, Static

from engine import notation
from engine.notation import indices
from engine.quantities import Quantity, StepKind
from tui.textual_compat import set_border_subtitle
from tui.widgets.matrices import flow, grid, oriented, per_sample, size_of
from tui.widgets.present import View, show_text
from tui.widgets.textview import TextView

PHASE_MARK = {"forward": "→", "loss": "L", "backward": "←", "update": "Δ"}


class StepPanel(TextView, can_focus=True):
    """The current step, the numbers in sight first: its formula, its place in the chain
    rule, the formula with the numbers put in as aligned grids (the result first, as the
    formula's left-hand side, so that a narrow panel still shows it), then the values of the
    chain's known factors, and what it means."""

    BORDER_TITLE = "current step"  # constant titles are set once: setting one repaints the panel
    DEFAULT_CSS = """
    StepPanel { border: round $accent; border-title-color: $step-writes; border-subtitle-color: $step-writes;
                padding: 0 1; scrollbar-size-vertical: 1; }
    StepPanel:focus { border: heavy $accent; }  /* Tab's focus, where ↑ ↓ scroll it */
    StepPanel > .step--formula { color: $step-writes; text-style: bold; }
    StepPanel > .step--computing { color: $step-writes; text-style: bold reverse; }
    StepPanel > .step--result { color: $step-writes; }
    StepPanel > .step--known { color: $good; }
    StepPanel > .step--later { color: $text-muted; }
    StepPanel > .step--label { color: $text-muted; }
    StepPanel > .step--why { text-style: italic; }
    StepPanel > .step--danger { color: $bad; text-style: bold; }
    StepPanel > .step--focus { text-style: bold; }
    """
    COMPONENT_CLASSES = {
        "step--formula",
        "step--computing",
        "step--result",
        "step--known",
        "step--later",
        "step--label",
        "step--why",
        "step--danger",
        "step--focus",
    }

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.view: View | None = None
        self._shown_step = None  # (iteration, step index): a new step opens at its top

    def on_resize(self) -> None:
        super().on_resize()
        if self.view is not None:
            self.show(self.view)  # the grids follow the width

    def show(self, view: View) -> None:
        self.view = view
        room = self.scrollable_content_region.width
        if not room:
            return  # not laid out yet: on_resize shows it at its width
        s = view.stepper
        step = s.step
        style = self.get_component_rich_style
        text = Text()
        if step is None:
            set_border_subtitle(self, "")
            text.append(f"Iteration {s.iteration + 1} is ready to start on {_walked(s)}.\n\n", style("step--formula"))
            text.append("Press ", style("step--label"))
            text.append("n", style("step--computing"))
            text.append(" to compute the first factor of the forward pass: ", style("step--label"))
            text.append(s.steps[0].words(view.v_names).formula, style("step--formula"))
            self._set(text, s, None)
            return
        set_border_subtitle(self, f"{step.phase}{'' if step.layer is None else f' · layer {step.layer}'}")
        found = s.nonfinite()
        if found is not None:
            text.append(f"⚠ not finite from {found.describe()}\n", style("step--danger"))
        words = step.words(view.v_names)  # its text in the notation on screen
        text.append(words.formula + "\n", style("step--formula"))
        if words.chain:
            text.append("chain rule: ", style("step--label"))
            text.append(f"{words.chain_target} = ")
            computing = _computing(step)
            for i, (symbol, name) in enumerate(words.chain):
                if i:
                    text.append(" · ")
                if i in computing:
                    text.append(symbol, style("step--computing"))
                elif name is None or s.value(name) is not None:
                    text.append(symbol, style("step--known"))
                else:
                    text.append(symbol, style("step--later"))
            text.append("\n")
        text.append("\n")
        text.append_text(Text("\n").join(flow(self._substitution(step, view, room), room, gap=1)[0]))
        text.append("\n")
        if s.mistake and step.phase in ("backward", "update"):
            right = s.correct.steps[step.index]
            if np.array_equal(right.value, step.value, equal_nan=True):
                text.append("\n(the same without the common mistake)\n", style("step--known"))
            else:
                off = float(np.nanmax(np.abs(right.value - step.value)))
                text.append(
                    f"\n⚠ the mistake changed this (off by up to {view.fmt(off)}); correct:\n", style("step--danger")
                )
                block = self._grid(words.symbol, right.value, step.writes, step, view, room, style("step--known"))
                text.append_text(Text("\n").join(block))
                text.append("\n")
        known = [
            (symbol, name)
            for i, (symbol, name) in enumerate(words.chain)
            if i not in _computing(step) and (name is None or s.value(name) is not None)
        ]
        if known:  # the chain's factors already computed, for the sample in focus
            text.append(
                "\nthe chain's known factors" + ("" if step.column else f", sample {view.row}") + ":\n",
                style("step--label"),
            )
            blocks = [
                [Text(symbol, style("step--known")), Text(" 1", style("step--known"))]
                if name is None
                else self._grid(
                    symbol, view.sample_of(s.value(name)), name, step, view, room, style("step--known"), whole=False
                )
                for symbol, name in known
            ]
            text.append_text(Text("\n").join(flow(blocks, room)[0]))
            text.append("\n")
        if view.explain:
            text.append("\nwhy: ", style("step--label"))
            text.append(words.explanation, style("step--why"))
            if words.convention:
                text.append("\nconvention: ", style("step--label"))
                text.append(words.convention, style("step--why"))
        self._set(text, s, step)

    def _set(self, text: Text, s, step) -> None:
        text.rstrip()
        self.set_text(text)
        shown = (s.iteration, None if step is None else step.index)
        if shown != self._shown_step:  # a new step opens at its top
            self._shown_step = shown
            if self.scroll_y:
                self.scroll_home(animate=False)

    def _grid(
        self,
        title: str,
        value,
        name: str | None,
        step,
        view: View,
        room: int,
        style: Style,
        transposed: bool = False,
        whole: bool = True,
    ) -> list[Text]:
        """A value as a grid; whole: all its samples (the focused one marked), not one's part."""
        component = self.get_component_rich_style
        by_sample = name is not None and per_sample(name)
        a, note = oriented(value, step.column, by_sample, view.row)
        focus = None
        if transposed:
            a, title = a.T, title + "ᵀ"
        elif whole and by_sample and not step.column and np.ndim(value) == 2:
            focus = (view.row, component("step--focus", partial=True))
        return grid(
            title,
            size_of(np.shape(value), a.shape),
            a,
            a.shape,
            view.fmt,
            room,
            style,
            component("step--label"),
            component("step--danger"),
            focus=focus,
            note=note,
        )

    def _substitution(self, step, view: View, room: int) -> list[list[Text]]:
        """The formula with the numbers put in, as blocks for flow(): the result, then each
        operand's grid with the text before it (= · + σ( …) on its first row. An operand
        written twice in the formula is a grid the first time and its name after that."""
        operands = view.operands(step)
        title = ("new " if step.relation == "←" else "") + step.words(view.v_names).symbol
        blocks = [
            self._grid(title, step.value, step.writes, step, view, room, self.get_component_rich_style("step--result"))
        ]
        parts = _SLOT.split(step.template)  # text, slot, ᵀ, text, slot, ᵀ, …, text
        before, seen = f"{step.relation} {parts[0].strip()}", set()
        for k in range(1, len(parts), 3):
            slot, transposed, after = int(parts[k]), parts[k + 1] == "ᵀ", parts[k + 2]
            name, symbol = operands[slot]
            if slot in seen:
                before += symbol + parts[k + 1] + after
                continue
            seen.add(slot)
            lead = f" {before.strip()} " if before.strip() else ""
            block = self._grid(
                symbol, step.operands[slot], name, step, view, max(room - len(lead), 1), Style(), transposed
            )
            blocks.append(_led(block, lead))
            before = after
        if before.strip():  # what follows the last operand, on its first row: ")²", ")" …
            last = blocks[-1]
            last[1] = last[1].copy()
            last[1].append(" " + before.strip())
        return blocks


_SLOT = re.compile(r"‹(\d+)›(ᵀ?)ₖ?")  # a grid is the whole matrix: an element's subscript k goes with it


def _led(block: list[Text], lead: str) -> list[Text]:
    """A grid (a title, then rows) with an operator before its first row, room for it on the others."""
    out = []
    for r, line in enumerate(block):
        head = Text(lead if r == 1 else " " * len(lead))
        head.append_text(line)
        out.append(head)
    return out


def _computing(step) -> set[int]:
    """Which factors of the layer's chain this step computes."""
    if step.kind in (StepKind.DELTA, StepKind.SIMPLIFIED):
        return {0, 1}
    if step.kind in (StepKind.DW, StepKind.DB):
        return {2}
    return {i for i, (_, name) in enumerate(step.chain) if name == step.writes}


def _walked(s) -> str:
    """What an iteration walks, in words: samples are counted from 0, like the rows of X."""
    m, rows = s.network.samples, s.rows
    if s.network.mini_batches:
        first, last = rows.start, rows.stop - 1
        which = f"rows {first}–{last} of the {m} samples" if last > first else f"row {first} of the {m} samples"
        if s.sample is None or last == first:
            return f"the mini-batch of {which}"
        return f"sample {s.sample_row}, of the mini-batch of {which}"
    if m == 1:
        return "the one sample"
    if s.sample is None:
        return f"the whole batch of {m} samples"
    return f"sample {s.sample} (samples 0–{m - 1}, counted like the rows of X)"


class UpdatesPanel(TextView):
    """Every parameter's old → new value in the update phase; after an iteration, a summary.
    Before the update phase one line: what the last iteration did to the loss."""

    BORDER_TITLE = "weight updates"
    DEFAULT_CSS = """
    UpdatesPanel { border: round $primary-darken-1; border-title-color: $text-primary; padding: 0 1;
                   border-subtitle-color: $text-muted; scrollbar-size-vertical: 1; }
    UpdatesPanel > .update--down { color: $good; }
    UpdatesPanel > .update--up { color: $bad; }
    UpdatesPanel > .update--label { color: $text-muted; }
    UpdatesPanel > .update--name { text-style: bold; }
    """
    COMPONENT_CLASSES = {"update--down", "update--up", "update--label", "update--name"}
    view: View | None = None

    def on_resize(self) -> None:
        super().on_resize()
        if self.view is not None:
            self.show(self.view)  # the one line before the update phase is the longest that fits

    def show(self, view: View) -> None:
        self.view = view
        s = view.stepper
        style = self.get_component_rich_style
        fmt = view.fmt
        frozen = ", ".join(view.symbol(name) for name in s.network.frozen)
        text = Text()
        # what the update changes (a parameter, an optimizer's m, v or buffer), not what it computes
        # on the way (m̂, v̂, a decayed gradient): a step that replaces reads the old value first
        updates = [st for st in s.steps[: s.cursor] if st.phase == "update" and st.relation == "←"]
        if s.cursor == s.total:
            before, after = s.derived.loss, s.loss_after()
            text.append(f"iteration {s.iteration + 1} done: ", style("update--name"))
            text.append(f"loss {fmt(before)} → {fmt(after)} ")
            text.append(
                f"({'+' if after >= before else '−'}{fmt(abs(after - before))})",
                style("update--up" if after > before else "update--down"),
            )
            text.append("   n starts the next iteration\n", style("update--label"))
            if s.mistake:
                exact = notation.significant(9)
                text.append(
                    f"with the common mistake: loss after {exact(after)}; without it "
                    f"{exact(s.loss_after(correct=True))}\n",
                    style("update--up"),
                )
        elif s.phase != "update":  # one line, the longest that fits
            room = self.scrollable_content_region.width
            mini = s.network.mini_batches  # the loss before was on other rows: no comparison
            done = (
                f"Iteration {s.iteration:,}'s loss on its mini-batch: {fmt(s.losses[-1])}. "
                if s.losses and mini
                else f"Iteration {s.iteration:,} changed the loss {fmt(s.losses[-1])} → {fmt(s.derived.loss)}. "
                if s.losses
                else ""
            )
            still = f" {frozen} frozen: never updated." if frozen else ""
            optimizer = s.network.optimizer
            rule = "p ← p − η ∂L/∂p" if optimizer.plain else f"{optimizer.title}, factor by factor"
            lines = [
                f"{done}The parameters change in the update phase, after every gradient is known: {rule}.{still}",
                f"{done}Parameters change in the update phase: {rule}.{still}",
                f"{done}{still}".strip() or "Parameters change in the update phase.",
            ]
            line = next((line for line in lines if len(line) <= room), lines[-1])
            self.set_text(Text(line, style("update--label")))
            set_border_subtitle(self, "")
            return
        room = self.scrollable_content_region.width
        for st in reversed(updates):  # the newest first: in sight without a scroll
            old, new = st.operands[0], st.value
            lead = f"{st.words(view.v_names).symbol}: "
            line = Text(lead, style("update--name"))
            flat_old, flat_new = old.reshape(-1), new.reshape(-1)
            for i in indices(flat_old.size, 6):
                entry = Text()
                if i is None:
                    entry.append("…", style("update--label"))
                else:
                    cell = ",".join(str(int(k)) for k in np.unravel_index(i, old.shape))
                    change = flat_new[i] - flat_old[i]
                    entry.append(f"[{cell}] {fmt(flat_old[i])}→{fmt(flat_new[i])} ")
                    entry.append(
                        f"({'+' if change >= 0 else '−'}{fmt(abs(change))})",
                        style("update--up" if change > 0 else "update--down"),
                    )
                # each entry whole on a line: a full line goes on below, under the first entry
                if line.cell_len > len(lead) and line.cell_len + entry.cell_len > room:
                    text.append_text(line)
                    text.append("\n")
                    line = Text(" " * len(lead))
                line.append_text(entry)
                line.append("  ")
            line.rstrip()
            text.append_text(line)
            text.append("\n")
        if frozen:
            text.append(f"{frozen} frozen: not updated\n", style("update--label"))
        text.rstrip()
        self.set_text(text)
        if self.scroll_y:  # the summary and the newest update are at the top
            self.scroll_home(animate=False)
        # A change is the difference of the exact values: it may differ from the rounded ones'
        # by 1 in the last place. Lines out of sight are counted, for the wheel or the scrollbar.
        hidden = self.virtual_size.height - self.scrollable_content_region.height
        subtitle = f"{hidden} more line{'s' * (hidden != 1)} below · " if hidden > 0 else ""
        subtitle += "changes from the unrounded values"
        set_border_subtitle(self, subtitle)


class StepList(TextView, can_focus=True):
    """The iteration's steps; the current one is highlighted, and a click, or Enter on the one
    the arrow keys marked, jumps there. Each step wraps whole to the width, under its formula.
    The steps are cut into pages, each at the top with its first step, the next one starting
    where a step would leave less than a third of the height for the steps to come: the page
    of the current step is in sight (the same step, the same picture), and a key inside a page
    repaints the two steps it restyles, not every line scrolled. Drawn as lines (a TextView)."""

    BORDER_TITLE = "steps"
    BINDINGS = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "ends(0)", "First", show=False),
        Binding("end", "ends(1)", "Last", show=False),
        Binding("enter", "pick", "Jump there", show=False),
    ]
    DEFAULT_CSS = """
    StepList { border: round $primary-darken-1; border-title-color: $text-primary;
               border-subtitle-color: $text-primary; height: 1fr; padding: 0 1; background: $surface; }
    StepList:focus { border: heavy $accent; background-tint: $foreground 5%; }
    StepList > .steps--current { color: $foreground; background: $block-cursor-blurred-background; text-style: bold; }
    /* the mark the arrow keys move, while the list has the focus */
    StepList > .steps--mark { color: $block-cursor-foreground; background: $block-cursor-background;
                              text-style: $block-cursor-text-style; }
    StepList > .steps--hover { background: $block-hover-background; }
    /* the frozen parameters' line: muted, not Textual's dimmed disabled text (3.5:1) */
    StepList > .steps--note { color: $text-muted; }
    """
    COMPONENT_CLASSES = {"steps--current", "steps--mark", "steps--hover", "steps--note"}

    class Picked(Message):
        """A step chosen (by its index) to jump to."""

        def __init__(self, steps: StepList, index: int):
            super().__init__()
            self.steps, self.index = steps, index

        @property
        def control(self) -> StepList:
            return self.steps

    def __init__(self, **kwargs):
        super().__init__(wrap=False, **kwargs)  # each step is wrapped here, to its own lines
        self._formulas: list[tuple[str, str]] = []  # each step's number and mark, and its formula; then a note
        self.steps = 0  # how many of the formulas are steps
        self.current: int | None = None  # the step the stepper is at
        self.highlighted: int | None = None  # the step marked: the current one, or where the arrows moved
        self._hover: int | None = None
        self._first: list[int] = []  # the first line of each formula, then where the blank lines start
        self._tops: list[int] = []  # the top line of each step's page
        self._drawn: tuple | None = None  # what the lines were drawn from
        self._wrapped: dict[tuple, list[Text]] = {}  # each formula's lines at a width

    @property
    def formulas(self) -> list[str]:
        """Each step's line as one text (then the frozen parameters' note)."""
        return [prefix + formula for prefix, formula in self._formulas]

    def show(self, view: View) -> None:
        s = view.stepper
        formulas = [
            (f"{i + 1:>2} {PHASE_MARK[st.phase]} ", f"{st.words(view.v_names).formula}{_unused(st, s.network.frozen)}")
            for i, st in enumerate(s.steps)
        ]
        frozen = ", ".join(view.symbol(name) for name in s.network.frozen)
        if frozen:  # why the update phase has fewer steps than parameters
            formulas.append((f"   {PHASE_MARK['update']} ", f"{frozen} frozen: not updated"))
        self._formulas, self.steps = formulas, len(s.steps)
        set_border_subtitle(self, f"{s.cursor}/{s.total}")
        self.current = self.highlighted = s.cursor - 1 if s.cursor else None
        self._draw()
        self._current_in_sight()

    def _current_in_sight(self) -> None:
        """The current step's page; before the first step, the first page (another network's
        list was left scrolled down). Not before the list is drawn."""
        if self.current is not None and self.current >= len(self._tops):
            return  # not drawn yet (no width): on_resize puts it in sight
        top = 0 if self.current is None else self._tops[self.current]
        if top != self.scroll_y:
            self.scroll_to(y=top, animate=False, immediate=True)

    def _lines_of(self, prefix: str, formula: str, width: int) -> list[Text]:
        """A step's lines at a width: its number and mark, then its formula wrapped under itself."""
        key = (prefix, formula, width)
        if key not in self._wrapped:
            room = max(width - len(prefix), 1)
            body = Text(formula).wrap(self.app.console, room)
            self._wrapped[key] = [Text(prefix if k == 0 else " " * len(prefix)) + line for k, line in enumerate(body)]
        return self._wrapped[key]

    def _draw(self) -> None:
        width, height = self._width(), self.scrollable_content_region.height
        marked = self.highlighted if self.has_focus else None
        made_from = (self._formulas, width, height, self.current, marked, self._hover, self.app.theme)
        if made_from == self._drawn or width <= 0:
            return
        self._drawn = made_from
        style = self.get_component_rich_style
        lines: list[Text] = []
        self._first = []
        for i, (prefix, formula) in enumerate(self._formulas):
            # the mark over the current step over the mouse's hover
            kind = "note" if i >= self.steps else {self._hover: "hover", self.current: "current", marked: "mark"}.get(i)
            self._first.append(len(lines))
            for line in self._lines_of(prefix, formula, width):
                if kind:  # its background across the whole width
                    line = line.copy()
                    line.pad_right(width - line.cell_len)
                    line.stylize(style(f"steps--{kind}"))
                lines.append(line)
        # a key restyles two steps: the others keep their lines (and TextView their strips)
        self._wrapped = {key: self._wrapped[key] for key in ((p, f, width) for p, f in self._formulas)}
        self._first.append(len(lines))
        self._tops, top = [], 0
        for i in range(self.steps):
            ahead = min(height // 3, len(lines) - self._first[i + 1])  # lines kept for the steps to come
            if self._first[i] > top and self._first[i + 1] + ahead > top + height:
                top = self._first[i]  # a new page, from this step
            self._tops.append(top)
        last = self._tops[-1] if self.steps else 0
        blank = max(0, last + height - len(lines)) if len(lines) > height else 0
        self.set_lines(lines + [Text()] * blank)

    def on_resize(self) -> None:
        super().on_resize()
        self._draw()
        self._current_in_sight()

    def on_focus(self) -> None:
        self.call_after_refresh(self._draw)  # once the focus's tint is in the component styles

    def on_blur(self) -> None:
        self.highlighted = self.current  # the list left as the step is: its page in sight
        self._current_in_sight()
        self.call_after_refresh(self._draw)

    def _index_at(self, y: int) -> int | None:
        """The step drawn on line y of the list."""
        line = y + self.scroll_offset.y
        index = next((i for i in reversed(range(len(self._first) - 1)) if self._first[i] <= line), None)
        return index if index is not None and index < self.steps and line < self._first[-1] else None

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        index = None if offset is None else self._index_at(offset.y)
        if index is not None:
            self.post_message(self.Picked(self, index))

    def on_mouse_move(self, event: events.MouseMove) -> None:
        offset = event.get_content_offset(self)
        hover = None if offset is None else self._index_at(offset.y)
        if hover != self._hover:
            self._hover = hover
            self._draw()

    def on_leave(self) -> None:
        if self._hover is not None:
            self._hover = None
            self._draw()

    def _mark(self, index: int) -> None:
        """Move the mark to step `index`, in sight."""
        if not self.steps:
            return
        self.highlighted = max(0, min(index, self.steps - 1))
        self._draw()
        if self.highlighted >= len(self._first):
            return  # not drawn yet (no width): marked, and in sight once drawn
        top, end = self._first[self.highlighted], self._first[self.highlighted + 1]
        self.scroll_to_region(Region(0, top, 1, end - top), animate=False, immediate=True)

    def action_move(self, by: int) -> None:
        self._mark(0 if self.highlighted is None else self.highlighted + by)  # before any step: the first

    def action_page(self, by: int) -> None:
        drawn = self.highlighted is not None and self.highlighted < len(self._first)
        if not drawn or not self.scrollable_content_region.height:
            self.action_move(by)
            return
        target = self._first[self.highlighted] + by * self.scrollable_content_region.height
        lines = [i for i in range(self.steps) if (self._first[i] <= target if by > 0 else self._first[i] >= target)]
        self._mark((max(lines) if by > 0 else min(lines)) if lines else (self.steps - 1 if by > 0 else 0))

    def action_ends(self, last: int) -> None:
        self._mark(self.steps - 1 if last else 0)

    def action_pick(self) -> None:
        if self.highlighted is not None:
            self.post_message(self.Picked(self, self.highlighted))


class LossHistory(Vertical):
    """The loss over the iterations finished: a Sparkline, and the first loss → the loss now
    (after the last update, as the weight updates panel says)."""

    BORDER_TITLE = "loss per iteration"
    DEFAULT_CSS = """
    LossHistory { height: 4; border: round $primary-darken-1; border-title-color: $text-primary; padding: 0 1; }
    LossHistory Sparkline { height: 1; }
    LossHistory #loss-label { height: 1; }
    """
    _shown: tuple | None = None  # what was last shown

    def compose(self):
        yield Static(id="loss-label")
        yield Sparkline([], id="loss-sparkline")

    def on_resize(self) -> None:
        if self._shown is not None:  # the label's long or short form follows the width
            self.show(*self._shown)

    def show(
        self, losses: list[float], fmt, trend: tuple[int, float, float] | None, right: float | None = None
    ) -> None:
        """losses: each finished iteration's; trend: (iterations finished, the first loss, the
        loss now), None before the first iteration is finished; the first loss None with
        mini-batches (each loss is on other rows: no comparison); right: a classifier's accuracy."""
        self._shown = losses, fmt, trend, right
        label = self.query_one("#loss-label", Static)
        if trend is None:
            show_text(label, Text("no iteration finished yet", Style(dim=True)))
        else:
            count, first, now = trend
            change = f"{fmt(first)} → {fmt(now)}" if first is not None else f"{fmt(now)} (its mini-batch)"
            room = self.content_region.width or 1000
            forms = [
                f"{count:,} iteration{'s' if count != 1 else ''}: {change}",
                f"{count:,}: {change}",
                f"now {fmt(now)}",
            ]
            if right is not None:  # a classifier's share right, beside the loss
                share = notation.percent(right)
                forms = [f"{forms[0]} · accuracy {share}", f"{forms[1]} · {share}", f"now {fmt(now)} · {share}", *forms]
            show_text(label, next((form for form in forms if len(form) <= room), forms[-1]))
        finite = [x for x in losses[-400:] if np.isfinite(x)]
        sparkline = self.query_one(Sparkline)
        if finite != sparkline.data:
            sparkline.data = finite


def _unused(step, frozen) -> str:
    """A frozen parameter's gradient is computed (δ goes on through it) but never applied: said."""
    quantity = Quantity.parse(step.writes)
    parameter = quantity.parameter if quantity is not None and step.phase == "backward" else None
    return " (frozen: not applied)" if parameter is not None and parameter.id in frozen else ""
