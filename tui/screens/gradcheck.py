"""The gradient check in the app: every parameter's largest relative error against central
finite differences, at the current parameters (engine.gradcheck, as `backprop-tui check`).
A full check estimated over gradcheck.FULL_CHECK_SECONDS checks a sample of entries instead,
and says so."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Label, ProgressBar
from textual.worker import get_current_worker

from engine import gradcheck
from engine.gradcheck import TOLERANCE, ParamCheck, check
from engine.network import Network
from tui.screens.dialog import Dialog

SAMPLE_ENTRIES = 20  # entries of each parameter checked when a full check would take too long


class _Stopped(Exception):
    pass


class GradCheckScreen(Dialog[None]):
    DEFAULT_CSS = """
    GradCheckScreen { align: center middle; }
    GradCheckScreen > Vertical { width: 96%; max-width: 120; height: auto; max-height: 90%;
                                 border: round $accent; background: $surface; padding: 0 1; }
    GradCheckScreen DataTable { height: auto; max-height: 20; }
    GradCheckScreen Label { color: $text-muted; margin-top: 1; width: 1fr; }
    GradCheckScreen #check-verdict { color: $foreground; text-style: bold; }
    """
    BINDINGS = [Binding("escape,q,g", "close", "Close")]

    def __init__(self, network: Network, params: dict, where: str, rows: tuple):
        """rows: the (X, Y) whose loss is checked."""
        super().__init__()
        self.network, self.params, self.where, self.rows = network, params, where, rows

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "gradient check"
            yield Label(
                f"Each backprop gradient against the central difference (L(p + h) − L(p − h)) / 2h, "
                f"h = 1e-5·max(1, |p|), one entry at a time, at {self.where}. An entry passes below "
                f"{TOLERANCE:g} relative, or below what rounding alone can do to the difference "
                "(backprop-tui check --help says how much)."
            )
            yield Label("", id="check-sample")
            yield ProgressBar(id="check-progress", show_eta=False)
            yield DataTable(id="check-table", cursor_type="row", zebra_stripes=True)
            yield Label("", id="check-verdict")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        # Fixed widths: the columns do not widen when the rows arrive (a steady picture).
        for label, width in (
            ("parameter", 9),
            ("shape", 9),
            ("largest relative error", 22),
            ("at", 10),
            ("backprop", 16),
            ("finite difference", 17),
            ("", 1),
        ):
            table.add_column(label, width=width)
        self.query_one("#check-sample").display = False
        self.run_check()

    # A worker of this screen: closing the screen cancels it, and progress() then stops the check.
    @work(thread=True, exclusive=True, group="gradcheck", exit_on_error=False)
    def run_check(self) -> None:
        worker = get_current_worker()

        def progress(done: int, total: int) -> None:
            if worker.is_cancelled:
                raise _Stopped
            if done % 200 == 0 or done == total:
                self.app.call_from_thread(self.query_one(ProgressBar).update, progress=done)

        full = gradcheck.entry_count(self.network)
        estimate = 2 * full * gradcheck.loss_seconds(self.network, self.params)
        entries = SAMPLE_ENTRIES if estimate > gradcheck.FULL_CHECK_SECONDS else None
        self.app.call_from_thread(self.show_plan, full, estimate, entries)
        try:
            results = check(self.network, self.params, on_progress=progress, rows=self.rows, entries=entries)
        except _Stopped:
            return
        self.app.call_from_thread(self.show_results, results)

    def show_plan(self, full: int, estimate: float, entries: int | None) -> None:
        """The progress bar's length; for a sample, why and which entries."""
        if not self.is_attached:
            return
        self.query_one(ProgressBar).update(total=gradcheck.entry_count(self.network, entries), progress=0)
        if entries is not None:
            note = self.query_one("#check-sample", Label)
            note.update(
                f"A full check of {full:,} entries would take about {gradcheck.duration(estimate)}: "
                f"checking {entries} entries of each parameter, the largest gradient's among them, "
                f"the others drawn with a fixed seed (`backprop-tui check --entries N` for more)."
            )
            note.display = True

    def show_results(self, results: list[ParamCheck]) -> None:
        if not self.is_attached:  # closed while the last entries were checked
            return
        table = self.query_one(DataTable)
        for r in results:
            shape = "×".join(map(str, self.params[r.name].shape))
            table.add_row(
                r.name,
                shape,
                f"{r.worst_error:.2e}",
                str(list(r.worst_index)),
                f"{r.backprop:.8g}",
                f"{r.numeric:.8g}",
                "✓" if r.ok else "✗",
            )
        self.query_one(ProgressBar).display = False
        bad = [r.name for r in results if not r.ok]
        self.query_one("#check-verdict", Label).update(
            f"✓ every gradient agrees (all errors below {TOLERANCE:g})"
            if not bad
            else f"✗ {', '.join(bad)} above {TOLERANCE:g}: backprop and finite differences disagree "
            "(near a ReLU kink or with h too coarse this can happen honestly)"
        )
