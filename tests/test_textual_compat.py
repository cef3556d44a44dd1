"""What tui/textual_compat.py relies on in Textual's private or undocumented API: each test
fails, by name, when an upgrade changes it."""

from __future__ import annotations

import errno
import inspect
import os
import signal
import sys

from textual.app import App
from textual.binding import ActiveBinding, Binding
from textual.drivers.linux_driver import LinuxDriver
from textual.geometry import Region, Size
from textual.screen import Screen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from tui.textual_compat import (
    RedrawnOnRepaint,
    StylesKept,
    TerminalDriver,
    _Output,
    active_bindings,
    on_bindings_changed,
    set_border_subtitle,
    set_virtual_size,
    stop_bindings_changed,
)


class Tall(ScrollView):
    DEFAULT_CSS = "Tall { height: 5; overflow-y: scroll; }"


class Drawn(RedrawnOnRepaint):
    pass


class OneWidget(App):
    """An app that shows one widget (nothing takes the focus by itself)."""

    AUTO_FOCUS = None

    def __init__(self, widget: Widget):
        super().__init__()
        self.widget = widget

    def compose(self):
        yield self.widget


async def test_set_virtual_size_moves_the_scrollbar_without_a_layout():
    app = OneWidget(Tall())
    async with app.run_test(size=(40, 10)) as pilot:
        view = app.query_one(Tall)
        layouts = []
        refresh = view.refresh
        view.refresh = lambda *regions, **kwargs: layouts.append(kwargs.get("layout")) or refresh(*regions, **kwargs)
        set_virtual_size(view, Size(10, 50))
        await pilot.pause()
        assert view.virtual_size == Size(10, 50) and view.vertical_scrollbar.window_virtual_size == 50
        assert True not in layouts
        view.scroll_to(y=20, animate=False)  # the new size is scrollable at once
        assert view.scroll_y == 20
        view.virtual_size = Size(10, 60)  # the reactive itself asks for a layout: what is avoided
        assert True in layouts


def test_scroll_update_is_the_private_method_set_virtual_size_calls():
    assert list(inspect.signature(ScrollView._scroll_update).parameters) == ["self", "virtual_size"]


def test_refresh_has_the_signature_redrawn_on_repaint_overrides():
    parameters = inspect.signature(Widget.refresh).parameters
    assert [(p.name, p.kind, p.default) for p in parameters.values()] == [
        ("self", inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.empty),
        ("regions", inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.empty),
        ("repaint", inspect.Parameter.KEYWORD_ONLY, True),
        ("layout", inspect.Parameter.KEYWORD_ONLY, False),
        ("recompose", inspect.Parameter.KEYWORD_ONLY, False),
    ]


async def test_a_new_theme_repaints_through_refresh():
    app = OneWidget(Drawn())
    async with app.run_test(size=(40, 10)) as pilot:
        drawn = app.query_one(Drawn)
        drawn.drawing = ["kept"]
        app.theme = "textual-light"
        await pilot.pause()
        assert drawn.drawing is None


async def test_a_refresh_of_regions_keeps_the_drawing():
    """NetworkDiagram.show draws, then refreshes only the rows that changed: those repaint from
    the drawing it has just made."""
    app = OneWidget(Drawn())
    async with app.run_test(size=(40, 10)) as pilot:
        drawn = app.query_one(Drawn)
        drawn.drawing = ["kept"]
        drawn.refresh(Region(0, 1, 10, 1))
        await pilot.pause()
        assert drawn.drawing == ["kept"]
        drawn.refresh()
        assert drawn.drawing is None


class Parts(StylesKept, can_focus=True):
    COMPONENT_CLASSES = {"parts--ink"}
    DEFAULT_CSS = """
    Parts { height: 3; }
    Parts .parts--ink { color: $accent; }
    Parts:focus .parts--ink { color: red; }
    Parts.-loud .parts--ink { color: green; }
    """


def ink(parts: Parts) -> str:
    return parts.get_component_rich_style("parts--ink").color.name


async def test_component_styles_kept_through_a_refresh_of_regions():
    """What StylesKept is for: Textual forgets its own at any refresh."""
    app = OneWidget(Parts())
    async with app.run_test(size=(40, 10)):
        parts = app.query_one(Parts)
        style = parts.get_component_rich_style("parts--ink")
        parts.refresh(Region(0, 1, 10, 1))
        assert parts._rich_style_cache == {}  # Textual's own: gone
        assert parts.get_component_rich_style("parts--ink") is style


async def test_component_styles_follow_a_pseudo_class_a_class_and_a_theme():
    """Each way a component style changes reaches StylesKept: a pseudo-class (:focus) and a class
    change the widget's component styles (Textual then repaints it whole), a theme its own."""
    app = OneWidget(Parts())
    async with app.run_test(size=(40, 10)) as pilot:
        parts = app.query_one(Parts)
        accent = ink(parts)
        assert accent not in ("#ff0000", "#008000")
        parts.focus()
        await pilot.pause()
        assert ink(parts) == "#ff0000"
        parts.blur()
        parts.add_class("-loud")
        await pilot.pause()
        assert ink(parts) == "#008000"
        parts.remove_class("-loud")
        await pilot.pause()
        assert ink(parts) == accent
        app.theme = "nord"
        await pilot.pause()
        assert ink(parts) != accent


class Boxed(Widget):
    DEFAULT_CSS = "Boxed { border: round white; height: 6; padding: 0 1; }"

    def __init__(self):
        super().__init__()
        self.lines_drawn: list[int] = []

    def render_line(self, y: int) -> Strip:
        self.lines_drawn.append(y)
        return Strip.blank(self.size.width)


async def test_a_new_border_subtitle_repaints_only_the_bottom_row():
    app = OneWidget(Boxed())
    async with app.run_test(size=(40, 10)) as pilot:
        boxed = app.query_one(Boxed)
        set_border_subtitle(boxed, "1/20")
        await pilot.pause()
        assert "1/20" in boxed.border_subtitle
        boxed.lines_drawn.clear()
        set_border_subtitle(boxed, "2/20 [b]x[/b]")  # literal: no markup
        await pilot.pause()
        assert boxed.lines_drawn == []  # no content line drawn again
        bottom = app.screen._compositor.render_strips()[5].text
        assert bottom.startswith("╰") and "2/20 [b]x[/b]" in bottom
        set_border_subtitle(boxed, "2/20 [b]x[/b]")
        await pilot.pause()
        assert boxed.lines_drawn == []
        boxed.border_subtitle = "3/20"  # Textual's own setter: every line (what is avoided)
        await pilot.pause()
        assert len(boxed.lines_drawn) == 4


async def test_the_bindings_signal_fires_when_the_keys_change():
    app = OneWidget(Static())
    async with app.run_test(size=(40, 10)) as pilot:
        calls = []
        static = app.query_one(Static)
        on_bindings_changed(static, lambda: calls.append(1))
        app.push_screen(Screen())
        await pilot.pause()
        app.pop_screen()
        await pilot.pause()
        assert calls
        stop_bindings_changed(static)
        assert static not in app.screen.bindings_updated_signal._subscriptions


def test_active_bindings_carry_their_binding_by_name():
    assert "binding" in ActiveBinding._fields  # active_bindings reads active_binding.binding


async def test_active_bindings_are_the_screens_keys_as_bindings():
    class Host(App):
        BINDINGS = [Binding("n", "next", "Next"), Binding("p", "previous", "Previous", show=False)]

        def compose(self):
            yield Static()

    app = Host()
    async with app.run_test(size=(40, 10)):
        keys = active_bindings(app.screen)
        assert all(isinstance(binding, Binding) for binding in keys.values())
        assert keys["n"].action == "next" and keys["p"].action == "previous" and not keys["p"].show
        assert keys[app.COMMAND_PALETTE_BINDING].action == "command_palette"
        assert list(keys) == list(app.screen.active_bindings)  # Textual's order, which KeyBar shows


def test_app_display_is_the_hook_the_benchmarks_time():
    """benchmarks/probe.py wraps App._display to time the frames a key paints."""
    assert list(inspect.signature(App._display).parameters)[:3] == ["self", "screen", "renderable"]


async def test_terminal_driver_wraps_the_writer_threads_file_and_both_signal_handlers(monkeypatch):
    installed = {}
    monkeypatch.setattr(signal, "signal", lambda signum, handler: installed.setdefault(signum, handler))
    with open(os.devnull) as stdin:  # not a terminal: no hang-up watch
        monkeypatch.setattr(sys, "__stdin__", stdin)
        driver = TerminalDriver(App())
    assert isinstance(driver._file, _Output) and driver._file.file is sys.__stderr__
    assert "WriterThread(self._file)" in inspect.getsource(LinuxDriver.start_application_mode)
    assert installed == {signal.SIGTSTP: driver._sigtstp_application, signal.SIGCONT: driver._sigcont_application}
    resumed = []
    monkeypatch.setattr(driver, "resume_application_mode", lambda: resumed.append(1))
    driver._sigcont_application()  # a SIGCONT without a SIGTSTP (timeout sends one after SIGTERM)
    assert resumed == []
    driver._suspended = True  # as SIGTSTP leaves it
    driver._sigcont_application()
    assert resumed == [1]


def test_a_terminal_that_fails_a_write_hangs_up_once_and_is_written_no_more():
    class Gone:
        writes = 0

        def write(self, text=""):
            self.writes += 1
            raise OSError(errno.EIO, "Input/output error")

        flush = write

    file, hung_up = Gone(), []
    out = _Output(file, lambda: hung_up.append(1))
    out.write("frame")
    out.flush()
    out.write("another")
    assert hung_up == [1] and file.writes == 1
