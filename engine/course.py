"""The course: lessons read from engine/lessons/*.md (the format: docs/LESSONS.md) and the
checks of their tasks. A lesson is text and tasks done on a real network; a task is checked
here against the Stepper the learner works with, so the app only shows what this says."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

import numpy as np

from . import notation, presets, scalar
from .answer import AnswerError, Judge
from .chain import parse_name, weight_chain
from .expr import shape_text
from .files import printable, read_regular
from .quantities import Kind, Quantity
from .quiz import close_enough, parse_answer
from .stepper import Stepper

FOLDER = Path(__file__).parent / "lessons"
MAX_BYTES = 2**16  # a lesson is a few screens of text
SOURCES = ("XOR walk-through", "dynamic-programming view", "three-layer homework", "all three")
KINDS = {  # what each kind of task may say besides do, prompt, hint, why and setup
    "step": {"to", "iteration"},
    "predict": {"value", "entry"},
    "derive": {"quantity"},
    "choose": {"right", "wrong"},
    "weight": {"paths"},
}
NEEDS = {
    "step": ("to",),
    "predict": ("value",),
    "derive": ("quantity",),
    "choose": ("right", "wrong", "hint"),  # the app cannot write hints for a question of its own
    "weight": ("paths",),
}
REPEATED = {"hint", "right", "wrong"}
UPDATED = (Kind.W, Kind.B)  # a parameter's id as a task's quantity: its update, W2 ← W2 − η ∂L/∂W2
HEADER = ("source", "network", "minutes", "teaches")
_KEY = re.compile(r"([a-z]+):\s*(.*)")


class LessonError(ValueError):
    """A lesson file the course cannot use: the message names the file and the line."""


@dataclass(frozen=True)
class Setup:
    """How the app is set for a lesson or from a task on."""

    sample: int | None = None  # one sample (in columns); None: the batch
    v_names: bool = False  # the dynamic-programming view's v, d, t, g
    mistake: bool = False  # the common mistake: δ sent back through the updated weights


@dataclass(frozen=True)
class Option:
    text: str
    right: bool
    why: str  # why a wrong option is wrong ("" for the right one)


@dataclass(frozen=True)
class Task:
    kind: str
    prompt: str
    line: int  # where it starts in its file
    lead: str = ""  # the text read before it (after the task before)
    setup: Setup = Setup()  # the app's setting while it is done
    hints: tuple[str, ...] = ()  # the file's own, graded; else hints() writes three
    why: str = ""  # said after a right answer
    target: str = ""  # the quantity id of step, predict and derive
    iteration: int = 1  # step: the iteration (from 1) whose step is meant
    entry: tuple[int, ...] = ()  # predict: the entry of the value
    options: tuple[Option, ...] = ()  # choose
    paths: str = ""  # weight: "1" or "2+"

    @property
    def answered(self) -> bool:
        """Done by typing an answer (a step task is done by stepping)."""
        return self.kind != "step"


@dataclass(frozen=True)
class Lesson:
    id: str  # the file's stem: "01-xor-forward"; progress is kept under it
    number: int
    title: str
    source: str
    network: str  # a preset's name
    minutes: int
    teaches: str
    setup: Setup
    intro: str  # read before the first task
    tasks: tuple[Task, ...]
    outro: str = ""  # read when the last task is done
    path: Path = field(default=Path(), compare=False)

    @property
    def follows(self) -> str:
        """'the XOR walk-through', 'all three documents'."""
        return "all three documents" if self.source == "all three" else f"the {self.source}"


@dataclass(frozen=True)
class Reply:
    """What a checked answer tells the learner."""

    right: bool
    text: str


# -- reading -----------------------------------------------------------------------------------


def course(folder: Path | None = None) -> list[Lesson]:
    """Every lesson of the folder (the package's), in the order of the file names. Raises
    LessonError."""
    folder = folder or FOLDER
    files = sorted(folder.glob("*.md"))
    if not files:
        raise LessonError(f"{printable(str(folder))}: no lesson files (*.md)")
    return [read(path) for path in files]


def read(path: Path) -> Lesson:
    """One lesson file, checked against its network. Raises LessonError naming the file and line."""
    where = printable(str(path))
    try:
        text = read_regular(path, MAX_BYTES).decode("utf-8")
    except (OSError, ValueError) as err:
        raise LessonError(f"{where}: {getattr(err, 'strerror', None) or err}") from None
    lesson = _parse(path, text.splitlines())
    _check(lesson)
    return lesson


def _fail(path: Path, line: int, problem: str) -> LessonError:
    return LessonError(f"{printable(str(path))}, line {line}: {printable(problem)}")


def _parse(path: Path, lines: list[str]) -> Lesson:
    match = re.fullmatch(r"(\d+)-[a-z0-9-]+", path.stem)
    if not match:
        raise _fail(path, 1, "the file's name must be a number and words with hyphens: 07-batch-gradients.md")
    if not lines or not lines[0].startswith("# "):
        raise _fail(path, 1, "a lesson starts with its title: '# The XOR walk-through's forward pass'")
    header: dict[str, str] = {}
    n = 1
    while n < len(lines) and not lines[n].strip():  # blank lines between the title and the header
        n += 1
    while n < len(lines) and lines[n].strip():
        key, value = _key_value(path, n + 1, lines[n])
        if key not in (*HEADER, "setup"):
            raise _fail(path, n + 1, f"unknown header key {key!r} (keys: {', '.join(HEADER)}, setup)")
        if key in header:
            raise _fail(path, n + 1, f"{key} is given twice")
        header[key] = value
        n += 1
    for key in HEADER:
        if not header.get(key):
            raise _fail(path, n + 1, f"the header (the lines after the title) needs {key}: …")
    if header["source"] not in SOURCES:
        raise _fail(path, 2, f"source must be one of: {', '.join(SOURCES)}")
    if header["network"] not in presets.names():
        raise _fail(path, 2, f"network must be a preset: {', '.join(presets.names())}")
    if not header["minutes"].isdigit() or not 1 <= int(header["minutes"]) <= 120:
        raise _fail(path, 2, "minutes must be a whole number from 1 to 120")
    setup = _setup(path, 2, header.get("setup", ""), Setup())

    texts, tasks, text, task_setup = [], [], [], setup
    while n < len(lines):
        line = lines[n]
        if line.strip() == "~~~task":
            start = n + 1
            block = []
            n += 1
            while n < len(lines) and lines[n].strip() != "~~~":
                block.append((n + 1, lines[n]))
                n += 1
            if n == len(lines):
                raise _fail(path, start, "this task has no closing ~~~ line")
            task = _task(path, start, block, task_setup)
            task_setup = task.setup
            texts.append("\n".join(text).strip())
            tasks.append(task)
            text = []
        else:
            text.append(line)
        n += 1
    if not tasks:
        raise _fail(path, len(lines), "a lesson needs at least one task (a ~~~task block)")
    tasks = [replace(task, lead=lead) for task, lead in zip(tasks, texts)]
    return Lesson(
        id=path.stem,
        number=int(match.group(1)),
        title=lines[0][2:].strip(),
        source=header["source"],
        network=header["network"],
        minutes=int(header["minutes"]),
        teaches=header["teaches"],
        setup=setup,
        intro=tasks[0].lead,
        tasks=(replace(tasks[0], lead=""), *tasks[1:]),
        outro="\n".join(text).strip(),
        path=path,
    )


def _key_value(path: Path, n: int, line: str) -> tuple[str, str]:
    match = _KEY.fullmatch(line.strip())
    if not match:
        raise _fail(path, n, f"expected 'key: value', got {line.strip()[:60]!r}")
    return match.group(1), match.group(2).strip()


def _setup(path: Path, n: int, text: str, base: Setup) -> Setup:
    setup = Setup(mistake=False, v_names=False, sample=None) if text else base
    for part in filter(None, (p.strip() for p in text.split(","))):
        if part == "v names":
            setup = replace(setup, v_names=True)
        elif part == "mistake":
            setup = replace(setup, mistake=True)
        elif part == "batch":
            setup = replace(setup, sample=None)
        elif re.fullmatch(r"sample \d{1,3}", part):
            setup = replace(setup, sample=int(part.split()[1]))
        else:
            raise _fail(path, n, f"unknown setup {part!r} (sample N, batch, v names, mistake)")
    return setup


def _task(path: Path, start: int, block: list[tuple[int, str]], setup: Setup) -> Task:
    fields: dict[str, list[tuple[int, str]]] = {}
    for n, line in block:
        if line.strip():
            key, value = _key_value(path, n, line)
            fields.setdefault(key, []).append((n, value))
    kind = fields.get("do", [(start, "")])[0][1]
    if kind not in KINDS:
        raise _fail(path, start, f"a task needs do: one of {', '.join(KINDS)}")
    allowed = KINDS[kind] | {"do", "prompt", "hint", "why", "setup"}
    for key, values in fields.items():
        if key not in allowed:
            raise _fail(path, values[0][0], f"a {kind} task has no key {key!r} (keys: {', '.join(sorted(allowed))})")
        if len(values) > 1 and key not in REPEATED:
            raise _fail(path, values[1][0], f"{key} is given twice")
        if any(not value for _, value in values):
            raise _fail(path, values[0][0], f"{key} is empty")
    for key in ("prompt", *NEEDS[kind]):
        if key not in fields:
            raise _fail(path, start, f"a {kind} task needs {key}: …")

    def one(key: str, default: str = "") -> str:
        return fields[key][0][1] if key in fields else default

    task = Task(
        kind=kind,
        prompt=one("prompt"),
        line=start,
        setup=_setup(path, fields["setup"][0][0], one("setup"), setup) if "setup" in fields else setup,
        hints=tuple(v for _, v in fields.get("hint", [])),
        why=one("why"),
        target=one("to") or one("value") or one("quantity"),
        paths=one("paths"),
    )
    if kind == "step":
        iteration = one("iteration", "1")
        if not iteration.isdigit() or not 1 <= int(iteration) <= 100:
            raise _fail(path, start, "iteration must be a whole number from 1 to 100")
        task = replace(task, iteration=int(iteration))
    if kind == "predict" and "entry" in fields:
        n, text = fields["entry"][0]
        if not re.fullmatch(r"\d{1,4}(\s*,\s*\d{1,4})*", text):
            raise _fail(path, n, f"entry must be indices such as 0,1, got {text!r}")
        task = replace(task, entry=tuple(int(i) for i in text.split(",")))
    if kind == "choose":
        if len(fields["right"]) != 1:
            raise _fail(path, fields["right"][1][0], "a choose task has one right: line")
        options = []
        for n, line in sorted(fields["right"] + fields["wrong"]):
            right = (n, line) in fields["right"]
            text, bar, why = line.partition("|")
            if not right and not (bar and why.strip()):
                raise _fail(path, n, "a wrong: line says why after a |: 'wrong: 3 × 2 | that is W₂ᵀ'")
            options.append(Option(text.strip(), right, why.strip()))
        if len(options) > 9:
            raise _fail(path, start, "a choose task has at most 9 options (keys 1 to 9)")
        # In an order of their own, the same every time: the file's would put the right one
        # wherever its writer tends to.
        random.Random(f"{path.stem}:{start}").shuffle(options)
        task = replace(task, options=tuple(options))
    if kind == "weight" and task.paths not in ("1", "2+"):
        raise _fail(path, fields["paths"][0][0], "paths must be 1 or 2+")
    return task


def _check(lesson: Lesson) -> None:
    """Each task can be done on its network: the quantities exist, entries are inside their
    values, expressions can be judged, a weight of the asked paths exists, steps go forward."""
    network = presets.resolve(lesson.network)
    reached = (1, -1)  # (iteration, step index) of the last step task
    for task in lesson.tasks:

        def fail(problem: str, task=task) -> LessonError:
            return _fail(lesson.path, task.line, problem)

        if task.setup.sample is not None and task.setup.sample >= network.samples:
            raise fail(f"sample {task.setup.sample}: {lesson.network} has samples 0 to {network.samples - 1}")
        steps = _stepper(lesson.network, task.setup.sample).steps
        if task.kind in ("step", "predict"):
            index = next((s.index for s in steps if s.writes == task.target), None)
            if index is None:
                ids = ", ".join(dict.fromkeys(s.writes for s in steps))
                raise fail(f"no step computes {task.target!r} (the steps compute: {ids})")
            if task.kind == "step":
                if (task.iteration, index) <= reached:
                    raise fail(f"step to {task.target} comes before a step task above: steps go forward")
                reached = (task.iteration, index)
            else:
                shape = steps[index].value.shape
                entry = task.entry or (0,) * len(shape)
                if len(entry) != len(shape) or any(i >= n for i, n in zip(entry, shape)):
                    at, size = ",".join(map(str, entry)), shape_text(steps[index].value)
                    raise fail(f"entry {at} is not inside {task.target}, which is {size}")
        elif task.kind == "derive":
            try:
                quantity = Quantity.parse(task.target)
            except ValueError:
                quantity = None
            if quantity is None or quantity.id not in {s.writes for s in steps}:
                raise fail(f"{task.target!r} is not a quantity this network computes")
            why = _judge(lesson.network, task.setup.sample).unanswerable(quantity, updated=quantity.kind in UPDATED)
            if why:
                raise fail(why)
        elif task.kind == "weight":
            stepper = _stepper(lesson.network, None)
            entries = ((name, index) for name, value in network.params.items() for index in np.ndindex(value.shape))
            if not any(paths(stepper, name, index) == task.paths for name, index in entries):
                raise fail(f"no weight or bias of {lesson.network} has {task.paths} paths")


@cache
def _stepper(network: str, sample: int | None) -> Stepper:
    stepper = Stepper(presets.resolve(network))
    stepper.set_sample(sample)
    return stepper


@cache
def _judge(network: str, sample: int | None) -> Judge:
    return Judge(presets.resolve(network), sample)


def paths(stepper: Stepper, name: str, index: tuple[int, ...]) -> str:
    """'1' or '2+': the paths from the parameter's edge to the loss, per sample, as the w screen
    counts them."""
    chain = weight_chain(stepper.network, stepper.derived, name, index, column=False, samples=[0])
    return "1" if chain.path_count == 1 else "2+"


# -- doing a task --------------------------------------------------------------------------------


def goal(task: Task, stepper: Stepper) -> int:
    """The index of the step a step, predict or derive task is about, in the current iteration."""
    return next(s.index for s in stepper.steps if s.writes == task.target)


def where(task: Task, stepper: Stepper) -> str:
    """A step task: 'before' its step, 'reached' (its step is the one just computed) or 'past'."""
    here = (stepper.iteration + 1, stepper.cursor - 1)
    there = (task.iteration, goal(task, stepper))
    return "reached" if here == there else "before" if here < there else "past"


def past(task: Task, stepper: Stepper, v: bool = False) -> str:
    """What a learner who stepped past a step task's step is told."""
    step = stepper.steps[goal(task, stepper)]
    return f"You went past {step.words(v).symbol} (step {step.index + 1} of iteration {task.iteration}): p steps back."


def _label(stepper: Stepper, name: str, index: tuple, v: bool) -> str:
    return scalar.label(Quantity.parse(name), index, stepper.steps[0].column, v)


def elsewhere(task: Task, stepper: Stepper) -> str:
    """Why the app, as the learner set it, is not where a task's numbers are ("" when it is):
    a predict or derive task is about its setup's batch or sample, with or without the mistake."""
    if task.kind not in ("predict", "derive"):
        return ""
    want = task.setup
    if stepper.sample != want.sample:
        where = "the whole batch" if want.sample is None else f"sample {want.sample} alone"
        return f"this task is about {where}: press m (and [ ]) to go back to it"
    if stepper.mistake != want.mistake:
        return f"this task is about the {'common mistake' if want.mistake else 'right gradients'}: press c"
    return ""


def check(task: Task, stepper: Stepper, text: str, judge: Judge | None = None, v: bool = False) -> Reply | str:
    """An answer to a predict, derive, choose or weight task: a Reply, or a str when the text is
    no answer at all (not a number, not an expression, no such option) or the app is set
    elsewhere than the task: it is not counted."""
    text = text.strip()
    moved = elsewhere(task, stepper)
    if moved:
        return moved
    if task.kind == "predict":
        step = stepper.steps[goal(task, stepper)]
        entry = task.entry or (0,) * step.value.ndim
        label = _label(stepper, task.target, entry, v)
        try:
            answer = parse_answer(text)
        except ValueError as err:
            return str(err)
        value = float(step.value[entry])
        fmt = notation.significant(6)
        if close_enough(answer, value):
            return Reply(True, f"Right: {label} = {fmt(value)}.")
        return Reply(False, _wrong_number(answer, value, label, step, stepper, entry, v))
    if task.kind == "derive":
        try:
            judge = judge or Judge(
                stepper.network.with_params(stepper.start_params), stepper.sample, t=stepper.start_state.t
            )
            quantity = Quantity.parse(task.target)
            verdict = judge.judge(quantity, text, updated=quantity.kind in UPDATED)
        except AnswerError as err:
            return str(err)
        return Reply(verdict.correct, verdict.message)
    if task.kind == "choose":
        if not text.isdigit() or not 1 <= int(text) <= len(task.options):
            return f"press a number from 1 to {len(task.options)}"
        option = task.options[int(text) - 1]
        return (
            Reply(True, f"Right: {option.text}.") if option.right else Reply(False, f"Not {option.text}: {option.why}")
        )
    try:
        name, index = parse_name(text, stepper.network)
    except ValueError as err:
        return str(err)
    label = _label(stepper, name, index, v)
    count = weight_chain(stepper.network, stepper.derived, name, index, column=False, samples=[0]).path_count
    said = f"{label} reaches the loss by {count} path{'s' if count > 1 else ''} per sample"
    if paths(stepper, name, index) == task.paths:
        return Reply(True, f"Right: {said}.")
    return Reply(
        False,
        f"{said}; the task asks for {'one path' if task.paths == '1' else 'two or more'} (w shows a weight's paths).",
    )


def _wrong_number(answer, value, label, step, stepper, entry, v) -> str:
    """Why a predicted number is wrong, without giving the number: a flipped sign, a factor of
    2 or m (the ½, the mean's 1/m), another entry or another value on screen, else the entry's
    formula."""
    fmt = notation.significant(6)
    said = f"{fmt(answer)} is not {label}"
    if close_enough(-answer, value):
        return f"{said}: the sign is flipped."
    m = stepper.batch(stepper.sample)[0].shape[0]
    slips = [(2, "twice it: is a ½ missing, or a 2 too many?"), (0.5, "half of it: is a factor 2 missing?")]
    if m > 1:
        slips += [
            (m, f"{m} times it: is the mean's 1/m missing?"),
            (1 / m, f"it divided by {m}: is the mean's 1/m there twice?"),
        ]
    for factor, slip in slips:
        if value != 0 and close_enough(answer, value * factor):
            return f"{said}: that is {slip}"
    for s in [step, *stepper.steps[: step.index]]:  # another entry of it, then a value before it
        if s.value.size <= 10_000:
            for index in np.ndindex(s.value.shape):
                if close_enough(answer, float(s.value[index])) and (s is not step or index != entry):
                    where = "another entry of it" if s is step else f"computed at step {s.index + 1}"
                    return f"{said}: that is {_label(stepper, s.writes, index, v)}, {where}."
    cell = scalar.cell(step, entry, stepper.network, fmt, v=v)
    return f"{said}. {label} = {cell.formula}: put in the numbers on screen."


def hints(task: Task, stepper: Stepper, v: bool = False) -> list[str]:
    """The task's graded hints: the file's, else which factor, what shape, the formula."""
    if task.hints:
        return list(task.hints)
    if task.kind == "weight":
        return [
            "A path runs from the weight's unit through one unit of each layer above it to the loss.",
            "A weight into the output layer has one path for each output its unit feeds: one.",
            "Press Esc, then w, and name a weight: the chain screen draws its paths.",
        ]
    step = stepper.steps[goal(task, stepper)]
    words = step.words(v)
    quantity = Quantity.parse(step.writes)
    shape = step.value.shape[::-1] if step.column and quantity.per_sample and step.value.ndim == 2 else step.value.shape
    which = f"{words.symbol} is step {step.index + 1} of the iteration, in the {step.phase} pass: {words.explanation}"
    if task.kind == "step":
        return [
            which,
            "n computes the next factor, f finishes the phase, p steps back.",
            f"Press n until the step panel's title says step {step.index + 1}.",
        ]
    size = "×".join(map(str, shape)) if shape else "a number"
    if task.kind == "predict":
        entry = task.entry or (0,) * step.value.ndim
        cell = scalar.cell(step, entry, stepper.network, notation.significant(6), v=v)
        at = ", ".join(map(str, entry))
        return [
            which,
            f"{words.symbol} is {size}; {cell.label} is its entry [{at}] = {cell.formula}.",
            f"{cell.label} = {cell.substitution}",
        ]
    return [which, f"{words.symbol} is {size}.", f"{words.formula}"]
