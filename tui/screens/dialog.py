"""The base of every modal screen: closing twice is harmless.

A fast typist's second Enter or Escape can arrive after a dialog was dismissed but before it
left the screen stack; dismissing again would pop the main screen and end the app."""

from __future__ import annotations

from typing import TypeVar

from textual.screen import ModalScreen

Result = TypeVar("Result")


class Dialog(ModalScreen[Result]):
    AUTO_FOCUS = "*"  # the app focuses nothing at start; a dialog focuses its first input or list

    def close(self, result: Result | None = None) -> None:
        if self.is_current:
            self.dismiss(result)

    def action_close(self) -> None:
        self.close(None)
