"""Scrollable rich text drawn with Textual's Line API.

A Static inside a scroll container changes its own height with its text, and Textual then
lays out the screen twice per key (the second pass after the size change). A TextView's size
comes from the CSS alone: new text repaints this widget, and only its virtual size changes.
The vertical scrollbar is always there (an empty track when the text fits): one that came
and went with the text's length made Textual lay the whole screen out again. A text is drawn
line by line, each line's strip kept by its content, and a key repaints the lines it changed."""

from __future__ import annotations

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.textual_compat import StylesKept, set_virtual_size


class TextView(StylesKept, ScrollView, can_focus=False):
    DEFAULT_CSS = """
    TextView { overflow-y: scroll; }
    """

    def __init__(self, wrap: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.wrap = wrap
        self._text: Text = Text()
        self._lines: list[Text] | None = None  # set_lines' lines, drawn one by one
        self._line_strips: dict[tuple, Strip] = {}  # each shown line's strip, by its content
        self._shown_lines: list[tuple[Text, tuple, Strip]] = []  # the lines on show, their keys and strips
        self._strips: list[Strip] = []
        self._laid_out_width = -1
        self._pinned = 0
        self._frame = (Style(), 0)  # this frame's base style and width (see render_lines)

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

    def _text_lines(self, console: Console, width: int) -> list[Text]:
        """set_text's text in lines, as Rich would render it at this width (Text.__rich_console__):
        a line that fits is taken as it is (wrapping it changes nothing), the others wrapped
        one by one; with wrap=False none is wrapped. Each line's strip is then kept by its
        content, like set_lines': the step panel's text changes a few lines a key."""
        text = self._text
        justify, overflow = text.justify or "default", text.overflow or "fold"
        tab_size = text.tab_size or console.tab_size or 8
        lines: list[Text] = []
        for line in text.split("\n", allow_blank=True):
            if not self.wrap:
                lines.extend(
                    line.wrap(console, line.cell_len, overflow="ignore", tab_size=tab_size)
                    if "\t" in line.plain
                    else [line]
                )
            elif line.cell_len <= width and justify == "default" and "\t" not in line.plain:
                lines.append(line)
            else:
                lines.extend(line.wrap(console, width, justify=justify, overflow=overflow, tab_size=tab_size))
        return lines

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
        by_key, self._line_strips = self._line_strips, {}
        before, shown = self._shown_lines, []
        for y, line in enumerate(self._lines if self._lines is not None else self._text_lines(console, width)):
            if y < len(before) and before[y][0] is line:  # the very line, in its place
                _, key, strip = before[y]
            else:
                key = (line.plain, tuple(line.spans), line.style)
                strip = by_key.get(key) or self._line_strips.get(key) or _strip(line, console)
            self._line_strips[key] = strip
            shown.append((line, key, strip))
        self._shown_lines = shown
        self._strips = [strip for _, _, strip in shown]
        widest = max((strip.cell_length for strip in self._strips), default=0)
        # never shorter than the view: text that fits leaves the scrollbar as it was (an empty
        # track), and a step whose text fits repaints no scrollbar
        size = Size(widest if not self.wrap else width, max(len(self._strips), self.scrollable_content_region.height))
        scrolled = self.scroll_offset
        if size != self.virtual_size:
            set_virtual_size(self, size)  # this widget's size comes from the CSS: no relayout
        if not same_width or self.scroll_offset != scrolled:
            self.refresh()
        else:  # repaint only the lines that changed: a step changes a few lines of a layer panel
            blank, run = Strip.blank(0), None  # run: the first line of changed lines in a row
            for y in range(max(len(old), len(self._strips)) + 1):
                before = old[y] if y < len(old) else blank
                after = self._strips[y] if y < len(self._strips) else blank
                changed = before is not after and before != after
                if run is not None and (not changed or y == self._pinned):
                    self._refresh_lines(run, y)
                    run = None
                if changed and run is None:
                    run = y

    def _refresh_lines(self, start: int, end: int) -> None:
        """Repaint lines start to end (not included) of the text; a pinned line is on its own
        row, whatever the scroll (the lines of one call are all pinned or all not)."""
        self.refresh_lines(start + self.scroll_offset.y if start < self._pinned else start, end - start)

    def on_resize(self) -> None:
        height = max(len(self._strips), self.scrollable_content_region.height)
        if self._laid_out_width != self._width() or self.virtual_size.height != height:
            self._lay_out()

    def render_lines(self, crop: Region) -> list[Strip]:
        # rich_style walks every ancestor's styles: once a frame, not once a line
        self._frame = (self.rich_style, self._width())
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        style, width = self._frame
        index = y if y < self._pinned else scroll_y + y
        strip = self._strips[index] if 0 <= index < len(self._strips) else Strip.blank(width)
        return strip.crop_extend(scroll_x, scroll_x + width, None).apply_style(style)


def _strip(line: Text, console: Console) -> Strip:
    """A line as a strip, its style included: Text.render leaves a text's own style out when it
    has no spans (a text joined to others has it as a span)."""
    if line.style and not line.spans:
        return Strip([Segment(line.plain, console.get_style(line.style))], line.cell_len)
    return Strip(line.render(console), line.cell_len)
