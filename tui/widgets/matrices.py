"""Matrices as aligned grids: the layer panels (each layer's W, b, z, a, ∂L/∂a, ∂a/∂z, δ,
∂L/∂W, ∂L/∂b with their shapes, the data X and Y, and the optimizer's arrays) and the step panel's substitution.
Values appear once computed in this iteration; the matrix the current step writes is
highlighted and the ones it reads are marked. A number is shown whole or not at all: rows past
LIMIT and the columns that do not fit the panel's width are elided with ⋮ and ⋯, so a grid
never needs a sideways scroll and never draws more than a few dozen cells."""

from __future__ import annotations

import numpy as np
from rich.style import Style
from rich.text import Text

from engine.network import Network
from engine.notation import EDGE, Format, indices
from engine.quantities import LAYER_KINDS, Kind, Quantity, of_parameter
from tui.widgets.present import View
from tui.widgets.textview import TextView

LIMIT = 6  # rows and columns shown before eliding


def quantities(layer: int, network: Network) -> list[str]:
    """A layer panel's blocks in order: the data first (X in layer 1, Y in the last layer), where
    the panel keeps them in sight (see LayerPanel.show); the layer's quantities; then, for each
    trainable parameter, what its optimizer keeps and computes (m, v, m̂, v̂, a buffer)."""
    data = (["x"] if layer == 1 else []) + (["y"] if layer == network.depth else [])
    roles = [factor.writes for factor in network.optimizer.factors() if factor.writes != "old"]
    kept = [
        of_parameter(role, Quantity(kind, layer)).id
        for kind in (Kind.W, Kind.B)
        if Quantity(kind, layer).id not in network.frozen
        for role in roles
    ]
    return data + [Quantity(kind, layer).id for kind in LAYER_KINDS] + kept


def scroll_place(starts: list[int], heights: list[int], focus: int | None, data: int, height: int) -> tuple[int, int]:
    """Where a layer panel scrolls to show block `focus` whole: (top line, lines pinned at the
    top). Blocks start on the lines `starts` (a band's blocks share one); the first `data` are the
    data. The top is a band's first line, so the blocks in sight show their titles; the data's
    band stays pinned above when there is room for both."""
    if focus is None or starts[focus] + heights[focus] <= height:
        return 0, 0
    end = starts[focus] + heights[focus]
    bands = sorted(set(starts))
    data_end = min((b for b in bands if b > starts[data - 1]), default=0) if data else 0
    for pinned in (data_end, 0) if data_end and starts[focus] >= data_end else (0,):
        fitting = [b for b in bands if pinned <= b <= starts[focus] and end <= b + height - pinned]
        if fitting:
            return fitting[0] - pinned, pinned
    return starts[focus], 0  # taller than the panel: its title and first rows


def per_sample(name: str) -> bool:
    """Whether a quantity has one row per sample (a parameter and its gradient do not)."""
    return Quantity.parse(name).per_sample


def oriented(value, column: bool, by_sample: bool, row: int) -> tuple[np.ndarray, str]:
    """A value as the 2-D grid the panels show, and a note on what part of it that is: with
    one sample its own vectors are columns, as in the three-layer homework (a parameter keeps its shape); a
    bias is a column then, and in a batch a row added to every sample; softmax's Jacobians
    are the focused sample's."""
    a = np.asarray(value)
    if a.ndim == 0:
        return a.reshape(1, 1), ""
    if a.ndim == 3:
        return a[row], "" if a.shape[0] == 1 else f" (sample {row})"
    if a.ndim == 1:
        return (a.reshape(-1, 1) if column else a.reshape(1, -1)), ""
    if column and by_sample and a.shape[0] == 1:
        return a.reshape(-1, 1), ""
    return a, ""


def size_of(shape: tuple[int, ...], shown: tuple[int, int]) -> str:
    """A value's size as its grid states it: a matrix by the grid it is shown as (a sample's
    vector as the column it is, Wᵀ transposed), a bias and the Jacobians by their own shape,
    a scalar by none."""
    return "×".join(str(k) for k in (shown if len(shape) == 2 else shape))


def columns_that_fit(n: int, cell: int, room: int) -> list[int | None]:
    """Which of n columns of cells `cell` wide (a space apart) fit in `room` characters, None
    standing for the ⋯ (one character) in place of the others: all of them up to LIMIT, else
    as many of the first and the last as fit, else none."""

    def width(k: int) -> int:
        return k * (cell + 1) - 1

    if n <= LIMIT and width(n) <= room:
        return list(range(n))
    for kept in range(min(n - 1, 2 * EDGE), 0, -1):
        if width(kept) + 2 <= room:
            head = (kept + 1) // 2
            return list(range(head)) + [None] + list(range(n - (kept - head), n))
    return [None]


def grid(
    title: str,
    size: str,
    a: np.ndarray | None,
    shape: tuple[int, int],
    fmt: Format,
    room: int,
    style: Style,
    muted: Style,
    danger: Style,
    focus: tuple[int, Style] | None = None,
    labels: int | None = None,
    note: str = "",
) -> list[Text]:
    """The lines of one 2-D grid, none wider than `room`: its title, size and a note (left
    out when there is no room), then its rows. a is None for a value not computed yet: its
    cells are dots, so that the panel does not move when the numbers appear. focus: the row of
    the sample in focus, marked ▸ and in its style; labels: every row's number, from this one
    (the data: samples are counted from 0, a mini-batch's from its first row)."""
    m, n = shape
    rows = indices(m, LIMIT)
    label_width = len(str(labels + m - 1)) + 1 if labels is not None else 0
    margin = 1 + label_width
    candidates = [j for j in indices(n, LIMIT) if j is not None]
    shown_rows = [i for i in rows if i is not None]
    texts = {} if a is None else {(i, j): fmt(a[i, j]) for i in shown_rows for j in candidates}
    # at least as wide as a signed number, so a column keeps its width when its numbers appear
    cell = max([len(fmt(-0.5))] + [len(t) for t in texts.values()])
    cols = columns_that_fit(n, cell, room - margin)
    head = f"{title} {size}{note}".rstrip()
    if len(head) > room:
        head = f"{title} {size}".rstrip()
    if len(head) > room:
        head = head[: max(room - 1, 0)] + "…"
    lines = [Text(head, style=(muted if a is None else style) + Style(bold=True))]
    for i in rows:
        if i is None:
            line = Text(" " * margin + " ".join(("⋮".rjust(cell) if j is not None else "⋱") for j in cols), muted)
            lines.append(line)
            continue
        focused = focus is not None and focus[0] == i
        line = Text("▸" if focused else " ", style + Style(bold=True) if focused else muted)
        if labels is not None:
            line.append(f"{labels + i:>{label_width - 1}} ", muted)
        cells = [("·" if a is None else texts[(i, j)]).rjust(cell) if j is not None else "⋯" for j in cols]
        start = len(line)
        line.append(" ".join(cells), muted if a is None else style + (focus[1] if focused else Style()))
        at = start
        for c in cells:
            if c.strip() in ("nan", "inf", "-inf"):  # a diverged value stands out in any panel
                line.stylize(danger, at + len(c) - len(c.strip()), at + len(c))
            at += len(c) + 1
        lines.append(line)
    return lines


def flow(blocks: list[list[Text]], width: int, gap: int = 2, bands: dict | None = None) -> tuple[list[Text], list[int]]:
    """Blocks of lines placed left to right, wrapping to a new band when the width is full.
    Returns the lines and the line each block starts on. bands: the lines of each band the
    last call made, by its blocks (replaced by this call's): a band of the same block objects
    keeps its lines (a step restyles a block or two of a layer panel)."""
    lines: list[Text] = []  # each line trimmed on its own: trimming the whole text grows with it
    starts: list[int] = []
    band: list[list[Text]] = []
    made: dict[tuple[int, ...], tuple[list, list[Text]]] = {}
    used = 0

    def flush():
        if not band:
            return
        key = tuple(map(id, band))
        before = None if bands is None else bands.get(key)
        if before is not None and all(a is b for a, b in zip(before[0], band)):
            band_lines = before[1]
        else:
            band_lines = []
            widths = [max(part.cell_len for part in block) for block in band]
            for r in range(max(len(block) for block in band)):
                line = Text()
                for block, w in zip(band, widths):
                    piece = block[r] if r < len(block) else Text("")
                    line.append_text(piece)
                    line.append(" " * (w - piece.cell_len + gap))
                line.rstrip()
                band_lines.append(line)
        made[key] = (list(band), band_lines)
        lines.extend(band_lines)
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
    if bands is not None:
        bands.clear()
        bands.update(made)
    return lines, starts


class LayerPanel(TextView):
    DEFAULT_CSS = """
    LayerPanel { border: round $primary-darken-1; border-title-color: $text; padding: 0 1;
                 scrollbar-size: 1 1; }
    LayerPanel > .matrix--written { color: $step-writes; text-style: bold reverse; }
    LayerPanel > .matrix--read { color: $step-reads; text-style: bold underline; }
    LayerPanel > .matrix--plain { color: $foreground; }
    LayerPanel > .matrix--muted { color: $text-muted; }
    LayerPanel > .matrix--focus { text-style: bold; }
    LayerPanel > .matrix--danger { color: $bad; text-style: bold reverse; }
    """
    COMPONENT_CLASSES = {
        "matrix--written",
        "matrix--read",
        "matrix--plain",
        "matrix--muted",
        "matrix--focus",
        "matrix--danger",
    }

    def __init__(self, layer: int, **kwargs):
        super().__init__(wrap=False, **kwargs)  # every grid fits the width: lines are never wrapped
        self.number = layer
        self.view: View | None = None
        # Each quantity's block as last built, with what it was built from: a key rebuilds only
        # the blocks it changed, and a panel whose blocks all stayed is left alone.
        self._blocks: dict[str, tuple] = {}
        # the blocks on show, their width, their flow (its lines and the line each block starts
        # on) and the blank lines added below
        self._shown: tuple[list, int, tuple[list[Text], list[int]], int] = ([], 0, ([], []), 0)
        self._bands: dict = {}  # the flow's bands, kept for the next (see flow)

    def on_resize(self) -> None:
        if self.view is not None:  # the blocks flow into the new width
            self.show(self.view)

    def _block(self, name: str, view: View, style: Style, room: int) -> list[Text]:
        s = view.stepper
        value, shape = s.value(name), s.shape(name)
        # the focused row keeps its block's colour: only the focus style's own attributes (bold)
        styles = (
            self.get_component_rich_style("matrix--focus", partial=True),
            *(self.get_component_rich_style(f"matrix--{kind}") for kind in ("muted", "danger")),
        )
        frozen = name in s.network.frozen
        first = s.rows.start  # the data's rows are numbered as in the file (a mini-batch's too)
        made_from = (
            view.symbol(name),
            shape,
            s.steps[0].column,
            view.row,
            view.digits,
            style,
            styles,
            room,
            frozen,
            first,
        )
        cached = self._blocks.get(name)
        if cached is not None and cached[0] is value and cached[1] == made_from:
            return cached[2]
        focus_style, muted, danger = styles
        if shape is None:  # no step of this iteration writes it
            block = [Text(made_from[0], style=muted), Text("  —", style=muted)]
        else:
            column, by_sample = made_from[2], per_sample(name)
            a, note = oriented(np.zeros(shape) if value is None else value, column, by_sample, view.row)
            data = name in ("x", "y")
            if data and column and s.network.samples > 1:
                note = f" (sample {s.sample_row})"  # a mini-batch of one row: its own
            focus = (view.row, focus_style) if by_sample and not column and len(shape) == 2 else None
            size = size_of(shape, a.shape) + (" frozen" if frozen else "")
            block = grid(
                made_from[0],
                size,
                None if value is None else a,
                a.shape,
                view.fmt,
                room,
                style,
                muted,
                danger,
                focus=focus,
                labels=first if data and not column else None,
                note=note,
            )
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
        width = self.scrollable_content_region.width
        if not width:
            return  # not laid out yet: on_resize shows it at its width
        step = view.stepper.step
        style = self.get_component_rich_style
        blocks = []
        focus = None  # the block to keep in sight: the one written, else the first one read
        for name in quantities(l, net):
            if step is not None and step.writes == name:
                s = style("matrix--written")
                focus = len(blocks)
            elif step is not None and name in step.reads:
                s = style("matrix--read")
                focus = len(blocks) if focus is None else focus
            else:
                s = style("matrix--plain")
            blocks.append(self._block(name, view, s, width))
        shown, shown_width, (lines, starts), padding = self._shown
        changed = width != shown_width or len(blocks) != len(shown) or any(a is not b for a, b in zip(blocks, shown))
        if changed:
            lines, starts = flow(blocks, width, bands=self._bands)
        # The scroll follows from the step alone (the same step, the same picture).
        height = self.scrollable_content_region.height
        data = sum(name in ("x", "y") for name in quantities(l, net))
        top, self.pinned = scroll_place(starts, [len(b) for b in blocks], focus, data, height)
        # Blank lines below the last block, so that the top can be any band's first line; as
        # many on every step (the panel keeps its size while the numbers fill in).
        needed = 0 if len(lines) <= height else max(0, max(starts) + height - len(lines))
        if changed or needed != padding:
            self.set_lines(lines + [Text()] * needed)
            self._shown = (blocks, width, (lines, starts), needed)
        if top != self.scroll_y:
            self.scroll_to(y=top, animate=False)  # the virtual size is already the new text's
