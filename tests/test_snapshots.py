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
