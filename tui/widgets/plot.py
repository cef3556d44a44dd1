"""The loss plot: the loss of every finished iteration against the iteration, with axes (and
a second run's losses beside them, dashed, to compare two optimizers).

Drawn in Braille dots (2 × 4 per cell); when there are more iterations than dot columns, each
column shows the range its iterations span, so no spike is lost."""

from __future__ import annotations

import math

import numpy as np
from rich.text import Text
from textual.widget import Widget

from engine import notation
from tui.widgets.diagram import BrailleCanvas


class LossPlot(Widget):
    DEFAULT_CSS = """
    LossPlot { height: 1fr; }
    LossPlot > .plot--line { color: $text-accent; }
    LossPlot > .plot--axis { color: $text-muted; }
    LossPlot > .plot--other { color: $text-primary; }
    """
    COMPONENT_CLASSES = {"plot--line", "plot--axis", "plot--other"}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.losses: list[float] = []
        self.other: list[float] = []  # a second run's, drawn in plot--other
        self.log_scale = False

    def show(self, losses: list[float], other: list[float] = ()) -> None:
        self.losses, self.other = list(losses), list(other)
        self.refresh()

    def render(self) -> Text:
        width, height = self.size.width, self.size.height
        axis = self.get_component_rich_style("plot--axis")
        values, other = np.array(self.losses, dtype=np.float64), np.array(self.other, dtype=np.float64)
        both = np.concatenate([values, other])
        finite = both[np.isfinite(both)]
        if self.log_scale:
            finite = finite[finite > 0]
        if width < 20 or height < 5:
            return Text("")
        if finite.size == 0:
            return Text("no finished iteration yet: n, i or t adds points", style=axis)
        scale = (lambda v: np.log10(v)) if self.log_scale else (lambda v: v)
        lo, hi = float(scale(finite.min())), float(scale(finite.max()))
        if hi - lo < 1e-12:
            lo, hi = lo - 0.5, hi + 0.5
        fmt = notation.significant(3)
        labels = [hi, (hi + lo) / 2, lo]
        texts = [fmt(10**v if self.log_scale else v) for v in labels]
        left = max(len(t) for t in texts) + 2
        plot_w, plot_h = width - left - 1, height - 2  # cells; the last two lines hold the x axis
        canvas = BrailleCanvas(width, height)
        for text, row in zip(texts, (0, (plot_h - 1) // 2, plot_h - 1)):
            canvas.write(0, row, text.rjust(left - 2) + " ┤", axis)
        for row in range(plot_h):
            if (0, row) not in [(0, r) for r in (0, (plot_h - 1) // 2, plot_h - 1)]:
                canvas.write(left - 1, row, "│", axis)
        canvas.write(left - 1, plot_h, "└" + "─" * plot_w, axis)
        n = max(len(values), len(other))
        first, last = "1", f"{n:,}"
        canvas.write(left - 1, plot_h + 1, first, axis)
        middle = "iteration (log₁₀ loss)" if self.log_scale else "iteration"
        canvas.write(left - 1 + (plot_w - len(middle)) // 2, plot_h + 1, middle, axis)
        canvas.write(width - len(last), plot_h + 1, last, axis)
        dots_w, dots_h = 2 * plot_w, 4 * plot_h
        x0 = 2 * left

        def y_of(v: float) -> int:
            return round((hi - v) / (hi - lo) * (dots_h - 1))

        def draw(values: np.ndarray, line, dashed: bool = False) -> None:
            previous = None
            for column in range(dots_w):
                start, stop = column * n // dots_w, max((column + 1) * n // dots_w, column * n // dots_w + 1)
                if n <= dots_w:  # fewer points than dots: one point per iteration, joined by lines
                    start, stop = column, column + 1
                if start >= len(values):
                    break
                chunk = values[start:stop]
                chunk = chunk[np.isfinite(chunk) & ((chunk > 0) if self.log_scale else True)]
                if chunk.size == 0:
                    previous = None
                    continue
                top, bottom = y_of(float(scale(chunk.max()))), y_of(float(scale(chunk.min())))
                x = x0 + (column if n > dots_w else round(column * (dots_w - 1) / max(n - 1, 1)))
                if previous is not None:
                    canvas.line(previous[0], previous[1], x, (top + bottom) // 2, line, 1.0, dashed)
                canvas.line(x, top, x, bottom, line, 1.0, dashed)
                previous = (x, (top + bottom) // 2)

        draw(other, self.get_component_rich_style("plot--other"), dashed=True)
        draw(values, self.get_component_rich_style("plot--line"))  # on top where they meet
        return canvas.render()


def describe(losses: list[float]) -> str:
    """One line under the plot: how many iterations, first, latest, lowest."""
    if not losses:
        return "no iteration finished yet"
    finite = [v for v in losses if math.isfinite(v)]
    fmt = notation.significant(6)
    best = min(finite) if finite else float("nan")
    return (
        f"{notation.counted(len(losses), 'iteration')} · first {fmt(losses[0])} · latest {fmt(losses[-1])} · "
        f"lowest {fmt(best)}"
    )
