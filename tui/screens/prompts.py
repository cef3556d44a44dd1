"""Small dialogs: how many iterations to train, which network to open, where to save."""

from __future__ import annotations

import os

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from engine import presets
from tui.screens.dialog import Dialog
from tui.text import literal

MAX_TRAIN = 1_000_000

DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{ width: 64; height: auto; max-height: 90%; border: round $accent; background: $surface;
                    padding: 0 1; }}
{name} Label {{ color: $text-muted; margin-top: 1; width: 1fr; }}
{name} .error {{ color: $bad; }}
"""


class TrainPrompt(Dialog[int | None]):
    """Asks how many iterations to train; dismisses with the number, or None."""

    DEFAULT_CSS = DIALOG_CSS.format(name="TrainPrompt")
    BINDINGS = [Binding("escape", "close", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "train"
            yield Label("Iterations to run on the fast path (Enter to start, Esc to cancel):")
            yield Input(value="100", id="iterations", type="integer")
            yield Label("", id="train-error", classes="error")

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text.isdigit() or not 1 <= int(text) <= MAX_TRAIN:
            self.query_one("#train-error", Label).update(f"expected a whole number from 1 to {MAX_TRAIN:,}")
            return
        self.close(int(text))


class OpenPrompt(Dialog[str | None]):
    """Pick a preset, or type the path of a network file; dismisses with the name or path."""

    DEFAULT_CSS = DIALOG_CSS.format(name="OpenPrompt") + "OpenPrompt OptionList { height: auto; max-height: 10; }"
    BINDINGS = [Binding("escape", "close", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "open"
            yield Label("A preset (Enter opens it):")
            yield OptionList(
                *[
                    Option(literal(f"{name:<15} {presets.resolve(name).description}"), id=name)
                    for name in presets.names()
                ],
                id="presets",
            )
            yield Label("Or type a preset's name, the path of a network file (.toml) or of a CSV with a header:")
            yield Input(placeholder="path/to/network.toml", id="path", select_on_focus=False)

    def on_key(self, event: events.Key) -> None:
        """What is typed on the list goes to the box below, which opens a preset's name too."""
        box = self.query_one("#path", Input)
        if event.is_printable and event.character and self.focused is not box:
            box.focus()
            box.insert_text_at_cursor(event.character)
            event.stop()

    @on(OptionList.OptionSelected)
    def preset_chosen(self, event: OptionList.OptionSelected) -> None:
        self.close(event.option.id)

    @on(Input.Submitted)
    def path_given(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.close(event.value.strip())


class SavePrompt(Dialog[str | None]):
    """Asks where to write a file (the network, or an export); asks again before overwriting."""

    DEFAULT_CSS = DIALOG_CSS.format(name="SavePrompt")
    BINDINGS = [Binding("escape", "close", "Cancel")]

    def __init__(
        self, default: str, title: str = "save", question: str = "Save the network with its current parameters as"
    ):
        super().__init__()
        self.default, self.title_text, self.question = default, title, question
        self.confirmed: str | None = None  # the existing file the user agreed to overwrite

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            yield Label(f"{self.question} (Enter writes, Esc cancels):")
            yield Input(value=self.default, id="save-path")
            yield Label("", id="save-note", classes="error")

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        path = event.value.strip()
        note = self.query_one("#save-note", Label)
        # os.path's checks say False where Path's raise (a name longer than the system allows):
        # the writer then reports it in one line
        if not path:
            note.update("a file name is needed")
        elif os.path.isdir(path):
            note.update(literal(f"{path} is a folder; add a file name"))
        elif os.path.exists(path) and path != self.confirmed:
            self.confirmed = path
            note.update(literal(f"{path} exists: Enter again to overwrite it, Esc to cancel"))
        else:
            self.close(path)
