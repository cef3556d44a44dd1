"""Every key is written once, in tui/keys.py: the main screen answers exactly those keys, and
the help screen and the README list each of them with the same meaning."""

from pathlib import Path

from textual.app import App
from textual.widgets import Markdown

from tui.app import BackpropApp
from tui.keys import ACTIONS, TEXTUAL_KEYS, key_table

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_readme_lists_every_key_with_its_meaning():
    assert key_table() in README.read_text(encoding="utf-8"), (
        "README's key table is not the one tui/keys.py makes; replace it with what this prints:\n"
        "python -c 'from tui.keys import key_table; print(key_table())'"
    )


async def test_the_help_screen_lists_every_key_with_its_meaning():
    app = BackpropApp("xor")
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.press("question_mark")
        shown = app.screen.query_one(Markdown).source
        assert key_table() in shown
        assert shown.count("| key |") == 1  # no second, hand-written table


async def test_the_main_screen_answers_exactly_the_listed_keys():
    app = BackpropApp("xor")
    async with app.run_test(size=(140, 45)):
        active = app.screen.active_bindings
        listed_textuals = {key for keys, _ in TEXTUAL_KEYS for key in keys.split(",")}
        assert listed_textuals <= set(active)
        unlisted = {binding.key for binding in App.BINDINGS}  # Ctrl+Q, Ctrl+C: Textual's own
        own = {key for key, bound in active.items() if bound.node is app} - listed_textuals - unlisted
        in_lessons = {a.name for a in ACTIONS if app.check_action(a.name, ()) is False}
        assert in_lessons == {"hint", "answer_box"}  # keys of a lesson's task only
        assert own == {key for a in ACTIONS if a.name not in in_lessons for key in a.keys.split(",")}
