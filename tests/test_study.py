"""Guided self-study under Pilot: explanations, δ / v names, one weight's chain, the quiz, the
gradient check, the worked-solution export, the loss plot and the common mistake."""

import re

import numpy as np
import pytest
from textual.widgets import DataTable, Label, Static

from engine import notation
from engine.export import run_trace, to_markdown
from engine.presets import resolve
from tui.app import BackpropApp
from tui.screens.chain import ChainPrompt, ChainScreen
from tui.screens.gradcheck import GradCheckScreen
from tui.screens.plot import PlotScreen
from tui.screens.prompts import SavePrompt, TrainPrompt
from tui.screens.quiz import QuizScreen
from tui.widgets.diagram import NetworkDiagram
from tui.widgets.panels import StepList, StepPanel, UpdatesPanel
from tui.widgets.plot import LossPlot

SIZE = (140, 45)


def text_of(widget) -> str:
    return widget.text.plain


def step_text(app) -> str:
    return text_of(app.query_one(StepPanel))


async def test_e_hides_and_shows_the_why_and_the_conventions():
    app = BackpropApp("xor")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*["n"] * 6)  # ∂L/∂A₂: the ŷ − y convention and the 1/m
        assert "why:" in step_text(app) and "never −(y − ŷ)" in step_text(app) and "1/m" in step_text(app)
        await pilot.press("e")
        assert "why:" not in step_text(app) and "convention:" not in step_text(app)
        assert app.stepper.step.formula in step_text(app)  # the maths stays
        await pilot.press("e")
        assert "why:" in step_text(app)


async def test_conventions_spelled_out_where_sources_differ():
    app = BackpropApp("regression")
    async with app.run_test(size=SIZE) as pilot:
        seen = []
        for _ in range(app.stepper.total):
            await pilot.press("n")
            seen.append(step_text(app))
        whole = "\n".join(seen)
        for phrase in (
            "relu'(0) is taken as 0",
            "mse has no ½",
            "1/m",
            "never −(y − ŷ)",
            "Summed, not averaged",
            "weights, those of the forward pass",
        ):
            assert phrase in whole, phrase
    app = BackpropApp("classification")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*["n"] * 11)  # the simplification δ = (ŷ − y)/m as its own step
        assert app.stepper.step.kind == "simplified" and "δ = (ŷ − y)/m directly" in step_text(app)


async def test_v_switches_every_panel_to_seed_2_names():
    app = BackpropApp("xor")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*["n"] * 8, "v")
        text = step_text(app)
        assert text.startswith("v₂ = ∂L/∂A₂ ⊙ t(D₂)") and "δ" not in text
        options = app.query_one(StepList).formulas[: app.stepper.total]
        assert "gW₁ = v₁ᵀX" in "\n".join(options) and "δ" not in "\n".join(options)
        assert "t(D₂)" in text_of(app.query_one("#layer-2")) and "D₁" in text_of(app.query_one("#layer-1"))
        await pilot.press("v")
        assert step_text(app).startswith("δ₂ = ∂L/∂A₂ ⊙ ∂A₂/∂Z₂")


def chain_text(app) -> str:
    return str(app.screen.query_one("#chain-text", Static).content)


async def test_w_explains_one_weight_path_by_path_and_the_delta_way():
    app = BackpropApp("regression")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("w")
        assert isinstance(app.screen, ChainPrompt)
        await pilot.press("ctrl+a", "ctrl+k", *"W9[0,0]", "enter")
        assert isinstance(app.screen, ChainPrompt)  # a bad name is refused with a reason
        assert "W9 is not a parameter" in str(app.screen.query_one("#chain-error", Static).content)
        await pilot.press("ctrl+a", "ctrl+k", *"W1[0,1]", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ChainScreen)
        text = chain_text(app)
        # 4-3-2-1: W1[0,1] reaches the loss through both units of layer 2
        assert "2 paths from W₁[0,1] to the loss" in text
        assert "path 1: x[1] → a₁[0] → a₂[0] → a₃[0] → L" in text
        assert "path 2: x[1] → a₁[0] → a₂[1] → a₃[0] → L" in text
        assert "✓ the same" in text
        grad = app.stepper.derived.grads["W1"][0, 1]
        assert f"backprop's ∂L/∂W₁[0,1] = {notation.fixed(4)(grad)}" in text
        diagram = app.screen.query_one(NetworkDiagram)
        edges, units = diagram.path
        assert {(1, 0, 1), (2, 0, 0), (2, 1, 0), (3, 0, 0), (3, 0, 1)} == edges
        await pilot.press("tab")  # one path lit
        assert app.screen.query_one(NetworkDiagram).path[0] == {(1, 0, 1), (2, 0, 0), (3, 0, 0)}
        await pilot.press("right_square_bracket")
        assert "sample 1 of the batch" in chain_text(app)
        await pilot.press("v")
        assert "gW₁[0,1]" in chain_text(app) and "v₁[0] = (Σₖ v₂[k]·W₂[k,0]) · t(d₁[0])" in chain_text(app)
        await pilot.press("escape")
        assert not isinstance(app.screen, ChainScreen)


async def test_the_chain_says_its_numbers_are_rounded_and_subtracts_a_negative_term():
    """At 4 decimals the factors' product and the samples' sum do not add up in the last digit:
    the screen says the numbers are rounded; a negative term is subtracted, 0.0000 − 0.0022."""
    app = BackpropApp("regression")
    async with app.run_test(size=SIZE) as pilot:
        app.open_chain("W1", (0, 3))
        await pilot.pause()
        text = chain_text(app)
        fmt = notation.fixed(4)
        chain = app.screen.chain()
        parts = chain.per_sample
        assert any(p < 0 for p in parts[1:])
        assert f"  {notation.plus([fmt(p) for p in parts])} = {fmt(sum(parts))}" in text
        assert not re.search(r"[+−] [-−]\d", text)
        assert "rounded to 4 decimals" in text
        await pilot.press("escape", "d")
        app.open_chain("W1", (0, 3))
        await pilot.pause()
        assert "rounded to 6 decimals" in chain_text(app)


async def test_a_click_on_an_edge_or_a_unit_explains_that_weight_or_bias():
    app = BackpropApp("xor")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        diagram = app.query_one(NetworkDiagram)
        layer, unit, source, x0, y0, x1, y1 = next(e for e in diagram._edges if e[:3] == (2, 0, 1))
        cx, cy = ((x0 + x1) // 2) // 2, ((y0 + y1) // 2) // 4
        await pilot.click(NetworkDiagram, offset=(cx + 2, cy + 1))  # the border and the padding
        await pilot.pause()
        assert isinstance(app.screen, ChainScreen) and (app.screen.param, app.screen.index) == ("W2", (0, 1))
        await pilot.press("escape")
        layer, unit, x, y, width = next(u for u in diagram._units if u[:2] == (1, 1))
        await pilot.click(NetworkDiagram, offset=(x + 2 + 1, y + 1))
        await pilot.pause()
        assert isinstance(app.screen, ChainScreen) and (app.screen.param, app.screen.index) == ("b1", (1,))


async def test_the_command_palette_explains_a_weight_by_name():
    app = BackpropApp("classification")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"explain W3[0,1]")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ChainScreen) and (app.screen.param, app.screen.index) == ("W3", (0, 1))
        assert "1 path from W₃[0,1] to the loss" in chain_text(app)


async def test_softmax_chains_sum_every_output_path(large_network):
    from engine.network import load

    app = BackpropApp(load(large_network))
    async with app.run_test(size=SIZE) as pilot:
        app.open_chain("W2", (5, 7))
        await pilot.pause()
        text = chain_text(app)
        assert "100 paths from W₂[5,7] to the loss" in text and "… and 76 more paths" in text
        assert "✓ the same" in text


def answer(app) -> str:
    screen = app.screen
    return repr(float(screen.current().value))


async def test_quiz_asks_each_value_scores_and_reveals():
    app = BackpropApp("xor")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("k", "n")
        assert isinstance(app.screen, QuizScreen) and app.stepper.cursor == 0
        assert "What is Z₁[0,0]?  (value 1 of 8)" in str(app.screen.query_one("#quiz-question").content)
        await pilot.press(*answer(app), "enter")  # right
        await pilot.press("9", "9", "enter")  # wrong: told the right value and where it came from
        feedback = str(app.screen.query_one("#quiz-feedback", Static).content)
        z = app.stepper.steps[0].value
        assert feedback.startswith("✗ not 99: Z₁[0,1] = W₁[1,0]·X[0,0] + W₁[1,1]·X[0,1] + b₁[1]")
        assert feedback.endswith(f"= {notation.fixed(4)(z[0, 1])}")
        assert "from W₁ (a parameter), X (the data), b₁ (a parameter)" in str(
            app.screen.query_one("#quiz-step", Static).content
        )
        await pilot.press("enter")  # an empty answer reveals
        await pilot.press(*"abc", "enter")  # not a number: said, not scored
        assert "is not a number" in str(app.screen.query_one("#quiz-feedback", Static).content)
        assert (app.quiz.right, app.quiz.wrong, app.quiz.revealed) == (1, 1, 1)
        assert app.screen.query_one("Vertical").border_subtitle == "score: 1 right of 2, 1 revealed"
        await pilot.press("ctrl+n")  # the rest of the step revealed
        await pilot.pause()
        assert "quiz: 1 right of 2, 1 revealed" in str(app.query_one("#status", Static).content)
        assert app.stepper.cursor == 1 and not isinstance(app.screen, QuizScreen)
        await pilot.press("n")
        for _ in range(8):  # a₁: all eight right, within the tolerance
            await pilot.press(*f"{float(app.screen.current().value) * (1 + 5e-4):.9f}", "enter")
        await pilot.pause()
        assert app.stepper.cursor == 2 and app.quiz.right == 9
        await pilot.press("n", "escape")  # paused: the step stays hidden
        assert app.stepper.cursor == 2
        await pilot.press("k")
        assert app.quiz is None
        await pilot.press("n")
        assert app.stepper.cursor == 3 and not isinstance(app.screen, QuizScreen)


async def test_g_checks_every_gradient_at_the_current_parameters():
    app = BackpropApp("regression")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i", "i", "g")
        assert isinstance(app.screen, GradCheckScreen)
        await app.screen.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        assert table.row_count == 6
        rows = [table.get_row_at(i) for i in range(6)]
        assert [r[0] for r in rows] == ["W1", "b1", "W2", "b2", "W3", "b3"] and all(r[-1] == "✓" for r in rows)
        assert "every gradient agrees" in str(app.screen.query_one("#check-verdict", Static).content)
        assert app.screen.params["W1"] is not resolve("regression").params["W1"]
        await pilot.press("escape")
        assert not isinstance(app.screen, GradCheckScreen)


async def test_g_in_the_update_phase_checks_the_gradients_of_the_iteration_on_screen():
    """xor, step 17/19: W₂ and b₂ are updated, W₁ not yet; the check still checks the
    gradients this iteration computed, at the parameters of its forward pass."""
    app = BackpropApp("xor")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*["n"] * 17)
        s = app.stepper
        assert s.phase == "update" and s.params["b2"] is not s.start_params["b2"]
        await pilot.press("g")
        await app.screen.workers.wait_for_complete()
        await pilot.pause()
        for one_sample in (False, True):
            if one_sample:  # the one sample walked: its gradients, on its row
                await pilot.press("escape", "right_square_bracket", "m", "g")
                await app.screen.workers.wait_for_complete()
                await pilot.pause()
            table = app.screen.query_one(DataTable)
            rows = [table.get_row_at(i) for i in range(table.row_count)]
            assert len(rows) == 4
            for row in rows:
                worst = tuple(int(i) for i in row[3].strip("[]").split(","))
                backprop = s.derived.grads[row[0]][worst]  # the gradient on screen
                assert float(row[4]) == pytest.approx(backprop, rel=1e-7), (row, one_sample)
                assert row[-1] == "✓"
            assert "forward pass" in str(app.screen.query_one(Label).content)
        assert s.sample == 1 and "on sample 1" in str(app.screen.query_one(Label).content)


async def test_closing_the_gradient_check_early_stops_it(large_network):
    from engine.network import load

    app = BackpropApp(load(large_network))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("g")
        await pilot.pause(0.3)
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        assert app.is_running and not isinstance(app.screen, GradCheckScreen)


async def test_x_exports_the_current_iteration_as_a_worked_solution(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = BackpropApp("xor")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i", "n", "n", "m", "x")
        assert isinstance(app.screen, SavePrompt)
        await pilot.press("enter")
        await pilot.pause()
        written = (tmp_path / "xor-2-2-1-iteration-2.md").read_text()
        s = app.stepper
        assert written == to_markdown(run_trace(app.network, 1, 0, params=s.start_params, first=2))
        assert "## Iteration 2" in written and "### Backward pass" in written and "*Convention:*" in written
        said = [n.message for n in app._notifications if "worked solution to" in n.message]
        assert said and " to /" in said[0] and said[0].endswith("/xor-2-2-1-iteration-2.md."), said  # where it is
        W2 = notation.latex(s.start_params["W2"], notation.significant(6))  # 1×2: one row, in every view
        assert f"$$W_{{2}} = {W2}$$" in written and " & " in W2 and r"\\" not in W2
        await pilot.press("x", "enter")  # exists: asked again, Esc leaves it
        assert isinstance(app.screen, SavePrompt)
        await pilot.press("escape")


async def test_export_to_a_missing_folder_says_so():
    app = BackpropApp("xor")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x", "ctrl+a", "ctrl+k", *"/no/such/folder/x.md", "enter")
        await pilot.pause()
        assert any("Cannot write /no/such/folder/x.md" in n.message for n in app._notifications)


async def test_the_loss_plot_follows_training_live():
    app = BackpropApp("xor")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i", "i", "l")
        assert isinstance(app.screen, PlotScreen) and app.screen.query_one(LossPlot).losses == app.stepper.losses
        shown = []
        original = PlotScreen.show

        def spy(screen, losses):
            shown.append(len(losses))
            original(screen, losses)

        PlotScreen.show = spy
        try:
            await pilot.press("t")
            assert isinstance(app.screen, TrainPrompt)
            await pilot.press(*"20000", "enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
        finally:
            PlotScreen.show = original
        assert isinstance(app.screen, PlotScreen)
        count = len(app.stepper.losses)
        assert count == 20002 and app.screen.query_one(LossPlot).losses == app.stepper.losses
        assert shown[-1] == count and len(shown) >= 2  # updated while it trained, and at the end
        assert "20,002 iterations" in str(app.screen.query_one("#plot-summary").content)
        await pilot.press("y")
        assert app.screen.query_one(LossPlot).log_scale
        await pilot.press("escape")
        assert not isinstance(app.screen, PlotScreen)


async def test_the_common_mistake_reproduces_the_published_slip_and_shows_every_difference():
    app = BackpropApp("two-outputs")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        assert "common mistake" in str(app.query_one("#status", Static).content)
        await pilot.press(*["n"] * 11)  # ∂L/∂a₁: sent back through the updated W₂
        assert app.stepper.step.writes == "dL/da1"
        text = step_text(app)
        assert "⚠ the mistake changed this" in text
        correct = text[text.index("⚠ the mistake changed this") :].split("\n")
        assert (
            correct[1].startswith("∂L/∂a₁ 2×1")
            and correct[2].split() == ["0.0364"]
            and correct[3].split() == ["0.0414"]
        )
        await pilot.press("i")
        # the worked example's known figure 0.291027924 is this slip; the correct update gives 0.291027774
        assert "loss after 0.291027924; without it 0.291027774" in text_of(app.query_one(UpdatesPanel))
        await pilot.press("c")
        assert "mistake" not in text_of(app.query_one(UpdatesPanel))
        np.testing.assert_allclose(app.stepper.loss_after(), 0.291027774, atol=1e-9)


async def test_the_switches_are_kept_with_the_session(tmp_path, monkeypatch):
    import json

    from tui.session import SessionError, load_place

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    app = BackpropApp("xor", remember=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "e", "v", "c")
    place = load_place()
    assert place.options == {"explain": False, "v_names": True, "mistake": True}
    app = BackpropApp(place=place)
    async with app.run_test(size=SIZE):
        assert app.view.v_names and not app.view.explain and app.stepper.mistake
        assert step_text(app).startswith("D₁ = XW₁ᵀ + b₁")
    session = next((tmp_path / "backprop-tui").glob("session-*.json"))
    state = json.loads(session.read_text())
    del state["options"]  # kept by an earlier version: the defaults
    session.write_text(json.dumps(state))
    assert load_place().options == {"explain": True, "v_names": False, "mistake": False}
    state["options"] = {"explain": "yes"}
    session.write_text(json.dumps(state))
    with pytest.raises(SessionError, match="options"):
        load_place()


@pytest.mark.parametrize("size", [(140, 45), (80, 24)])
async def test_the_quiz_keys_are_said_whole(size):
    from .test_screen import screen_lines

    app = BackpropApp("xor")
    async with app.run_test(size=size) as pilot:
        await pilot.press("k", "n")
        help_line = app.screen.query_one("#quiz-help")
        region = help_line.content_region
        lines = screen_lines(app)
        shown = " ".join(lines[y][region.x : region.right].strip() for y in range(region.y, region.bottom))
        assert shown.endswith("k in the main screen ends the quiz"), shown
