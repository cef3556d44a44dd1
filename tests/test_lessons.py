"""The course: every lesson file read and checked, every lesson walked under Pilot with right
answers (done, every answer at the first try) and with wrong ones (explained, hints given, not
done until answered right), progress kept through a kill, and `learn`'s list and reset."""

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from textual.widgets import Input

from engine.course import SOURCES, LessonError, course, goal, paths, read, where
from engine.quantities import Kind, Quantity
from tui.app import BackpropApp
from tui.course import Progress
from tui.screens.course import CourseScreen, LessonText

LESSONS = course()
SIZE = (140, 45)


@pytest.fixture(autouse=True)
def data_folder(tmp_path, monkeypatch):
    """Progress (and sessions) in a folder of the test's own."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path / "data" / "backprop-tui"


# -- the files ---------------------------------------------------------------------------------


def test_the_course_covers_the_three_documents_with_every_kind_of_task():
    assert len(LESSONS) >= 12
    assert [lesson.number for lesson in LESSONS] == sorted(lesson.number for lesson in LESSONS)
    assert {lesson.source for lesson in LESSONS} >= set(SOURCES[:3])
    kinds = {task.kind for lesson in LESSONS for task in lesson.tasks}
    assert kinds == {"step", "predict", "derive", "choose", "weight"}
    for lesson in LESSONS:
        assert lesson.tasks and lesson.intro and lesson.teaches, lesson.id
        words = " ".join([lesson.title, lesson.intro, lesson.outro, *(t.lead + t.prompt for t in lesson.tasks)])
        assert not re.search(r"seed\s*[123]\b", words, re.I), lesson.id  # the documents by what they are


HEAD = "# T\n\nsource: all three\nnetwork: xor\nminutes: 5\nteaches: t\n\n"  # a task's ~~~task is line 8
CHOOSE = "~~~task\ndo: choose\nprompt: p\nright: a\nwrong: b | c\nhint: h\n~~~\n"
BAD = [
    ("no title\n", "line 1: a lesson starts with its title"),
    ("# T\n\nsource: XOR walk-through\nnetwork: xor\nminutes: 5\n\ntext\n", "needs teaches"),
    ("# T\n\nsource: a book\nnetwork: xor\nminutes: 5\nteaches: t\n", "line 2: source must be one of"),
    ("# T\n\nsource: all three\nnetwork: nope\nminutes: 5\nteaches: t\n", "network must be a preset"),
    ("# T\n\nsource: all three\nnetwork: xor\nminutes: 5\nteaches: t\ncolour: red\n", "line 7: unknown header key"),
    (HEAD + "no task\n", "at least one task"),
    (HEAD + "~~~task\ndo: step\nto: z1\n", "line 8: this task has no closing"),
    (HEAD + "~~~task\ndo: fly\nprompt: p\n~~~\n", "line 8: a task needs do"),
    (HEAD + "~~~task\ndo: step\nprompt: p\n~~~\n", "line 8: a step task needs to"),
    (HEAD + "~~~task\ndo: step\nto: z9\nprompt: p\n~~~\n", "line 8: no step computes 'z9'"),
    (
        HEAD + "~~~task\ndo: step\nto: a1\nprompt: p\n~~~\n~~~task\ndo: step\nto: z1\nprompt: p\n~~~\n",
        "line 13: step to z1",
    ),
    (
        HEAD + "~~~task\ndo: predict\nvalue: a1\nentry: 4,0\nprompt: p\n~~~\n",
        "entry 4,0 is not inside a1, which is 4×2",
    ),
    (HEAD + "~~~task\ndo: choose\nprompt: p\nright: a\nwrong: b\nhint: h\n~~~\n", "line 12: a wrong: line says why"),
    (HEAD + "~~~task\ndo: choose\nprompt: p\nright: a\nwrong: b | c\n~~~\n", "line 8: a choose task needs hint"),
    (HEAD + "~~~task\ndo: weight\npaths: 2+\nprompt: p\n~~~\n", "no weight or bias of xor has 2+ paths"),
    (HEAD + "~~~task\ndo: derive\nquantity: x\nprompt: p\n~~~\n", "'x' is not a quantity this network computes"),
    (HEAD + "~~~task\ndo: step\nto: z1\nprompt: p\nprompt: q\n~~~\n", "line 12: prompt is given twice"),
    (HEAD.replace("teaches: t\n", "teaches: t\nsetup: sample 9\n") + CHOOSE, "sample 9: xor has samples 0 to 3"),
    (HEAD.replace("teaches: t\n", "teaches: t\nsetup: upside down\n") + CHOOSE, "unknown setup 'upside down'"),
]


@pytest.mark.parametrize(("text", "said"), BAD)
def test_a_bad_lesson_file_is_refused_naming_the_file_and_the_line(tmp_path, text, said):
    path = tmp_path / "07-bad.md"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LessonError) as refused:
        read(path)
    message = str(refused.value)
    assert message.startswith(f"{path}, line ") or message.startswith(f"{path}:"), message
    assert said in message, message
    assert "\n" not in message


def test_a_lesson_file_that_is_no_text_or_too_large_or_a_fifo_gets_one_line(tmp_path):
    binary = tmp_path / "01-binary.md"
    binary.write_bytes(b"\xff\xfe\x00junk")
    large = tmp_path / "02-large.md"
    large.write_text("# T\n" + "x" * 70_000, encoding="utf-8")
    fifo = tmp_path / "03-fifo.md"
    os.mkfifo(fifo)
    for path in (binary, large, fifo):
        with pytest.raises(LessonError, match=str(path)):
            read(path)


# -- walking the lessons -------------------------------------------------------------------------


def right_answer(app, task) -> str:
    s = app.stepper
    if task.kind == "predict":
        step = s.steps[goal(task, s)]
        return repr(float(step.value[task.entry or (0,) * step.value.ndim]))
    if task.kind == "derive":
        quantity = Quantity.parse(task.target)
        if quantity.kind in (Kind.W, Kind.B):
            return f"{quantity.id} - eta*dL/d{quantity.id}"
        return app.lesson.judge(s).closed_form(quantity)
    if task.kind == "choose":
        return str(next(n for n, option in enumerate(task.options, start=1) if option.right))
    return entry_with(app, task.paths)


def wrong_answer(app, task) -> str | None:
    if task.kind == "predict":
        return repr(float(right_answer(app, task)) * 3 + 7.25)
    if task.kind == "derive":
        return "0"
    if task.kind == "choose":
        return str(next(n for n, option in enumerate(task.options, start=1) if not option.right))
    return entry_with(app, "1" if task.paths == "2+" else "2+") if task.kind == "weight" else None


def entry_with(app, count: str) -> str | None:
    s = app.stepper
    for name, value in s.network.params.items():
        for index in np.ndindex(value.shape):
            if paths(s, name, index) == count:
                return f"{name}[{','.join(map(str, index))}]"
    return None


async def open_lesson(pilot, app, number: int) -> None:
    await pilot.press("L")
    assert isinstance(app.screen, CourseScreen)
    app.screen.query_one("OptionList").highlighted = number
    await pilot.press("enter")
    await pilot.pause()


async def read_on(pilot, app) -> None:
    """Close a lesson text the app shows before a task."""
    await pilot.pause()
    while isinstance(app.screen, LessonText):
        await pilot.press("enter")
        await pilot.pause()


async def type_in(pilot, app, text: str) -> None:
    """An answer typed in the task's box and Enter; a choice's number is pressed, no Enter."""
    box = app.query_one("#task-answer", Input)
    box.focus()
    if app.lesson.task.options and text:
        await pilot.press(text)
    else:
        box.value = text
        await pilot.press("enter")
    await pilot.pause()


async def step_to(pilot, app, task) -> None:
    """Step as a learner would: i to the end of each earlier iteration, then n."""
    for _ in range(1000):
        s = app.stepper
        if app.lesson.task != task or where(task, s) != "before":
            return
        app.screen.set_focus(None)
        await pilot.press("i" if s.iteration + 1 < task.iteration and s.cursor < s.total else "n")
        await pilot.pause()
    raise AssertionError(f"never reached {task.target}")


async def do_right(pilot, app, task) -> None:
    """The task done as it should be: stepped to, or answered right."""
    if task.kind == "step":
        await step_to(pilot, app, task)
    else:
        await type_in(pilot, app, right_answer(app, task))


@pytest.mark.parametrize("number", range(len(LESSONS)), ids=[lesson.id for lesson in LESSONS])
async def test_each_lesson_done_with_right_answers_is_done_at_the_first_try(number):
    lesson = LESSONS[number]
    app = BackpropApp("xor")
    async with app.run_test(size=SIZE) as pilot:
        await open_lesson(pilot, app, number)
        assert app.lesson.lesson == lesson
        for index, task in enumerate(lesson.tasks):
            await read_on(pilot, app)
            assert app.lesson.task == task
            assert app.lesson.shown().title == f"Lesson {lesson.number} · task {index + 1} of {len(lesson.tasks)}"
            await do_right(pilot, app, task)
            assert app.lesson.right is True, (task, app.lesson.said)
            assert app.lesson.said.startswith("Right")
        await read_on(pilot, app)
        record = Progress.load()[0].record(lesson.id)
        assert record.done and record.hints_taken == 0
        assert record.first_try == [i for i, t in enumerate(lesson.tasks) if t.answered]
        assert app.lesson.shown().title == f"Lesson {lesson.number} · done"


@pytest.mark.parametrize("number", range(len(LESSONS)), ids=[lesson.id for lesson in LESSONS])
async def test_each_lesson_explains_wrong_answers_and_gives_hints_and_waits_for_a_right_one(number):
    lesson = LESSONS[number]
    app = BackpropApp("xor")
    async with app.run_test(size=SIZE) as pilot:
        await open_lesson(pilot, app, number)
        wrong_first = set()
        for index, task in enumerate(lesson.tasks):
            await read_on(pilot, app)
            run = app.lesson
            reached = run.record.task
            if task.kind == "step":
                await step_to(pilot, app, task)
                continue
            wrong = wrong_answer(app, task)
            if wrong is not None:
                wrong_first.add(index)
                await type_in(pilot, app, wrong)
                assert run.right is False and run.said.endswith("Try again (Enter on an empty box: a hint)."), run.said
                if task.kind == "predict":  # explained without giving the number away
                    assert right_answer(app, task) not in run.said
                if task.kind == "choose":
                    assert task.options[int(wrong) - 1].why in run.said
            await type_in(pilot, app, "")  # Enter on an empty box: the first hint
            assert run.said.startswith("Hint 1 of ")
            await type_in(pilot, app, "")
            assert run.said.startswith("Hint 2 of ") or run.said.startswith("Hint 1 of 1")
            assert run.record.task == reached and not run.record.done  # not done until answered right
            await type_in(pilot, app, right_answer(app, task))
            assert run.right is True
        record = Progress.load()[0].record(lesson.id)
        assert record.done and record.hints_taken >= sum(t.answered for t in lesson.tasks)
        assert wrong_first and not wrong_first & set(record.first_try)
        assert record.answers and any(not right for _, _, right in record.answers)


async def test_in_a_lesson_h_gives_a_hint_and_the_key_bar_says_so():
    from tui.widgets.keybar import KeyBar

    app = BackpropApp("xor")
    async with app.run_test(size=SIZE) as pilot:
        await open_lesson(pilot, app, 0)
        await read_on(pilot, app)
        await pilot.press("escape")  # out of the answer box (or nothing focused): the app's keys
        assert " Hint " in app.query_one(KeyBar).render().plain
        await pilot.press("h")
        assert app.lesson.said.startswith("Hint 1 of ")
        await pilot.press("L")
        await pilot.press("s")  # stop the lesson from the course's list
        await pilot.pause()
        assert app.lesson is None and " Hint " not in app.query_one(KeyBar).render().plain


async def test_stepping_past_a_step_task_is_said_and_p_comes_back_to_it():
    first = next(n for n, lesson in enumerate(LESSONS) if lesson.tasks[0].kind == "step")
    app = BackpropApp("xor")
    async with app.run_test(size=SIZE) as pilot:
        await open_lesson(pilot, app, first)
        await read_on(pilot, app)
        task = app.lesson.task
        steps = goal(task, app.stepper) + 1
        # i finishes the iteration at once: past the step the task asks for
        await pilot.press("i")
        await pilot.pause()
        assert app.lesson.task == task and app.lesson.said.startswith("You went past")
        while app.stepper.cursor > steps:
            await pilot.press("p")
            await pilot.pause()
        assert app.lesson.task != task and app.lesson.right is True


async def test_a_lesson_killed_midway_goes_on_where_it_was(tmp_path, data_folder):
    """The app is killed (SIGKILL) after two tasks; `learn` then offers the lesson at task 3."""
    number = next(n for n, lesson in enumerate(LESSONS) if len(lesson.tasks) >= 3)
    lesson = LESSONS[number]
    script = tmp_path / "kill.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import asyncio, os, signal, sys
            sys.path.insert(0, {str(Path(__file__).parent)!r})
            import test_lessons as t
            from tui.app import BackpropApp

            async def main():
                app = BackpropApp("xor")
                async with app.run_test(size=(140, 45)) as pilot:
                    await t.open_lesson(pilot, app, {number})
                    for task in app.lesson.lesson.tasks[:2]:
                        await t.read_on(pilot, app)
                        await t.do_right(pilot, app, task)
                    os.kill(os.getpid(), signal.SIGKILL)

            asyncio.run(main())
            """
        ),
        encoding="utf-8",
    )
    done = subprocess.run([sys.executable, str(script)], env=os.environ, capture_output=True, timeout=120)
    assert done.returncode == -9, done.stderr.decode()[-2000:]
    assert not [p.name for p in data_folder.iterdir() if p.name.endswith(".tmp")]
    record = Progress.load()[0].record(lesson.id)
    assert record.task == 2 and not record.done
    listed = subprocess.run(
        [sys.executable, "-c", "from tui.cli import entry; entry()", "learn", "--list"],
        env=os.environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert f"task 3 of {len(lesson.tasks)}" in listed.stdout.splitlines()[number]
    app = BackpropApp("xor", course=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, CourseScreen)
        await pilot.press("enter")  # the lesson in progress is the one highlighted
        await pilot.pause()
        await read_on(pilot, app)
        assert app.lesson.lesson.id == lesson.id
        assert app.lesson.shown().title == f"Lesson {lesson.number} · task 3 of {len(lesson.tasks)}"


# -- progress and the command ------------------------------------------------------------------


def learn(*args, stdin: str | None = None):
    return subprocess.run(
        [sys.executable, "-c", "from tui.cli import entry; entry()", "learn", *args],
        env=os.environ,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=60,
    )


def test_learn_list_prints_a_lesson_a_line_with_its_source_and_progress(data_folder):
    progress = Progress()
    progress.record(LESSONS[0].id).task = 1
    progress.save(LESSONS[0].id)
    listed = learn("--list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert len(lines) == len(LESSONS)
    for lesson, line in zip(LESSONS, lines):
        assert line.startswith(f"{lesson.number:2d}  {lesson.title} · ")
        assert f"{lesson.minutes} min" in line
    assert lines[0].endswith(f"task 2 of {len(LESSONS[0].tasks)}")
    assert lines[1].endswith("not started")


def test_learn_reset_asks_first_and_forgets_only_when_told(data_folder):
    progress = Progress()
    progress.record(LESSONS[0].id).done = True
    progress.save(LESSONS[0].id)
    kept = learn("--reset", stdin="n\n")  # not a terminal: refused without --yes
    assert kept.returncode == 2 and "--yes" in kept.stderr and len(kept.stderr.splitlines()) == 1
    assert (data_folder / "course.json").exists()
    forgot = learn("--reset", "--yes")
    assert forgot.returncode == 0 and "starts over" in forgot.stdout
    assert not (data_folder / "course.json").exists()
    assert learn("--reset", "--yes").stdout.strip() == "No progress to forget."


@pytest.mark.parametrize(
    "damage",
    ["[[[", '{"format": "backprop-tui course", "version": 1, "lessons": {"x": {"task": "one"}}}', "9" * 5000, "fifo"],
)
def test_damaged_progress_gets_one_line_and_the_course_starts_over(data_folder, damage):
    data_folder.mkdir(parents=True)
    path = data_folder / "course.json"
    if damage == "fifo":
        os.mkfifo(path)
    else:
        path.write_text(damage, encoding="utf-8")
    listed = learn("--list")
    assert listed.returncode == 0
    assert len(listed.stderr.splitlines()) == 1 and "course.json cannot be read" in listed.stderr
    assert "Traceback" not in listed.stderr and all(line.endswith("not started") for line in listed.stdout.splitlines())


def test_progress_is_written_whole_and_merged_with_another_windows(data_folder):
    one, two = Progress(), Progress()
    one.record("01-a").task = 2
    one.save("01-a")
    two.record("02-b").done = True
    two.save("02-b")  # another window: keeps 01-a's record as it is on disk
    state = json.loads((data_folder / "course.json").read_text(encoding="utf-8"))
    assert state["lessons"]["01-a"]["task"] == 2 and state["lessons"]["02-b"]["done"] is True


async def test_lesson_text_is_data_never_markup(tmp_path, monkeypatch):
    import engine.course

    hostile = tmp_path / "lessons"
    hostile.mkdir()
    (hostile / "01-hostile.md").write_text(
        "# [@click=app.quit]Quit[/] \x1b[31mred\n\nsource: all three\nnetwork: xor\nminutes: 5\n"
        "teaches: [b]bold[/b]\n\n[@click=app.quit]click[/]\n\n~~~task\ndo: choose\nprompt: [/]\nright: [x=\n"
        "wrong: [/b] | [@click=app.quit]no[/]\nhint: [\n~~~\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(engine.course, "FOLDER", hostile)
    app = BackpropApp("xor", course=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, CourseScreen)
        await pilot.press("enter")
        await read_on(pilot, app)
        await type_in(pilot, app, "2")
        assert "[@click=app.quit]no[/]" in app.lesson.said
        assert app.is_running


def test_a_derive_task_on_a_parameter_asks_for_its_update(tmp_path):
    from engine import presets
    from engine.course import check
    from engine.stepper import Stepper

    path = tmp_path / "01-update.md"
    path.write_text(HEAD + "~~~task\ndo: derive\nquantity: b2\nsetup: sample 1\nprompt: p\n~~~\n", encoding="utf-8")
    task = read(path).tasks[0]
    stepper = Stepper(presets.resolve("xor"))
    stepper.set_sample(1)
    assert check(task, stepper, "b2 - eta*dL/db2").right
    wrong = check(task, stepper, "b2 + eta*dL/db2")
    assert not wrong.right and "up the gradient" in wrong.text


async def test_a_task_about_the_batch_says_so_when_the_app_shows_one_sample():
    """m during a predict task: the answer and the hints say where the task is, never a traceback."""
    number = next(n for n, lesson in enumerate(LESSONS) if any(t.kind == "predict" for t in lesson.tasks))
    app = BackpropApp("xor")
    async with app.run_test(size=SIZE) as pilot:
        await open_lesson(pilot, app, number)
        while app.lesson.task.kind != "predict":
            await read_on(pilot, app)
            await do_right(pilot, app, app.lesson.task)
        await read_on(pilot, app)
        task = app.lesson.task
        right = right_answer(app, task)
        app.screen.set_focus(None)
        await pilot.press("m")
        await pilot.pause()
        await type_in(pilot, app, right)
        assert app.lesson.right is None and "press m" in app.lesson.said
        await pilot.press("escape", "h")
        assert "press m" in app.lesson.said and app.lesson.record.hints == 0
        await pilot.press("m")
        if task.setup.sample is not None:
            app.view.focus = task.setup.sample
            app.stepper.set_sample(task.setup.sample)
        await type_in(pilot, app, right)
        assert app.lesson.right is True
