"""The decision map and the predictions list (`b`): the values drawn are the network's own
predictions at each pixel's centre (checked against a forward pass written out here), the
samples sit in the pixels that hold them, and the map follows stepping and training."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from engine import decision, edit
from engine.presets import resolve
from tests.nets import _f, networks
from tui.app import BackpropApp
from tui.screens.decision import MapScreen
from tui.widgets.decision import BOTH, EMPTY, FULL, LEVELS, SHADES, DecisionMap, shade


def forward(network, params, x1, x2):
    """ŷ of one point, one layer at a time with a column vector (tests/nets.py's rules)."""
    a = np.array([x1, x2])
    for l, layer in enumerate(network.layers, start=1):
        a = _f(layer.activation, params[f"W{l}"] @ a + params[f"b{l}"])
    return a


@settings(max_examples=30, deadline=None)
@given(networks(max_depth=3, max_width=4, max_samples=5))
def test_the_map_is_the_network_s_output_at_every_pixel_centre(network):
    if network.inputs != 2:
        return
    plane = decision.plane(network.X, 7, 5)
    for k in range(network.layers[-1].units):
        values = decision.output_map(network, network.params, plane, k)
        assert values.shape == (5, 7)
        for row in range(5):
            for column in range(7):
                x1 = plane.left + (column + 0.5) * (plane.right - plane.left) / 7
                x2 = plane.top - (row + 0.5) * (plane.top - plane.bottom) / 5
                assert values[row, column] == pytest.approx(forward(network, network.params, x1, x2)[k], rel=1e-12)


def test_each_sample_falls_in_the_pixel_that_holds_it():
    network = resolve("moons")
    plane = decision.plane(network.X, 50, 30)
    columns, rows = plane.pixels(network.X)
    width, height = (plane.right - plane.left) / 50, (plane.top - plane.bottom) / 30
    for (x1, x2), column, row in zip(network.X, columns, rows):
        assert plane.left + column * width <= x1 < plane.left + (column + 1) * width
        assert plane.top - (row + 1) * height < x2 <= plane.top - row * height
    assert plane.left < network.X[:, 0].min() and plane.right > network.X[:, 0].max()  # a margin all round


def test_one_sample_gets_a_plane_around_it():
    network = resolve("two-outputs")  # one sample: no span of its own
    plane = decision.plane(network.X, 10, 10)
    assert plane.left < network.X[0, 0] < plane.right and plane.bottom < network.X[0, 1] < plane.top
    assert plane.right - plane.left == pytest.approx(1.2)


def test_shading_is_denser_as_the_value_rises_and_the_middle_falls_between_two_shades():
    marks = [shade(t) for t in np.linspace(0, 1, 61)]
    assert [SHADES.index(m) for m in marks] == sorted(SHADES.index(m) for m in marks)
    assert shade(0.0) == " " and shade(1.0) == "█"
    assert shade(0.499) != shade(0.501)


async def map_screen(app, pilot) -> tuple[MapScreen, DecisionMap]:
    await pilot.press("b")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, MapScreen)
    return screen, screen.query_one(DecisionMap)


def drawn_values(app, chart: DecisionMap) -> np.ndarray:
    """What the app should draw: the forward pass at each pixel centre of the map's own size."""
    network, params = app.network, app.stepper.params
    plane = decision.plane(network.X, chart.size.width, 2 * chart.size.height)
    x1, x2 = plane.centres()
    return np.array([[forward(network, params, a, b)[0] for a in x1] for b in x2])


async def test_the_drawn_colours_are_the_predictions_and_the_samples_their_targets():
    app = BackpropApp("xor")
    async with app.run_test(size=(80, 30)) as pilot:
        app.stepper.run(500)
        app.refresh_view()
        _, chart = await map_screen(app, pilot)
        np.testing.assert_allclose(chart.values, drawn_values(app, chart), rtol=1e-12)
        expected = np.rint(chart.values * 2 * LEVELS).astype(int)  # σ's range is 0 to 1
        palette = [c.rich_color for c in chart.colours()]
        plane = decision.plane(app.network.X, chart.size.width, 2 * chart.size.height)
        columns, rows = plane.pixels(app.network.X)
        samples = {(c, r // 2): FULL if y else EMPTY for c, r, y in zip(columns, rows, app.network.Y[:, 0])}
        for row in range(chart.size.height):
            cells = list(chart.render_line(row))
            text = "".join(segment.text for segment in cells)
            assert len(text) == chart.size.width
            column = 0
            for segment in cells:
                for char in segment.text:
                    if (column, row) in samples:
                        assert char == samples[column, row]
                    else:
                        assert char == "▀"
                        assert segment.style.color == palette[expected[2 * row, column]]
                        assert segment.style.bgcolor == palette[expected[2 * row + 1, column]]
                    column += 1
        assert len(samples) == 4  # XOR's four corners, each in a cell of its own


async def test_the_map_follows_each_step_of_the_update_and_a_training_run():
    app = BackpropApp("moons")
    async with app.run_test(size=(100, 30)) as pilot:
        screen, chart = await map_screen(app, pilot)
        before = chart.values.copy()
        await pilot.press("i")  # through the update, from the map
        await pilot.pause()
        assert app.stepper.cursor == app.stepper.total
        assert not np.allclose(chart.values, before)
        np.testing.assert_allclose(chart.values[::7, ::9], drawn_values(app, chart)[::7, ::9], rtol=1e-12)
        shown = []  # whether a run was going on, at each redraw
        show = screen.show
        screen.show = lambda params, where: (shown.append(screen.training), show(params, where))
        await pilot.press("t", *"5000", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is screen and app.stepper.iteration == 5001
        assert True in shown and shown[-1] is False  # live during the run, once more at its end
        np.testing.assert_allclose(chart.values[::7, ::9], drawn_values(app, chart)[::7, ::9], rtol=1e-12)
        title = str(screen.query_one("#map-title").render())
        assert "iteration 5,002, step 0/20" in title and "accuracy" in title


async def test_no_color_stays_shaded_and_s_switches_only_in_colour():
    app = BackpropApp("xor")
    async with app.run_test(size=(80, 24)) as pilot:
        app.no_color = True
        screen, chart = await map_screen(app, pilot)
        text = "".join(segment.text for segment in chart.render_line(3))
        assert set(text) <= set(SHADES) | {FULL, EMPTY, BOTH}
        await pilot.press("s")  # colours would not show: the map stays shaded, and says so
        await pilot.pause()
        assert "▀" not in "".join(segment.text for segment in chart.render_line(3))
        assert "shading" not in str(screen.query_one("#map-help").render())
    app = BackpropApp("xor")
    async with app.run_test(size=(80, 24)) as pilot:
        _, chart = await map_screen(app, pilot)
        assert "▀" in "".join(segment.text for segment in chart.render_line(3))
        await pilot.press("s")
        await pilot.pause()
        assert set("".join(segment.text for segment in chart.render_line(3))) <= set(SHADES) | {FULL, EMPTY, BOTH}


async def test_another_output_with_brackets():
    app = BackpropApp("two-outputs")
    async with app.run_test(size=(80, 24)) as pilot:
        screen, chart = await map_screen(app, pilot)
        assert "ŷ[0] over" in str(screen.query_one("#map-title").render())
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert "ŷ[1] over" in str(screen.query_one("#map-title").render())
        plane = decision.plane(app.network.X, chart.size.width, 2 * chart.size.height)
        np.testing.assert_array_equal(chart.values, decision.output_map(app.network, app.stepper.params, plane, 1))


async def test_more_inputs_list_each_prediction_beside_its_target():
    app = BackpropApp("iris")
    async with app.run_test(size=(80, 24)) as pilot:
        app.stepper.run(100)
        app.refresh_view()
        await pilot.press("b")
        await pilot.pause()
        lines = app.screen.query_one("#predictions").text.plain.split("\n")
        assert len(lines) == 151
        right = sum("✓ right" in line for line in lines)
        assert right == 146  # 97.3 %, as `train` says after 100 iterations (tests/test_presets.py)
        assert "accuracy 97.3 % on all 150 samples" in str(app.screen.query_one("#map-title").render())
        assert lines[1].split()[:3] == ["0", "class", "0"]
        top = app.screen.query_one("#predictions").scroll_y
        await pilot.press("end")  # the list has the focus: the keys scroll it
        await pilot.pause()
        assert app.screen.query_one("#predictions").scroll_y > top


def test_a_wide_layer_s_map_is_computed_a_few_pixels_at_a_time(monkeypatch):
    network = resolve("moons")
    plane = decision.plane(network.X, 30, 20)
    whole = decision.output_map(network, network.params, plane)
    monkeypatch.setattr(decision, "CHUNK_VALUES", 40)  # 5 pixels a pass through the 8 hidden units
    chunked = decision.output_map(network, network.params, plane)
    np.testing.assert_allclose(chunked, whole, rtol=1e-13)  # a matrix product's rounding follows its size


def test_a_very_wide_network_s_map_is_coarser_and_says_so():
    network = resolve("xor")
    changed = edit.settings(network)
    changed["layers"][0]["units"] = 100_000  # every pixel would be 100,000 activations
    wide = edit.build(network, changed)
    plane = decision.plane(wide.X, 130, 74)
    k = decision.coarseness(wide, plane)
    assert k > 1 and (plane.columns / k) * (plane.rows / k) * 100_001 <= decision.MAP_VALUES
    values = decision.output_map(wide, wide.params, plane)
    assert values.shape == (74, 130)
    assert (values[:k, :k] == values[0, 0]).all()  # one value over k × k pixels
    x1 = plane.left + 0.5 * k * (plane.right - plane.left) / 130  # that value: at the coarse pixel's centre
    x2 = plane.top - 0.5 * k * (plane.top - plane.bottom) / 74
    assert values[0, 0] == pytest.approx(forward(wide, wide.params, x1, x2)[0], rel=1e-9)


async def test_a_run_s_hand_over_before_the_map_or_plot_is_composed_waits_for_it():
    """A training run handed iterations over while `l` or `b` was opening: the screen's query failed
    (NoMatches for LossPlot, seen in the random-keys test)."""
    from tui.screens.plot import PlotScreen

    app = BackpropApp("moons")
    async with app.run_test(size=(100, 30)) as pilot:
        for screen in (PlotScreen([]), MapScreen(app.network, app.stepper.params, app.where, app.view.fmt)):
            app.push_screen(screen)  # not awaited: not composed yet
            app.follow_run()
            await pilot.pause()
            assert app.screen is screen
            await pilot.press("escape")
            await pilot.pause()
