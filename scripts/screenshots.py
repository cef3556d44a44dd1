"""Regenerate the SVG screenshots in screenshots/ (shown in the README), from the checkout
with the project installed:

    python scripts/screenshots.py

Each view is the app driven by keys in a fixed-size headless terminal, so the pictures are
reproducible. A maintainer's tool, so it lives outside the installed package."""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

from tui.app import BackpropApp

FOLDER = Path(__file__).resolve().parent.parent / "screenshots"
EXAMPLES = FOLDER.parent / "examples"


async def _chain(pilot) -> None:
    pilot.app.open_chain("W1", (0, 1))


async def _workers(pilot) -> None:
    await pilot.app.screen.workers.wait_for_complete()


def _trained(iterations: int = 3000):
    """Train on the fast path, then show it."""

    async def trained(pilot) -> None:
        pilot.app.stepper.run(iterations)
        pilot.app.refresh_view()
        await pilot.pause()

    return trained


async def _course(pilot) -> None:
    pilot.app.action_course()
    await pilot.pause()


def _lesson(number: int):
    """Open lesson `number` from the course and read on to its first task."""

    async def lesson(pilot) -> None:
        await _course(pilot)
        pilot.app.screen.query_one("OptionList").highlighted = number - 1
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("escape")  # past the lesson's text
        await pilot.pause()

    return lesson


def _answered(text: str):
    """Type an answer into the lesson's task box and submit it."""

    async def answered(pilot) -> None:
        pilot.app.query_one("#task-answer").value = text
        await pilot.press("enter")

    return answered


def _typed(text: str):
    """Type an answer into the dialog's input and submit it."""

    async def typed(pilot) -> None:
        pilot.app.screen.query_one("Input").value = text
        await pilot.press("enter")

    return typed


def _field(selector: str, value):
    """Set a field of the screen on top (the editor's), as a learner would."""

    async def field(pilot) -> None:
        pilot.app.screen.query_one(selector).value = value
        await pilot.pause()

    return field


# (file name, preset, keys to press or coroutines to run with the pilot, terminal size)
VIEWS = [
    ("start-xor", "xor", [], (140, 45)),
    ("forward-xor", "xor", ["n"] * 3, (140, 45)),
    ("backward-xor", "xor", ["n"] * 11, (140, 45)),
    ("backward-classification", "classification", ["n"] * 8, (140, 45)),
    ("update-two-outputs", "two-outputs", ["n"] * 16, (140, 45)),
    ("iteration-done-xor", "xor", ["i"], (140, 45)),
    ("single-sample-regression", "regression", ["right_square_bracket", "m"] + ["n"] * 9, (140, 45)),
    ("help", "xor", ["question_mark"], (140, 45)),
    ("small-terminal", "classification", ["n"] * 10, (80, 24)),
    ("chain-regression", "regression", ["n"] * 4 + [_chain], (140, 45)),
    ("quiz-xor", "xor", ["k", "n", "0", "full_stop", "5", "enter"], (140, 45)),
    ("v-names-xor", "xor", ["n"] * 13 + ["v"], (140, 45)),
    ("common-mistake-two-outputs", "two-outputs", ["c"] + ["n"] * 11, (140, 45)),
    ("gradient-check-classification", "classification", ["i", "g", _workers], (140, 45)),
    ("loss-plot-xor", "xor", [_trained(), "l"], (140, 45)),
    ("closed-form-regression", "regression", ["n"] * 14 + ["a"], (140, 45)),
    ("side-by-side-regression", "regression", ["m", "a", "tab", "tab", "s"], (140, 45)),
    ("derive-regression", "regression", ["s", "f", "f", "n", _typed("2*(A3 - Y)")], (140, 45)),
    ("loss-node-two-outputs", "two-outputs", ["v"] + ["n"] * 6, (140, 45)),
    ("course", "xor", [_course], (140, 45)),
    ("lesson-task-xor", "xor", [_lesson(3), _answered("0.25")], (140, 45)),
    ("adam-correction-xor", str(EXAMPLES / "xor-adam.toml"), ["n"] * 18, (140, 45)),
    ("adam-step-xor", str(EXAMPLES / "xor-adam.toml"), ["n"] * 20, (140, 45)),
    ("compare-optimizers-xor", str(EXAMPLES / "xor-momentum.toml"), ["C", _workers], (140, 45)),
    ("editor-xor", "xor", ["E", "ctrl+l", _field("#units-1", "3"), _field("Select#optimizer", "adam")], (140, 45)),
    ("editor-problem-regression", "regression", ["E", _field("#loss", "ce")], (100, 30)),
    ("map-xor-forming", "xor", [_trained(1000), "b"], (140, 45)),
    ("map-xor-learned", "xor", [_trained(6000), "b"], (140, 45)),
    ("map-moons-forming", "moons", [_trained(40), "b"], (140, 45)),
    ("map-moons-learned", "moons", [_trained(1000), "b"], (140, 45)),
    ("iris-trained", "iris", [_trained(100), "i"], (140, 45)),
    ("iris-predictions", "iris", [_trained(100), "b"], (140, 45)),
]


async def take(name: str, preset: str, keys: list[str], size: tuple[int, int]) -> Path:
    app = BackpropApp(preset)
    async with app.run_test(size=size) as pilot:
        for key in keys:
            await (key(pilot) if callable(key) else pilot.press(key))
        await pilot.pause()
        return Path(app.save_screenshot(filename=f"{name}.svg", path=str(FOLDER)))


def main() -> None:
    os.environ["COLORTERM"] = "truecolor"  # the colours of a truecolor terminal, whatever TERM says
    os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp()  # the course's progress: none, whoever runs it
    FOLDER.mkdir(exist_ok=True)
    for view in VIEWS:
        print(asyncio.run(take(*view)))


if __name__ == "__main__":
    main()
