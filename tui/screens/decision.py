"""What the network has learned: for two inputs, the decision map (an output over the input
plane, the samples on top); for any other number, each sample's prediction beside its target.
It follows the parameters as they stand: n, p and i step from here, t trains live (the app
feeds it, as it does the loss plot)."""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label

from engine import decision, notation
from engine.network import Network
from engine.training import accuracy, predict, verdicts
from tui.screens.dialog import Dialog
from tui.widgets.decision import EMPTY, FULL, SHADES, DecisionMap
from tui.widgets.textview import TextView

SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


class MapScreen(Dialog[None]):
    DEFAULT_CSS = """
    MapScreen { align: center middle; }
    MapScreen > Vertical { width: 96%; height: 94%; border: round $accent; background: $surface; padding: 0 1; }
    MapScreen Label { width: 1fr; }
    MapScreen #map-help { color: $text-muted; }
    MapScreen TextView { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape", "escape", "Close (or stop training)"),
        Binding("q,b", "close", "Close"),
        Binding("n,right", "app.next", "Next step"),
        Binding("p,left", "app.back", "Step back"),
        Binding("i", "app.finish_iteration", "Finish the iteration"),
        Binding("t", "app.train", "Train"),
        Binding("left_square_bracket", "output(-1)", "Output before"),
        Binding("right_square_bracket", "output(1)", "Output after"),
        Binding("s", "shading", "Shading"),
    ]

    def __init__(self, network: Network, params: dict[str, np.ndarray], where: str, shading: bool = False):
        """where: whose parameters these are, in words ("iteration 2, step 5/19")."""
        super().__init__()
        self.network, self.params, self.where = network, params, where
        self.output = 0  # the output unit drawn
        self.shading = shading
        self.training = False  # a run feeds the map (the app says when it ends): Esc stops it
        self.two_inputs = network.inputs == 2

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "decision map" if self.two_inputs else "predictions"
            yield Label(id="map-title", markup=False)
            if self.two_inputs:
                yield DecisionMap(id="map")
            else:
                yield TextView(wrap=False, id="predictions")
            yield Label(id="map-legend", markup=False)
            yield Label(self.help_line(), id="map-help", markup=False)

    def help_line(self) -> str:
        outputs = " · [ ] another output" if self.two_inputs and self.network.layers[-1].units > 1 else ""
        shading = " · s shading" if self.two_inputs else ""
        return f"n p i step (the map follows) · t trains, live{outputs}{shading} · Esc stops training, or closes"

    def on_mount(self) -> None:
        if not self.two_inputs:  # the map draws once it has a size
            self.redraw()

    def on_decision_map_resized(self) -> None:
        self.redraw()

    def show(self, params: dict[str, np.ndarray], where: str) -> None:
        self.params, self.where = params, where
        self.redraw()

    def redraw(self) -> None:
        if self.two_inputs:
            self.draw_map()
        else:
            self.list_predictions()

    def headline(self, text: str) -> None:
        right = accuracy(self.network, self.params)
        shown = "" if right is None else f" · accuracy {right:.1%} on all {self.network.samples} samples"
        self.query_one("#map-title", Label).update(f"{text}, with the parameters of {self.where}{shown}")

    def output_name(self) -> str:
        return "ŷ" if self.network.layers[-1].units == 1 else f"ŷ{str(self.output + 1).translate(SUBSCRIPTS)}"

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
                   f"(up, {fmt(plane.bottom)} to {fmt(plane.top)})")  # fmt: skip
        if self.shading:
            ramp = " ".join(f"'{c}'" for c in SHADES)
            scale = f"shading {ramp}: {fmt(low)} to {fmt(high)}"
        else:
            scale = f"vermillion {fmt(low)} · background {fmt(middle)} · blue {fmt(high)}"
        self.query_one("#map-legend", Label).update(
            f"{scale} · samples: {FULL} target ≥ {fmt(middle)}, {EMPTY} below (◐ both in one cell)"
        )

    def list_predictions(self) -> None:
        """Each sample's target and prediction (for softmax, the classes: the target's and the one
        with the largest ŷ, and that ŷ); a classifier's verdict on it."""
        net, fmt = self.network, notation.significant(4)
        _, a = predict(net, self.params, net.X)
        right = verdicts(net, self.params)
        if net.layers[-1].activation == "softmax" and right is not None:
            lines = [Text("sample  target   prediction (its ŷ)")]
            for row in range(net.samples):
                k, target = int(a[row].argmax()), int(net.Y[row].argmax())
                lines.append(Text(f"{row:>6}  class {target + 1:<2} class {k + 1:<2} ({fmt(a[row, k])})"))
        else:
            width = 8 * net.layers[-1].units
            lines = [Text(f"sample  {'target':<{width}}  prediction ŷ")]
            for row in range(net.samples):
                target = "".join(f"{fmt(v):>8}" for v in net.Y[row])
                lines.append(Text(f"{row:>6}  {target:<{width}}  " + "".join(f"{fmt(v):>8}" for v in a[row])))
        if right is not None:
            for row, line in enumerate(lines[1:]):
                line.append("  ✓ right" if right[row] else "  ✗ wrong", style="" if right[row] else "bold")
        self.query_one(TextView).set_lines(lines)
        self.headline(f"{net.samples} samples: each one's target beside the network's prediction")
        self.query_one("#map-legend", Label).update(
            f"a decision map needs two inputs; this network has {net.inputs}"
            + (" · ✓ where the prediction picks the target's class" if right is not None else "")
        )

    def action_output(self, change: int) -> None:
        if self.two_inputs and self.network.layers[-1].units > 1:
            self.output = (self.output + change) % self.network.layers[-1].units
            self.redraw()

    def action_shading(self) -> None:
        if self.two_inputs:
            self.shading = not self.shading
            self.redraw()

    async def action_escape(self) -> None:
        if self.training:
            await self.run_action("app.stop_training")
        else:
            self.close()
