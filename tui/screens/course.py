"""The course's screens: the list of lessons with the learner's progress, and a lesson's text."""

from __future__ import annotations

import time

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
    learner got. Enter opens one (a done one, asked twice, starts over); r reads a lesson's text;
    s stops the lesson that is on."""

    DEFAULT_CSS = """
    CourseScreen { align: center middle; }
    CourseScreen > Vertical { width: 100%; max-width: 110; height: 100%; max-height: 40; border: round $accent;
                              background: $surface; padding: 0 1; }
    CourseScreen OptionList, CourseScreen OptionList:focus { height: 1fr; border: none; padding: 0; }
    CourseScreen #course-note { height: auto; color: $muted; }
    """
    BINDINGS = [
        Binding("escape,q", "close", "Back"),
        Binding("r", "read", "Read the lesson's text"),
        Binding("s", "stop", "Stop the lesson"),
    ]

    def __init__(self, lessons: list[Lesson], progress: Progress, running: str | None):
        super().__init__()
        self.lessons, self.progress, self.running = lessons, progress, running
        self.asked = None  # the done lesson whose Enter asked "again to start it over"

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "the course · Enter opens a lesson · r reads its text · Esc back"
            yield OptionList(*(Option(self.line(lesson), id=lesson.id) for lesson in self.lessons))
            yield Static(self.note(), id="course-note")

    def line(self, lesson: Lesson) -> Table:
        status = self.progress.record(lesson.id).status(lesson)
        if lesson.id == self.running and not self.progress.record(lesson.id).done:
            status += " · on now"
        about = Text(printable(lesson.title), style="bold")
        about.append(f"\n{printable(lesson.teaches)}\n")
        about.append(f"{printable(lesson.follows)} · {lesson.minutes} min · {status}", style="italic")
        grid = Table.grid(padding=(0, 1, 1, 0))  # a blank line under each lesson
        grid.add_column(width=2, justify="right")
        grid.add_column(ratio=1)
        grid.add_row(Text(str(lesson.number), style="bold"), about)
        return grid

    def note(self, said: str = "") -> str:
        done = sum(self.progress.record(lesson.id).done for lesson in self.lessons)
        on = self.running and not self.progress.record(self.running).done
        stop = " · s stops the lesson that is on" if on else ""
        return said or f"{done} of {len(self.lessons)} lessons done.{stop}"

    def on_mount(self) -> None:
        """The lesson to go on with: the one on now, else the first not done after the last
        one done."""
        ids = [lesson.id for lesson in self.lessons]
        done = [n for n, lesson in enumerate(self.lessons) if self.progress.record(lesson.id).done]
        running = self.running and not self.progress.record(self.running).done
        after = (done[-1] + 1 if done else 0) % len(ids)
        going = (
            ids.index(self.running)
            if running
            else next((n for n in [*range(after, len(ids)), *range(after)] if n not in done), after)
        )
        self.query_one(OptionList).highlighted = going

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        lesson = next(lesson for lesson in self.lessons if lesson.id == event.option.id)
        record = self.progress.record(lesson.id)
        if record.done and self.asked != lesson.id:
            self.asked = lesson.id
            self.query_one("#course-note", Static).update(
                self.note(f"Lesson {lesson.number}: {record.status(lesson)}. Enter again starts it over.")
            )
            return
        self.close(event.option.id)

    def on_option_list_option_highlighted(self) -> None:
        if self.asked is not None:
            self.asked = None
            self.query_one("#course-note", Static).update(self.note())

    def action_read(self) -> None:
        """The highlighted lesson's whole text, its tasks' prompts in their places."""
        index = self.query_one(OptionList).highlighted
        if index is None:
            return
        lesson = self.lessons[index]
        parts = [lesson.intro]
        for n, task in enumerate(lesson.tasks, start=1):
            parts += [task.lead, f"**Task {n}.** {task.prompt}"]
        self.app.push_screen(LessonText(lesson.title, "\n\n".join(p for p in parts if p) + f"\n\n{lesson.outro}"))

    def action_stop(self) -> None:
        if self.running:
            self.close(STOP)


class LessonText(Dialog[None]):
    """A lesson's text before a task (the lesson's start, or what comes between two tasks)."""

    DEFAULT_CSS = """
    LessonText { align: center middle; }
    LessonText > VerticalScroll { width: 100%; max-width: 100; height: auto; max-height: 90%; border: round $accent;
                                  background: $surface; padding: 0 1; }
    LessonText Markdown { margin: 0; }
    """
    BINDINGS = [Binding("escape", "close", "Close"), Binding("enter", "read", "Close")]

    def __init__(self, title: str, text: str):
        super().__init__()
        self.heading, self.text = title, text

    def on_mount(self) -> None:
        self.opened = time.monotonic()

    def action_read(self) -> None:
        # An Enter typed ahead for the task box arrives here once the text has opened: the
        # text stays until it can have been seen (Esc closes it at once).
        if time.monotonic() - self.opened > 0.4:
            self.close()

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = literal(self.heading)
            scroll.border_subtitle = "↑ ↓ scroll · Enter: to the task"
            yield Markdown(self.text, open_links=False)  # the lesson's own Markdown; links stay text
