"""The look of the app (pytest-textual-snapshot). Update a snapshot only after looking at it:
`pytest tests/test_snapshots.py --snapshot-update`, then open snapshot_report.html or the SVGs."""

import pytest

from tui.app import BackpropApp

WIDE = (140, 45)


@pytest.mark.parametrize("preset", ["xor", "regression", "classification", "two-outputs"])
def test_start_screen(snap_compare, preset):
    assert snap_compare(BackpropApp(preset), terminal_size=WIDE)


def test_mid_forward(snap_compare):
    assert snap_compare(BackpropApp("xor"), press=["n"] * 3, terminal_size=WIDE)


def test_backward_step_lights_the_path_back(snap_compare):
    # δ sent back to layer 1 (∂L/∂A₁ = δ₂W₂): W₂'s edges read, layer 1 written
    assert snap_compare(BackpropApp("xor"), press=["n"] * 11, terminal_size=WIDE)


def test_backward_chain_factor(snap_compare):
    assert snap_compare(BackpropApp("classification"), press=["n"] * 8, terminal_size=WIDE)


def test_update_phase(snap_compare):
    assert snap_compare(BackpropApp("two-outputs"), press=["n"] * 16, terminal_size=WIDE)


def test_iteration_done(snap_compare):
    assert snap_compare(BackpropApp("xor"), press=["i"], terminal_size=WIDE)


def test_single_sample_mode(snap_compare):
    assert snap_compare(BackpropApp("regression"), press=["right_square_bracket", "m"] + ["n"] * 9,
                        terminal_size=WIDE)


def test_help_screen(snap_compare):
    assert snap_compare(BackpropApp("xor"), press=["question_mark"], terminal_size=WIDE)


def test_small_terminal(snap_compare):
    assert snap_compare(BackpropApp("classification"), press=["n"] * 10, terminal_size=(80, 24))


def test_train_prompt(snap_compare):
    assert snap_compare(BackpropApp("xor"), press=["t"], terminal_size=WIDE)


def test_open_prompt(snap_compare):
    assert snap_compare(BackpropApp("xor"), press=["o"], terminal_size=WIDE)


def test_six_digits(snap_compare):
    assert snap_compare(BackpropApp("two-outputs"), press=["d"] + ["n"] * 14, terminal_size=WIDE)


def test_light_theme(snap_compare):
    def light(pilot):
        pilot.app.theme = "textual-light"

    assert snap_compare(BackpropApp("xor"), press=["n"] * 11, terminal_size=WIDE, run_before=light)


def test_zoom(snap_compare):
    assert snap_compare(BackpropApp("regression"), press=["n"] * 20 + ["z"], terminal_size=WIDE)


def test_large_network(snap_compare, large_network):
    assert snap_compare(BackpropApp(str(large_network)), press=["n"] * 16, terminal_size=WIDE)


# -- guided self-study ---------------------------------------------------------------------------


def test_explanations_off(snap_compare):
    assert snap_compare(BackpropApp("xor"), press=["n"] * 8 + ["e"], terminal_size=WIDE)


def test_seed_2_v_names(snap_compare):
    assert snap_compare(BackpropApp("xor"), press=["n"] * 13 + ["v"], terminal_size=WIDE)


def test_one_weight_chain(snap_compare):
    async def open_chain(pilot):
        pilot.app.open_chain("W1", (0, 1))
        await pilot.pause()

    assert snap_compare(BackpropApp("regression"), run_before=open_chain, terminal_size=WIDE)


def test_quiz_after_a_wrong_answer(snap_compare):
    assert snap_compare(BackpropApp("xor"), press=["k", "n", "0", "full_stop", "5", "enter"], terminal_size=WIDE)


def test_gradient_check_table(snap_compare):
    async def check(pilot):
        await pilot.press("g")
        await pilot.app.screen.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(BackpropApp("classification"), run_before=check, terminal_size=WIDE)


def test_loss_plot(snap_compare):
    async def train_then_plot(pilot):
        pilot.app.stepper.run(3000)
        await pilot.press("l")

    assert snap_compare(BackpropApp("xor"), run_before=train_then_plot, terminal_size=WIDE)


def test_common_mistake(snap_compare):
    assert snap_compare(BackpropApp("two-outputs"), press=["c"] + ["n"] * 11, terminal_size=WIDE)


def test_export_prompt(snap_compare):
    assert snap_compare(BackpropApp("xor"), press=["i", "x"], terminal_size=WIDE)
