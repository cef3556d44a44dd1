"""Layer panels: each layer's W, b, z, a, ∂L/∂a, ∂a/∂z, δ, ∂L/∂W, ∂L/∂b as small matrices
with their shapes. Values appear once computed in this iteration; the matrix the current
step writes is highlighted and the ones it reads are marked. Large matrices are elided with
⋯ and ⋮, so a panel never draws more than a few dozen cells whatever the network's size."""

from __future__ import annotations

import numpy as np
from rich.style import Style
from rich.text import Text

from engine.notation import indices
from tui.widgets.present import View
from tui.widgets.textview import TextView

# The quantities of layer l, in the order the panel shows them.
QUANTITIES = ("W{l}", "b{l}", "z{l}", "a{l}", "dL/da{l}", "da{l}/dz{l}", "delta{l}", "dL/dW{l}", "dL/db{l}")
LIMIT = 6  # rows and columns shown before eliding

def matrix_block(title: str, value: np.ndarray | None, shape: tuple[int, ...] | None, view: View,
                 per_sample: bool, style: Style, focus_style: Style, muted: Style, danger: Style) -> list[Text]:
    """Lines of one matrix: a title with its shape, then its rows. A value not computed yet
    in this iteration keeps its place: its cells are dots, so the panel does not move as the
    numbers appear."""
    if value is None and shape is None:  # no step of this iteration writes it
        return [Text(title, style=muted), Text("  —", style=muted)]
    pending = value is None
    a = np.zeros(shape) if pending else np.asarray(value)
    shape = a.shape
    column = view.stepper.steps[0].column
    note = ""
    if a.ndim == 3:  # softmax Jacobians: one per sample, show the focused one
        note = "" if column else f" (sample {view.row})"
        a = a[view.row]
    focus_row = None
    if per_sample and column and a.ndim == 2 and a.shape[0] == 1:
        a = a.reshape(-1, 1)  # one sample: a column vector, as in the seeds
        shape = a.shape
    elif per_sample and a.ndim == 2:
        focus_row = view.row
    if a.ndim == 1:  # a bias: a column with one sample, a row added to every sample of a batch
        a = a.reshape(-1, 1) if column else a.reshape(1, -1)
    shape = "×".join(str(n) for n in shape)
    fmt = view.fmt
    rows, cols = indices(a.shape[0], LIMIT), indices(a.shape[1], LIMIT)
    cells = {(i, j): "·" if pending else fmt(a[i, j])
             for i in rows if i is not None for j in cols if j is not None}
    # at least as wide as a signed number, so a column keeps its width when its numbers appear
    width = max(len(fmt(-0.5)), *(len(c) for c in cells.values()))
    lines = [Text(f"{title} {shape}{note}", style=(muted if pending else style) + Style(bold=True))]
    for i in rows:
        line = Text(" ")
        if i is None:
            line.append(" ".join(("⋮" if j is not None else "⋱").rjust(width) for j in cols), style=muted)
        else:
            row_style = muted if pending else style + (focus_style if i == focus_row else Style())
            texts = [cells[(i, j)] if j is not None else "⋯" for j in cols]
            line.append(" ".join(t.rjust(width) for t in texts), style=row_style)
            for n, t in enumerate(texts):
                if t in ("nan", "inf", "-inf"):  # a diverged value stands out in any panel
                    end = 1 + (n + 1) * (width + 1) - 1
                    line.stylize(danger, end - len(t), end)
        lines.append(line)
    return lines


def flow(blocks: list[list[Text]], width: int, gap: int = 2) -> tuple[Text, list[int]]:
    """Blocks of lines placed left to right, wrapping to a new band when the width is full.
    Returns the text and the line each block starts on."""
    lines: list[Text] = []  # each line trimmed on its own: trimming the whole text grows with it
    starts: list[int] = []
    band: list[list[Text]] = []
    used = 0

    def flush():
        if not band:
            return
        widths = [max(part.cell_len for part in block) for block in band]
        height = max(len(block) for block in band)
        for r in range(height):
            line = Text()
            for block, w in zip(band, widths):
                piece = block[r] if r < len(block) else Text("")
                line.append_text(piece)
                line.append(" " * (w - piece.cell_len + gap))
            line.rstrip()
            lines.append(line)
        lines.append(Text())

    for block in blocks:
        w = max(part.cell_len for part in block)
        if band and used + w > width:
            flush()
            band, used = [], 0
        starts.append(len(lines))
        band.append(block)
        used += w + gap
    flush()
    while lines and not lines[-1].plain:
        lines.pop()
    return Text("\n").join(lines), starts


class LayerPanel(TextView):
    DEFAULT_CSS = """
    LayerPanel { border: round $primary-darken-1; border-title-color: $text; padding: 0 1;
                 scrollbar-size: 1 1; }
    LayerPanel > .matrix--written { color: $accent; text-style: bold reverse; }
    LayerPanel > .matrix--read { color: $primary-lighten-2; text-style: bold underline; }
    LayerPanel > .matrix--plain { color: $foreground; }
    LayerPanel > .matrix--muted { color: $text-muted; }
    LayerPanel > .matrix--focus { text-style: bold; }
    LayerPanel > .matrix--danger { color: $error; text-style: bold reverse; }
    """
    COMPONENT_CLASSES = {"matrix--written", "matrix--read", "matrix--plain", "matrix--muted", "matrix--focus",
                         "matrix--danger"}

    def __init__(self, layer: int, **kwargs):
        super().__init__(wrap=False, **kwargs)  # wide matrices scroll sideways
        self.number = layer
        self.view: View | None = None
        # Each quantity's block as last built, with what it was built from: a key rebuilds only
        # the blocks it changed, and a panel whose blocks all stayed is left alone.
        self._blocks: dict[str, tuple] = {}
        self._shown: tuple[list, int, list[int]] = ([], 0, [])  # the blocks on show, their width and starts

    def on_resize(self) -> None:
        # the blocks flow into the new width (not while a training worker changes the numbers)
        if self.view is not None and not getattr(self.app, "training", False):
            self.show(self.view)

    def _block(self, name: str, view: View, style: Style) -> list[Text]:
        value, shape = view.stepper.value(name), view.stepper.shape(name)
        styles = tuple(self.get_component_rich_style(f"matrix--{kind}") for kind in ("focus", "muted", "danger"))
        made_from = (view.symbol(name), shape, view.stepper.steps[0].column, view.row, view.digits, style, styles)
        cached = self._blocks.get(name)
        if cached is not None and cached[0] is value and cached[1] == made_from:
            return cached[2]
        per_sample = not name.startswith(("W", "b", "dL/dW", "dL/db"))
        block = matrix_block(made_from[0], value, shape, view, per_sample, style, *styles)
        self._blocks[name] = (value, made_from, block)
        return block

    def show(self, view: View) -> None:
        l = self.number
        net = view.stepper.network
        if l > net.depth:  # a panel of the network being replaced, about to be removed
            return
        self.view = view
        title = f"layer {l} · {net.layers[l - 1].units} {net.layers[l - 1].activation}"
        if self.border_title != title:  # setting it repaints the whole panel
            self.border_title = title
        if not self.scrollable_content_region.width:
            return  # not laid out yet: on_resize shows it at its width
        step = view.stepper.step
        style = self.get_component_rich_style
        blocks = []
        focus = None  # the block to keep in sight: the one written, else the first one read
        for pattern in QUANTITIES:
            name = pattern.format(l=l)
            if step is not None and step.writes == name:
                s = style("matrix--written")
                focus = len(blocks)
            elif step is not None and name in step.reads:
                s = style("matrix--read")
                focus = len(blocks) if focus is None else focus
            else:
                s = style("matrix--plain")
            blocks.append(self._block(name, view, s))
        width = self.scrollable_content_region.width
        shown, shown_width, starts = self._shown
        if width != shown_width or len(blocks) != len(shown) or any(a is not b for a, b in zip(blocks, shown)):
            text, starts = flow(blocks, width)
            self.set_text(text)
            self._shown = (blocks, width, starts)
        # The scroll follows from the step alone (the same step, the same picture): the top, or
        # the focused block at the top when it would not fit on the first page.
        top = 0
        if focus is not None and starts[focus] + len(blocks[focus]) > self.scrollable_content_region.height:
            top = starts[focus]
        if top != self.scroll_y:
            self.scroll_to(y=top, animate=False)  # the virtual size is already the new text's
