"""Regenerate the SVG screenshots in screenshots/ (shown in the README):

    python -m tui.screenshots

Each view is the app driven by keys in a fixed-size headless terminal, so the pictures are
reproducible."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tui.app import BackpropApp

FOLDER = Path(__file__).resolve().parent.parent / "screenshots"

# (file name, preset, keys to press, terminal size)
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
]


async def take(name: str, preset: str, keys: list[str], size: tuple[int, int]) -> Path:
    app = BackpropApp(preset)
    async with app.run_test(size=size) as pilot:
        for key in keys:
            await pilot.press(key)
        await pilot.pause()
        return Path(app.save_screenshot(filename=f"{name}.svg", path=str(FOLDER)))


def main() -> None:
    FOLDER.mkdir(exist_ok=True)
    for view in VIEWS:
        print(asyncio.run(take(*view)))


if __name__ == "__main__":
    main()
