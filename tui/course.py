"""The course as the learner goes through it: progress kept on disk, and the lesson being done.

Progress lives in the session folder's course.json (see tui/session.py's folder()), written
through a temporary file and a rename after every answer, hint and task, so a killed terminal
loses nothing. Each lesson's record is merged into what is on disk when saved, so two windows
doing two lessons keep both. A damaged course.json is said in one line and the course starts
over (the next save replaces it). No Textual here."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from engine.answer import Judge
from engine.course import Lesson, Reply, Task, check, elsewhere, goal, hints, past, where
from engine.files import printable, read_regular, write_atomic
from engine.network import Network
from engine.stepper import Stepper
from tui.session import folder

FORMAT = "backprop-tui course"
VERSION = 1
MAX_BYTES = 2**20
ANSWERS_KEPT = 100  # a lesson's last answers, for the learner to look back on


@dataclass
class Record:
    """One lesson's progress."""

    task: int = 0  # the task reached (the number of tasks when done)
    done: bool = False
    first_try: list[int] = field(default_factory=list)  # answered tasks right at the first try, no hint taken
    wrong: int = 0  # wrong answers to the current task
    hints: int = 0  # hints taken on the current task
    hints_taken: int = 0  # in the whole lesson
    revealed: bool = False  # the current task's value was computed on screen before it was answered
    answers: list[list] = field(default_factory=list)  # [task, text, right], the last ANSWERS_KEPT

    def status(self, lesson: Lesson) -> str:
        """'not started', 'task 2 of 4', or 'done: 3 of 3 right at the first try'."""
        if self.done:
            answered = sum(t.answered for t in lesson.tasks)
            hints = f", {self.hints_taken} hint{'s' if self.hints_taken != 1 else ''}" if self.hints_taken else ""
            return f"done: {len(self.first_try)} of {answered} answers right at the first try{hints}"
        if self.task == 0 and not self.answers and not self.hints_taken:
            return "not started"
        return f"task {self.task + 1} of {len(lesson.tasks)}"


def _record(data) -> Record:
    """A Record from what course.json holds; ValueError if it is not one."""
    if not isinstance(data, dict) or set(data) - {f.name for f in fields(Record)}:
        raise ValueError("a lesson's record is not what it should be")
    record = Record(**data)
    whole = (record.task, record.wrong, record.hints, record.hints_taken)
    if not all(type(n) is int and 0 <= n < 10**6 for n in whole):
        raise ValueError("a count is not a whole number")
    if not all(type(n) is int for n in record.first_try) or not isinstance(record.answers, list):
        raise ValueError("the answers are not a list")
    return record


class Progress:
    """Every lesson's Record, as course.json keeps them."""

    def __init__(self, path: Path | None = None):
        self.path = path or folder() / "course.json"
        self.records: dict[str, Record] = {}

    @classmethod
    def load(cls, path: Path | None = None) -> tuple[Progress, str | None]:
        """The progress on disk, and a line saying why it could not be read (then none is kept)."""
        progress = cls(path)
        try:
            progress.records = _read(progress.path)
        except FileNotFoundError:
            pass
        except (OSError, ValueError, RecursionError) as err:
            return progress, f"{progress.path.name} cannot be read ({printable(str(err), 120)}); the course starts over"
        return progress, None

    def record(self, lesson_id: str) -> Record:
        return self.records.setdefault(lesson_id, Record())

    def save(self, lesson_id: str) -> None:
        """Write this lesson's record into course.json, keeping the others' as they are on disk.
        Raises OSError."""
        try:
            records = _read(self.path)
        except (OSError, ValueError, RecursionError):
            records = {}
        records[lesson_id] = self.records[lesson_id]
        self.records = {**records, **self.records}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        state = {"format": FORMAT, "version": VERSION, "lessons": {k: asdict(r) for k, r in records.items()}}
        write_atomic(self.path, json.dumps(state, ensure_ascii=False, indent=1))

    def reset(self) -> None:
        self.records = {}
        self.path.unlink(missing_ok=True)


def _read(path: Path) -> dict[str, Record]:
    state = json.loads(read_regular(path, MAX_BYTES))  # FileNotFoundError: no progress yet
    if not isinstance(state, dict) or state.get("format") != FORMAT or state.get("version") != VERSION:
        raise ValueError(f"{path.name} is not a backprop-tui course of version {VERSION}")
    lessons = state.get("lessons")
    if not isinstance(lessons, dict):
        raise ValueError(f"{path.name} has no lessons")
    return {str(k): _record(v) for k, v in lessons.items()}


@dataclass(frozen=True)
class Shown:
    """What the task panel shows."""

    title: str  # "Lesson 3 · task 2 of 4"
    prompt: str
    options: tuple[str, ...]  # a choose task's, numbered from 1
    typed: bool  # the task takes a typed answer
    said: str  # the last answer's reply, a hint, or the lesson's end
    right: bool | None  # the colour of `said`: right, wrong, or neither (a hint, a message)
    keys: str = ""  # what the keys do here, under the panel


class LessonRun:
    """The lesson being done: its tasks in order, checked against the app's Stepper."""

    def __init__(self, lesson: Lesson, progress: Progress, network: Network):
        """network: the lesson's network as the app opened it; its tasks are checked only while
        the app shows that one."""
        self.lesson, self.progress, self.network = lesson, progress, network
        self.record = progress.record(lesson.id)
        self.said, self.right = "", None
        self._judge: tuple | None = None  # (what it was made for, Judge)

    @property
    def task(self) -> Task | None:
        """The task being done; None once the lesson is done."""
        return None if self.record.done else self.lesson.tasks[self.record.task]

    def position(self, stepper: Stepper) -> None:
        """A predict or derive task waits just before its step, so its value is not yet shown."""
        task = self.task
        if task is not None and task.kind in ("predict", "derive") and not self.record.revealed:
            stepper.goto(goal(task, stepper))

    def moved(self, stepper: Stepper, v: bool) -> bool:
        """After the learner moved: True when a step task is thereby done."""
        task = self.task
        if task is None:
            return False
        if task.kind == "step":
            place = where(task, stepper)
            if place == "reached":
                self._done(f"Right: {stepper.step.words(v).symbol} is computed (step {stepper.cursor}).")
                return True
            if place == "past":
                self.said, self.right = past(task, stepper, v), False
        elif task.kind in ("predict", "derive") and stepper.cursor > goal(task, stepper) and not self.record.revealed:
            self.record.revealed = True  # seen before answered: not right at the first try
            self.said, self.right = (
                "Its value is on screen now; answer to go on (it no longer counts as a first try).",
                None,
            )
            self._save()
        return False

    def answer(self, text: str, stepper: Stepper, v: bool) -> bool:
        """Check a typed answer; True when it was right (the next task is then current)."""
        task = self.task
        if task is None or not task.answered:
            return False
        if not text.strip():
            self.hint(stepper, v)
            return False
        reply = check(task, stepper, text, self.judge(stepper), v)
        if isinstance(reply, str):  # no answer at all: said, not counted
            self.said, self.right = reply[0].upper() + reply[1:], None
            return False
        self.record.answers = [*self.record.answers, [self.record.task, text.strip()[:200], reply.right]][
            -ANSWERS_KEPT:
        ]
        if not reply.right:
            self.record.wrong += 1
            self.said, self.right = _stop(reply.text) + " Try again (Enter on an empty box: a hint).", False
            self._save()
            return False
        if self.record.wrong == 0 and self.record.hints == 0 and not self.record.revealed:
            self.record.first_try = [*self.record.first_try, self.record.task]
        if task.kind in ("predict", "derive") and stepper.cursor == goal(task, stepper):
            stepper.next()  # answered: its step is computed, on screen
        self._done(_sentence(reply))
        return True

    def hint(self, stepper: Stepper, v: bool) -> None:
        task = self.task
        if task is None:
            return
        moved = elsewhere(task, stepper)
        if moved:  # the hints are about the task's numbers, not these
            self.said, self.right = moved[0].upper() + moved[1:] + ".", None
            return
        graded = hints(task, stepper, v)
        if self.record.hints < len(graded):
            self.record.hints += 1
            self.record.hints_taken += 1
        n = max(1, min(self.record.hints, len(graded)))
        self.said, self.right = f"Hint {n} of {len(graded)}: {graded[n - 1]}", None
        self._save()

    def judge(self, stepper: Stepper) -> Judge:
        made_for = (stepper.network, stepper.start_state.t, stepper.sample, id(stepper.start_params))
        if self._judge is None or self._judge[0] != made_for:
            self._judge = (
                made_for,
                Judge(stepper.network.with_params(stepper.start_params), stepper.sample, t=stepper.start_state.t),
            )
        return self._judge[1]

    def _done(self, said: str) -> None:
        """The current task is done: on to the next, or the lesson's end."""
        task = self.task
        extra = f" {task.why}" if task.why else ""
        r = self.record
        r.task, r.wrong, r.hints, r.revealed = r.task + 1, 0, 0, False
        r.done = r.task == len(self.lesson.tasks)
        self.said, self.right = said + extra, True
        if r.done:
            self.said += " The lesson is done."
        self._save()

    def _save(self) -> None:
        try:
            self.progress.save(self.lesson.id)
        except OSError as err:  # said in the panel; the lesson goes on
            self.said += f" (Progress not kept: {printable(err.strerror or str(err), 80)}.)"

    def paused(self) -> Shown:
        """What the panel says while the app shows another network than the lesson's."""
        return Shown(
            f"Lesson {self.lesson.number} · paused",
            f"This lesson works on {self.lesson.network}: L opens the course, Enter goes on with it.",
            (),
            False,
            "",
            None,
        )

    def shown(self) -> Shown:
        lesson, task, r = self.lesson, self.task, self.record
        if task is None:
            return Shown(
                f"Lesson {lesson.number} · done",
                f"{r.status(lesson).capitalize()}. L opens the course for the next lesson.",
                (),
                False,
                self.said,
                self.right,
            )
        check = "its number answers" if task.options else "Enter checks"
        keys = f"{check} · empty Enter: a hint · Esc leaves, Enter returns" if task.answered else "h: a hint"
        return Shown(
            f"Lesson {lesson.number} · task {r.task + 1} of {len(lesson.tasks)}",
            task.prompt,
            tuple(o.text for o in task.options),
            task.answered,
            self.said,
            self.right,
            keys,
        )


def _stop(text: str) -> str:
    """A message as a sentence: the judge's diagnoses end without a full stop."""
    return text if text.endswith((".", "?", "!", ")")) else text + "."


def _sentence(reply: Reply) -> str:
    text = reply.text if reply.text != "correct" else "Right."
    return text if text.startswith("Right") else f"Right: {text}"
