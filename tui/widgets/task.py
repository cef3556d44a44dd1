"""The lesson's task, under the network while a lesson is on: what to do, the options of a
choice, the box an answer is typed in, and what the last answer or hint said."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from tui.text import literal, printable

if TYPE_CHECKING:  # the course loads when it opens
    from tui.course import Shown


class TaskPanel(Vertical):
    DEFAULT_CSS = """
    TaskPanel { display: none; overflow-y: auto; border: round $accent; border-title-color: $text-accent;
                border-subtitle-color: $text-accent; padding: 0 1; }
    TaskPanel #task-prompt { text-style: bold; }
    TaskPanel #task-answer { margin: 0; }
    TaskPanel #task-said { color: $muted; }
    TaskPanel #task-said.-right { color: $good; }
    TaskPanel #task-said.-wrong { color: $bad; }
    """
    BINDINGS = [
        Binding("escape", "leave", "Leave the box", show=False),
        Binding("up", "scroll_up", "Scroll up", show=False),  # the box has no use for ↑ ↓
        Binding("down", "scroll_down", "Scroll down", show=False),
    ]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._prompt = self._said = ""  # what is on show: a new task opens at its top, a new reply in sight

    def compose(self) -> ComposeResult:
        yield Static(id="task-prompt")
        yield Input(id="task-answer", compact=True, select_on_focus=False)
        yield Static(id="task-said")

    def show(self, shown: Shown | None) -> None:
        """The task (None: no lesson, the panel hides)."""
        if shown is None:  # the app gives the panel no rows then
            return
        self.border_title = literal(shown.title)
        self.border_subtitle = shown.keys
        prompt = Text(printable(shown.prompt))
        for n, option in enumerate(shown.options, start=1):
            prompt.append(f"\n  {n}  {printable(option)}", style="not bold")
        self.query_one("#task-prompt", Static).update(prompt)
        answer = self.query_one("#task-answer", Input)
        answer.display = shown.typed
        answer.placeholder = "the number of your choice" if shown.options else "your answer"
        said = self.query_one("#task-said", Static)
        said.update(Text(printable(shown.said)))
        said.display = bool(shown.said)
        said.set_class(shown.right is True, "-right")
        said.set_class(shown.right is False, "-wrong")
        # Taller than the panel (a choice's options at 80 × 24): a new task opens at its question,
        # an answer or a hint scrolls to what it said (↑ ↓ scroll).
        if shown.prompt != self._prompt:
            self.call_after_refresh(self.scroll_home, animate=False)
        elif shown.said and shown.said != self._said:
            self.call_after_refresh(self.scroll_to_widget, said, animate=False)
        self._prompt, self._said = shown.prompt, shown.said

    def action_leave(self) -> None:
        self.screen.set_focus(None)
