"""TextView draws a text line by line, as Rich renders it whole (Text.__rich_console__): it
keeps each line's strip by its content and wraps only the lines that do not fit, so a key that
changes a few lines of the step panel renders only those."""

from __future__ import annotations

import random

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from tui.widgets.textview import TextView, _strip

CONSOLE = Console(width=200, color_system="truecolor")
WORDS = ["a", "bb", "ccc", "δ₁", "∂L/∂W", "●", "日本", "x" * 30, " ", "  ", "·", "⋯", "\t", "\n", "\n\n"]
STYLES = [None, Style(color="red"), Style(bold=True), Style(color="blue", underline=True)]


def by_rich(text: Text, width: int, wrap: bool) -> list[list[tuple[str, Style]]]:
    options = CONSOLE.options.update_width(width)
    if not wrap:
        options = options.update(width=max(width, text.cell_len), no_wrap=True, overflow="ignore")
    return cells(Segment.split_lines(CONSOLE.render(text, options)))


def by_view(text: Text, width: int, wrap: bool) -> list[list[tuple[str, Style]]]:
    view = TextView(wrap=wrap)
    view._text = text
    return cells(_strip(line, CONSOLE) for line in view._text_lines(CONSOLE, width))


def cells(lines) -> list[list[tuple[str, Style]]]:
    """Each line's characters with their styles (a run may be cut in two, an empty one dropped)."""
    return [[(ch, seg.style or Style()) for seg in line if not seg.control for ch in seg.text] for line in lines]


def texts(count: int):
    rng = random.Random(7)
    for _ in range(count):
        text = Text()
        for _ in range(rng.randint(0, 25)):
            text.append(rng.choice(WORDS) + rng.choice(["", " "]), rng.choice(STYLES))
        if rng.random() < 0.2:
            text.style = rng.choice(STYLES[1:])
        yield text, rng.randint(1, 40), rng.random() < 0.8


def test_a_text_is_drawn_as_rich_renders_it():
    for text, width, wrap in texts(600):
        assert by_view(text, width, wrap) == by_rich(text, width, wrap), (text, width, wrap)


def test_a_line_keeps_its_own_style_without_spans():
    """Text.render leaves out the style of a text with no spans; a line must not lose it."""
    text = Text("Parameters change in the update phase.", Style(color="red"))
    assert by_view(text, 80, True) == by_rich(text, 80, True)
    assert by_view(text, 80, True)[0][0] == ("P", Style(color="red"))
