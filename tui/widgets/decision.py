"""The decision map: one output over the plane of two inputs, the samples on top.

Drawn in half-blocks (▀, two pixels a cell: the upper in the foreground colour, the lower in
the background), on a diverging palette: low values vermillion, high values blue (Okabe and
Ito's pair, apart for colour-blind readers too), the middle of the range the panel's own
background. Shading draws one pixel a cell as a density, from blank to █, in the colour of its
half of the range, so the value reads without colour too (NO_COLOR starts there). A sample
is ● (target in the upper half of the range) or ○ (lower half); ◐ where a cell holds both."""

from __future__ import annotations

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.message import Message
from textual.strip import Strip

from tui.colours import NEGATIVE, POSITIVE
from tui.textual_compat import RedrawnOnRepaint

LEVELS = 32  # colours of each half of the palette
SHADES = " ·░▒▓█"  # the density of each sixth of the range, low to high: the middle falls between ░ and ▒
FULL, BOTH = "●", "◐"
EMPTY = "○"


def shade(t: float) -> str:
    """The density character of a value at t of the range (0 to 1)."""
    return SHADES[min(int(t * len(SHADES)), len(SHADES) - 1)]


class DecisionMap(RedrawnOnRepaint):
    DEFAULT_CSS = """
    DecisionMap { height: 1fr; }
    DecisionMap > .map--sample { color: $foreground; text-style: bold; }
    """
    COMPONENT_CLASSES = {"map--sample"}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.values: np.ndarray | None = None  # 2 × rows pixels by columns, top first
        self.low, self.high = 0.0, 1.0
        self.samples: dict[tuple[int, int], str] = {}  # (cell column, cell row): FULL, EMPTY or BOTH
        self.shading = False

    class Resized(Message):
        """The map's size changed: its pixels must be computed again (by whoever computes them)."""

    def on_resize(self) -> None:
        self.post_message(self.Resized())

    def show(
        self, values: np.ndarray, low: float, high: float, columns: np.ndarray, rows: np.ndarray, upper: np.ndarray
    ) -> None:
        """values: the output at each pixel's centre (two pixel rows a cell row); the samples'
        pixels (columns, rows) and whether each one's target is in the upper half of the range."""
        self.values, self.low, self.high = values, low, high
        self.samples = {}
        for column, row, up in zip(columns.tolist(), (rows // 2).tolist(), upper.tolist()):
            mark = FULL if up else EMPTY
            seen = self.samples.get((column, row))
            self.samples[(column, row)] = mark if seen in (None, mark) else BOTH
        self.refresh()

    def colours(self) -> list[Color]:
        """The palette, low to high: 2 × LEVELS + 1 colours through the background."""
        background = self.background_colors[1]
        return [background.blend(NEGATIVE, 1 - i / LEVELS) for i in range(LEVELS)] + [
            background.blend(POSITIVE, i / LEVELS) for i in range(LEVELS + 1)
        ]

    def render_line(self, y: int) -> Strip:
        if self.drawing is None:
            self.drawing = self.draw()
        return self.drawing[y] if y < len(self.drawing) else Strip.blank(self.size.width, self.rich_style)

    def draw(self) -> list[Strip]:
        if self.values is None:
            return []
        palette = self.colours()
        span = self.high - self.low
        t = np.clip((np.nan_to_num(self.values, nan=self.low) - self.low) / span, 0.0, 1.0)
        index = np.rint(t * 2 * LEVELS).astype(int).tolist()
        t = t.tolist()
        sample = self.get_component_rich_style("map--sample")
        ground = self.background_colors[1].rich_color
        inks = (Style(color=NEGATIVE.rich_color, bgcolor=ground), Style(color=POSITIVE.rich_color, bgcolor=ground))
        halves: dict[tuple[int, int], Style] = {}  # a Style for each pair of colours drawn
        strips = []
        for row in range(len(t) // 2):
            segments = []
            for column in range(len(t[0])):
                upper, lower = index[2 * row][column], index[2 * row + 1][column]
                mark = self.samples.get((column, row))
                if self.shading:
                    middle = (t[2 * row][column] + t[2 * row + 1][column]) / 2
                    if mark is not None:
                        segments.append(Segment(mark, sample + Style(bgcolor=ground)))
                    else:
                        segments.append(Segment(shade(middle), inks[middle >= 0.5]))
                    continue
                if mark is not None:
                    segments.append(Segment(mark, sample + Style(bgcolor=palette[(upper + lower) // 2].rich_color)))
                    continue
                style = halves.get((upper, lower))
                if style is None:
                    style = halves[upper, lower] = Style(
                        color=palette[upper].rich_color, bgcolor=palette[lower].rich_color
                    )
                segments.append(Segment("▀", style))
            strips.append(Strip(segments).simplify())
        return strips
