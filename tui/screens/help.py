"""The help screen: what each panel means (tui/help.md) and every key (tui/keys.py)."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Markdown

from tui.keys import key_table
from tui.screens.dialog import Dialog

HELP_TEXT = (Path(__file__).parent.parent / "help.md").read_text(encoding="utf-8") + "\n## Keys\n\n" + key_table()


class HelpScreen(Dialog[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; max-width: 100; height: 90%; border: round $accent;
                                  background: $surface; padding: 0 1; }
    """
    BINDINGS = [Binding("escape,q,question_mark,f1", "close", "Close help")]

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "help · Esc closes"
            yield Markdown(HELP_TEXT)
