"""The base of every modal screen: closing twice is harmless.

A fast typist's second Enter or Escape can arrive after a dialog was dismissed but before it
left the screen stack; dismissing again would pop the main screen and end the app."""

from __future__ import annotations

from typing import TypeVar

from textual.binding import Binding
from textual.screen import ModalScreen

Result = TypeVar("Result")


class Dialog(ModalScreen[Result]):
    AUTO_FOCUS = "*"  # the app focuses nothing at start; a dialog focuses its first input or list

    def close(self, result: Result | None = None) -> None:
        if self.is_current:
            self.dismiss(result)

    def action_close(self) -> None:
        self.close(None)


class LiveDialog(Dialog[None]):
    """A dialog that a training run feeds as it goes (the loss plot, the map): Esc stops the run
    first, then closes. The app sets `training` at each hand-over."""

    BINDINGS = [Binding("escape", "escape", "Close (or stop training)")]
    training = False

    def follow(self, losses: list[float], params: dict, where: str) -> None:
        """The run's latest: every finished iteration's loss, the parameters as they stand, and
        where the walk is in words; each screen shows what it draws."""
        raise NotImplementedError

    async def action_escape(self) -> None:
        if self.training:
            await self.run_action("app.stop_training")
        else:
            self.close()
