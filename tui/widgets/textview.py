"""Scrollable rich text drawn with Textual's Line API.

A Static inside a scroll container changes its own height with its text, and Textual then
lays out the screen twice per key (the second pass after the size change). A TextView's size
comes from the CSS alone: new text repaints this widget, and only its virtual size changes.
The vertical scrollbar is always there (an empty track when the text fits): one that came
and went with the text's length made Textual lay the whole screen out again."""

from __future__ import annotations

from rich.segment import Segment
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.textual_compat import set_virtual_size


class TextView(ScrollView, can_focus=False):
    DEFAULT_CSS = """
    TextView { overflow-y: scroll; }
    """

    def __init__(self, wrap: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.wrap = wrap
        self._text: Text = Text()
        self._lines: list[Text] | None = None  # set_lines' lines, drawn one by one
        self._line_strips: dict[tuple, Strip] = {}  # each shown line's strip, by its content
        self._strips: list[Strip] = []
        self._laid_out_width = -1
        self._pinned = 0

    @property
    def text(self) -> Text:
        """What is on show, as one text."""
        if self._lines is not None:
            self._text, self._lines = Text("\n").join(self._lines), None  # its lines' strips stay
        return self._text

    @property
    def pinned(self) -> int:
        """How many of the first lines stay at the top while the rest scrolls beneath them."""
        return self._pinned

    @pinned.setter
    def pinned(self, lines: int) -> None:
        if lines != self._pinned:
            self._pinned = lines
            self.refresh()

    def set_text(self, text: Text | str) -> None:
        """Show new text (nothing happens when it is the same)."""
        text = Text(text) if isinstance(text, str) else text
        # Rich's == compares the characters and the spans, not the style of the whole text
        same = self._lines is None and text == self._text and text.style == self._text.style
        if same and self._laid_out_width == self._width():
            return
        self._text, self._lines = text, None
        self._lay_out()

    def set_lines(self, lines: list[Text]) -> None:
        """Show lines never wrapped (wrap=False), each rendered only if it was not on show before
        (by its characters and styles): a key changes a few lines of a layer panel, and rendering
        all of them again cost about 4 ms a panel."""
        self._lines = lines
        self._lay_out()

    def _width(self) -> int:
        return self.scrollable_content_region.width

    def _lay_out(self) -> None:
        width = self._width()
        same_width = width == self._laid_out_width
        self._laid_out_width = width
        if width <= 0:
            self._strips = []
            return
        console = self.app.console
        old = self._strips
        if self._lines is not None:
            shown, self._strips = self._line_strips, []
            self._line_strips = {}
            for line in self._lines:
                key = (line.plain, tuple(line.spans), line.style)
                strip = shown.get(key) or self._line_strips.get(key)
                if strip is None:
                    strip = Strip(line.render(console), line.cell_len)
                self._line_strips[key] = strip
                self._strips.append(strip)
        else:
            options = console.options.update_width(width)
            if not self.wrap:
                options = options.update(width=max(width, self._text.cell_len), no_wrap=True, overflow="ignore")
            lines = list(Segment.split_lines(console.render(self._text, options)))
            self._strips = [Strip(line) for line in lines]
        widest = max((strip.cell_length for strip in self._strips), default=0)
        size = Size(widest if not self.wrap else width, len(self._strips))
        if size != self.virtual_size:
            set_virtual_size(self, size)  # this widget's size comes from the CSS: no relayout
        elif not same_width:
            self.refresh()
        else:  # repaint only the lines that changed: a step changes a few lines of a layer panel
            for y, (before, after) in enumerate(zip(old, self._strips)):
                if before is not after and before != after:
                    self.refresh_lines(y)

    def on_resize(self) -> None:
        if self._laid_out_width != self._width():
            self._lay_out()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self._width()
        index = y if y < self._pinned else scroll_y + y
        strip = self._strips[index] if 0 <= index < len(self._strips) else Strip.blank(width)
        return strip.crop_extend(scroll_x, scroll_x + width, None).apply_style(self.rich_style)
