"""Text from outside the app (a network file's name, a path, typed text, an error message that
quotes them) is drawn as data: never read as Textual markup (a name such as
"[@click=app.screenshot(...)]" would be a link that writes files), and control characters are
shown as escapes (\\x1b), never sent to the terminal."""

from __future__ import annotations

from textual.content import Content

from engine.files import printable  # C0, DEL, C1 as \\xNN; line separators as \\uNNNN


def literal(text: str) -> Content:
    """The text exactly as written, as Content: no markup, no control characters."""
    return Content(printable(text))
