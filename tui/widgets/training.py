"""The training bar under the panels while `t` runs: how far, the latest loss, Esc to stop."""

from __future__ import annotations

from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar


class TrainingBar(Horizontal):
    """Hidden between runs; its label and bar are built when training first starts (a faster
    start-up)."""

    async def start(self, count: int) -> None:
        if not self.children:
            await self.mount(Label(id="training-label"), ProgressBar(id="training-bar", show_eta=False))
        self.display = True
        self.query_one(ProgressBar).update(total=count, progress=0)

    def show(self, done: int, count: int, loss: str) -> None:
        self.query_one(ProgressBar).update(progress=done)
        self.query_one(Label).update(f"training {done:,}/{count:,} · loss {loss} · Esc stops ")

    def stop(self) -> None:
        self.display = False
