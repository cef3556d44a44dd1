"""Text from outside the app (a network file's name, a path, typed text, messages quoting them)
is data: never Textual markup, never a raw terminal escape, wherever the app draws it."""

import pytest
from textual.widgets import Input, Label, Static

from engine.network import loads
from tui.app import BackpropApp
from tui.screens.chain import ChainPrompt
from tui.screens.prompts import OpenPrompt, SavePrompt
from tui.text import literal

SIZE = (140, 45)
TINY = """\
name = {name}
inputs = 1
loss = "mse"
learning_rate = 0.1
[[layers]]
units = 1
activation = "identity"
[data]
X = [[1.0]]
Y = [[2.0]]
"""
MARKUP_NAMES = ["[@click=app.screenshot('x.sh','.')]XOR[/]", "[/]", "[x=", "[b]bold", "[link=x]x[/link]"]


def network(name: str):
    return loads(TINY.format(name='"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'))


def notifications(app) -> list[str]:
    return [n.message for n in app._notifications]


@pytest.mark.parametrize("name", MARKUP_NAMES)
async def test_a_network_name_is_shown_as_written_and_clicking_it_runs_nothing(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    app = BackpropApp(network(name))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        status = app.query_one("#status", Static)
        assert name in str(status.render())  # the name as written, brackets and all
        await pilot.click("#status", offset=(2, 0))
        await pilot.click("#status", offset=(len(name) // 2, 0))
        await pilot.pause()
    assert list(tmp_path.iterdir()) == []  # no screenshot written anywhere


async def test_typed_paths_and_names_quoted_in_messages_are_not_markup(tmp_path):
    app = BackpropApp("xor")
    async with app.run_test(size=SIZE) as pilot:
        # o: a path that does not exist, quoted in the error notification
        await pilot.press("o")
        assert isinstance(app.screen, OpenPrompt)
        bad = str(tmp_path / "[/]missing[x=.toml")
        app.screen.query_one("#path", Input).value = bad
        app.screen.query_one("#path", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert any("[/]missing[x=" in message for message in notifications(app))
        # w: a weight name that does not parse, quoted in the dialog's error line
        await pilot.press("w")
        assert isinstance(app.screen, ChainPrompt)
        app.screen.query_one(Input).value = "[/]W9[x="
        await pilot.press("enter")
        await pilot.pause()
        assert "[/]W9[x=" in str(app.screen.query_one("#chain-error", Label).render())
        await pilot.press("escape")
        # Ctrl+S: a folder whose name is markup
        folder = tmp_path / "[b]folder[x="
        folder.mkdir()
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, SavePrompt)
        app.screen.query_one(Input).value = str(folder)
        await pilot.press("enter")
        await pilot.pause()
        assert "[b]folder[x= is a folder" in str(app.screen.query_one("#save-note", Label).render())


async def test_notifications_never_read_markup():
    app = BackpropApp("xor")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.notify("[@click=app.quit]quit[/] [/] [x=", title="[b]t")
        await pilot.pause()
        toast = app.screen.query("Toast").last()
        assert "[@click=app.quit]quit[/] [/] [x=" in str(toast.render())


def test_control_characters_are_shown_as_escapes_never_sent_to_the_terminal():
    text = "a\x1b[2Jb\x07c\x9bd\x7fe\tf"
    shown = str(literal(text))
    assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in shown)
    assert shown == "a\\x1b[2Jb\\x07c\\x9bd\\x7fe\\x09f"
