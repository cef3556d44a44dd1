"""The network diagram: nodes by layer with their current values, Braille edges by the weight's
sign (solid and blue when positive, dashed and vermillion when negative: the sign never rests on
colour alone) and size (faint when small, bold when large), and what the current step reads
or writes lit up."""

from __future__ import annotations

from functools import lru_cache
from itertools import zip_longest

import numpy as np
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.color import Color
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip

from engine import notation
from engine.quantities import Kind, Quantity
from engine.stepper import Stepper
from tui.colours import faint
from tui.textual_compat import RedrawnOnRepaint, set_border_subtitle
from tui.widgets.present import View, lit_parts

# Braille dot bits by (x % 2, y % 4) inside one character cell.
_DOTS = {(0, 0): 0x01, (0, 1): 0x02, (0, 2): 0x04, (1, 0): 0x08, (1, 1): 0x10, (1, 2): 0x20, (0, 3): 0x40, (1, 3): 0x80}


DASH = 4  # a dashed line: this many dots drawn, then as many left out


@lru_cache(maxsize=4096)
def line_cells(x0: int, y0: int, x1: int, y1: int, dashed: bool = False) -> tuple[tuple[int, int, int], ...]:
    """The cells a line between two dot positions passes through (Bresenham), each as
    (column, row, its Braille dot bits). Cached: a diagram's edges keep their places while
    their colours change with every step."""
    cells: dict[tuple[int, int], int] = {}
    dx, dy = abs(x1 - x0), -abs(y1 - y0)
    sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
    err = dx + dy
    dot = 0
    while True:
        if x0 >= 0 and y0 >= 0 and not (dashed and dot // DASH % 2):
            cell = (x0 // 2, y0 // 4)
            cells[cell] = cells.get(cell, 0) | _DOTS[(x0 % 2, y0 % 4)]
        dot += 1
        if x0 == x1 and y0 == y1:
            return tuple((cx, cy, bits) for (cx, cy), bits in cells.items())
        e2 = 2 * err
        if e2 >= dy:
            err += dy
            x0 += sx
        if e2 <= dx:
            err += dx
            y0 += sy


class BrailleCanvas:
    """A character grid where lines are drawn in Braille dots (2 × 4 per cell); each cell
    keeps the style of the most important line through it."""

    def __init__(self, width: int, height: int):
        self.width, self.height = width, height
        self.bits = [[0] * width for _ in range(height)]
        self.styles: list[list[tuple[float, Style] | None]] = [[None] * width for _ in range(height)]
        self.text: dict[tuple[int, int], tuple[str, Style]] = {}

    def line(self, x0: int, y0: int, x1: int, y1: int, style: Style, priority: float, dashed: bool = False) -> None:
        """A line between two dot positions, solid or dashed."""
        width, height, bits, styles = self.width, self.height, self.bits, self.styles
        for cx, cy, dots in line_cells(x0, y0, x1, y1, dashed):
            if cx < width and cy < height:
                bits[cy][cx] |= dots
                current = styles[cy][cx]
                if current is None or priority >= current[0]:
                    styles[cy][cx] = (priority, style)

    def write(self, x: int, y: int, text: str, style: Style) -> None:
        for i, ch in enumerate(text):
            if 0 <= x + i < self.width and 0 <= y < self.height:
                self.text[(x + i, y)] = (ch, style)

    def rows(self) -> list[list[Segment]]:
        """Each row as segments, one per run of characters sharing a style (blank cells have
        none). Only the cells drawn on are visited: most of a row is blank."""
        texts: dict[int, dict[int, tuple[str, Style]]] = {}
        for (x, y), written in self.text.items():
            texts.setdefault(y, {})[x] = written
        rows = []
        for y in range(self.height):
            bits, styles, written_at = self.bits[y], self.styles[y], texts.get(y, {})
            row: list[Segment] = []
            run: list[str] = []
            run_style: Style | None = None
            at = 0  # the first cell not yet in a run
            for x in sorted({x for x, dots in enumerate(bits) if dots}.union(written_at)):
                if x > at:  # blank cells before this one
                    if run_style is not None and run:
                        row.append(Segment("".join(run), run_style))
                        run = []
                    run_style = None
                    run.append(" " * (x - at))
                written = written_at.get(x)
                ch, style = written if written is not None else (chr(0x2800 + bits[x]), styles[x][1])
                if style != run_style and run:
                    row.append(Segment("".join(run), run_style))
                    run = []
                run_style = style
                run.append(ch)
                at = x + 1
            if at < self.width:
                if run_style is not None and run:
                    row.append(Segment("".join(run), run_style))
                    run = []
                run_style = None
                run.append(" " * (self.width - at))
            if run:
                row.append(Segment("".join(run), run_style))
            rows.append(row)
        return rows

    def render(self) -> Text:
        out = Text()
        for y, row in enumerate(self.rows()):
            for segment in row:
                out.append(segment.text, segment.style)
            if y < self.height - 1:
                out.append("\n")
        return out


class NetworkDiagram(RedrawnOnRepaint):
    DEFAULT_CSS = """
    NetworkDiagram { height: 1fr; border-subtitle-color: $text-primary; }  /* its legend, readable anywhere */
    NetworkDiagram > .diagram--positive { color: $edge-positive; }
    NetworkDiagram > .diagram--negative { color: $edge-negative; }
    NetworkDiagram > .diagram--written { color: $step-writes; text-style: bold reverse; }
    NetworkDiagram > .diagram--read { color: $step-reads; text-style: bold underline; }
    NetworkDiagram > .diagram--node { color: $foreground; }
    NetworkDiagram > .diagram--title { color: $text-muted; text-style: bold; }
    """
    COMPONENT_CLASSES = {
        "diagram--positive",
        "diagram--negative",
        "diagram--written",
        "diagram--read",
        "diagram--node",
        "diagram--title",
    }

    class Picked(Message):
        """A click on an edge (a weight) or a unit (its bias)."""

        def __init__(self, diagram: NetworkDiagram, name: str, index: tuple[int, ...]):
            super().__init__()
            self.diagram, self.name, self.index = diagram, name, index

        @property
        def control(self) -> NetworkDiagram:
            return self.diagram

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.view: View | None = None
        # A chain to light instead of the current step: edges (layer, unit, input) and units (layer, unit).
        self.path: tuple[set[tuple[int, int, int]], set[tuple[int, int]]] | None = None
        self._edges: list[tuple[int, int, int, int, int, int, int]] = []  # layer, unit, input, x0, y0, x1, y1 (dots)
        self._units: list[tuple[int, int, int, int, int]] = []  # layer, unit, x, y, width (cells)
        self.drawing: list[Strip] | None = None  # until the view, the theme or the size changes
        self._rows: list[list[Segment]] = []  # what the drawing's strips were made of
        self._drawn_size = None

    def show(self, view: View) -> None:
        self.view = view
        self._set_legend()
        old = self.drawing
        if old is None or self._drawn_size != self.size:
            self.refresh()
            return
        # drawn now, and only the rows that changed repainted: a step lights a few edges and units
        self.drawing = self._strips()
        width = self.size.width
        for y, (before, after) in enumerate(zip_longest(old, self.drawing)):
            if before != after:
                self.refresh(Region(0, y, width, 1))

    def on_resize(self) -> None:
        self._set_legend()

    def _set_legend(self) -> None:
        """The longest legend that fits the bottom border whole (never cut mid-word)."""
        if self.view is None:
            return
        frozen = ", ".join(self.view.symbol(name) for name in self.view.stepper.network.frozen)
        room = self.outer_size.width - 6  # the corners, and a line and a space on each side
        tails = ((f" · frozen: {frozen}",) if frozen else ()) + ("",)
        if self.view.v_names:  # the loss node's edges
            tails = tuple(f" · into L: w = 1{tail}" for tail in tails) + tails
        forms = [legend + tail for legend in LEGENDS for tail in tails]
        subtitle = next((form for form in forms if len(form) <= room), "")
        set_border_subtitle(self, subtitle)

    def render_line(self, y: int) -> Strip:
        # Drawn with the Line API: a rich Text of one styled character per cell costs Textual
        # several times the drawing itself to turn into lines.
        width = self.size.width
        if self.drawing is None or self._drawn_size != self.size:
            self.drawing = self._strips()
        if y >= len(self.drawing):
            return Strip.blank(width, self.rich_style)
        strip = self.drawing[y]
        return strip if strip.cell_length == width else strip.crop_extend(0, width, self.rich_style)

    def _strips(self) -> list[Strip]:
        # a row drawn as before keeps its strip (a step lights a few edges and units), unless
        # the whole is drawn again (a new size, a new theme: drawing is None)
        kept = self.drawing is not None and self._drawn_size == self.size
        before = list(zip(self._rows, self.drawing)) if kept else []
        self._drawn_size = self.size
        base = self.rich_style
        self._rows = self._draw()
        return [
            before[y][1] if y < len(before) and before[y][0] == row else Strip(row, self.size.width).apply_style(base)
            for y, row in enumerate(self._rows)
        ]

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        x, y = offset
        for layer, unit, ux, uy, w in self._units:
            if uy == y and ux <= x < ux + w and layer > 0:
                self.post_message(self.Picked(self, Quantity(Kind.B, layer).id, (unit,)))
                return
        px, py = 2 * x + 1, 4 * y + 2
        best, picked = 7.0, None  # within about 3 cells of an edge
        for layer, unit, source, x0, y0, x1, y1 in self._edges:
            distance = _distance(px, py, x0, y0, x1, y1)
            if distance < best:
                best, picked = distance, (layer, unit, source)
        if picked is not None:
            layer, unit, source = picked
            self.post_message(self.Picked(self, Quantity(Kind.W, layer).id, (unit, source)))

    def _draw(self) -> list[list[Segment]]:
        view = self.view
        if view is None or self.size.width < 10 or self.size.height < 3:
            return []
        style = self.get_component_rich_style
        stepper: Stepper = view.stepper
        net = stepper.network
        width, height = self.size.width, self.size.height
        canvas = BrailleCanvas(width, height)
        written, read = lit_parts(stepper.step) if self.path is None else (set(), set())
        edges_lit, units_lit = self.path or (set(), set())
        self._edges, self._units = [], []
        fmt = view.fmt
        columns = net.depth + 1
        # The dynamic-programming view draws the loss as a node of its own, each output joined
        # to it by an edge of weight 1 (its "we1, we2 = 1"), with a v per output at that node.
        loss_node = view.v_names and self.path is None
        nodes = [view.node_values(l) for l in range(columns)]
        rows_available = height - 1
        shown: list[list[int | None]] = []
        ys: list[list[int]] = []
        for size in net.sizes:
            keep = max(1, min(size, rows_available, 9))
            if size > keep:  # elide the middle units: first ones, ⋮, last ones
                head = max(1, (keep - 1) // 2)
                idx = list(range(head)) + [None] + list(range(size - (keep - 1 - head), size))
            else:
                idx = list(range(size))
            shown.append(idx)
            ys.append([1 + round((j + 0.5) * rows_available / len(idx) - 0.5) for j in range(len(idx))])
        # Each column's labels get the room of the widest ("●-0.5000" at least), a blank cell
        # that keeps the numbers off the lines, and a cell for the edges to start in, as far as
        # the width allows; a value with no room is ⋯, never cut.
        labels = [
            ["" if unit is None or values is None else fmt(values[unit]) for unit in idx]
            for (_, values), idx in zip(nodes, shown)
        ]
        widest = max([len(fmt(-0.5))] + [len(t) for column in labels for t in column])
        label_width = max(min(widest + 3, width // (columns + loss_node)), 2)
        drawn = columns + loss_node
        # values need their room, and the edges theirs: squeezed into a cell or two, every edge
        # between two layers would be one column of dots, solid and dashed alike
        edge_room = (width - label_width) / max(drawn - 1, 1) - label_width
        values_fit = label_width > len(fmt(-0.5)) + 2 and edge_room >= 3
        if not values_fit:  # no value has room: the units alone, and the room to the edges
            label_width = min(label_width, 3)
        span = max(width - label_width, 1)
        xs = [round(i * span / max(drawn - 1, 1)) for i in range(drawn)]
        # Edges: the sign by colour and by the line (dashed when negative), the size by how
        # strong the colour is; the strongest line wins a shared cell. What a step writes is in
        # its colour, what it reads in the text's, both bold, the line still solid or dashed.
        background = self.background_colors[1]
        signs = {}
        for negative, kind in ((False, "diagram--positive"), (True, "diagram--negative")):
            plain = style(kind)
            signs[negative] = (
                Style(color=faint(Color.from_rich_color(plain.color), background).rich_color),
                plain,
                plain + Style(bold=True),
            )
        writes = Style(color=style("diagram--written").color, bold=True)
        reads = style("diagram--node") + Style(bold=True)
        for l in range(1, columns):
            edges = Quantity(Kind.W, l).id
            W = stepper.value(edges)
            scale = float(np.max(np.abs(W))) or 1.0
            lit = writes if edges in written else reads if edges in read else None
            for j_out, unit in enumerate(shown[l]):
                for j_in, source in enumerate(shown[l - 1]):
                    if unit is None or source is None:
                        continue
                    w = float(W[unit, source])
                    if (l, unit, source) in edges_lit:
                        edge_style, priority = writes, 10.0
                    elif lit is not None:
                        edge_style, priority = lit, 10.0
                    else:
                        priority = abs(w) / scale
                        edge_style = signs[w < 0][0 if priority < 0.35 else 2 if priority > 0.75 else 1]
                    x0 = 2 * (xs[l - 1] + label_width - 1)
                    x1 = 2 * xs[l] - 1
                    y0, y1 = 4 * ys[l - 1][j_in] + 2, 4 * ys[l][j_out] + 2
                    canvas.line(x0, y0, x1, y1, edge_style, priority, dashed=w < 0)
                    self._edges.append((l, unit, source, x0, y0, x1, y1))
        # nodes and their values
        for l in range(columns):
            name, values = nodes[l]
            title = name or ("x" if l == 0 else f"layer {l}")
            canvas.write(
                xs[l], 0, title if len(title) < label_width else title[: label_width - 2] + "…", style("diagram--title")
            )
            part = Quantity.on_units(l).id
            node_style = style(
                "diagram--written" if part in written else "diagram--read" if part in read else "diagram--node"
            )
            for j, unit in enumerate(shown[l]):
                if unit is None:
                    canvas.write(xs[l], ys[l][j], "  ⋮", style("diagram--title"))
                    continue
                text = "●" + (labels[l][j] if values is not None else " ·")
                if len(text) > label_width - 2:  # no room for this value: ⋯, or none at all for any
                    text = "●⋯" if values_fit else "●"
                lit_unit = style("diagram--written") if (l, unit) in units_lit else node_style
                canvas.write(xs[l], ys[l][j], text, lit_unit)
                self._units.append((l, unit, xs[l], ys[l][j], len(text)))
        if loss_node:
            self._draw_loss(canvas, xs[-1], xs[columns - 1] + label_width - 1, ys[-1], shown[-1], values_fit)
        return canvas.rows()

    def _draw_loss(self, canvas, x, x_outputs, ys_outputs, outputs, values_fit) -> None:
        """The loss node L, its weight-1 edges from the outputs, and the v at it per output (∂L/∂ŷₖ)."""
        view, style = self.view, self.get_component_rich_style
        s = view.stepper
        loss_id, gradient_id = Quantity(Kind.LOSS).id, Quantity(Kind.DL_DA, s.network.depth).id
        loss, v = s.value(loss_id), s.value(gradient_id)
        node = "●" + (view.fmt(float(loss)) if loss is not None and values_fit else "")
        lines = []
        if v is not None and values_fit:
            row = view.sample_of(v).reshape(-1)  # the v at L from each output k: vLₖ
            lines = [f"vL{notation.sub(unit + 1)} {view.fmt(float(row[unit]))}" for unit in outputs if unit is not None]
        # the last column: its text may take the room to the edge, and moves left for it
        x = max(min(x, canvas.width - max(len(text) for text in [node, *lines])), x_outputs + 2)
        y = ys_outputs[len(ys_outputs) // 2] if len(ys_outputs) % 2 else (ys_outputs[0] + ys_outputs[-1]) // 2
        step = s.step
        lit = step is not None and step.writes in (loss_id, gradient_id)
        edge = Style(color=style("diagram--written").color, bold=True) if lit else style("diagram--node")
        for j, unit in enumerate(outputs):
            if unit is not None:
                canvas.line(2 * x_outputs, 4 * ys_outputs[j] + 2, 2 * x - 1, 4 * y + 2, edge, 10.0 if lit else 0.5)
        canvas.write(x, 0, "L", style("diagram--title"))
        canvas.write(x, y, node, style("diagram--written" if lit else "diagram--node"))
        for j, line in enumerate(lines):
            if y + 1 + j < canvas.height:
                canvas.write(x, y + 1 + j, line, style("diagram--title"))


# the sign without colour, longest first; frozen parameters are said in the layer panels too
LEGENDS = ("edges: w ≥ 0 solid · w < 0 dashed", "w ≥ 0 solid · w < 0 dashed", "w≥0 solid, w<0 dashed", "w<0 dashed")


def _distance(px: float, py: float, x0: float, y0: float, x1: float, y1: float) -> float:
    """From a point to a segment, in Braille dots."""
    dx, dy = x1 - x0, y1 - y0
    t = 0.0 if dx == dy == 0 else max(0.0, min(1.0, ((px - x0) * dx + (py - y0) * dy) / (dx * dx + dy * dy)))
    return float(np.hypot(px - (x0 + t * dx), py - (y0 + t * dy)))
