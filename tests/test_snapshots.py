"""The look of the app (pytest-textual-snapshot), one class per feature; each test's docstring
says what its picture guards. Update a snapshot only after looking at it:
`pytest tests/test_snapshots.py --snapshot-update`, then open snapshot_report.html or the SVGs.
A snapshot is named after its class and test (tests/__snapshots__/test_snapshots/): rename a
test and `git mv` its SVG with it."""

import pytest

from tui.app import BackpropApp

WIDE = (140, 45)


class TestStepping:
    @pytest.mark.parametrize("preset", ["xor", "regression", "classification", "two-outputs"])
    def test_start(self, snap_compare, preset):
        """Each preset before its first step: every panel laid out, dots where nothing is computed yet."""
        assert snap_compare(BackpropApp(preset), terminal_size=WIDE)

    def test_mid_forward(self, snap_compare):
        """Three steps into the forward pass: the step's formula, its numbers and the diagram's lit units."""
        assert snap_compare(BackpropApp("xor"), press=["n"] * 3, terminal_size=WIDE)

    def test_backward_lights_the_path_back(self, snap_compare):
        """δ sent back to layer 1 (∂L/∂A₁ = δ₂W₂): W₂'s edges read, layer 1's units written."""
        assert snap_compare(BackpropApp("xor"), press=["n"] * 11, terminal_size=WIDE)

    def test_backward_chain_factor(self, snap_compare):
        """A backward factor: its place in the layer's chain ∂L/∂W = ∂L/∂a · ∂a/∂z · ∂z/∂W highlighted."""
        assert snap_compare(BackpropApp("classification"), press=["n"] * 8, terminal_size=WIDE)

    def test_update_phase(self, snap_compare):
        """The update phase: the weight updates panel grown, each parameter's old → new value."""
        assert snap_compare(BackpropApp("two-outputs"), press=["n"] * 16, terminal_size=WIDE)

    def test_iteration_done(self, snap_compare):
        """An iteration finished with i: the loss before → after and the loss per iteration."""
        assert snap_compare(BackpropApp("xor"), press=["i"], terminal_size=WIDE)

    def test_single_sample(self, snap_compare):
        """One sample (m on sample 1): column vectors as in the three-layer homework."""
        assert snap_compare(
            BackpropApp("regression"), press=["right_square_bracket", "m"] + ["n"] * 9, terminal_size=WIDE
        )


class TestSizes:
    def test_small_terminal(self, snap_compare):
        """80 × 24: the steps and the loss give way, the diagram keeps the network's shape without values."""
        assert snap_compare(BackpropApp("classification"), press=["n"] * 10, terminal_size=(80, 24))

    def test_large_network(self, snap_compare, large_network):
        """784-128-64-10 on 64 samples: large matrices elided with ⋯ and ⋮, never cut."""
        assert snap_compare(BackpropApp(str(large_network)), press=["n"] * 16, terminal_size=WIDE)


class TestDisplay:
    def test_six_digits(self, snap_compare):
        """d: six decimals in every panel, the grids still aligned."""
        assert snap_compare(BackpropApp("two-outputs"), press=["d"] + ["n"] * 14, terminal_size=WIDE)

    def test_light_theme(self, snap_compare):
        """textual-light: every panel recoloured from the theme's own colours."""

        def light(pilot):
            pilot.app.theme = "textual-light"

        assert snap_compare(BackpropApp("xor"), press=["n"] * 11, terminal_size=WIDE, run_before=light)

    def test_explanations_off(self, snap_compare):
        """e: the step without its why and convention lines."""
        assert snap_compare(BackpropApp("xor"), press=["n"] * 8 + ["e"], terminal_size=WIDE)

    def test_v_names(self, snap_compare):
        """v: the dynamic-programming view's v, d, t, g in every panel."""
        assert snap_compare(BackpropApp("xor"), press=["n"] * 13 + ["v"], terminal_size=WIDE)


class TestDialogs:
    def test_help(self, snap_compare):
        """? : the help over the app, opening at its top."""
        assert snap_compare(BackpropApp("xor"), press=["question_mark"], terminal_size=WIDE)

    def test_train_prompt(self, snap_compare):
        """t: the prompt asking how many iterations to train."""
        assert snap_compare(BackpropApp("xor"), press=["t"], terminal_size=WIDE)

    def test_open_prompt(self, snap_compare):
        """o: the prompt asking for a preset or a network file."""
        assert snap_compare(BackpropApp("xor"), press=["o"], terminal_size=WIDE)

    def test_export_prompt(self, snap_compare):
        """x: the prompt asking where to write the iteration's worked solution."""
        assert snap_compare(BackpropApp("xor"), press=["i", "x"], terminal_size=WIDE)

    def test_zoom(self, snap_compare):
        """z: every cell of the matrix being computed (δ₁), scrollable."""
        assert snap_compare(BackpropApp("regression"), press=["n"] * 20 + ["z"], terminal_size=WIDE)


class TestSelfStudy:
    def test_one_weight_chain(self, snap_compare):
        """w: W1[0,1]'s whole chain, path by path, one scalar factor per line."""

        async def open_chain(pilot):
            pilot.app.open_chain("W1", (0, 1))
            await pilot.pause()

        assert snap_compare(BackpropApp("regression"), run_before=open_chain, terminal_size=WIDE)

    def test_quiz_after_a_wrong_answer(self, snap_compare):
        """k: a wrong answer shown the right value, its scalar formula and where it came from."""
        assert snap_compare(BackpropApp("xor"), press=["k", "n", "0", "full_stop", "5", "enter"], terminal_size=WIDE)

    def test_gradient_check_table(self, snap_compare, monkeypatch):
        """g: the gradient check's table, every gradient against central finite differences."""
        import numpy as np

        from engine import gradcheck
        from tui.screens import gradcheck as screen

        def steady(network, params=None, on_progress=None, rows=None, entries=None):
            # The differences' last digits (and so the worst entry) follow the BLAS kernel the
            # machine picks; the picture keeps the table's look, at the largest gradient's entry.
            results = gradcheck.check(network, params, on_progress, rows, entries)
            X, Y = rows or (network.X, network.Y)
            grads = gradcheck.derive(network, params or network.params, X, Y).grads
            for r in results:
                g = grads[r.name]
                r.worst_index = tuple(int(i) for i in np.unravel_index(np.argmax(np.abs(g)), g.shape))
                r.backprop = r.numeric = float(g[r.worst_index])
                r.worst_error = 0.0
            return results

        monkeypatch.setattr(screen, "check", steady)

        async def check(pilot):
            await pilot.press("g")
            await pilot.app.screen.workers.wait_for_complete()
            await pilot.pause()

        assert snap_compare(BackpropApp("classification"), run_before=check, terminal_size=WIDE)

    def test_loss_plot(self, snap_compare):
        """l: the loss of 3,000 iterations against the iteration, with axes."""

        async def train_then_plot(pilot):
            pilot.app.stepper.run(3000)
            await pilot.press("l")

        assert snap_compare(BackpropApp("xor"), run_before=train_then_plot, terminal_size=WIDE)

    def test_common_mistake(self, snap_compare):
        """c: δ sent back through the updated weights, the correct value beside each it changes."""
        assert snap_compare(BackpropApp("two-outputs"), press=["c"] + ["n"] * 11, terminal_size=WIDE)


class TestDerivation:
    def test_closed_form(self, snap_compare):
        """a: ∂L/∂W₂ composed back to the loss, the factor step 14 computes lit, known ones with values."""
        assert snap_compare(BackpropApp("regression"), press=["n"] * 14 + ["a"], terminal_size=WIDE)

    def test_side_by_side(self, snap_compare):
        """a then s: regression and classification on the same weights, each factor shared or differs."""
        assert snap_compare(BackpropApp("regression"), press=["m", "a", "tab", "tab", "s"], terminal_size=WIDE)

    def test_derive_mode(self, snap_compare):
        """s: derive mode after a wrong expression, its diagnosis and the names to use."""

        async def wrong(pilot):
            await pilot.press("s", "f", "f", "n")
            pilot.app.screen.query_one("Input").value = "2*(A3 - Y)"
            await pilot.press("enter")

        assert snap_compare(BackpropApp("regression"), run_before=wrong, terminal_size=WIDE)

    def test_loss_node(self, snap_compare):
        """v: the dynamic-programming view's loss node, its weight-1 edges and a v per output."""
        assert snap_compare(BackpropApp("two-outputs"), press=["v"] + ["n"] * 6, terminal_size=WIDE)


class TestCourse:
    @pytest.fixture(autouse=True)
    def no_progress(self, tmp_path, monkeypatch):
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))

    def test_course_list(self, snap_compare):
        """learn: every lesson with what it teaches, the document it follows, its minutes and progress."""
        assert snap_compare(BackpropApp("xor", course=True), terminal_size=WIDE)

    def test_lesson_task_after_a_wrong_answer(self, snap_compare):
        """A lesson's task under the network: its prompt, the answer box and why the answer is wrong."""

        async def wrong(pilot):
            await pilot.pause()
            pilot.app.screen.query_one("OptionList").highlighted = 2  # lesson 3: δ at the output
            await pilot.press("enter")
            await pilot.pause()
            await pilot.press("escape")  # past the lesson's text
            await pilot.pause()
            pilot.app.query_one("#task-answer").value = "0.25"
            await pilot.press("enter")

        assert snap_compare(BackpropApp("xor", course=True), run_before=wrong, terminal_size=WIDE)

    def test_lesson_task_small_terminal(self, snap_compare):
        """80 × 24: a choice's options and the answer box still in sight below the panels."""

        async def choose(pilot):
            await pilot.pause()
            await pilot.press("enter", "escape")  # lesson 1, past its text
            await pilot.pause()
            for _ in range(4):  # to its last task, a choice
                pilot.app.lesson.record.task += 1
            pilot.app.begin_task(with_lead=False)
            await pilot.pause()

        assert snap_compare(BackpropApp("xor", course=True), run_before=choose, terminal_size=(80, 24))


class TestDecisionMap:
    def test_moons_learned(self, snap_compare):
        """moons after 300 iterations (`b`): the output in half-blocks, vermillion to blue through the
        background, ● and ○ samples on top, the planes' ranges and the accuracy in the title."""

        async def trained(pilot):
            pilot.app.stepper.run(300)
            pilot.app.refresh_view()
            await pilot.press("b")

        assert snap_compare(BackpropApp("moons"), run_before=trained, terminal_size=(100, 30))

    def test_predictions_small_terminal(self, snap_compare):
        """iris at 80 × 24 (`b`, four inputs): each sample's class and the predicted class with its ŷ, ✓ or ✗."""

        async def trained(pilot):
            pilot.app.stepper.run(100)
            pilot.app.refresh_view()
            await pilot.press("b")

        assert snap_compare(BackpropApp("iris"), run_before=trained, terminal_size=(80, 24))


class TestEditor:
    def test_a_problem_where_it_is_made(self, snap_compare):
        """The editor (E) on regression after choosing loss ce: the problem under the loss and under
        the output layer (ce needs softmax), the summary in the error colour, one line a field."""

        async def ce(pilot):
            await pilot.press("E")
            await pilot.pause()
            pilot.app.screen.query_one("#loss").value = "ce"
            await pilot.pause()

        assert snap_compare(BackpropApp("regression"), run_before=ce, terminal_size=(100, 30))
