"""One weight's whole chain: every path from the weight to the loss as scalar factors with
their values, the path lit in a diagram, the sum over paths and samples, and the same
gradient the δ way (the dynamic-programming view's v). The numbers come from engine.chain."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import numpy as np
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Label, Static

from engine.chain import Path, WeightChain, parse_name, weight_chain
from engine.notation import indices, plus
from engine.quantities import PREDICTION, Kind, Quantity, derivative
from tui.screens.dialog import Dialog
from tui.screens.prompts import DIALOG_CSS
from tui.text import literal
from tui.widgets.diagram import NetworkDiagram
from tui.widgets.present import View

SHOWN_PATHS = 24  # paths written out for the sample in focus; the rest are summed


class ChainPrompt(Dialog[str | None]):
    """Which weight or bias to explain: 'W2[0,1]' or 'b1[0]'."""

    DEFAULT_CSS = DIALOG_CSS.format(name="ChainPrompt")
    BINDINGS = [Binding("escape", "close", "Cancel")]

    def __init__(self, view: View, default: str):
        super().__init__()
        self.view, self.default = view, default

    def compose(self) -> ComposeResult:
        net = self.view.stepper.network
        shapes = ", ".join(f"{n} {'×'.join(map(str, v.shape))}" for n, v in net.params.items())
        with Vertical() as box:
            box.border_title = "explain one weight"
            two_outputs = " (or the dynamic-programming view's w1–w8, N1–N4)" if net.sizes == [2, 2, 2] else ""
            yield Label(
                f"A weight or bias, such as {Quantity(Kind.W, net.depth).id}[0,0] or b1[0] ({shapes}){two_outputs}; "
                "a click on an edge or a unit of the diagram does the same:"
            )
            yield Input(value=self.default, id="chain-name")
            yield Label("", id="chain-error", classes="error")

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        try:
            parse_name(event.value, self.view.stepper.network)
        except ValueError as err:
            self.query_one("#chain-error", Label).update(literal(str(err)))  # it quotes typed text
            return
        self.close(event.value)


class ChainScreen(Dialog[View]):
    DEFAULT_CSS = """
    ChainScreen { align: center middle; }
    ChainScreen > Vertical { width: 96%; height: 94%; border: round $accent; background: $surface; }
    ChainScreen #chain-help { color: $text-muted; padding: 0 1; }
    ChainScreen #chain-diagram { width: 2fr; border: round $primary-darken-1; border-title-color: $text-primary; }
    ChainScreen #chain-scroll { width: 3fr; padding: 0 1; }
    ChainScreen > Vertical > Horizontal { height: 1fr; }
    ChainScreen > .chain--label { color: $muted; }
    ChainScreen > .chain--lit { color: $step-writes; text-style: bold; }
    ChainScreen > .chain--ok { color: $good; text-style: bold; }
    ChainScreen > .chain--bad { color: $bad; text-style: bold; }
    """
    COMPONENT_CLASSES = {"chain--label", "chain--lit", "chain--ok", "chain--bad"}
    BINDINGS = [
        Binding("escape,q,w", "close", "Close"),
        Binding("tab", "path(1)", "Next path"),
        Binding("shift+tab", "path(-1)", "Previous path"),
        Binding("right_square_bracket", "sample(1)", "Next sample"),
        Binding("left_square_bracket", "sample(-1)", "Previous sample"),
        Binding("v", "names", "δ / v names"),
    ]

    def __init__(self, view: View, name: str, index: tuple[int, ...]):
        super().__init__()
        # its own copy: [ ] and v change it here, and closing hands it back for the app to follow
        self.view, self.param, self.index = replace(view), name, index
        self.lit = 0  # the path lit in the diagram; 0 lights them all

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(
                "Tab: light one path · [ ]: another sample · v: δ or v names · ↑ ↓ scroll · Esc closes", id="chain-help"
            )
            with Horizontal():
                yield NetworkDiagram(id="chain-diagram")
                with VerticalScroll(id="chain-scroll"):
                    yield Static(id="chain-text")

    def on_mount(self) -> None:
        self.show()
        self.query_one("#chain-scroll").focus()  # ↑ ↓ PgUp PgDn scroll the chain

    @property
    def sample(self) -> int:
        """The row of the walked batch whose paths are written out."""
        return self.view.row

    def chain(self) -> WeightChain:
        s = self.view.stepper
        # one sample's scalars: written in its small letters (a₁[0]), whatever the walk, in the names on screen
        return weight_chain(
            s.network, s.derived, self.param, self.index, column=True, samples=[self.sample], v=self.view.v_names
        )

    def show(self) -> None:
        chain = self.chain()
        box = self.query_one(Vertical)
        box.border_title = f"{chain.gradient(self.view.v_names)}: the whole chain"
        paths = chain.paths[:SHOWN_PATHS]
        self.lit %= len(paths) + 1
        diagram = self.query_one(NetworkDiagram)
        diagram.path = _lit(chain, paths if self.lit == 0 else [paths[self.lit - 1]])
        diagram.border_title = "all paths" if self.lit == 0 else f"path {self.lit} of {len(paths)}"
        diagram.show(self.view)
        self.query_one("#chain-text", Static).update(self.text(chain, paths))

    def text(self, chain: WeightChain, paths: list[Path]) -> Text:
        view, fmt, v = self.view, self.view.fmt, self.view.v_names
        s = view.stepper
        style = partial(self.get_component_rich_style, partial=True)
        label = muted = style("chain--label")
        out = Text()
        out.append(
            f"iteration {s.iteration + 1}, from the parameters it started with; the chain rule as scalar factors:\n",
            label,
        )
        out.append(
            f"(every number is rounded to {view.digits} decimals, d for more; products and sums are of "
            "the unrounded values, so the last digit shown may not add up)\n",
            muted,
        )
        out.append(chain.symbolic(v=v) + "\n\n", style("chain--lit"))
        m = chain.samples
        batch = s.network.samples
        first, last = s.rows.start, s.rows.stop - 1  # the rows walked: the batch, or a mini-batch
        rows = f"the mini-batch's rows {first}–{last}" if s.network.mini_batches else f"samples 0–{batch - 1}"
        who = (
            "the one sample"
            if batch == 1 or first == last
            else f"sample {s.sample_row} ({rows})"
            if s.sample is not None
            else f"sample {first + self.sample} of the batch ({rows}; [ ] for the others)"
        )
        count = chain.path_count
        out.append(f"{who}: {count:,} path{'s' if count != 1 else ''} from {chain.label} to the loss\n", label)
        for n, path in enumerate(paths, start=1):
            lit = self.lit in (0, n)
            out.append(f" path {n}: {_route(chain, path)}\n", style("chain--lit") if lit else label)
            width = max(len(f.symbol) for f in path.factors)
            for factor in path.factors:
                out.append(f"    {factor.symbol:<{width}} = {fmt(factor.value)}\n")
            out.append(f"    {'product':<{width}} = {fmt(path.product)}\n", style("chain--lit") if lit else "")
        if chain.path_total is None:
            out.append(f" (more than {count:,} paths: only the δ way below is computed)\n", muted)
        elif len(paths) < len(chain.paths):
            out.append(f" … and {len(chain.paths) - len(paths):,} more paths\n", muted)
        if chain.path_total is not None:
            out.append(f" Σ over the paths of this sample = {fmt(chain.path_total)}\n")
        d = chain.deltas[self.sample]
        dL_dy, gradient = derivative("L", PREDICTION), chain.gradient(v)
        x = chain.inputs[self.sample]
        out.append(
            "\nthe δ way (the dynamic-programming view: v = Σ(v·w)·t(d), g = v·x) sums the paths once per unit:\n",
            label,
        )
        for line in d:
            q = line.layer
            delta, z = _symbol(Kind.DELTA, q, v), _symbol(Kind.Z, q, v)
            if np.isnan(line.slope):
                y_k = f"{PREDICTION}ₖ"
                chain_rule = f"{derivative('L', y_k)} · {derivative(y_k, f'{z}[{line.unit}]')}"
                out.append(f"  {delta}[{line.unit}] = Σₖ {chain_rule} = {fmt(line.value)}\n")
            else:
                head = (
                    dL_dy
                    if q == s.network.depth
                    else f"(Σₖ {_symbol(Kind.DELTA, q + 1, v)}[k]·{_symbol(Kind.W, q + 1, v)}[k,{line.unit}])"
                )
                out.append(
                    f"  {delta}[{line.unit}] = {head} · {_slope(q, line.unit, v)} = {fmt(line.sent_back)} · "
                    f"{fmt(line.slope)} = {fmt(line.value)}\n"
                )
        l, j = chain.layer, self.index[0]
        parts = chain.per_sample
        out.append(
            f"  {gradient} for this sample = {_symbol(Kind.DELTA, l, v)}[{j}] · {chain.input_symbol} = "
            f"{fmt(d[-1].value)} · {fmt(x)} = {fmt(parts[self.sample])}\n"
        )
        if m > 1:
            out.append(f"\nsummed over the {m} samples (the batch mean's 1/m is already inside {dL_dy}):\n", label)
            shown = [fmt(parts[i]) if i is not None else "…" for i in indices(m, 8)]
            out.append(f"  {plus(shown)} = {fmt(sum(parts))}\n")
        if chain.l2:  # a weight's gradient has the l2 term's λW besides the paths
            W = f"{_symbol(Kind.W, l, v)}[{','.join(map(str, self.index))}]"
            total = sum(parts) + chain.l2
            out.append(
                f"\nplus the l2 term's λ{W} = {fmt(chain.l2)}: {fmt(sum(parts))} + {fmt(chain.l2)} = {fmt(total)}\n"
            )
        out.append(f"\nbackprop's {gradient} = {fmt(chain.backprop)} ")
        out.append("✓ the same" if chain.agrees else "✗ differs", style("chain--ok" if chain.agrees else "chain--bad"))
        return out

    def action_close(self) -> None:
        self.close(self.view)

    def action_path(self, change: int) -> None:
        self.lit += change
        self.show()

    def action_sample(self, change: int) -> None:
        s = self.view.stepper
        if s.sample is not None:
            self.notify("One sample is walked: m switches to the batch.", timeout=3)
            return
        self.view.focus = (self.view.row + change) % len(s.rows)  # within the mini-batch
        self.lit = 0
        self.show()

    def action_names(self) -> None:
        self.view.v_names = not self.view.v_names
        self.show()


def _route(chain: WeightChain, path: Path) -> str:
    """'x[0] → a₁[1] → a₂[0] → L' (a softmax output adds the ŷ the loss reads)."""
    start = chain.input_symbol
    units = [f"{_symbol(Kind.A, q)}[{u}]" for q, u in path.units]
    last = f"{_symbol(Kind.A, path.units[-1][0])}[{path.output}]"  # aₗ[k]: the output the loss reads
    if last != units[-1]:
        units.append(last)
    return " → ".join([start, *units, "L"])


def _symbol(kind: Kind, layer: int, v: bool = False) -> str:
    """A quantity's symbol for one sample's scalars (small letters: a₁, δ₂; v₂ in the v names)."""
    return Quantity(kind, layer).symbol(column=True, v=v)


def _slope(layer: int, unit: int, v: bool) -> str:
    """The activation's slope at one unit: f'(z₂[0]), or t(d₂[0]) in the v names."""
    if v:
        return Quantity(Kind.DA_DZ, layer).entry(f"[{unit}]", column=True, v=True)
    return f"f'({_symbol(Kind.Z, layer)}[{unit}])"


def _lit(chain: WeightChain, paths: list[Path]) -> tuple[set, set]:
    edges, units = set(), set()
    l, j = chain.layer, chain.index[0]
    units.add((l, j))
    if not chain.is_bias:
        edges.add((l, j, chain.index[1]))
        units.add((l - 1, chain.index[1]))
    for path in paths:
        for (_, u_in), (q, u) in zip(path.units, path.units[1:]):
            edges.add((q, u, u_in))
            units.add((q, u))
    return edges, units
