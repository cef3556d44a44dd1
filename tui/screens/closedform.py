"""A gradient's closed form: ∂L/∂W₂ composed back to the loss, as a student writes the homework's
answer, with the factor the current step computes lit and the factors already known beside
their values; n and p step from here and the light follows. The forms come from
engine.closedform, the numbers from the Stepper."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from engine import notation
from engine.closedform import ClosedForms, twin
from engine.expr import LIT, UNLIT, Names, write
from engine.quantities import Kind, Quantity
from tui.screens.dialog import Dialog
from tui.widgets.present import View


def parameter_of(view: View) -> Quantity:
    """The gradient the current step works towards: a backward step's layer's ∂L/∂W (∂L/∂b for
    the bias step), an update's parameter's, else the last layer's ∂L/∂W."""
    s = view.stepper
    step = s.step
    if step is not None and step.layer is not None and step.phase in ("backward", "update"):
        written = Quantity.parse(step.writes)
        bias = written is not None and written.kind in (Kind.B, Kind.DL_DB)
        return Quantity(Kind.DL_DB if bias else Kind.DL_DW, step.layer)
    return Quantity(Kind.DL_DW, s.network.depth)


class ClosedFormScreen(Dialog[View]):
    DEFAULT_CSS = """
    ClosedFormScreen { align: center middle; }
    ClosedFormScreen > Vertical { width: 96%; height: 94%; border: round $accent; background: $surface; }
    ClosedFormScreen #form-help { color: $text-muted; padding: 0 1; }
    ClosedFormScreen #form-scroll { padding: 0 1; }
    ClosedFormScreen > .form--label { color: $muted; }
    ClosedFormScreen > .form--lit { color: $step-writes; text-style: bold reverse; }
    ClosedFormScreen > .form--formula { color: $step-writes; text-style: bold; }
    ClosedFormScreen > .form--differs { color: $bad; text-style: bold; }
    """
    COMPONENT_CLASSES = {"form--label", "form--lit", "form--formula", "form--differs"}
    BINDINGS = [
        Binding("escape,q,a", "close", "Close"),
        Binding("n,right", "step('next')", "Next step"),
        Binding("p,left", "step('back')", "Step back"),
        Binding("tab", "parameter(1)", "Next parameter"),
        Binding("shift+tab", "parameter(-1)", "Previous parameter"),
        Binding("u", "simplified", "Simplified or not"),
        Binding("s", "side_by_side", "Side by side"),
        Binding("v", "names", "δ / v names"),
    ]

    def __init__(self, view: View, parameter: Quantity | None = None):
        super().__init__()
        self.view = replace(view)  # v changes it here; closing hands it back
        self.parameter = parameter or parameter_of(view)
        self.follow = parameter is None  # stepping moves to the gradient the step works towards
        self.simplified = True
        self.twin = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                "n p: step (the light follows) · Tab: another parameter · u: simplified or not · "
                "s: regression and classification side by side · v: δ or v names · ↑ ↓ scroll · Esc closes",
                id="form-help",
            )  # a Static: the line wraps where a Label was cut
            with VerticalScroll(id="form-scroll"):
                yield Static(id="form-text")

    def on_mount(self) -> None:
        self.show()
        self.query_one("#form-scroll").focus()

    # -- what is shown ---------------------------------------------------------------------------

    @property
    def column(self) -> bool:
        return self.view.stepper.steps[0].column

    def names(self) -> Names:
        return Names(column=self.column, v=self.view.v_names)

    def forms(self, network=None) -> ClosedForms:
        s = self.view.stepper
        return ClosedForms(network or s.network, self.column, self.simplified, targets=s.batch(s.sample)[1])

    def lit_text(self, text: str, base, lit) -> Text:
        """Text with the parts between LIT and UNLIT in the lit style."""
        out = Text()
        for n, piece in enumerate(text.replace(UNLIT, LIT).split(LIT)):
            out.append(piece, lit if n % 2 else base)
        return out

    def show(self) -> None:
        s = self.view.stepper
        box = self.query_one(Vertical)
        symbol = self.view.symbol(self.parameter.id)
        rows = s.rows
        where = (
            "one sample, column vectors"
            if self.column
            else f"a batch of {s.network.samples}, rows are samples"
            if not s.network.mini_batches
            else f"the mini-batch of rows {rows.start}–{rows.stop - 1}, rows are samples"
        )
        box.border_title = f"closed form · {symbol} · {where}"
        box.border_subtitle = "simplified" if self.simplified else "unsimplified: every factor as it comes"
        body = self.side_by_side() if self.twin else self.text()
        self.query_one("#form-text", Static).update(body)

    def text(self) -> Group:
        s, view = self.view.stepper, self.view
        style = partial(self.get_component_rich_style, partial=True)
        label, lit, formula = style("form--label"), style("form--lit"), style("form--formula")
        forms, names = self.forms(), self.names()
        step = s.step
        writes = frozenset({step.writes}) if step is not None else frozenset()
        form = forms.of(self.parameter)
        out = Text()
        out.append(f"{view.symbol(self.parameter.id)} = ", formula)
        out.append_text(self.lit_text(write(form.tree, "unicode", names, writes), formula, lit))
        out.append("\n")
        if form.notes:
            out.append(("simplified: " if self.simplified else "note: ") + "; ".join(form.notes) + "\n", label)
        now = (
            f"step {step.index + 1} of {s.total} computes {view.symbol(step.writes)} (lit)"
            if step is not None
            else "no step yet: n computes the first"
        )
        out.append(f"\nthe chain from the loss down, one factor a step; {now}:", label)
        chain = Table(box=None, show_header=False, show_edge=False, pad_edge=False, padding=(0, 1))
        chain.add_column(no_wrap=True)
        chain.add_column(ratio=1)
        chain.add_column(ratio=1)
        for quantity, tree in forms.factors(self.parameter):
            current = quantity.id in writes
            body = write(tree, "unicode", names) if tree is not None else self.jacobian(quantity)
            value = s.value(quantity.id)
            chain.add_row(
                Text(f"{'▸' if current else ' '} {view.symbol(quantity.id)} =", lit if current else formula),
                Text(body, lit if current else ""),
                Text("not yet computed", label) if value is None else Text(self.value_text(quantity, value)),
            )
        answer = Text(
            f"\nIn backprop-tui answer's syntax (to check your own: backprop-tui answer NETWORK {self.parameter.id} "
            "'…'):\n",
            label,
        )
        answer.append(write(form.tree, "answer", Names(column=self.column)))
        return Group(out, chain, answer)

    def jacobian(self, quantity: Quantity) -> str:
        a = self.view.symbol(Quantity(Kind.A, quantity.layer).id)
        return f"diag({a}) − {a}{a}ᵀ, a Jacobian per sample (softmax)"

    def value_text(self, quantity: Quantity, value) -> str:
        """The focused sample's part of a per-sample value, a parameter's gradient whole."""
        view = self.view
        if quantity.per_sample:
            value = view.sample_of(value)
            value = value[0] if value.ndim == 3 else value.reshape(-1)  # one sample: a Jacobian, or a row
            where = "" if self.column else f"  (sample {view.row})"
            return notation.text(value, view.fmt, limit=6) + where
        return notation.text(value, view.fmt, self.column, limit=6, per_sample=False)

    def side_by_side(self) -> Group:
        """The homework's two cases on the same weights: which factors differ, which are shared."""
        s, view = self.view.stepper, self.view
        style = partial(self.get_component_rich_style, partial=True)
        other = twin(s.network)
        names = self.names()
        mine, theirs = self.forms(), self.forms(other)
        table = Table(box=None, expand=True, show_edge=False, pad_edge=False)
        table.add_column("factor", no_wrap=True)
        table.add_column(_case(s.network), ratio=1)
        table.add_column(_case(other), ratio=1)
        table.add_column("", no_wrap=True)
        rows = [(self.parameter, mine.of(self.parameter).tree, theirs.of(self.parameter).tree)]
        rows += [(q, a, b) for (q, a), (_, b) in zip(mine.factors(self.parameter), theirs.factors(self.parameter))]
        for n, (quantity, a, b) in enumerate(rows):
            left = write(a, "unicode", names) if a is not None else self.jacobian(quantity)
            right = write(b, "unicode", names) if b is not None else self.jacobian(quantity)
            same = left == right
            table.add_row(
                view.symbol(quantity.id) + (" in full" if n == 0 else ""),
                left,
                right,
                Text("same rule", style("form--label")) if same else Text("differs", style("form--differs")),
            )
        notes = Text(
            "\nsame rule: the same formula in both cases; its numbers still differ wherever a factor above "
            "it differs (δ₃ carries the output's difference down)",
            style("form--label"),
        )
        for network, forms in ((s.network, mine), (other, theirs)):
            said = forms.of(self.parameter).notes
            if said:
                notes.append(f"\n{_case(network).split(':')[0]}: " + "; ".join(said), style("form--label"))
        return Group(table, notes)

    # -- keys ------------------------------------------------------------------------------------

    def action_close(self) -> None:
        self.close(self.view)

    async def action_step(self, move: str) -> None:
        await self.app.run_action(move)  # the app steps (it owns the Stepper); this screen follows
        if self.follow:
            self.parameter = parameter_of(self.view)
        self.show()

    def action_parameter(self, change: int) -> None:
        forms = [f.quantity for f in self.forms().parameters()]
        self.parameter = forms[(forms.index(self.parameter) + change) % len(forms)]
        self.follow = False
        self.show()

    def action_simplified(self) -> None:
        self.simplified = not self.simplified
        self.show()

    def action_side_by_side(self) -> None:
        self.twin = not self.twin
        self.show()

    def action_names(self) -> None:
        self.view.v_names = not self.view.v_names
        self.show()


def _case(network) -> str:
    last = network.layers[-1].activation
    kind = {"identity": "regression", "sigmoid": "classification", "softmax": "classes"}.get(last, last)
    return f"{kind}: {last} + {network.loss}"
