"""What the screen shows is true, whole and readable (issue 12): every number on it is the
rounding of a value the engine computed, never cut at a panel's edge; the current step's
formula, the numbers put in and the result are in sight without scrolling; the data, the
frozen parameters, and the key bar's Help and Quit are always there; header and panels agree."""

from __future__ import annotations

import io
import random
import re

import numpy as np
import pytest
from rich.console import Console
from rich.style import Style
from textual.widgets import Sparkline, Static

from engine import notation
from engine.presets import names
from engine.training import accuracy
from tui.app import BackpropApp
from tui.widgets.diagram import BrailleCanvas, NetworkDiagram
from tui.widgets.keybar import KeyBar
from tui.widgets.matrices import LIMIT, LayerPanel
from tui.widgets.panels import LossHistory, StepList, StepPanel, UpdatesPanel
from tui.widgets.textview import TextView

WIDE, SMALL, SMALLEST = (140, 45), (80, 24), (64, 22)

SOFTMAX = """\
name = "softmax 2-3"
inputs = 2
loss = "ce"
learning_rate = 0.5
seed = 4

[[layers]]
units = 3
activation = "softmax"

[data]
X = [[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0]]
Y = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
"""

HUGE = """\
name = "huge"
inputs = 1
loss = "half_mse"
learning_rate = 0.1
frozen = ["W1", "b1"]

[[layers]]
units = 1
activation = "identity"

[params]
W1 = [[2.9131e155]]
b1 = [0.0]

[data]
X = [[1.0]]
Y = [[0.0]]
"""


@pytest.fixture(params=[*names(), "softmax"])
def network(request, write_net):
    """Every preset, and a 3-sample softmax network (2 inputs, 3 softmax outputs, ce)."""
    return request.param if request.param != "softmax" else str(write_net(SOFTMAX, "softmax.toml"))


def status(app) -> str:
    return str(app.query_one("#status", Static).content)


# -- what is on the screen -----------------------------------------------------------------------


def screen_lines(app) -> list[str]:
    """The screen as text, one string per row (every character the app draws is one cell)."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system=None,
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text().split("\n")[:height]


def visible(app, widget) -> list[str]:
    """The rows of a widget's content (inside its border, padding and scrollbar) on the screen."""
    region = widget.scrollable_content_region if isinstance(widget, TextView) else widget.content_region
    lines = screen_lines(app)
    return [lines[y][region.x : region.right] for y in range(region.y, region.bottom)]


NUMBER = re.compile(r"(?<![\w.])-?[0-9]+(?:\.[0-9]*)?(?:e[+-]?[0-9]*)?")


def value_tokens(line: str):
    """Every number written with a decimal point or an exponent (the way values are written;
    shapes, counts and indices are whole numbers), with where it ends."""
    for match in NUMBER.finditer(line):
        token = match.group()
        if re.search(r"\.[0-9]|e", token) or token.endswith("."):
            yield token, match.end()


def engine_numbers(app) -> set[str]:
    """Every value the engine computed for the iteration on screen (and the losses so far), and
    the numbers the steps' own text writes (η in an update), formatted as the screen writes them."""
    s, fmt = app.stepper, app.view.fmt
    it = s.derived
    arrays = [s.network.X, s.network.Y, *it.params.values(), *it.params_after.values(), *it.grads.values()]
    literals = set()
    for step in s.steps:
        arrays += [step.value, *step.operands]
        for words in (step.template, step.formula, step.explanation, step.convention):
            literals |= {token for token, _ in value_tokens(words)}
    if s.mistake:
        arrays += [step.value for step in s.correct.steps]
    scalars = [*s.losses, it.loss, s.loss_after()]
    # differences the updates panel writes as "(−0.0091)": new − old and the loss's change
    changes = [step.value - step.operands[0] for step in s.steps if step.phase == "update"]
    changes += [np.array(s.loss_after() - it.loss)] + [np.array(it.loss - x) for x in s.losses[-1:]]
    values = np.concatenate([np.asarray(a, dtype=float).reshape(-1) for a in arrays] + [np.array(scalars)])
    shown = {fmt(v) for v in values}
    shown |= {fmt(abs(v)) for a in changes for v in np.asarray(a).reshape(-1)}
    # a classifier's accuracy beside the loss, in percent, from the engine's predictions
    for params in (s.start_params, it.params_after):
        right = accuracy(s.network, params, *s.batch(None))
        if right is not None:
            shown.add(f"{right:.1%}".removesuffix("%"))
    return shown | literals


PANELS = (StepPanel, LayerPanel, UpdatesPanel, NetworkDiagram, StepList, LossHistory, KeyBar)


def check_numbers(app, allowed: set[str], where: str) -> None:
    """Every number on screen is an engine value, whole: in the allowed set, and never cut at
    the edge of a panel whose line goes on beyond it."""
    lines = screen_lines(app)
    for y, line in enumerate(lines):
        for token, _ in value_tokens(line):
            assert token.lstrip("+") in allowed, f"{where}: {token!r} on screen row {y}: {line.strip()!r}"
    for widget in app.screen.query("*"):
        if not isinstance(widget, TextView) or not widget.display or not widget.region:
            continue
        region = widget.scrollable_content_region
        scroll_x, scroll_y = widget.scroll_offset
        for y in range(region.height):
            index = scroll_y + y
            if index >= len(widget._strips):
                break
            full = widget._strips[index].text
            shown = full[scroll_x : scroll_x + region.width]
            cut_right = scroll_x + region.width < len(full) and full[scroll_x + region.width] != " "
            cut_left = scroll_x > 0 and full[scroll_x - 1] != " "
            assert not (cut_right and shown and shown[-1] != " "), (
                f"{where}: {type(widget).__name__} cuts {shown.split()[-1]!r} at its right edge (line {full!r})"
            )
            assert not (cut_left and shown and shown[0] != " "), (
                f"{where}: {type(widget).__name__} cuts {shown.split()[0]!r} at its left edge (line {full!r})"
            )


@pytest.mark.parametrize("size", [WIDE, SMALL], ids=["140x45", "80x24"])
async def test_every_number_on_screen_is_an_engine_value_shown_whole(network, size):
    app = BackpropApp(network)
    async with app.run_test(size=size) as pilot:
        allowed = engine_numbers(app)
        check_numbers(app, allowed, "start")
        for k in range(app.stepper.total):
            await pilot.press("n")
            check_numbers(app, allowed, f"step {k + 1} {app.stepper.step.formula}")
        await pilot.press("n")  # the next iteration starts: its loss is in the header and the panels
        assert app.stepper.iteration == 1
        check_numbers(app, allowed | engine_numbers(app), "iteration 2")


@pytest.mark.parametrize("size", [SMALLEST, SMALL, WIDE, (100, 30)], ids=["64x22", "80x24", "140x45", "100x30"])
@pytest.mark.parametrize("digits", [4, 6, 8])
async def test_numbers_stay_whole_with_more_digits(network, size, digits):
    app = BackpropApp(network)
    async with app.run_test(size=size) as pilot:
        while app.view.digits != digits:
            await pilot.press("d")
        allowed = engine_numbers(app)
        for keys in (["n"] * 3, ["f", "f"], ["f", "n", "n"], ["i"]):
            await pilot.press(*keys)
            allowed |= engine_numbers(app)  # "f" after the last update starts the next iteration
            check_numbers(app, allowed, f"{keys} at {app.stepper.cursor}/{app.stepper.total}")


async def test_regression_layer_panels_never_cut_a_number():
    """The reported cases: `i` on regression cut W₁'s last column to '0.0' at 140×45, and b₁ to
    '-0.0' at 80×24. A layer panel never needs a sideways scroll: what does not fit is ⋯."""
    for size in (WIDE, SMALL):
        app = BackpropApp("regression")
        async with app.run_test(size=size) as pilot:
            await pilot.press("i")
            check_numbers(app, engine_numbers(app), f"regression i at {size}")
            for panel in app.query(LayerPanel):
                assert panel.virtual_size.width <= panel.scrollable_content_region.width


async def test_the_diagram_shows_a_huge_value_whole(write_net):
    app = BackpropApp(str(write_net(HUGE, "huge.toml")))
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("n")  # z₁ = W₁x + b₁ = 2.9131e+155 on the output unit
        fmt = app.view.fmt
        assert fmt(app.stepper.step.value[0, 0]) == "2.9131e+155"
        diagram = "\n".join(visible(app, app.query_one(NetworkDiagram)))
        assert "2.9131e+155" in diagram
        check_numbers(app, engine_numbers(app), "huge")


# -- the current step first ----------------------------------------------------------------------


def shown_grid(a, column: bool, per_sample: bool, transposed: bool, row: int) -> np.ndarray:
    """A value as the screen lays it out: rows as rows; with one sample its own vectors as
    columns (a parameter keeps its shape); a bias as a row added to every sample of a batch;
    softmax's Jacobians as the focused sample's; transposed where the formula says ᵀ."""
    a = np.asarray(a)
    if a.ndim == 0:
        a = a.reshape(1, 1)
    elif a.ndim == 3:
        a = a[row]
    elif a.ndim == 1:
        a = a.reshape(-1, 1) if column else a.reshape(1, -1)
    elif column and per_sample and a.shape[0] == 1:
        a = a.reshape(-1, 1)
    return a.T if transposed else a


def grid_in_sight(lines: list[str], grid: np.ndarray, fmt) -> bool:
    """The grid's rows on consecutive lines, each row's numbers side by side in order (of a grid
    elided with ⋮ and ⋯, its first rows and columns)."""
    if max(grid.shape) > LIMIT:
        grid = grid[: LIMIT // 2, : LIMIT // 2]
    rows = [[fmt(x) for x in r] for r in grid]

    def has(line: str, cells: list[str]) -> bool:
        words = line.replace("▸", " ").split()
        return any(words[i : i + len(cells)] == cells for i in range(len(words) - len(cells) + 1))

    return any(all(has(lines[k + i], rows[i]) for i in range(len(rows))) for k in range(len(lines) - len(rows) + 1))


def is_parameter_like(app, a) -> bool:
    it = app.stepper.derived
    return any(a is p for p in [*it.params.values(), *it.params_after.values(), *it.grads.values()])


@pytest.mark.parametrize("size", [WIDE, SMALL], ids=["140x45", "80x24"])
async def test_the_current_step_is_in_sight_without_scrolling(network, size):
    """At 140×45 the formula, every number put in and the result; at 80×24 the formula and
    the result; on every step, each opening at its top, the matrices as aligned grids."""
    app = BackpropApp(network)
    async with app.run_test(size=size) as pilot:
        panel = app.query_one(StepPanel)
        for _ in range(app.stepper.total):
            await pilot.press("n")
            view, step = app.view, app.stepper.step
            lines = visible(app, panel)
            where = f"{network} step {step.index + 1}: {step.formula}"
            assert panel.scroll_y == 0, where
            assert step.words(view.v_names).formula in " ".join(" ".join(lines).split()), where  # whole, maybe wrapped
            result = shown_grid(step.value, step.column, not is_parameter_like(app, step.value), False, view.row)
            assert grid_in_sight(lines, result, view.fmt), where
            assert "[[" not in panel.text.plain, where  # never a nested list
            if size != WIDE or app.network.samples > LIMIT:  # more rows than a grid shows: its operands,
                continue  # elided grids of 7 lines each, run past the panel (↑ ↓ scroll it); the result is in sight
            for k, operand in enumerate(step.operands):
                transposed = step.template[step.template.index(f"‹{k}›") + 3 :][:1] == "ᵀ"  # where it is a grid
                grid = shown_grid(operand, step.column, not is_parameter_like(app, operand), transposed, view.row)
                assert grid_in_sight(lines, grid, view.fmt), f"{where}: operand {k}"


async def test_each_step_opens_at_its_top():
    app = BackpropApp("regression")
    async with app.run_test(size=SMALL) as pilot:
        panel = app.query_one(StepPanel)
        await pilot.press("n")
        panel.scroll_end(animate=False)
        await pilot.pause()
        assert panel.scroll_y > 0  # there is more below (the why)
        await pilot.press("n")
        assert panel.scroll_y == 0
        assert app.stepper.step.words(app.view.v_names).formula in visible(app, panel)[0]


async def test_the_panels_give_the_step_the_room():
    """The updates panel is one line until the update phase; the step panel is the largest."""
    app = BackpropApp("xor")
    async with app.run_test(size=WIDE) as pilot:
        updates, step = app.query_one(UpdatesPanel), app.query_one(StepPanel)
        await pilot.press("n")
        assert updates.scrollable_content_region.height == 1
        assert step.scrollable_content_region.height >= 15 and step.scrollable_content_region.width >= 75
        await pilot.press("f", "f", "f", "n")  # the update phase starts
        await pilot.pause()
        assert app.stepper.phase == "update" and updates.scrollable_content_region.height >= 4


# -- the data, frozen parameters, the key bar ----------------------------------------------------


async def test_the_data_are_shown_with_the_focused_sample_marked():
    app = BackpropApp("xor")
    async with app.run_test(size=WIDE) as pilot:
        X, Y, fmt = app.network.X, app.network.Y, app.view.fmt
        first, last = app.query_one("#layer-1", LayerPanel), app.query_one("#layer-2", LayerPanel)
        assert "X 4×2" in first.text.plain and "Y 4×1" in last.text.plain
        assert grid_in_sight(visible(app, first), X, fmt) and grid_in_sight(visible(app, last), Y, fmt)

        def marked(panel) -> list[str]:  # the row after the first ▸ of each line: X's, numbered from 0
            return [line.split("▸")[1].split()[:3] for line in visible(app, panel) if "▸" in line]

        assert marked(first)[0] == ["0", fmt(X[0, 0]), fmt(X[0, 1])]
        await pilot.press("right_square_bracket")
        assert marked(first)[0] == ["1", fmt(X[1, 0]), fmt(X[1, 1])]
    app = BackpropApp("xor")
    async with app.run_test(size=SMALL) as pilot:  # at 80×24 in sight at the start, and a scroll away
        first = app.query_one("#layer-1", LayerPanel)
        assert "X 4×2" in "\n".join(visible(app, first))
        await pilot.press(*"n" * 14)  # ∂L/∂W₁ = δ₁ᵀX: the block written in sight
        assert app.stepper.step.writes == "dL/dW1" and "∂L/∂W₁ 2×2" in "\n".join(visible(app, first))
        first.scroll_home(animate=False)
        await pilot.pause()
        assert "X 4×2" in "\n".join(visible(app, first))


async def test_frozen_parameters_are_marked_everywhere():
    app = BackpropApp("two-outputs")  # b₁ and b₂ frozen
    async with app.run_test(size=WIDE) as pilot:
        for l in (1, 2):
            assert f"b{notation.sub(l)} 2 frozen" in app.query_one(f"#layer-{l}", LayerPanel).text.plain
        steps = app.query_one(StepList).formulas
        assert any("frozen" in line and "b₁" in line and "b₂" in line for line in steps)
        # their gradients are still computed (δ goes on through them), said as never applied
        assert [line.split()[0] for line in steps if "(frozen: not applied)" in line] == ["10", "15"]
        assert "frozen" in (app.query_one(NetworkDiagram).border_subtitle or "")
        await pilot.press("n")
        assert "b₁, b₂ frozen" in app.query_one(UpdatesPanel).text.plain
        await pilot.press("i")
        updates = app.query_one(UpdatesPanel).text.plain
        assert "b₁, b₂ frozen" in updates and "W₁:" in updates


async def test_help_and_quit_never_drop_from_the_key_bar():
    app = BackpropApp("xor")
    async with app.run_test(size=SMALL) as pilot:
        for size in (SMALL, SMALLEST):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            line = app.query_one(KeyBar).render().plain
            assert " ? Help " in line and " q Quit " in line and line.endswith("▏^p palette "), line


# -- header and panels agree ---------------------------------------------------------------------


async def test_the_header_score_follows_each_answer():
    app = BackpropApp("xor")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("k", "n")
        value = float(app.screen.current().value)
        await pilot.press(*repr(value), "enter")  # the first of eight values: right
        await pilot.pause()
        assert f"quiz: {app.quiz}" in status(app) and app.quiz.right == 1
        await pilot.press("9", "9", "enter")
        await pilot.pause()
        assert "quiz: 1 right of 2" in status(app)


async def test_the_loss_panel_agrees_with_the_updates_panel():
    app = BackpropApp("xor")
    async with app.run_test(size=WIDE) as pilot:
        fmt = app.view.fmt
        await pilot.press("i")
        before, after = app.stepper.derived.loss, app.stepper.loss_after()
        trend = f"{fmt(before)} → {fmt(after)}"
        label = str(app.query_one(LossHistory).query_one("#loss-label", Static).content)
        assert trend in app.query_one(UpdatesPanel).text.plain and label == f"1 iteration: {trend}"
        await pilot.press("n")  # iteration 2, nothing revealed yet
        label = str(app.query_one(LossHistory).query_one("#loss-label", Static).content)
        assert trend in app.query_one(UpdatesPanel).text.plain and label == f"1 iteration: {trend}"


async def test_the_loss_bars_count_the_iterations_the_label_counts():
    """Found by a fresh user: after an iteration's last update the label said "1 iteration" over
    no bar; the bars came one key later."""
    app = BackpropApp("xor")
    async with app.run_test(size=WIDE) as pilot:
        sparkline = app.query_one(LossHistory).query_one(Sparkline)
        for iterations in (1, 2, 3):
            await pilot.press("i")  # every step of the iteration, its update done
            label = str(app.query_one(LossHistory).query_one("#loss-label", Static).content)
            assert label.startswith(f"{iterations} iteration") and len(sparkline.data) == iterations
            await pilot.press("n")  # the next iteration, nothing revealed yet: the same count
            assert len(sparkline.data) == iterations


async def test_the_header_counts_iterations_while_training():
    app = BackpropApp("xor")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("t", *"1000000", "enter")
        seen = 0
        for _ in range(200):
            await pilot.pause(0.05)
            match = re.search(r"iteration ([0-9,]+)", status(app))
            seen = int(match.group(1).replace(",", "")) if match else 0
            if seen > 2:
                break
        assert seen > 2 and "training" in status(app)
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert f"iteration {app.stepper.iteration + 1:,} " in status(app)


async def test_samples_are_numbered_from_0_everywhere():
    app = BackpropApp("regression")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("right_square_bracket", "m")
        assert app.stepper.sample == 1
        assert "sample 1 of 0–3" in status(app) and "of 4" not in status(app)
        assert "sample 1 (samples 0–3" in app.query_one(StepPanel).text.plain


async def test_one_sample_networks_say_so():
    app = BackpropApp("two-outputs")
    async with app.run_test(size=WIDE) as pilot:
        text = app.query_one(StepPanel).text.plain
        assert "ready to start on the one sample" in text and "whole batch" not in text
        app.open_chain("W1", (0, 1))
        await pilot.pause()
        chain = str(app.screen.query_one("#chain-text", Static).content)
        assert "1 samples" not in chain and "the one sample" in chain


async def test_a_new_theme_recolours_the_one_line_updates_panel():
    """Its line keeps its words across a theme switch: only its colours change."""
    app = BackpropApp("xor")
    async with app.run_test(size=WIDE) as pilot:
        panel = app.query_one(UpdatesPanel)
        app.theme = "textual-light"
        await pilot.pause()
        label = panel.get_component_rich_style("update--label")
        assert {segment.style.bgcolor for segment in panel._strips[0] if segment.text.strip()} == {label.bgcolor}


async def test_one_sample_grids_keep_a_parameters_shape():
    """With one sample its own vectors are columns; W₃ (1×2) stays the row it is."""
    app = BackpropApp("regression")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("m", *"nnnnn")  # z₃ = W₃a₂ + b₃
        step = app.stepper.step
        assert step.formula == "z₃ = W₃a₂ + b₃"
        lines, fmt = visible(app, app.query_one(StepPanel)), app.view.fmt
        W3, a2 = step.operands[0], step.operands[1]
        assert W3.shape == (1, 2) and "W₃ 1×2" in "\n".join(lines) and grid_in_sight(lines, W3, fmt)
        assert "a₂ 2×1" in "\n".join(lines) and grid_in_sight(lines, a2.reshape(-1, 1), fmt)


# -- the layer panels' scroll, the diagram's legend and labels, the header's name -----------------

TITLE = re.compile(r"^\s*[^\s\d▸⋯·\-]")  # a block's title: a symbol; a row of values starts with a number


async def test_layer_panels_show_block_titles_and_keep_the_data_in_sight(network):
    """At 80×24 a panel scrolled to the block a step writes starts on a band of titles, and
    keeps X or Y in sight above it whenever the data and that block fit together."""
    app = BackpropApp(network)
    async with app.run_test(size=SMALL) as pilot:
        for _ in range(app.stepper.total):
            await pilot.press("n")
            step = app.stepper.step
            for panel in app.query(LayerPanel):
                lines, text = visible(app, panel), panel.text.plain.split("\n")
                where = f"{network} step {step.index + 1}, layer {panel.number}: {lines}"
                assert TITLE.match(lines[0]), where
                data = [name for name in ("x", "y") if name in panel_names(app, panel)]
                written = app.view.symbol(step.writes) + " "
                if not data or not any(line.lstrip().startswith(written) for line in text):
                    continue
                data_title = app.view.symbol(data[0]) + " "
                if not any(line.lstrip().startswith(data_title) for line in lines):
                    data_band = text.index("") + 1  # the data's band and the blank line below it
                    start = next(k for k, line in enumerate(text) if written in line)
                    block = next(k for k in range(start, len(text) + 1) if k == len(text) or not text[k]) - start
                    assert data_band + block > len(lines), where  # no room for both


def panel_names(app, panel) -> list[str]:
    from tui.widgets.matrices import quantities

    return quantities(panel.number, app.network)


@pytest.mark.parametrize("size", [SMALLEST, SMALL, WIDE], ids=["64x22", "80x24", "140x45"])
async def test_the_diagram_legend_is_whole_at_every_width(size):
    from tui.widgets.diagram import LEGENDS

    for preset in ("xor", "two-outputs"):
        app = BackpropApp(preset)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            diagram = app.query_one(NetworkDiagram)
            legend = diagram.border_subtitle
            assert legend.split(" · frozen: ")[0] in LEGENDS, legend
            assert len(legend) <= diagram.outer_size.width - 6
            line = screen_lines(app)[diagram.region.bottom - 1]
            assert legend in line, line
            if size == WIDE and preset == "two-outputs":
                assert legend.endswith("frozen: b₁, b₂")


@pytest.mark.parametrize("preset", names())
async def test_the_diagrams_numbers_keep_off_the_edges(preset):
    """A blank cell after each value: the number never runs into a line."""
    app = BackpropApp(preset)
    async with app.run_test(size=WIDE) as pilot:
        diagram = app.query_one(NetworkDiagram)
        for _ in range(app.stepper.total):
            await pilot.press("n")
            for line in visible(app, diagram):
                for match in NUMBER.finditer(line):
                    assert line[match.end() : match.end() + 1] in ("", " "), line


@pytest.mark.parametrize("preset", names())
async def test_the_headers_name_keeps_its_length_while_stepping(preset):
    app = BackpropApp(preset)
    async with app.run_test(size=SMALL) as pilot:
        names_shown = set()
        for _ in range(app.stepper.total + 1):
            line = status(app)
            assert len(line) <= SMALL[0] - 2, line
            names_shown.add(line.split(" · ")[0])
            await pilot.press("n")
        assert len(names_shown) == 1, names_shown


ENTRY = re.compile(r"\[[\d,]+\]")
WHOLE_ENTRY = re.compile(r"\[[\d,]+\] -?[\d.e+-]+→-?[\d.e+-]+ \([+−][\d.e+-]+\)")


@pytest.mark.parametrize("size", [SMALLEST, SMALL, WIDE], ids=["64x22", "80x24", "140x45"])
async def test_each_update_entry_is_whole_on_one_line(size):
    """`[i,j] old→new (±change)` never breaks across lines: a line that is full goes on below."""
    app = BackpropApp("regression")
    async with app.run_test(size=size) as pilot:
        panel = app.query_one(UpdatesPanel)
        for _ in range(app.stepper.total):
            await pilot.press("n")
            for strip in panel._strips:  # the lines as laid out at the panel's width
                line = "".join(segment.text for segment in strip).rstrip()
                assert len(line) <= panel.scrollable_content_region.width, line
                assert len(ENTRY.findall(line)) == len(WHOLE_ENTRY.findall(line)), line


async def test_a_diagram_too_narrow_for_values_gives_the_edges_their_room():
    """At 80×24 no value fits: the units keep only a blank cell before their edges start."""
    app = BackpropApp("regression")
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("n", "n")
        lines = visible(app, app.query_one(NetworkDiagram))
        units = [line for line in lines[1:] if line.lstrip().startswith("●")]  # the rows of X's units
        assert len(units) == 4 and not any(NUMBER.search(line) for line in lines[1:])
        for line in units:
            after = line[line.index("●") + 1 :]
            assert after[0] == " " and "\u2800" < after[1] <= "\u28ff", line  # an edge starts at once


@pytest.mark.parametrize("preset", ["xor", "iris"])
async def test_under_110_columns_the_diagram_gives_its_values_up_for_the_edges(preset):
    """Found by a fresh user: at 100 columns the values stayed, and every edge between two layers
    was squeezed into one column of dots (solid and dashed alike)."""
    app = BackpropApp(preset)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n", "n", "n")
        lines = visible(app, app.query_one(NetworkDiagram))
        assert not any(NUMBER.search(line) for line in lines[1:]), "\n".join(lines)
        for line in (line for line in lines[1:] if line.lstrip().startswith("●")):
            after = line[line.index("●") + 1 :]
            assert after[0] == " " and "\u2800" < after[1] <= "\u28ff", line  # its edges start at once


@pytest.mark.parametrize("size", [WIDE, SMALL], ids=["140x45", "80x24"])
async def test_the_header_says_whose_loss_it_shows_before_this_iterations_is_known(size):
    app = BackpropApp("xor")
    async with app.run_test(size=size) as pilot:
        await pilot.press("i", "n")  # iteration 2 starts: its forward pass is not done yet
        whose = "iteration 1's" if size == WIDE else "iter. 1's"
        assert f"{whose} loss {app.view.fmt(app.stepper.losses[-1])}" in status(app), status(app)
        await pilot.press("f", "n")  # its loss known
        assert f"· loss {app.view.fmt(app.stepper.loss)} ·" in status(app), status(app)


async def test_the_updates_panel_counts_the_lines_out_of_sight():
    app = BackpropApp("regression")
    async with app.run_test(size=WIDE) as pilot:
        panel = app.query_one(UpdatesPanel)
        await pilot.press("n")
        assert not panel.border_subtitle  # one line: nothing below
        await pilot.press("i")
        hidden = panel.virtual_size.height - panel.scrollable_content_region.height
        assert hidden > 0 and panel.border_subtitle.startswith(f"{hidden} more lines below · ")


@pytest.mark.parametrize("size", [WIDE, SMALL], ids=["140x45", "80x24"])
async def test_a_key_repaints_every_line_it_changed(network, size):
    """Panels repaint only the lines a key changed (the diagram's rows, a text's lines): what
    is on screen after each key is what a repaint of every widget draws."""
    app = BackpropApp(network)
    async with app.run_test(size=size) as pilot:
        for k in range(app.stepper.total + 1):
            await pilot.press("n")
            await pilot.pause()
            painted = screen_lines(app)
            for widget in app.screen.query("*"):
                widget.refresh()
            await pilot.pause()
            assert painted == screen_lines(app), f"step {k + 1}: a line the key changed kept its old picture"


def test_the_braille_canvas_rows_are_its_cells():
    """BrailleCanvas.rows visits only the cells drawn on: its rows against every cell read one
    by one (text over dots over blank), runs of one style merged."""
    rng = random.Random(3)
    styles = [None, Style(color="red"), Style(color="blue"), Style(bold=True)]
    for _ in range(500):
        width, height = rng.randint(1, 40), rng.randint(1, 8)
        canvas = BrailleCanvas(width, height)
        for _ in range(rng.randint(0, 6)):
            ends = [
                rng.randint(0, 2 * width),
                rng.randint(0, 4 * height),
                rng.randint(0, 2 * width),
                rng.randint(0, 4 * height),
            ]
            canvas.line(*ends, rng.choice(styles[1:]), rng.random(), dashed=rng.random() < 0.5)
        for _ in range(rng.randint(0, 4)):
            canvas.write(
                rng.randint(-2, width), rng.randint(0, height), rng.choice(["●0.5", "L", "  ⋮"]), rng.choice(styles)
            )
        for y, row in enumerate(canvas.rows()):
            expected = []
            for x in range(width):
                if (x, y) in canvas.text:
                    expected.append(canvas.text[(x, y)])
                elif canvas.bits[y][x]:
                    expected.append((chr(0x2800 + canvas.bits[y][x]), canvas.styles[y][x][1]))
                else:
                    expected.append((" ", None))
            assert [(ch, seg.style) for seg in row for ch in seg.text] == expected
            assert all(a.style != b.style for a, b in zip(row, row[1:]))  # each run as long as it goes
