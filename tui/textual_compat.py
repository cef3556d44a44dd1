"""Every use of a private or version-fragile Textual API, in one place.

Textual is pinned (8.2.8). tests/test_textual_compat.py checks each thing relied on here (the
private method exists, has its signature, behaves as used), so an upgrade that changes one
fails there by name, not as a wrong picture somewhere else. Public APIs are used where they are."""

from __future__ import annotations

import os
import select
import signal
import threading
from collections.abc import Callable

from rich.style import Style
from textual.binding import Binding
from textual.content import Content
from textual.driver import Driver
from textual.drivers.linux_driver import LinuxDriver
from textual.geometry import Region, Size
from textual.screen import Screen
from textual.scroll_view import ScrollView
from textual.widget import Widget


def set_virtual_size(view: ScrollView, size: Size) -> None:
    """A new virtual size for a ScrollView whose own size the CSS fixes, without the
    virtual_size reactive's watcher, which lays the whole screen out again: only its
    scrollbars need the news (the private ScrollView._scroll_update, which also keeps the
    scroll offset within the new size). The caller repaints what changed."""
    view.set_reactive(ScrollView.virtual_size, size)
    view._scroll_update(size)


def set_border_subtitle(widget: Widget, subtitle: str) -> None:
    """A new subtitle, repainting only the bottom border's row: Widget.border_subtitle's setter
    repaints every line of the widget, even for the same subtitle, and the step list's (i/n)
    changes every key. The subtitle is kept where the setter keeps it (the private
    Widget._border_subtitle, as Content), as literal text: no markup."""
    if widget.border_subtitle == subtitle:
        return
    if not widget.is_mounted or not widget.outer_size:
        widget.border_subtitle = Content(subtitle)
        return
    widget._border_subtitle = Content(subtitle).expand_tabs(4).split()[0]
    x, y = widget.content_offset  # refresh's regions are relative to the content
    width, height = widget.outer_size
    widget.refresh(Region(-x, height - 1 - y, width, 1))


class StylesKept(Widget):
    """A widget that keeps its component styles (get_component_rich_style) until Textual repaints
    it whole or its own styles change. Textual forgets them at every refresh, one of a few lines
    included, and a key refreshes lines many times: each lookup walks the widget's ancestors'
    styles (about 2 ms of a key in all). Textual repaints a widget whole when its component
    styles change (Stylesheet._process_component_classes) and calls notify_style_update when
    its own do (a new theme, a pseudo-class such as :focus)."""

    _kept_styles: dict | None = None

    def get_component_rich_style(self, *names: str, partial: bool = False, default: Style | None = None) -> Style:
        if self._kept_styles is None:
            self._kept_styles = {}
        key = (names, partial, default)
        style = self._kept_styles.get(key)
        if style is None:
            style = super().get_component_rich_style(*names, partial=partial, default=default)
            self._kept_styles[key] = style
        return style

    def notify_style_update(self) -> None:
        self._kept_styles = None
        super().notify_style_update()

    def refresh(self, *regions, repaint: bool = True, layout: bool = False, recompose: bool = False):
        if repaint and not regions:
            self._kept_styles = None
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)


class RedrawnOnRepaint(StylesKept):
    """A widget that caches its drawing in `drawing` and draws again whenever Textual repaints
    it whole (a new theme, a new size, a new path): Widget.refresh overridden with Textual's
    signature. A refresh of regions repaints them from a drawing the widget has already made."""

    drawing: list | None = None  # None: draw again

    def refresh(self, *regions, repaint: bool = True, layout: bool = False, recompose: bool = False):
        if repaint and not regions:
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


class TerminalDriver(LinuxDriver):
    """Textual's LinuxDriver for a terminal that goes away (a closed window, a killed tmux pane).

    Textual 8.2.8's, once its terminal hangs up without a SIGHUP (`timeout` runs the app in a
    process group of its own): the writer thread dies of the first EIO, the app then blocks for
    ever on its full queue (deaf to SIGTERM), the input thread reads end-of-file in a busy loop,
    and any SIGCONT (timeout sends one after its SIGTERM) starts a second input thread that
    keeps the process alive. Here a terminal that hangs up or fails a write is a SIGHUP (the
    app saves its session and ends), what it cannot take is dropped, and SIGCONT resumes only
    what SIGTSTP suspended. Relies on LinuxDriver's _file (the writer thread's file) and its
    two signal handlers, which __init__ installs."""

    def __init__(self, app, **kwargs):
        super().__init__(app, **kwargs)
        self._file = _Output(self._file, self._hang_up)
        self._hung_up = self._suspended = False
        if self.input_tty:
            threading.Thread(target=self._wait_for_hang_up, daemon=True, name="hang-up").start()

    def _wait_for_hang_up(self) -> None:
        poll = select.poll()
        poll.register(self.fileno, 0)  # no events: only a hang-up or an error wakes it, never a key
        if any(events & (select.POLLHUP | select.POLLERR) for _, events in poll.poll()):
            self._hang_up()

    def _hang_up(self) -> None:
        if not self._hung_up:
            self._hung_up = True
            os.kill(os.getpid(), signal.SIGHUP)

    def _sigtstp_application(self, *args) -> None:
        self._suspended = True
        super()._sigtstp_application(*args)

    def _sigcont_application(self, *args) -> None:
        if self._suspended and not self._hung_up:
            self._suspended = False
            super()._sigcont_application(*args)


class _Output:
    """The terminal as the writer thread writes to it: the first failure (EIO: it is gone) hangs
    up, and nothing is written after it."""

    def __init__(self, file, hang_up: Callable[[], None]):
        self.file, self.hang_up, self.broken = file, hang_up, False

    def write(self, text: str) -> None:
        self._do(self.file.write, text)

    def flush(self) -> None:
        self._do(self.file.flush)

    def fileno(self) -> int:
        return self.file.fileno()

    def _do(self, call, *args) -> None:
        if self.broken:
            return
        try:
            call(*args)
        except OSError:
            self.broken = True
            self.hang_up()


def driver_for(default: type[Driver]) -> type[Driver]:
    """TerminalDriver in place of Textual's LinuxDriver (App.get_driver_class's on Linux and macOS)."""
    return TerminalDriver if default is LinuxDriver else default
