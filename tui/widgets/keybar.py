"""The footer: the screen's keys on one line, the command palette's key on the right.

Textual's Footer builds a widget per key, twice at start-up (empty, then once the bindings
are known); with thirteen keys that was a fifth of the app's start-up. This is one widget that
draws the same line and repaints when the bindings change. A click runs the key; hovering
shows the key's tooltip."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widget import Widget

from tui.textual_compat import active_bindings, on_bindings_changed, stop_bindings_changed

ALWAYS = ("answer_box", "hint", "help", "quit")  # actions whose keys never give way to the others (hint: in a lesson)


class KeyBar(Widget):
    ALLOW_SELECT = False
    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; color: $footer-foreground; background: $footer-background; }
    KeyBar > .keybar--key { color: $footer-key-foreground; background: $footer-key-background; text-style: bold; }
    KeyBar > .keybar--description { color: $footer-description-foreground; background: $footer-description-background; }
    KeyBar > .keybar--hover { background: $block-hover-background; }
    KeyBar > .keybar--separator { color: $foreground 20%; }
    """
    COMPONENT_CLASSES = {"keybar--key", "keybar--description", "keybar--hover", "keybar--separator"}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._spans: list[tuple[int, int, Binding]] = []  # where each key is drawn: start, end, binding
        self._hover: Binding | None = None

    def on_mount(self) -> None:
        on_bindings_changed(self, self.refresh)

    def on_unmount(self) -> None:
        stop_bindings_changed(self)

    def _keys(self) -> tuple[list[Binding], Binding | None]:
        """The bindings to show, one per action, and the command palette's."""
        active = active_bindings(self.screen)
        shown, actions = [], set()
        for binding in active.values():
            if binding.show and binding.action not in actions:
                actions.add(binding.action)
                shown.append(binding)
        palette = active.get(self.app.COMMAND_PALETTE_BINDING) if self.app.ENABLE_COMMAND_PALETTE else None
        return shown, palette

    def render(self) -> Text:
        style = self.get_component_rich_style
        key_style, description_style = style("keybar--key"), style("keybar--description")
        hover = style("keybar--hover")
        width = self.size.width
        shown, palette = self._keys()
        right = Text()
        if palette is not None:
            right.append("▏", style("keybar--separator"))
            right.append(self.app.get_key_display(palette), key_style)
            right.append(f" {palette.description} ", description_style)
        room = max(width - right.cell_len, 0)
        left = Text()
        self._spans = []

        def size(binding: Binding) -> int:
            return len(f" {self.app.get_key_display(binding)} {binding.description} ")

        # the keys that fit whole, in order; Help and Quit always (the others give way)
        free = room - sum(size(b) for b in shown if b.action in ALWAYS)
        fits, full = [], False
        for binding in shown:
            if binding.action not in ALWAYS:
                full = full or size(binding) > free
                if full:
                    continue
                free -= size(binding)
            fits.append(binding)
        for binding in fits:
            key, description = f" {self.app.get_key_display(binding)} ", f"{binding.description} "
            start = left.cell_len
            extra = hover if binding is self._hover else None
            left.append(key, key_style + extra if extra else key_style)
            left.append(description, description_style + extra if extra else description_style)
            self._spans.append((start, left.cell_len, binding))
        left.pad_right(room - left.cell_len)
        if palette is not None:
            self._spans.append((room, width, palette))
        left.append_text(right)
        return left

    def _at(self, x: int) -> Binding | None:
        return next((binding for start, end, binding in self._spans if start <= x < end), None)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        binding = self._at(event.x)
        if binding is not self._hover:
            self._hover = binding
            self.tooltip = (binding.tooltip or binding.description) if binding else None
            self.refresh()

    def on_leave(self) -> None:
        self._hover = None
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        binding = self._at(event.x)
        if binding is not None:
            self.app.simulate_key(binding.key.split(",")[0])
