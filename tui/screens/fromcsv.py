"""A network from a CSV, in the app (`o` with a .csv path): the CSV's columns, which are targets
and which inputs (as `backprop-tui new` asks), the network proposed for them, checked as they
are typed; Enter hands the proposal to the editor, to change before it is applied."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label

from engine.files import printable, shown
from engine.network import Network
from engine.notation import counted
from engine.proposal import CsvError, Proposal, Table, propose
from tui.screens.dialog import Dialog
from tui.widgets.textview import TextView


class CsvScreen(Dialog[Network | None]):
    DEFAULT_CSS = """
    CsvScreen { align: center middle; }
    CsvScreen > Vertical { width: 96; max-width: 100%; height: 90%; border: round $accent; background: $surface;
                           padding: 0 1; }
    CsvScreen TextView { height: 1fr; min-height: 3; }
    CsvScreen Label { width: 1fr; }
    CsvScreen Input, CsvScreen Input:focus { border: none; height: 1; padding: 0 1; margin-bottom: 1; }
    CsvScreen #csv-proposal.-bad { color: $bad; }
    CsvScreen #csv-help { color: $text-muted; }
    """
    BINDINGS = [Binding("escape", "close", "Cancel")]

    def __init__(self, table: Table):
        super().__init__()
        self.table = table
        self.proposal: Proposal | None = None

    def compose(self) -> ComposeResult:
        table = self.table
        with Vertical() as box:
            box.border_title = f"a network from {shown(table.source)}"
            yield TextView(id="csv-columns")
            yield Label("Targets (names, or numbers from 1, 2-5 a range, comma-separated):", markup=False)
            yield Input(table.columns[-1].name or str(table.columns[-1].number), id="targets")
            yield Label("Inputs (empty: the other columns of numbers):", markup=False)
            yield Input(id="inputs")
            yield Label(id="csv-proposal", markup=False)
            yield Label("Enter: into the editor, to change it and apply · Esc cancels", id="csv-help")

    def on_mount(self) -> None:
        lines = [Text(f"{counted(self.table.rows, 'row')}; its columns:")]
        names = [printable(column.name, 40) for column in self.table.columns]
        width = max(map(len, names))
        for column, name in zip(self.table.columns, names):
            lines.append(Text(f"{column.number:>4}  {name:<{width}}  {self.table.describe(column)}"))
        self.query_one(TextView).set_lines(lines)
        self.check()

    @on(Input.Changed)
    def check(self) -> None:
        """The network proposed for the columns typed, or why there is none."""
        shown = self.query_one("#csv-proposal", Label)
        try:
            targets = self.table.chosen(self.query_one("#targets", Input).value)
            typed = self.query_one("#inputs", Input).value
            inputs = self.table.chosen(typed) if typed.strip() else self.table.numbers_besides(targets)
            self.proposal = propose(self.table, inputs, targets)
        except CsvError as err:
            self.proposal = None
            shown.update(f"✗ {err.message}")
            shown.add_class("-bad")
            return
        shown.remove_class("-bad")
        shown.update("\n".join(self.proposal.summary()))

    @on(Input.Submitted)
    def submitted(self) -> None:
        if self.proposal is None:
            self.app.bell()
            return
        self.close(self.proposal.network)
