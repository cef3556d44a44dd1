"""The editor (E): every change it offers, applied and undone; problems said where they are
made, before anything is applied; only a new learning rate keeps the parameters; an edited
network saved with Ctrl+S opens again the same."""

from __future__ import annotations

import numpy as np
import pytest

from engine import edit
from engine.network import NetworkError, initial_params, load
from engine.presets import resolve
from tui.app import BackpropApp
from tui.screens.edit import EditScreen


async def open_editor(app, pilot) -> EditScreen:
    await pilot.press("E")
    await pilot.pause()
    assert isinstance(app.screen, EditScreen)
    return app.screen


async def set_field(pilot, screen, selector: str, value) -> None:
    widget = screen.query_one(selector)
    widget.value = value
    await pilot.pause()


def shown(screen, row: str) -> str:
    label = screen.query_one(f"#problem-{row.replace('.', '-')}")
    return str(label.render()) if label.has_class("-shown") else ""


def summary(screen) -> str:
    return str(screen.query_one("#edit-summary").render())


async def apply(app, pilot) -> None:
    await pilot.click("#apply")
    await pilot.pause()
    await pilot.pause()


# -- the engine: settings a file could hold, built again on the same data ------------------------


@pytest.mark.parametrize("preset", ["xor", "regression", "classification", "two-outputs", "iris", "moons"])
def test_a_network_s_settings_build_it_again(preset):
    network = resolve(preset)
    built = edit.build(network, edit.settings(network))
    assert edit.settings(built) == edit.settings(network)
    assert built.sizes == network.sizes and built.source == network.source
    np.testing.assert_array_equal(built.X, network.X)
    np.testing.assert_array_equal(built.Y, network.Y)


def test_the_rules_of_a_file_hold_in_the_editor():
    network = resolve("regression")
    changed = edit.settings(network)
    changed["layers"][0]["activation"] = "softmax"
    with pytest.raises(NetworkError, match="softmax on a hidden layer") as caught:
        edit.build(network, changed)
    assert caught.value.key == "layers[1].activation"
    changed = edit.settings(network)
    changed["loss"] = "bce"
    with pytest.raises(NetworkError, match="needs a sigmoid last layer"):
        edit.build(network, changed)
    changed["layers"][-1]["activation"] = "sigmoid"
    with pytest.raises(NetworkError, match="expected a target from 0 to 1 for loss bce"):
        edit.build(network, changed)  # the homework's regression targets are not probabilities


def test_only_a_new_learning_rate_keeps_the_parameters():
    network = resolve("xor")
    params = {k: v + 1.0 for k, v in network.params.items()}
    faster = dict(edit.settings(network), learning_rate=3.0)
    kept = edit.build(network, faster, params)
    assert kept.learning_rate == 3.0
    for name in params:
        np.testing.assert_array_equal(kept.params[name], params[name])
    reseeded = dict(edit.settings(network), learning_rate=3.0, seed=7)
    drawn = edit.build(network, reseeded, params)
    expected = initial_params(network.sizes, [layer.activation for layer in network.layers], 7)
    for name in expected:
        np.testing.assert_array_equal(drawn.params[name], expected[name])


# -- the app: each change, applied, then undone with p --------------------------------------------


async def changed_and_undone(preset, change, check, steps=3):
    """Step a little, open the editor, make `change`, apply; `check` the new network; then p at
    its start returns to the network and the place it had."""
    app = BackpropApp(preset)
    async with app.run_test(size=(100, 40)) as pilot:
        for _ in range(steps):
            await pilot.press("n")
        before, place = app.network, (app.stepper.iteration, app.stepper.cursor)
        screen = await open_editor(app, pilot)
        await change(pilot, screen)
        assert summary(screen).startswith("✓"), summary(screen)
        await apply(app, pilot)
        assert not isinstance(app.screen, EditScreen)
        assert app.network is not before and (app.stepper.iteration, app.stepper.cursor) == (0, 0)
        check(app.network, before, app)
        await pilot.press("p")
        await pilot.pause()
        assert app.network is before and (app.stepper.iteration, app.stepper.cursor) == place


def drawn_from_seed(network):
    expected = initial_params(network.sizes, [layer.activation for layer in network.layers], network.seed)
    return all(np.array_equal(network.params[k], v) for k, v in expected.items())


async def test_adding_a_hidden_layer():
    async def change(pilot, screen):
        await pilot.press("ctrl+l")
        await pilot.pause()
        await set_field(pilot, screen, "#units-1", "5")

    def check(network, before, app):
        assert network.sizes == [2, 2, 5, 1] and network.layers[1].activation == "tanh"
        assert network.name == "XOR 2-2-1 (edited: 2-2-5-1)" and app.title == network.name
        assert drawn_from_seed(network)
        assert len(app.query("LayerPanel")) == 3

    await changed_and_undone("xor", change, check)


async def test_removing_a_hidden_layer():
    async def change(pilot, screen):
        await pilot.click("#remove-0")
        await pilot.pause()

    def check(network, before, app):
        assert network.sizes == [4, 2, 1] and [layer.activation for layer in network.layers] == ["relu", "identity"]

    await changed_and_undone("regression", change, check)


async def test_units_and_an_activation():
    async def change(pilot, screen):
        await set_field(pilot, screen, "#units-0", "4")
        await set_field(pilot, screen, "#act-0", "relu")

    def check(network, before, app):
        assert network.sizes == [2, 4, 1] and network.layers[0].activation == "relu" and drawn_from_seed(network)

    await changed_and_undone("xor", change, check)


async def test_the_loss_and_its_reduction():
    async def change(pilot, screen):
        await set_field(pilot, screen, "#loss", "bce")
        await set_field(pilot, screen, "#reduction", "sum")

    def check(network, before, app):
        assert (network.loss, network.reduction) == ("bce", "sum")

    await changed_and_undone("xor", change, check)


async def test_a_new_learning_rate_keeps_the_parameters_on_screen():
    async def change(pilot, screen):
        await set_field(pilot, screen, "#learning_rate", "0.25")
        assert "kept" in summary(screen)

    def check(network, before, app):
        assert network.learning_rate == 0.25
        assert not drawn_from_seed(network)  # two iterations trained: those parameters go on

    app_steps = 2 * 19 + 3  # two iterations and three steps into the third (xor has 19 steps)
    await changed_and_undone("xor", change, check, steps=app_steps)


async def test_the_seed_l2_and_batch_size():
    async def change(pilot, screen):
        await set_field(pilot, screen, "#seed", "11")
        await set_field(pilot, screen, "#l2", "0.01")
        await set_field(pilot, screen, "#batch_size", "2")

    def check(network, before, app):
        assert (network.seed, network.l2, network.batch_size) == (11, 0.01, 2) and drawn_from_seed(network)
        assert "rows 0–1" in str(app.query_one("#status").render())

    await changed_and_undone("xor", change, check)


async def test_the_optimizer_and_its_settings():
    async def change(pilot, screen):
        await set_field(pilot, screen, "Select#optimizer", "adam")
        assert screen.query("#opt-beta1") and not screen.query("#opt-momentum")
        await set_field(pilot, screen, "#opt-beta1", "0.8")

    def check(network, before, app):
        assert network.optimizer.name == "adam" and network.optimizer.beta1 == 0.8
        assert network.optimizer.beta2 == 0.999  # PyTorch's default

    await changed_and_undone("xor", change, check)


async def test_frozen_parameters():
    async def change(pilot, screen):
        await set_field(pilot, screen, "#frozen-b1", True)

    def check(network, before, app):
        assert network.frozen == ("b1",)

    await changed_and_undone("xor", change, check)


# -- problems, where they are made ------------------------------------------------------------------


async def test_a_problem_is_said_under_the_field_changed_and_nothing_is_applied():
    app = BackpropApp("regression")
    async with app.run_test(size=(100, 40)) as pilot:
        before = app.network
        screen = await open_editor(app, pilot)
        await set_field(pilot, screen, "#act-0", "softmax")
        assert "softmax on a hidden layer" in shown(screen, "layer-0")
        assert summary(screen).startswith("✗")
        await apply(app, pilot)
        assert app.screen is screen and app.network is before  # refused
        await set_field(pilot, screen, "#act-0", "relu")
        assert not shown(screen, "layer-0") and summary(screen).startswith("✓")
        await set_field(pilot, screen, "#loss", "ce")  # the output is identity: ce needs softmax
        assert "softmax" in shown(screen, "loss") and "softmax" in shown(screen, "layer-2")
        await set_field(pilot, screen, "#loss", "mse")
        await set_field(pilot, screen, "#learning_rate", "fast")
        assert "expected a finite number > 0" in shown(screen, "learning_rate")
        await set_field(pilot, screen, "#learning_rate", "0.1")
        await set_field(pilot, screen, "#units-0", "0")
        assert "found 0" in shown(screen, "layer-0") and "layers[1].units" in summary(screen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.network is before


async def test_targets_that_do_not_fit_the_new_loss_are_said_at_the_loss():
    app = BackpropApp("regression")
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_editor(app, pilot)
        await set_field(pilot, screen, "#act-2", "sigmoid")
        await set_field(pilot, screen, "#loss", "bce")
        assert "the data's targets do not fit loss bce" in shown(screen, "loss")


async def test_nothing_changed_applies_nothing():
    app = BackpropApp("xor")
    async with app.run_test(size=(100, 40)) as pilot:
        before = app.network
        screen = await open_editor(app, pilot)
        assert "nothing changed" in summary(screen)
        await apply(app, pilot)
        assert app.network is before


# -- saved, and opened again the same ---------------------------------------------------------------


@pytest.mark.parametrize("preset", ["xor", "iris"])
async def test_an_edited_network_saved_with_ctrl_s_opens_again_the_same(preset, tmp_path):
    app = BackpropApp(preset)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_editor(app, pilot)
        await pilot.press("ctrl+l")
        await pilot.pause()
        await set_field(pilot, screen, "Select#optimizer", "rmsprop")
        await pilot.press("ctrl+s")  # applies, then asks where to save
        await pilot.pause()
        path = tmp_path / "edited.toml"
        app.screen.query_one("#save-path").value = str(path)
        await pilot.press("enter")
        await pilot.pause()
        reopened = load(path)
        assert edit.settings(reopened) == edit.settings(app.network)
        for name, value in app.network.params.items():
            np.testing.assert_array_equal(reopened.params[name], value)
        np.testing.assert_array_equal(reopened.X, app.network.X)
        np.testing.assert_array_equal(reopened.Y, app.network.Y)


async def test_ctrl_l_adds_a_layer_from_inside_a_field_and_units_are_whole_numbers():
    app = BackpropApp("xor")
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_editor(app, pilot)
        screen.query_one("#units-0").focus()
        await pilot.press("ctrl+l")  # an Input's own keys would take Ctrl+A (home)
        await pilot.pause()
        assert [layer["units"] for layer in screen.design["layers"]] == [2, 2, 1]
        assert screen.focused.id == "units-1"
        await pilot.press("backspace", "2", "full_stop", "5")
        await pilot.pause()
        assert "found 2.5, expected" in shown(screen, "layer-1")  # never read as 25


async def test_a_new_learning_rate_midway_through_an_update_keeps_the_iteration_s_start_and_says_so():
    app = BackpropApp("xor")
    async with app.run_test(size=(100, 40)) as pilot:
        for _ in range(17):  # into the update phase: W₂ updated, W₁ not yet
            await pilot.press("n")
        start = {k: v.copy() for k, v in app.stepper.start_params.items()}
        screen = await open_editor(app, pilot)
        await set_field(pilot, screen, "#learning_rate", "2")
        assert "the parameters this iteration started from kept" in summary(screen)
        await apply(app, pilot)
        for name, value in start.items():
            np.testing.assert_array_equal(app.network.params[name], value)
        assert app.query_one("StepList").scroll_y == 0  # the new run's list from its first step


def test_an_edited_network_is_named_by_its_shape_and_says_what_it_came_from():
    network = resolve("moons")
    changed = edit.settings(network)
    changed["layers"][0]["units"] = 4
    once = edit.build(network, changed)
    assert once.name == "Two moons (2-8-1) (edited: 2-4-1)"
    assert once.description.startswith("Edited in the app from Two moons (2-8-1). Its description: 100 points")
    again = edit.build(once, dict(edit.settings(once), seed=5))
    assert again.name == "Two moons (2-8-1) (edited: 2-4-1)" and again.description == once.description


async def test_ticking_and_unticking_frozen_parameters_is_no_change():
    app = BackpropApp("xor")
    async with app.run_test(size=(100, 40)) as pilot:
        before = app.network
        screen = await open_editor(app, pilot)
        for value in (True, False):
            for name in ("W2", "W1"):
                await set_field(pilot, screen, f"#frozen-{name}", value)
        await set_field(pilot, screen, "#frozen-W2", True)
        await set_field(pilot, screen, "#frozen-W1", True)
        assert screen.design["frozen"] == ["W1", "W2"]  # the network's order, whatever the clicks'
        await set_field(pilot, screen, "#frozen-W2", False)
        await set_field(pilot, screen, "#frozen-W1", False)
        assert "nothing changed" in summary(screen)
        await apply(app, pilot)
        assert app.network is before
