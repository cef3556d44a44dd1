"""Nothing breaks, nothing is lost: divergence, tiny terminals, random keys, saving, resuming."""

import gc
import json
import random
import subprocess
import sys

import numpy as np
import pytest
from textual import events
from textual.widgets import Static

from engine.divergence import locate
from engine.network import load
from engine.presets import names
from engine.presets import path as preset_path
from engine.training import train
from tui.app import MIN_SIZE, BackpropApp
from tui.cli import main
from tui.screens.prompts import SavePrompt
from tui.session import load_place
from tui.widgets.panels import StepPanel

SIZE = (140, 45)


@pytest.fixture
def exploding(tmp_path):
    """The regression preset with a learning rate of 50: it diverges at iteration 78."""
    text = preset_path("regression").read_text().replace("learning_rate = 0.05", "learning_rate = 50.0")
    target = tmp_path / "exploding.toml"
    target.write_text(text)
    return target


def step_text(app) -> str:
    return app.query_one(StepPanel).text.plain


# -- divergence ---------------------------------------------------------------------------------


def test_training_stops_at_the_first_non_finite_loss_and_finds_the_step(exploding):
    net = load(exploding)
    result = train(net, 1000)
    assert result.diverged and result.iterations == 77 and len(result.losses) == 77
    assert all(np.isfinite(result.losses))
    found = locate(net, result.previous, result.params, net.X, net.Y, result.iterations)
    assert found.iteration == 77 and found.step.kind == "loss" and not np.isfinite(found.value)
    assert "learning rate (η = 50) is too large" in found.explanation


def test_train_and_trace_warn_and_exit_3_with_strict_json(exploding, capsys):
    assert main(["train", str(exploding), "-n", "1000"]) == 3
    out, err = capsys.readouterr()
    assert "stopped after 77 iterations" in out
    assert "diverged at iteration 78, step 7" in err and "Traceback" not in err
    assert main(["trace", str(exploding), "-n", "200", "--format", "json"]) == 3
    out, err = capsys.readouterr()
    assert "NaN" not in out and "Infinity" not in out
    doc = json.loads(out)
    assert len(doc["iterations"]) == 78 and doc["iterations"][-1]["loss"] is None
    assert "iteration 78, step 7" in err


def test_numpy_warnings_never_reach_the_terminal(exploding):
    for argv in (
        ["train", str(exploding), "-n", "500"],
        ["trace", str(exploding), "-n", "100"],
        ["check", str(exploding)],
    ):
        proc = subprocess.run(
            [sys.executable, "-W", "default", "-c", "from tui.cli import entry; entry()", *argv],
            capture_output=True,
            text=True,
        )
        assert "RuntimeWarning" not in proc.stderr and "Traceback" not in proc.stderr


async def test_the_app_stops_training_marks_the_value_and_keeps_undo(exploding):
    app = BackpropApp(str(exploding))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t", *"500", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.stepper.iteration == 77
        assert any("diverged at iteration 78, step 7" in n.message for n in app._notifications)
        for _ in range(7):
            await pilot.press("n")
        assert "⚠ not finite from iteration 78, step 7" in step_text(app)
        await pilot.press("p")
        assert "⚠" not in step_text(app)
        for _ in range(7):
            await pilot.press("p")
        assert (app.stepper.iteration, app.stepper.cursor) == (76, app.stepper.total)


# -- tiny terminals -----------------------------------------------------------------------------


async def test_tiny_terminals_say_so_and_a_resize_back_restores_everything():
    app = BackpropApp("classification")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "n", "n")
        before = step_text(app)
        for width, height in [
            (1, 1),
            (2, 1),
            (1, 7),
            (10, 3),
            (MIN_SIZE[0] - 1, MIN_SIZE[1]),
            (MIN_SIZE[0], MIN_SIZE[1] - 1),
        ]:
            await pilot.resize_terminal(width, height)
            await pilot.pause()
            assert app.screen.has_class("-too-small")
            shown = [child.id for child in app.screen.children if child.display]
            assert shown == ["too-small"], shown  # the message alone, no panel under it (a fresh user saw them)
            message = str(app.query_one("#too-small", Static).content)
            assert message == f"terminal too small: need {MIN_SIZE[0]} × {MIN_SIZE[1]}, have {width} × {height}"
            await pilot.press("question_mark", "escape", "z", "escape")
        await pilot.resize_terminal(*MIN_SIZE)
        await pilot.pause()
        assert not app.screen.has_class("-too-small")
        await pilot.resize_terminal(*SIZE)
        await pilot.pause()
        assert step_text(app) == before and app.stepper.cursor == 3
        assert app.query_one("#top").display and app.query_one("#updates").display


# -- random keys --------------------------------------------------------------------------------

KEYS = [
    "n",
    "p",
    "f",
    "i",
    "r",
    "m",
    "left_square_bracket",
    "right_square_bracket",
    "d",
    "z",
    "escape",
    "tab",
    "question_mark",
    "f1",
    "o",
    "t",
    "enter",
    "up",
    "down",
    "left",
    "right",
    "ctrl+s",
    "home",
    "end",
    "pageup",
    "pagedown",
    "space",
    "backspace",
    "x",
    "1",
    "0",
    "5",
    "k",
    "e",
    "g",
    "w",
    "l",
    "c",
    "v",
    "y",
    "ctrl+r",
    "ctrl+n",
    "shift+tab",
    "minus",
    "full_stop",
]


async def send_keys(pilot, keys):
    """Keys as a fast typist sends them: queued without waiting for each frame."""
    app = pilot.app
    for key in keys:
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(app)
        app._driver.send_message(event)
    await pilot.pause()


@pytest.mark.parametrize("preset", names())
async def test_a_thousand_random_keys_and_resizes(preset, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # Ctrl+S may save a file here
    rnd = random.Random(f"keys-{preset}")
    app = BackpropApp(preset)
    async with app.run_test(size=SIZE) as pilot:
        for batch in range(25):
            await send_keys(pilot, [rnd.choice(KEYS) for _ in range(40)])
            if batch % 5 == 4:
                await pilot.resize_terminal(rnd.randint(1, 200), rnd.randint(1, 60))
                await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.resize_terminal(*SIZE)
        await pilot.pause()
        assert app.is_running and app._exception is None
        while app.screen is not app.screen_stack[0]:
            app.pop_screen()
        await pilot.pause()
        if app.quiz is not None:  # k ends the quiz, so that n steps
            await pilot.press("k")
        await pilot.press("r", "n")
        assert app.stepper.cursor == 1 and app.stepper.step.words(app.view.v_names).formula in step_text(app)


@pytest.mark.parametrize("preset", names())
async def test_k_nexts_then_k_backs_give_back_the_very_same_screen(preset):
    app = BackpropApp(preset)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        await pilot.pause()
        before = app.export_screenshot()
        for k in (1, 5, app.stepper.total + 3):
            await pilot.press(*["n"] * k)
            await pilot.press(*["p"] * k)
            await pilot.pause()
            assert app.export_screenshot() == before, k


# -- saving -------------------------------------------------------------------------------------


async def test_ctrl_s_saves_the_current_parameters_and_asks_before_overwriting(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = BackpropApp("xor")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i", "i", "n", "n")
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, SavePrompt)
        assert app.screen.query_one("#save-path").value == "xor-2-2-1.toml"
        await pilot.press("enter")
        saved = load(tmp_path / "xor-2-2-1.toml")
        for name, value in app.stepper.params.items():
            np.testing.assert_array_equal(saved.params[name], value)
        await pilot.press("i", "ctrl+s", "enter")
        assert isinstance(app.screen, SavePrompt)
        assert "exists: Enter again to overwrite" in str(app.screen.query_one("#save-note", Static).content)
        await pilot.press("enter")
        assert not isinstance(app.screen, SavePrompt)
        again = load(tmp_path / "xor-2-2-1.toml")
        np.testing.assert_array_equal(again.params["W1"], app.stepper.params["W1"])
        assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


async def test_a_failed_save_says_so_and_loses_nothing(tmp_path, monkeypatch):
    import engine.network

    monkeypatch.chdir(tmp_path)
    (tmp_path / "kept.toml").write_text("old contents")

    def disk_full(path, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(engine.files, "write_atomic_bytes", disk_full)
    app = BackpropApp("xor")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "ctrl+s", "ctrl+a")
        app.screen.query_one("#save-path").value = "kept.toml"
        await pilot.press("enter", "enter")
        await pilot.pause()
        assert any("Cannot save kept.toml: No space left on device" in n.message for n in app._notifications)
        assert (tmp_path / "kept.toml").read_text() == "old contents"
        await pilot.press("ctrl+s")
        app.screen.query_one("#save-path").value = str(tmp_path / "no" / "such" / "folder.toml")
        await pilot.press("enter")
        await pilot.pause()
        assert app.stepper.cursor == 1 and len(list(tmp_path.iterdir())) == 1


# -- resuming -----------------------------------------------------------------------------------


async def test_resume_reopens_exactly_where_the_learner_was(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    app = BackpropApp("regression", remember=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i", "n", "m", "right_square_bracket", *["n"] * 11, "d")
        await pilot.pause()
        screen = app.export_screenshot()
        state = (app.stepper.iteration, app.stepper.cursor, app.stepper.sample, app.view.digits)
    place = load_place()
    again = BackpropApp(place=place, remember=True)
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert (again.stepper.iteration, again.stepper.cursor, again.stepper.sample, again.view.digits) == state
        assert again.export_screenshot() == screen
        await pilot.press("r")
    assert load_place().iteration == 0  # the reset was kept too
    window = again.session.id  # iteration 1 needs no parameters file; the first window's place is gone
    assert {p.name for p in (tmp_path / "backprop-tui").iterdir()} == {
        f"session-{window}.json",
        f"network-{window}-1.toml",
        f"network-{window}-1.data.npz",
        "sessions.lock",
    }


async def test_resizing_and_keys_while_training_touch_nothing_the_worker_changes():
    app = BackpropApp("xor")
    async with app.run_test(size=SIZE) as pilot:
        app.stepper.history_bytes = 1  # keep two checkpoints: the worker evicts while it runs
        await pilot.press("t", *"20000", "enter")
        for size in [(100, 30), (140, 45), (30, 10), (140, 45)]:
            await pilot.resize_terminal(*size)
            await pilot.press("z", "d", "n")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app._exception is None and app.stepper.iteration == 20000
        app.stepper.goto(0)  # an `n` may have landed after the run ended
        assert app.stepper.back() and app.stepper.iteration == 19999


async def test_only_the_ui_thread_changes_the_stepper_while_training():
    """The training thread computes on copies it owns; the app applies its iterations."""
    import threading

    from engine.stepper import Stepper

    app = BackpropApp("xor")
    changed_on = set()
    originals = {
        name: getattr(Stepper, name)
        for name in ("run", "add_run", "next", "_goto", "_remember")
        if hasattr(Stepper, name)
    }

    def spied(name):
        def method(self, *args, **kwargs):
            changed_on.add(threading.current_thread() is threading.main_thread())
            return originals[name](self, *args, **kwargs)

        return method

    try:
        for name in originals:
            setattr(Stepper, name, spied(name))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("t", *"3000", "enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.stepper.iteration == 3000
    finally:
        for name, method in originals.items():
            setattr(Stepper, name, method)
    assert changed_on == {True}


async def test_the_step_lists_keys_before_it_was_ever_drawn():
    # A terminal too small from the start: the list has never had the width to wrap its steps.
    app = BackpropApp("xor")
    async with app.run_test(size=(30, 10)) as pilot:
        app.query_one("#steps").focus()
        await pilot.press("n", "down", "pagedown", "pageup", "end", "home", "enter")
        await pilot.resize_terminal(140, 45)  # drawn now: the mark it was given, then Enter
        await pilot.pause()
        await pilot.press("end", "enter")
        await pilot.pause()
        assert app.is_running and app._exception is None
        assert app.stepper.cursor == app.stepper.total


async def test_page_keys_on_the_step_list_while_it_has_no_room():
    # Found by the random keys: the focused step list, squeezed to no lines in a short terminal,
    # raised KeyError on PgUp in Textual 8.2.8.
    app = BackpropApp("xor")
    async with app.run_test(size=SIZE) as pilot:
        app.query_one("#steps").focus()
        await pilot.press("n", "n")
        for width, height in ((140, 22), (90, 30), (30, 10)):  # short, narrow, too small
            await pilot.resize_terminal(width, height)
            await pilot.pause()
            await pilot.press("v", "pageup", "pagedown")
            await pilot.pause()
        await pilot.pause()
        assert app.is_running and app._exception is None


async def test_the_collector_is_tuned_while_the_app_runs_and_restored_after():
    """gc_tuning: collections of the youngest generation every 10,000 allocations while the app
    runs (at 700, about 10 a key), what start-up left frozen; Python's own settings after."""
    before = gc.get_threshold()
    app = BackpropApp("xor")
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.pause()
        assert gc.isenabled() and gc.get_threshold() == (10_000, *before[1:]) and gc.get_freeze_count() > 0
    assert gc.isenabled() and gc.get_threshold() == before and gc.get_freeze_count() == 0
