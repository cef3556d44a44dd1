"""The loss plot screen: updated live while `t` trains (the app feeds it)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label

from tui.screens.dialog import LiveDialog
from tui.widgets.plot import LossPlot, describe


class PlotScreen(LiveDialog):
    DEFAULT_CSS = """
    PlotScreen { align: center middle; }
    PlotScreen > Vertical { width: 96%; height: 90%; border: round $accent; background: $surface; padding: 0 1; }
    PlotScreen Label { color: $text-muted; }
    """
    BINDINGS = [
        Binding("q,l", "close", "Close"),
        Binding("t", "app.train", "Train"),
        Binding("y", "log_scale", "Log scale"),
    ]

    def __init__(self, losses: list[float], training: bool = False):
        super().__init__()
        self.losses = losses
        self.training = training  # a run adds to the losses (the app says when it ends): Esc stops it

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "loss per iteration"
            yield LossPlot(id="plot")
            yield Label(id="plot-summary")
            yield Label(
                "t trains more (the plot follows live) · y: linear or log scale · Esc stops training, or closes",
                id="plot-help",
            )

    def on_mount(self) -> None:
        self.show(self.losses)

    def follow(self, losses: list[float], params: dict, where: str) -> None:
        self.show(losses)

    def show(self, losses: list[float]) -> None:
        if not self.query(LossPlot):  # a run's losses before the screen is composed: on_mount shows them
            self.losses = losses
            return
        self.query_one(LossPlot).show(losses)
        self.query_one("#plot-summary", Label).update(describe(losses))

    def action_log_scale(self) -> None:
        plot = self.query_one(LossPlot)
        plot.log_scale = not plot.log_scale
        plot.refresh()
