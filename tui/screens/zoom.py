"""Zoom: one quantity whole, scrollable in both directions. Only the visible cells are
formatted (a virtual ScrollView), so a 128 × 784 matrix costs what fits on the screen."""

from __future__ import annotations

import numpy as np
from rich.segment import Segment
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Label

from tui.screens.dialog import Dialog
from tui.widgets.matrices import oriented, per_sample, quantities
from tui.widgets.present import View


class MatrixGrid(ScrollView):
    """A matrix as a virtual grid: a header row of column numbers, a column of row numbers."""

    DEFAULT_CSS = """
    MatrixGrid { height: 1fr; }
    MatrixGrid > .grid--index { color: $text-muted; }
    MatrixGrid > .grid--value { color: $foreground; }
    """
    COMPONENT_CLASSES = {"grid--index", "grid--value"}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.matrix = np.zeros((0, 0))
        self.fmt = str
        self.cell = self.label = 1

    def show(self, matrix: np.ndarray, fmt) -> None:
        self.matrix, self.fmt = matrix, fmt
        rows, cols = matrix.shape
        sample = matrix.reshape(-1)[:: max(1, matrix.size // 500)]
        extremes = [matrix.min(), matrix.max()] if matrix.size else []
        self.cell = max([len(fmt(x)) for x in [*sample, *extremes]] + [len(str(cols - 1))]) + 2
        self.label = len(str(rows - 1)) + 2
        self.virtual_size = Size(self.label + cols * self.cell, rows + 1)
        self.scroll_to(0, 0, animate=False)
        self.refresh()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        rows, cols = self.matrix.shape
        row = y + scroll_y - 1  # line 0 holds the column numbers
        index = self.get_component_rich_style("grid--index")
        value = self.get_component_rich_style("grid--value")
        if row >= rows:
            return Strip.blank(self.size.width, self.rich_style)
        first = max(0, (scroll_x - self.label) // self.cell)
        last = min(cols, first + self.size.width // self.cell + 2)
        segments = [
            Segment(("" if row < 0 else str(row)).rjust(self.label - 2) + "  ", index),
            Segment(" " * (first * self.cell)),
        ]
        for c in range(first, last):
            if row < 0:
                segments.append(Segment(str(c).rjust(self.cell), index))
            else:
                segments.append(Segment(self.fmt(self.matrix[row, c]).rjust(self.cell), value))
        strip = Strip(segments, self.label + last * self.cell)
        return strip.crop(scroll_x, scroll_x + self.size.width)


class ZoomScreen(Dialog[None]):
    """Every cell of one quantity; Tab and Shift+Tab move to the layer's other quantities."""

    DEFAULT_CSS = """
    ZoomScreen { align: center middle; }
    ZoomScreen > Vertical { width: 95%; height: 90%; border: round $accent; background: $surface; }
    ZoomScreen Label { color: $text-muted; padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape,q,z", "close", "Close"),
        Binding("tab", "move(1)", "Next quantity"),
        Binding("shift+tab", "move(-1)", "Previous quantity"),
    ]

    def __init__(self, view: View, names: list[str], start: int = 0):
        super().__init__()
        self.view, self.names, self.position = view, names, start

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(id="zoom-help")
            yield MatrixGrid(id="zoom-grid")

    def on_mount(self) -> None:
        self.action_move(0)

    def action_move(self, change: int) -> None:
        self.position = (self.position + change) % len(self.names)
        name = self.names[self.position]
        matrix, _ = oriented(
            self.view.stepper.value(name), self.view.stepper.steps[0].column, per_sample(name), self.view.row
        )
        box = self.query_one(Vertical)
        box.border_title = f"{self.view.symbol(name)} {matrix.shape[0]}×{matrix.shape[1]}"
        self.query_one("#zoom-help", Label).update(
            "arrows, PgUp/PgDn, Home/End scroll · Tab / Shift+Tab: the other quantities · Esc closes"
        )
        self.query_one(MatrixGrid).show(matrix, self.view.fmt)


def zoomable(view: View) -> tuple[list[str], int]:
    """The quantities with a value now, and which one to open on: the one the current step
    writes, else the first."""
    s = view.stepper
    names = [name for l in range(1, s.network.depth + 1) for name in quantities(l, s.network)]
    names = [n for n in names if s.value(n) is not None]
    current = s.step.writes if s.step is not None else None
    return names, names.index(current) if current in names else 0
