"""Every use of a private or version-fragile Textual API, in one place.

Textual is pinned (8.2.8). tests/test_textual_compat.py checks each thing relied on here (the
private method exists, has its signature, behaves as used), so an upgrade that changes one
fails there by name, not as a wrong picture somewhere else. Public APIs are used where they are."""

from __future__ import annotations

from collections.abc import Callable

from textual.binding import Binding
from textual.geometry import Size
from textual.screen import Screen
from textual.scroll_view import ScrollView
from textual.widget import Widget
from textual.widgets import OptionList


def set_virtual_size(view: ScrollView, size: Size) -> None:
    """A new virtual size for a ScrollView whose own size the CSS fixes, without the
    virtual_size reactive's watcher, which lays the whole screen out again: only its
    scrollbars need the news (the private ScrollView._scroll_update), then a repaint."""
    view.set_reactive(ScrollView.virtual_size, size)
    view._scroll_update(size)
    view.refresh()


class RedrawnOnRepaint(Widget):
    """A widget that caches its drawing in `drawing` and draws again whenever Textual repaints
    it (a new view, a new theme, a new path): Widget.refresh overridden with Textual's signature."""

    drawing: list | None = None  # None: draw again

    def refresh(self, *regions, repaint: bool = True, layout: bool = False, recompose: bool = False):
        if repaint:
            self.drawing = None
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)


def on_bindings_changed(widget: Widget, callback: Callable[[], None]) -> None:
    """Call back when the keys of the widget's screen change (Screen.bindings_updated_signal,
    which Textual's Footer listens to and does not document). Undone by stop_bindings_changed."""
    widget.screen.bindings_updated_signal.subscribe(widget, lambda screen: callback())


def stop_bindings_changed(widget: Widget) -> None:
    widget.screen.bindings_updated_signal.unsubscribe(widget)


def active_bindings(screen: Screen) -> dict[str, Binding]:
    """The keys the screen answers now, by key, in Textual's order (Screen.active_bindings, which
    Textual's Footer reads; each of its values is an ActiveBinding whose .binding is the Binding)."""
    return {key: active.binding for key, active in screen.active_bindings.items()}


class PagedWithoutRoom(OptionList):
    """Textual 8.2.8's OptionList pages by its laid-out lines, which a list with no room (a short
    terminal squeezes it to its borders, yet it keeps the focus) never has: PgUp / PgDn raised
    KeyError. It pages only when it has room."""

    def action_page_up(self) -> None:
        if self.scrollable_content_region:
            super().action_page_up()

    def action_page_down(self) -> None:
        if self.scrollable_content_region:
            super().action_page_down()
