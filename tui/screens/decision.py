"""What the network has learned: for two inputs, the decision map (an output over the input
plane, the samples on top); for any other number, each sample's prediction beside its target.
It follows the parameters as they stand: n, p and i step from here, t trains live (the app
feeds it, as it does the loss plot)."""

from __future__ import annotations

import time

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label

from engine import decision, notation
from engine.network import Network
from engine.notation import Format, percent
from engine.training import accuracy, predict, verdicts
from tui.screens.dialog import LiveDialog
from tui.widgets.decision import EMPTY, FULL, SHADES, DecisionMap
from tui.widgets.textview import TextView


class PredictionList(TextView, can_focus=True):
    """The predictions, one sample a line, scrolled with ↑ ↓ PgUp PgDn Home End."""


class MapScreen(LiveDialog):
    DEFAULT_CSS = """
    MapScreen { align: center middle; }
    MapScreen > Vertical { width: 96%; height: 94%; border: round $accent; background: $surface; padding: 0 1; }
    MapScreen Label { width: 1fr; }
    MapScreen #map-help { color: $text-muted; }
    MapScreen TextView { height: 1fr; }
    """
    BINDINGS = [
        Binding("q,b", "close", "Close"),
        Binding("n,right", "app.next", "Next step"),
        Binding("p,left", "app.back", "Step back"),
        Binding("i", "app.finish_iteration", "Finish the iteration"),
        Binding("t", "app.train", "Train"),
        Binding("left_square_bracket", "output(-1)", "Output before"),
        Binding("right_square_bracket", "output(1)", "Output after"),
        Binding("s", "shading", "Shading"),
    ]

    def __init__(
        self, network: Network, params: dict[str, np.ndarray], where: str, fmt: Format, no_color: bool = False
    ):
        """where: whose parameters these are, in words ("iteration 2, step 5/19"); fmt: the app's
        number format; no_color: NO_COLOR is set, so the map is shaded only."""
        super().__init__()
        self.network, self.params, self.where, self.fmt = network, params, where, fmt
        self.output = 0  # the output unit drawn
        self.shading = self.no_color = no_color
        self.two_inputs = network.inputs == 2
        self.drawn_at, self.took = 0.0, 0.0  # when the map was last drawn, and how long that took

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "decision map" if self.two_inputs else "predictions"
            yield Label(id="map-title", markup=False)
            if self.two_inputs:
                yield DecisionMap(id="map")
            else:
                yield PredictionList(wrap=False, id="predictions")
            yield Label(id="map-legend", markup=False)
            yield Label(self.help_line(), id="map-help", markup=False)

    def help_line(self) -> str:
        if not self.two_inputs:
            return "n p i step (the list follows) · ↑ ↓ scroll · t trains, live · Esc stops training, or closes"
        outputs = " · [ ] another output" if self.network.layers[-1].units > 1 else ""
        shading = "" if self.no_color else " · s shading"
        return f"n p i step (the map follows) · t trains, live{outputs}{shading} · Esc stops training, or closes"

    def on_mount(self) -> None:
        if not self.two_inputs:  # the map draws once it has a size
            self.redraw()
            self.query_one(PredictionList).focus()

    def on_decision_map_resized(self) -> None:
        self.redraw()

    def follow(self, losses: list[float], params: dict[str, np.ndarray], where: str) -> None:
        self.show(params, where)

    def show(self, params: dict[str, np.ndarray], where: str) -> None:
        """New parameters; while a run trains, drawn at most every so often (a wide network's map
        takes long to compute, and the run would wait for it)."""
        self.params, self.where = params, where
        if not self.query("#map, #predictions"):  # before the screen is composed: it draws these once up
            return
        if self.training and time.monotonic() - self.drawn_at < max(0.25, 4 * self.took):
            return
        self.redraw()

    def redraw(self) -> None:
        start = time.monotonic()
        if self.two_inputs:
            self.draw_map()
        else:
            self.list_predictions()
        self.drawn_at = time.monotonic()
        self.took = self.drawn_at - start

    def headline(self, text: str, right: float | None) -> None:
        """The title: what is drawn, whose parameters, and a classifier's accuracy (`right`)."""
        shown = "" if right is None else f" · accuracy {percent(right)} on all {self.network.samples:,} samples"
        self.query_one("#map-title", Label).update(f"{text}, with the parameters of {self.where}{shown}")

    def output_name(self) -> str:
        """ŷ, or with several outputs ŷ[k], k counted from 0 as Y's columns are."""
        return "ŷ" if self.network.layers[-1].units == 1 else f"ŷ[{self.output}]"

    def draw_map(self) -> None:
        chart = self.query_one(DecisionMap)
        columns, rows = chart.size.width, chart.size.height
        if columns < 4 or rows < 2:
            return
        net, k = self.network, self.output
        plane = decision.plane(net.X, columns, 2 * rows)
        values = decision.output_map(net, self.params, plane, k)
        low, high = decision.value_range(net, values, k)
        middle = (low + high) / 2
        x, y = plane.pixels(net.X)
        chart.shading = self.shading
        chart.show(values, low, high, x, y, net.Y[:, k] >= middle)
        fmt = notation.significant(3)
        self.headline(f"{self.output_name()} over x₁ (across, {fmt(plane.left)} to {fmt(plane.right)}) and x₂ "
                      f"(up, {fmt(plane.bottom)} to {fmt(plane.top)})", accuracy(net, self.params))  # fmt: skip
        if self.shading:
            ramp = " ".join(f"'{c}'" for c in SHADES)
            scale = f"shading {ramp}: {fmt(low)} to {fmt(high)}"
        else:
            scale = f"vermillion {fmt(low)} · background {fmt(middle)} · blue {fmt(high)}"
        k = decision.coarseness(net, plane)
        coarse = f" · a wide network: computed every {k} pixels" if k > 1 else ""
        self.query_one("#map-legend", Label).update(
            f"{scale} · samples: {FULL} target ≥ {fmt(middle)}, {EMPTY} below (◐ both in one cell){coarse}"
        )

    def list_predictions(self) -> None:
        """Each sample's target and prediction (for softmax, the classes: the target's and the one
        with the largest ŷ, and that ŷ; classes counted from 0, as Y's columns); a classifier's
        verdict on it."""
        net, fmt = self.network, self.fmt
        _, a = predict(net, self.params, net.X)
        right = verdicts(net, self.params)
        if net.layers[-1].activation == "softmax" and right is not None:
            lines = [Text("sample  target   prediction (its ŷ)")]
            for row in range(net.samples):
                k, target = int(a[row].argmax()), int(net.Y[row].argmax())
                lines.append(Text(f"{row:>6}  class {target:<2} class {k:<2} ({fmt(a[row, k])})"))
        else:
            width = max(len(fmt(v)) for v in np.concatenate([net.Y.ravel(), a.ravel()])) + 1
            columns = width * net.layers[-1].units
            lines = [Text(f"sample  {'target':<{columns}}  prediction ŷ")]
            for row in range(net.samples):
                target = "".join(f"{fmt(v):>{width}}" for v in net.Y[row])
                lines.append(Text(f"{row:>6}  {target:<{columns}}  " + "".join(f"{fmt(v):>{width}}" for v in a[row])))
        if right is not None:
            for row, line in enumerate(lines[1:]):
                line.append("  ✓ right" if right[row] else "  ✗ wrong", style="" if right[row] else "bold")
        self.query_one(PredictionList).set_lines(lines)
        share = None if right is None else float(right.mean())  # the verdicts above: no pass again
        self.headline(f"{net.samples:,} samples: each one's target beside the network's prediction", share)
        rule = " (ŷ ≥ 0.5 is 1)" if net.layers[-1].activation == "sigmoid" else ""
        self.query_one("#map-legend", Label).update(
            f"a decision map needs two inputs; this network has {net.inputs}"
            + (f" · ✓ where the prediction picks the target's class{rule}" if right is not None else "")
        )

    def action_output(self, change: int) -> None:
        if self.two_inputs and self.network.layers[-1].units > 1:
            self.output = (self.output + change) % self.network.layers[-1].units
            self.redraw()

    def action_shading(self) -> None:
        if self.no_color:
            self.notify("NO_COLOR is set: the map stays shaded (colours would not show).", timeout=4)
        elif self.two_inputs:
            self.shading = not self.shading
            self.redraw()
