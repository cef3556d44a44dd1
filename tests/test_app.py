"""The app under Pilot: every key, on every preset, batch and single sample; the numbers on
screen equal `trace`'s."""

import json

import numpy as np
import pytest
from textual.widgets import Static

from engine import notation
from engine.presets import names, resolve
from engine.training import train
from tests.test_screen import grid_in_sight, shown_grid
from tui.app import BackpropApp
from tui.cli import main
from tui.screens.help import HelpScreen
from tui.screens.prompts import OpenPrompt, TrainPrompt
from tui.widgets.matrices import LayerPanel, per_sample
from tui.widgets.panels import StepList, StepPanel

SIZE = (140, 45)


def step_text(app) -> str:
    return app.query_one(StepPanel).text.plain


def status(app) -> str:
    return str(app.query_one("#status", Static).content)


def layer_text(app, layer) -> str:
    return app.query_one(f"#layer-{layer}", LayerPanel).text.plain


def trace_values(capsys, preset, sample=None):
    argv = ["trace", preset, "--format", "json"] + ([] if sample is None else ["--sample", str(sample)])
    assert main(argv) == 0
    return [np.array(s["value"], dtype=float) for s in json.loads(capsys.readouterr().out)["iterations"][0]["steps"]]


@pytest.mark.parametrize("preset", names())
@pytest.mark.parametrize("sample", [None, 1])
async def test_a_whole_iteration_shows_the_numbers_trace_prints(capsys, preset, sample):
    net = resolve(preset)
    sample = None if sample is None or net.samples == 1 else sample
    values = trace_values(capsys, preset, sample)
    app = BackpropApp(preset)
    async with app.run_test(size=SIZE) as pilot:
        if sample is not None:
            await pilot.press("right_square_bracket", "m")
            assert app.stepper.sample == sample
        fmt = notation.fixed(4)
        for k, value in enumerate(values):
            await pilot.press("n")
            step = app.stepper.step
            assert step.index == k
            # the result as the grid the step panel shows: rows as rows, a sample's vectors as columns
            grid = shown_grid(value, step.column, per_sample(step.writes), False, app.view.row)
            assert grid_in_sight(step_text(app).split("\n"), grid, fmt), (k, step.formula)
            assert step.formula in step_text(app)
            assert f"step {k + 1}/{len(values)}" in status(app)
            if step.layer is not None and step.phase != "update":
                flat = value.reshape(-1)
                assert fmt(flat[0]) in layer_text(app, step.layer)
        assert app.stepper.cursor == app.stepper.total
        await pilot.press("n")
        assert app.stepper.iteration == 1 and app.stepper.cursor == 0


async def test_back_undoes_exactly_across_an_iteration_boundary():
    app = BackpropApp("xor")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        at_end = (step_text(app), layer_text(app, 1), status(app))
        await pilot.press("n", "n", "p", "left")
        assert (step_text(app), layer_text(app, 1), status(app)) == at_end
        for _ in range(19):
            await pilot.press("p")
        assert app.stepper.cursor == 0 and app.stepper.iteration == 0
        await pilot.press("p")  # nothing before the start: says so, changes nothing
        assert app.stepper.cursor == 0


async def test_finish_phase_iteration_and_reset():
    app = BackpropApp("regression")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        assert app.stepper.phase == "forward" and app.stepper.cursor == 6
        await pilot.press("f", "f")
        assert app.stepper.phase == "backward"
        await pilot.press("i")
        assert app.stepper.cursor == app.stepper.total and "iteration 1 done" in app.query_one("#updates").text.plain
        await pilot.press("i")
        assert app.stepper.iteration == 1 and app.stepper.cursor == app.stepper.total
        await pilot.press("r")
        assert (app.stepper.iteration, app.stepper.cursor) == (0, 0)
        assert "ready to start" in step_text(app)


def notes(app) -> list[str]:
    return [n.message for n in app._notifications]


async def test_reset_is_undone_by_back():
    """r wipes every trained iteration: p returns exactly there, and every iteration before
    it can still be stepped back through."""
    app = BackpropApp("xor")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i", "n", "n")
        before = (step_text(app), layer_text(app, 1), layer_text(app, 2), status(app))
        await pilot.press("r")
        assert (app.stepper.iteration, app.stepper.cursor) == (0, 0) and "ready to start" in step_text(app)
        assert any("p undoes it" in n and "iteration 2, step 1/19" in n for n in notes(app)), notes(app)
        await pilot.press("p")
        assert (step_text(app), layer_text(app, 1), layer_text(app, 2), status(app)) == before
        assert notes(app) == ["Back to iteration 2, step 1/19."]  # "p undoes it" is done with
        for _ in range(1 + 20):
            await pilot.press("p")
        assert (app.stepper.iteration, app.stepper.cursor) == (0, 0)
        await pilot.press("r")  # at the start: nothing to reset, nothing to undo
        assert any("already" in n.lower() for n in notes(app)), notes(app)


async def test_opening_a_network_is_undone_by_back_at_its_start():
    app = BackpropApp("xor")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i", "n")
        before = (step_text(app), layer_text(app, 1), layer_text(app, 2), status(app))
        await pilot.press("o", "down", "enter")  # regression
        await pilot.pause()
        assert app.network.name.startswith("Homework")
        assert any("p at its start" in n and "XOR" in n for n in notes(app)), notes(app)
        await pilot.press("n", "p", "p")
        await pilot.pause()
        assert app.network.name.startswith("XOR") and len(app.query(LayerPanel)) == 2
        assert (step_text(app), layer_text(app, 1), layer_text(app, 2), status(app)) == before
        assert notes(app) == ["Back to XOR 2-2-1, iteration 2, step 0/19."]  # "p at its start returns" is done with
        await pilot.press("p")  # and the undo goes on in the network returned to
        assert (app.stepper.iteration, app.stepper.cursor) == (0, 19)


async def test_networks_opened_before_are_kept_within_the_history_bound(monkeypatch):
    app = BackpropApp("xor")
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(3):
            await pilot.press("o", "enter")
            await pilot.pause()
        assert len(app.opened_before) == 3  # xor's few checkpoints fit many times over
        monkeypatch.setattr("tui.app.HISTORY_BYTES", 1)
        await pilot.press("o", "enter")
        await pilot.pause()
        assert len(app.opened_before) == 1  # the one just replaced is always kept


async def test_the_screenshot_command_saves_where_it_can_and_says_where(tmp_path, monkeypatch):
    """Textual's "Screenshot" (command palette) wrote to ~/Downloads and failed without one."""
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir(), work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_DOWNLOAD_DIR", raising=False)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.chdir(work)
    app = BackpropApp("xor")
    async with app.run_test(size=SIZE) as pilot:
        for folder in (work, home / "Downloads"):  # no Downloads: the current folder; then Downloads
            await pilot.press("ctrl+p", *"screenshot", "enter")
            await pilot.pause(0.5)
            saved = list(folder.glob("*.svg"))
            assert len(saved) == 1 and "<svg" in saved[0].read_text(encoding="utf-8")
            assert any(str(saved[0]) in n for n in notes(app)), notes(app)
            (home / "Downloads").mkdir(exist_ok=True)

        def refuse(path, text):
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr("tui.app.write_atomic", refuse)
        await pilot.press("ctrl+p", *"screenshot", "enter")
        await pilot.pause(0.5)
        assert f"Cannot save the screenshot in {home / 'Downloads'}: Permission denied." in notes(app)


async def test_sample_mode_and_choosing_the_sample():
    app = BackpropApp("regression")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        assert "Z₁ = XW₁ᵀ + b₁" in step_text(app) and "batch of 4" in status(app)
        await pilot.press("m")
        assert app.stepper.sample == 0 and "z₁ = W₁x + b₁" in step_text(app) and "sample 0" in status(app)
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert app.stepper.sample == 2 and app.stepper.cursor == 1
        await pilot.press("left_square_bracket", "left_square_bracket", "left_square_bracket")
        assert app.stepper.sample == 3  # wraps around
        await pilot.press("m")
        assert app.stepper.sample is None and app.view.focus == 3


async def test_digits_cycle():
    app = BackpropApp("two-outputs")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")  # z₁ = (0.3775, 0.3925) as a column

        def column(*cells):
            lines = step_text(app).split("\n")
            return any(
                lines[i].split()[:1] == [cells[0]] and lines[i + 1].split()[:1] == [cells[1]]
                for i in range(len(lines) - 1)
            )

        assert column("0.3775", "0.3925")
        await pilot.press("d")
        assert column("0.377500", "0.392500")
        await pilot.press("d", "d")
        assert column("0.3775", "0.3925")


async def test_selecting_a_step_jumps_there():
    app = BackpropApp("xor")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click(StepList, offset=(4, 3))  # the third line: step 3
        assert app.stepper.cursor == 3
        steps = app.query_one(StepList)
        steps.focus()
        steps.highlighted = 11
        await pilot.press("enter")
        assert app.stepper.cursor == 12
        assert app.stepper.step.formula in step_text(app)


async def test_the_step_lists_mark_leaves_the_current_step_marked():
    """Found by a fresh user: moving the mark with the arrows took the current step's highlight
    away, and the mark kept its focused look after the focus left the list."""
    app = BackpropApp("xor")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "n", "n")
        steps = app.query_one(StepList)

        def background(step: int):
            strip = steps._strips[steps._first[step]]
            return {segment.style.bgcolor for segment in strip if segment.style and segment.text.strip()}

        def colour(kind: str):  # the list's own background is tinted while it has the focus
            return steps.get_component_rich_style(f"steps--{kind}").bgcolor

        steps.focus()
        await pilot.press("down")
        await pilot.pause()
        assert steps.current == 2 and steps.highlighted == 3
        assert background(2) == {colour("current")} and background(3) == {colour("mark")}
        app.set_focus(None)
        await pilot.pause()
        assert background(2) == {colour("current")} and not background(3)


async def test_the_current_step_is_bold_in_the_step_list():
    """Found by a fresh user: with NO_COLOR the current step was a background one grey apart."""
    app = BackpropApp("xor")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "n", "n")
        steps = app.query_one(StepList)

        def bold(step: int) -> set:
            return {bool(seg.style and seg.style.bold) for seg in steps._strips[steps._first[step]] if seg.text.strip()}

        assert bold(2) == {True} and bold(3) == {False}


async def test_the_step_lists_first_arrow_marks_the_first_step_and_leaving_it_shows_the_current():
    """Found by a fresh user: before any step, the first ↓ marked step 2; after paging the list
    and leaving it without Enter, the current step was out of sight until the next key."""
    app = BackpropApp("regression")
    async with app.run_test(size=SIZE) as pilot:
        steps = app.query_one(StepList)
        steps.focus()
        await pilot.press("down")
        assert steps.highlighted == 0
        app.set_focus(None)
        await pilot.press("n", "n", "n")
        page = steps.scroll_y
        steps.focus()
        await pilot.press("pagedown", "pagedown")
        assert steps.scroll_y != page
        app.set_focus(None)
        await pilot.pause()
        assert steps.scroll_y == page and steps.highlighted == steps.current == 2


@pytest.mark.parametrize("size", [SIZE, (110, 32)])  # 7 rows of steps; at 100 × 30 the list has none
async def test_the_step_list_shows_the_current_steps_page(size):
    """The current step is in sight with steps to come below it (a third of the list's height,
    or all that are left); the list moves only when a step starts a new page (a key inside one
    repaints two steps, not every line), and a step has the same place however it was reached."""
    app = BackpropApp("regression")
    async with app.run_test(size=size) as pilot:
        steps = app.query_one(StepList)
        places, moves = {}, 0
        for _ in range(app.stepper.total):
            top = steps.scroll_y
            await pilot.press("n")
            moves += steps.scroll_y != top
            height, end = steps.scrollable_content_region.height, steps._first[steps.current + 1]
            ahead = min(height // 3, steps._first[-1] - end)
            assert steps.scroll_y <= steps._first[steps.current], steps.current
            assert end + ahead <= steps.scroll_y + height or steps.scroll_y == steps._first[steps.current]
            places[steps.current] = steps.scroll_y
        assert 0 < moves < app.stepper.total // 3
        for _ in range(app.stepper.total - 1):
            await pilot.press("p")
            assert steps.scroll_y == places[steps.current], steps.current


async def test_train_runs_in_a_worker_and_can_be_stopped():
    app = BackpropApp("xor")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        assert isinstance(app.screen, TrainPrompt)
        await pilot.press(*"250", "enter")  # the default 100 is selected: typing replaces it
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.stepper.iteration == 250 and len(app.stepper.losses) == 250
        np.testing.assert_array_equal(app.stepper.start_params["W1"], train(resolve("xor"), 250).params["W1"])
        fmt, losses = app.view.fmt, app.stepper.losses
        label = str(app.query_one("#loss").query_one("#loss-label", Static).content)
        assert label == f"250 iterations: {fmt(losses[0])} → {fmt(losses[-1])}"
        await pilot.press("t", *"999999", "enter")
        await pilot.pause(0.2)
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert 250 < app.stepper.iteration < 250 + 999999
        await pilot.press("p")  # undo still works after training
        assert app.stepper.cursor == app.stepper.total


async def test_train_prompt_refuses_a_bad_number():
    app = BackpropApp("xor")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t", "0", "enter")
        assert isinstance(app.screen, TrainPrompt)
        await pilot.press("escape")
        assert not isinstance(app.screen, TrainPrompt) and app.stepper.iteration == 0


async def test_open_a_preset_and_a_bad_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("inputs = 2\nlearning_rte = 1\n")
    app = BackpropApp("xor")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        assert isinstance(app.screen, OpenPrompt)
        await pilot.press("down", "enter")  # the second preset: regression
        await pilot.pause()
        assert app.network.name.startswith("Homework") and len(app.query(LayerPanel)) == 3
        await pilot.press("n")
        assert app.stepper.cursor == 1
        await pilot.press("o", "tab", *str(bad), "enter")
        await pilot.pause()
        assert app.network.name.startswith("Homework")  # kept
        messages = [n.message for n in app._notifications]
        assert any("learning_rte" in m and "unknown key" in m for m in messages)
        await pilot.press("o", *"moons", "enter")  # typed on the list: into the box, and opened
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.network.name.startswith("Two moons")


async def test_help_screen_and_quit():
    app = BackpropApp("xor")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape", "q")
    assert app.return_code in (0, None)


async def test_every_action_is_in_the_command_palette():
    from tui.keys import ACTIONS

    app = BackpropApp("xor")
    async with app.run_test(size=SIZE):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for action in ACTIONS:
            assert action.title is None or any(t.startswith(action.title) for t in titles)


@pytest.mark.parametrize("size", [(80, 24), (60, 20), (200, 60)])
async def test_other_sizes_step_through_an_iteration(size):
    app = BackpropApp("classification")
    async with app.run_test(size=size) as pilot:
        for _ in range(app.stepper.total + 1):
            await pilot.press("n")
        assert app.stepper.iteration == 1
        await pilot.resize_terminal(140, 45)
        await pilot.press("p")
        assert app.stepper.cursor == app.stepper.total


@pytest.mark.parametrize("preset", names())
async def test_layer_panels_keep_their_layout_through_an_iteration(preset):
    """Each number has its place before it is computed: the panels do not move (nor lay the
    screen out again) as a step fills in values. (A panel's text is as long on every step while
    the panel keeps its size: the update phase gives the updates panel more rows.)"""
    app = BackpropApp(preset)
    async with app.run_test(size=SIZE) as pilot:
        panels = list(app.query(LayerPanel))
        seen = {}  # (panel, its size): the size of its text
        for _ in range(app.stepper.total):
            for k, p in enumerate(panels):
                assert seen.setdefault((k, p.size), p.virtual_size) == p.virtual_size
            await pilot.press("n")


async def test_the_key_bar_shows_whole_keys_and_a_click_runs_one():
    from tui.keys import ACTIONS, NOT_IN_KEY_BAR
    from tui.widgets.keybar import KeyBar

    app = BackpropApp("xor")
    async with app.run_test(size=SIZE) as pilot:
        bar = app.query_one(KeyBar)
        line = bar.render().plain
        labels = [
            a.label for a in ACTIONS if a.name not in NOT_IN_KEY_BAR and app.check_action(a.name, ()) is not False
        ]
        assert "Course" in labels and "Hint" not in labels  # h is a key in a lesson only
        assert [line.index(f" {label} ") for label in labels] == sorted(line.index(f" {label} ") for label in labels)
        assert line.endswith("▏^p palette ") and len(line) == SIZE[0]
        await pilot.hover(KeyBar, offset=(line.index(" Back ") - 1, 0))
        assert bar.tooltip == "Undo the last step exactly, also across iterations"
        await pilot.click(KeyBar, offset=(line.index(" Next "), 0))
        await pilot.click(KeyBar, offset=(line.index(" Next "), 0))
        assert app.stepper.cursor == 2
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        narrow = bar.render().plain
        assert len(narrow) == 80 and narrow.endswith("▏^p palette ")
        words = narrow.removesuffix("▏^p palette ").split()
        assert all(word in line.split() for word in words)  # no key cut in the middle
        assert " Help " in narrow and " Quit " in narrow  # these two never give way
        await pilot.click(KeyBar, offset=(narrow.index("^p"), 0))
        assert type(app.screen).__name__ == "CommandPalette"


async def test_the_collector_is_frozen_while_the_app_runs_and_restored_after():
    import gc

    app = BackpropApp("xor")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert gc.isenabled() and gc.get_freeze_count() > 0
        await pilot.press("n")
    assert gc.isenabled() and gc.get_freeze_count() == 0


async def test_a_new_theme_recolours_every_panel_at_once():
    screens = []
    for switch_first in (True, False):
        app = BackpropApp("xor")
        async with app.run_test(size=SIZE) as pilot:
            if switch_first:
                app.theme = "textual-light"
            await pilot.press(*["n"] * 11)
            app.theme = "textual-light"  # after the steps: no key has redrawn the panels since
            await pilot.pause()
            screens.append(app.export_screenshot())
    assert screens[0] == screens[1]


KEYS = [
    "n",
    "right",
    "p",
    "left",
    "f",
    "i",
    "z",
    "escape",
    "d",
    "m",
    "right_square_bracket",
    "left_square_bracket",
    "question_mark",
    "escape",
    "f1",
    "escape",
    "t",
    "escape",
    "o",
    "escape",
    "r",
    "n",
]


@pytest.mark.parametrize("preset", names())
@pytest.mark.parametrize("mode", ["batch", "sample"])
async def test_every_key_on_every_preset(preset, mode):
    app = BackpropApp(preset)
    async with app.run_test(size=SIZE) as pilot:
        if mode == "sample":
            await pilot.press("m")
            assert app.stepper.sample == 0
        for key in KEYS:
            await pilot.press(key)
            assert app.screen is not None
        # r then n: the first step of a fresh iteration, in the mode chosen
        assert (app.stepper.iteration, app.stepper.cursor) == (0, 1)
        assert (app.stepper.sample is None) == (mode == "sample")  # the one `m` in KEYS switched it
        assert app.stepper.step.formula in step_text(app)


async def test_zoom_shows_every_cell_by_scrolling(large_network):
    from tui.screens.zoom import MatrixGrid, ZoomScreen

    app = BackpropApp(str(large_network))
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(16):
            await pilot.press("n")
        assert app.stepper.step.writes == "delta2"
        await pilot.press("z")
        assert isinstance(app.screen, ZoomScreen)
        grid = app.screen.query_one(MatrixGrid)
        assert grid.matrix.shape == (64, 64) and app.screen.query_one("Vertical").border_title == "δ₂ 64×64"
        delta = app.stepper.value("delta2")
        first = "".join(s.text for s in grid.render_line(1))
        assert app.view.fmt(delta[0, 0]) in first
        await pilot.press("end")  # the last rows
        lines = ["".join(s.text for s in grid.render_line(y)) for y in range(grid.size.height)]
        last = [line for line in lines if line.split()][-1]
        assert last.split()[0] == "63" and app.view.fmt(delta[63, 0]) in last
        await pilot.press("tab")  # the next quantity known, in the panels' order: Y, first in layer 3
        assert grid.matrix.shape == (64, 10) and app.screen.query_one("Vertical").border_title == "Y 64×10"
        await pilot.press("tab")  # then W₃ (∂L/∂W₂ comes after δ₂)
        assert grid.matrix.shape == (10, 64)
        await pilot.press("escape")
        assert not isinstance(app.screen, ZoomScreen) and app.stepper.cursor == 16


async def test_large_network_steps_a_whole_iteration(large_network):
    app = BackpropApp(str(large_network))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        assert app.stepper.cursor == app.stepper.total == 29
        text = layer_text(app, 1)
        assert "W₁ 128×784" in text and "⋯" in text and "⋮" in text
        assert len(text) < 5000  # elided: a few dozen cells, never 100,000


async def test_tab_focuses_the_step_panel_then_the_step_list():
    app = BackpropApp("xor")
    async with app.run_test(size=SIZE) as pilot:
        assert app.focused is None  # nothing at start: the step keys need no focus
        await pilot.press("tab")
        assert isinstance(app.focused, StepPanel)
        await pilot.press("tab")
        assert isinstance(app.focused, StepList)
        await pilot.press("n")
        assert app.stepper.cursor == 1


async def test_opening_a_slow_file_keeps_the_screen_alive_and_quitting_never_waits_for_it(monkeypatch):
    """`o` reads the file in a thread of its own: keys are answered meanwhile (with "a moment"),
    and the app ends at once on q (or SIGTERM, SIGHUP), however long the read would take."""
    import time

    import tui.app

    def slow(name):
        time.sleep(60)

    app = BackpropApp("xor")
    monkeypatch.setattr(tui.app, "resolve", slow)  # the files opened from now on
    started = time.monotonic()
    async with app.run_test(size=SIZE) as pilot:
        app.open_network("huge.toml")  # as the open prompt's Enter does
        await pilot.pause(0.2)
        assert app.loading == "huge.toml"
        await pilot.press("n")
        assert app.stepper.cursor == 0  # "Opening huge.toml: a moment."
        await app.action_quit()
    assert time.monotonic() - started < 10
