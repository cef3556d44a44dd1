"""The course's screens: the list of lessons with the learner's progress, and a lesson's text."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Markdown, OptionList, Static
from textual.widgets.option_list import Option

from engine.course import Lesson
from tui.course import Progress
from tui.screens.dialog import Dialog
from tui.text import literal, printable

STOP = "stop"  # CourseScreen's result when the learner stops the lesson that is on


class CourseScreen(Dialog[str | None]):
    """Every lesson: what it teaches, the document it follows, how long it takes and how far the
    learner got. Enter opens one (a done one starts again); s stops the lesson that is on."""

    DEFAULT_CSS = """
    CourseScreen { align: center middle; }
    CourseScreen > Vertical { width: 100%; max-width: 110; height: 100%; max-height: 40; border: round $accent;
                              background: $surface; padding: 0 1; }
    CourseScreen OptionList, CourseScreen OptionList:focus { height: 1fr; border: none; padding: 0; }
    CourseScreen #course-note { height: auto; color: $muted; }
    """
    BINDINGS = [
        Binding("escape,q", "close", "Back"),
        Binding("s", "stop", "Stop the lesson"),
    ]

    def __init__(self, lessons: list[Lesson], progress: Progress, running: str | None):
        super().__init__()
        self.lessons, self.progress, self.running = lessons, progress, running

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "the course · Enter opens a lesson · Esc back"
            yield OptionList(*(Option(self.line(lesson), id=lesson.id) for lesson in self.lessons))
            yield Static(self.note(), id="course-note")

    def line(self, lesson: Lesson) -> Table:
        status = self.progress.record(lesson.id).status(lesson)
        if lesson.id == self.running:
            status += " · on now"
        about = Text(printable(lesson.title), style="bold")
        about.append(f"\n{printable(lesson.teaches)}\n")
        about.append(f"{printable(lesson.follows)} · {lesson.minutes} min · {status}", style="italic")
        grid = Table.grid(padding=(0, 1, 1, 0))  # a blank line under each lesson
        grid.add_column(width=2, justify="right")
        grid.add_column(ratio=1)
        grid.add_row(Text(str(lesson.number), style="bold"), about)
        return grid

    def note(self) -> str:
        done = sum(self.progress.record(lesson.id).done for lesson in self.lessons)
        stop = " · s stops the lesson that is on" if self.running else ""
        return f"{done} of {len(self.lessons)} lessons done. A done lesson opened again starts over.{stop}"

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        ids = [lesson.id for lesson in self.lessons]
        going = self.running or next(
            (lesson.id for lesson in self.lessons if not self.progress.record(lesson.id).done), ids[0]
        )
        options.highlighted = ids.index(going)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.close(event.option.id)

    def action_stop(self) -> None:
        if self.running:
            self.close(STOP)


class LessonText(Dialog[None]):
    """A lesson's text before a task (the lesson's start, or what comes between two tasks)."""

    DEFAULT_CSS = """
    LessonText { align: center middle; }
    LessonText > VerticalScroll { width: 100%; max-width: 100; height: 100%; max-height: 40; border: round $accent;
                                  background: $surface; padding: 0 1; }
    """
    BINDINGS = [Binding("escape,enter", "close", "To the task")]

    def __init__(self, title: str, text: str):
        super().__init__()
        self.heading, self.text = title, text

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = literal(self.heading)
            scroll.border_subtitle = "Enter: to the task · ↑ ↓ scroll"
            yield Markdown(self.text, open_links=False)  # the lesson's own Markdown; links stay text
