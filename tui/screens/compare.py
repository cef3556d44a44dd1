"""Two optimizers side by side: the same network from the same start (iteration 1's parameters,
each optimizer from t = 0; the same learning rate, l2 and mini-batches), trained on the fast path
under its own optimizer and under another; their losses per iteration in one plot and one table,
and the loss on every sample after the last."""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Label, ProgressBar
from textual.worker import get_current_worker

from engine.network import Network
from engine.notation import Format, shortest
from engine.optimizers import OPTIMIZERS, Settings
from engine.training import evaluate, train
from tui.screens.dialog import Dialog
from tui.text import literal
from tui.widgets.plot import LossPlot

# The optimizers to compare with, each with PyTorch's defaults but momentum (PyTorch's is 0: none).
CHOICES = (
    OPTIMIZERS["sgd"].settings(),
    OPTIMIZERS["sgd"].settings(momentum=0.9),
    OPTIMIZERS["sgd"].settings(momentum=0.9, nesterov=True),
    OPTIMIZERS["adam"].settings(),
    OPTIMIZERS["adamw"].settings(),
    OPTIMIZERS["rmsprop"].settings(),
)
LENGTHS = (10, 100, 1000, 10000)  # iterations each run, + and − move through them


def short(settings: Settings) -> str:
    """A name that fits a table column."""
    if settings.name == "sgd":
        return "Nesterov" if settings.nesterov else "momentum" if settings.momentum else "grad. descent"
    return settings.optimizer.title


def others(current: Settings) -> list[Settings]:
    """The optimizers to compare `current` with: every choice but itself."""
    return [choice for choice in CHOICES if choice != current]


class CompareScreen(Dialog[None]):
    COMPONENT_CLASSES = {"compare--lower"}
    DEFAULT_CSS = """
    CompareScreen { align: center middle; }
    CompareScreen > Vertical { width: 96%; height: 94%; border: round $accent; background: $surface;
                               padding: 0 1; }
    CompareScreen Label { color: $text-muted; width: 1fr; }
    CompareScreen #compare-legend { color: $foreground; }
    CompareScreen #compare-verdict { color: $foreground; text-style: bold; }
    CompareScreen Horizontal { height: 1fr; }
    CompareScreen LossPlot { width: 1fr; height: 1fr; margin-right: 2; }
    CompareScreen DataTable { width: 40; height: 1fr; }
    CompareScreen > .compare--lower { text-style: bold; }
    CompareScreen ProgressBar { height: 1; }
    """
    BINDINGS = [
        Binding("escape,q", "close", "Close"),
        Binding("right", "other(1)", "Another optimizer"),
        Binding("left", "other(-1)", "Another optimizer", show=False),
        Binding("plus,equals_sign", "length(1)", "More iterations"),
        Binding("minus", "length(-1)", "Fewer iterations"),
        Binding("y", "log_scale", "Log scale"),
    ]

    def __init__(self, network: Network, fmt: Format, iterations: int = 100):
        super().__init__()
        self.network, self.fmt = network, fmt
        self.choices = others(network.optimizer)
        self.choice = self.choices.index(CHOICES[3]) if CHOICES[3] in self.choices else 0  # Adam, else gradient descent
        self.iterations = iterations

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "compare optimizers"
            yield Label(id="compare-what")
            yield Label(id="compare-legend")
            yield ProgressBar(id="compare-progress", show_eta=False)
            with Horizontal():
                yield LossPlot(id="compare-plot")
                yield DataTable(id="compare-table", cursor_type="row", zebra_stripes=True)
            yield Label(id="compare-verdict")
            yield Label(
                "← → another optimizer · + − iterations (10 to 10,000) · y: log scale · ↑ ↓ the table (in bold "
                "the lower loss, unrounded) · Esc closes"
            )

    def on_mount(self) -> None:
        self.start()

    @property
    def other(self) -> Settings:
        return self.choices[self.choice]

    def start(self) -> None:
        """Run both for self.iterations and show them (a run under way is dropped)."""
        mine, other, net = self.network.optimizer.title, self.other.title, self.network
        self.query_one("#compare-what", Label).update(  # the name is the file's: never markup
            literal(
                f"{net.name}: the same start (iteration 1's parameters, each optimizer from t = 0) and the same "
                f"η = {shortest(net.learning_rate)}, chosen for this network's optimizer (another may want another)"
                + (f", l2 = {shortest(net.l2)}" if net.l2 else "")
                + (f", mini-batches of {net.batch_size} rows (each loss on its own)" if net.batch_size else "")
                + f"; {self.iterations:,} iterations under each, on the fast path (t's numbers)."
            )
        )
        plot = self.query_one(LossPlot)
        legend = Text()
        legend.append("━━ ", plot.get_component_rich_style("plot--line"))
        legend.append(f"{mine} (this network)   ")
        legend.append("╌╌ ", plot.get_component_rich_style("plot--other"))
        legend.append(other)
        self.query_one("#compare-legend", Label).update(legend)
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_column("iter.", width=6)
        table.add_column(short(self.network.optimizer), width=13)
        table.add_column(short(self.other), width=13)
        self.query_one("#compare-verdict", Label).update("")
        bar = self.query_one(ProgressBar)
        bar.update(total=2 * self.iterations, progress=0)
        bar.display = True
        plot.show([], [])
        self.run_both(self.iterations, self.other)

    # A worker of this screen: closing it, or starting another run, cancels this one.
    @work(thread=True, exclusive=True, group="compare", exit_on_error=False)
    def run_both(self, iterations: int, other: Settings) -> None:
        worker = get_current_worker()
        done = 0

        def progress(count, loss, params, state) -> bool:
            nonlocal done
            done += 1
            if done % 50 == 0:
                self.app.call_from_thread(self.query_one(ProgressBar).update, progress=done)
            return not worker.is_cancelled

        runs = []
        for settings in (self.network.optimizer, other):
            network = replace(self.network, optimizer=settings, optimizer_state=None)
            result = train(network, iterations, on_iteration=progress)
            done = iterations
            after = None if result.diverged else evaluate(network, result.params)  # on every sample
            runs.append((result.losses, after))
        if not worker.is_cancelled:
            self.app.call_from_thread(self.show_runs, *runs, other)

    def show_runs(self, first: tuple, second: tuple, other: Settings) -> None:
        """Each run: (its losses per iteration, the loss on every sample after it, or None)."""
        (mine, mine_after), (theirs, theirs_after) = first, second
        if not self.is_attached or other != self.other:
            return
        self.query_one(ProgressBar).display = False
        self.query_one(LossPlot).show(mine, theirs)
        fmt, table = self.fmt, self.query_one(DataTable)
        bold = self.get_component_rich_style("compare--lower", partial=True)  # the row keeps its colours
        rows = []
        for i in range(max(len(mine), len(theirs))):
            a = mine[i] if i < len(mine) else None
            b = theirs[i] if i < len(theirs) else None
            cells = [Text(("diverged" if v is None else fmt(v).strip()).rjust(13)) for v in (a, b)]
            if a is not None and b is not None and a != b:  # the lower loss in bold
                cells[a > b].stylize(bold)
            rows.append((f"{i + 1:,}", *cells))
        table.add_rows(rows)
        self.query_one("#compare-verdict", Label).update(
            self.verdict((mine, mine_after), (theirs, theirs_after), other)
        )

    def verdict(self, first: tuple, second: tuple, other: Settings) -> str:
        """One line: the loss on every sample after each run (or where it diverged), and which is lower."""
        names, ends = (self.network.optimizer.title, other.title), (first[1], second[1])

        def ended(name, run):
            losses, after = run
            return f"{name} diverged after {len(losses):,} iterations" if after is None else f"{name} {self.fmt(after)}"

        m = self.network.samples
        line = f"Loss on all {m:,} samples after {self.iterations:,} iterations: " + " · ".join(
            ended(n, r) for n, r in zip(names, (first, second))
        )
        if None not in ends and ends[0] != ends[1]:
            line += f" · lower: {names[0] if ends[0] < ends[1] else names[1]}"
        return line

    def action_other(self, change: int) -> None:
        self.choice = (self.choice + change) % len(self.choices)
        self.start()

    def action_length(self, change: int) -> None:
        at = LENGTHS.index(self.iterations) if self.iterations in LENGTHS else 1
        length = LENGTHS[max(0, min(len(LENGTHS) - 1, at + change))]
        if length != self.iterations:
            self.iterations = length
            self.start()

    def action_log_scale(self) -> None:
        plot = self.query_one(LossPlot)
        plot.log_scale = not plot.log_scale
        plot.refresh()
