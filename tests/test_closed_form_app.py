"""The closed-form screen (a) and derive mode (s) under Pilot: the form of the gradient a step
works towards with the step's factor lit, the light following n and p, the unsimplified form,
regression and classification side by side, and typed expressions judged as `answer` does."""

import io

from textual.widgets import Input, Static

from tui.app import BackpropApp
from tui.screens.closedform import ClosedFormScreen
from tui.screens.derive import DeriveScreen

SIZE = (140, 45)


def rendered(app) -> str:
    """What the closed-form screen shows, as plain lines."""
    from rich.console import Console

    console = Console(width=130, record=True, color_system=None, file=io.StringIO())
    console.print(app.screen.query_one("#form-text", Static).content)
    return console.export_text()


def lit(app) -> list[str]:
    """The chain's rows marked ▸ (the factor the current step computes)."""
    return [" ".join(line.split()) for line in rendered(app).splitlines() if line.strip().startswith("▸")]


async def test_a_shows_the_gradient_the_step_works_towards_with_its_factor_lit():
    app = BackpropApp("regression")
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(14):  # the 14th step computes ∂A₂/∂Z₂ = 𝟙(Z₂ > 0)
            await pilot.press("n")
        await pilot.press("a")
        assert isinstance(app.screen, ClosedFormScreen)
        text = rendered(app)
        assert "∂L/∂W₂ = (([2(A₃ − Y)/m]W₃) ⊙ 𝟙(Z₂ > 0))ᵀA₁" in text
        assert lit(app) == ["▸ ∂A₂/∂Z₂ = 𝟙(Z₂ > 0) [0.0000, 1.0000] (sample 0)"]
        assert "δ₂ =" in text and "not yet computed" in text
        await pilot.press("n")  # stepping from here moves the light
        assert app.stepper.cursor == 15
        assert lit(app)[0].startswith("▸ δ₂ = (δ₃W₃) ⊙ 𝟙(Z₂ > 0)")
        await pilot.press("p", "p")
        assert lit(app)[0].startswith("▸ ∂L/∂A₂ = δ₃W₃")
        await pilot.press("u")  # unsimplified: the identity's ⊙ 1 comes back
        assert "[2(A₃ − Y)/m] ⊙ 1" in rendered(app)
        await pilot.press("tab")  # another parameter
        assert "∂L/∂b₂ = Σᵢ(" in rendered(app)
        await pilot.press("escape")
        assert not isinstance(app.screen, ClosedFormScreen)


async def test_s_in_the_closed_form_puts_regression_and_classification_side_by_side():
    app = BackpropApp("regression")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m", "a", "tab", "tab", "s")  # ∂L/∂W₂, one sample as in the homework
        text = rendered(app)
        assert "regression: identity + mse" in text and "classification: sigmoid + bce" in text
        rows = {line.split()[0]: line for line in text.splitlines() if line.strip()}
        full = next(line for line in text.splitlines() if "in full" in line)
        assert full.startswith("∂L/∂W₂ in full") and full.rstrip().endswith("differs")
        assert rows["∂L/∂W₂"].rstrip().endswith("same rule")  # δ₂a₁ᵀ in both
        assert rows["δ₃"].rstrip().endswith("differs") and "a₃ − y" in rows["δ₃"]
        assert rows["∂a₂/∂z₂"].rstrip().endswith("same rule")


async def test_the_closed_form_follows_the_v_names():
    app = BackpropApp("xor")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*["n"] * 11, "a", "v")
        text = rendered(app)
        assert "gW₁ = " in text and "t(D₂)" in text and "v₂W₂" in text


async def test_derive_mode_judges_expressions_and_keeps_a_score():
    app = BackpropApp("regression")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        assert "derive: 0 right of 0" in app.query_one("StatusLine").content.plain
        await pilot.press("n")
        assert isinstance(app.screen, DeriveScreen)
        app.screen.query_one(Input).value = "X @ W1"  # shapes that do not fit
        await pilot.press("enter")
        feedback = str(app.screen.query_one("#derive-feedback", Static).content)
        assert "shapes do not fit" in feedback and "X and W1.T" in feedback
        assert app.stepper.cursor == 0
        app.screen.query_one(Input).value = "X @ W1.T + b1"
        await pilot.press("enter")
        await pilot.pause()
        assert app.stepper.cursor == 1
        assert "derive: 1 right of 2" in app.query_one("StatusLine").content.plain
        await pilot.press("n")
        app.screen.query_one(Input).value = "relu(Z1)"
        await pilot.press("enter")
        await pilot.pause()
        assert app.stepper.cursor == 2
        await pilot.press("n", "ctrl+r")  # revealed: the form is said and the step shown
        await pilot.pause()
        assert app.stepper.cursor == 3
        assert "1 revealed" in app.query_one("StatusLine").content.plain
        await pilot.press("s")  # ends derive mode: n steps again
        await pilot.press("n")
        assert app.stepper.cursor == 4 and not isinstance(app.screen, DeriveScreen)


async def test_derive_mode_asks_the_updates_too():
    app = BackpropApp("two-outputs")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "f", "f")  # forward, loss, backward done: the updates are next
        assert app.stepper.steps[app.stepper.cursor].phase == "update"
        await pilot.press("s", "n")
        assert "after this update" in str(app.screen.query_one("#derive-question").content)
        app.screen.query_one(Input).value = "W2 - eta*dL/dW2"
        await pilot.press("enter")
        await pilot.pause()
        assert app.stepper.steps[app.stepper.cursor - 1].writes == "W2"


def test_the_dynamic_programming_views_names_name_weights_and_units():
    """w1–w8, N1–N4, h, u of the two-output network, as that document numbers them."""
    from engine.chain import parse_name
    from engine.presets import resolve

    net = resolve("two-outputs")
    assert parse_name("w6", net) == ("W2", (0, 1))  # h2 → the first output: "w6 goes with u1 − y1"
    assert parse_name("w1", net) == ("W1", (0, 0)) and parse_name("w8", net) == ("W2", (1, 1))
    assert parse_name("N3", net) == parse_name("u1", net) == ("b2", (0,))
    assert parse_name("h2", net) == ("b1", (1,))
    assert float(net.params["W2"][0, 1]) == 0.45  # the classic example's w6


async def test_explain_w6_in_the_palette_opens_its_chain():
    from tui.screens.chain import ChainScreen

    app = BackpropApp("two-outputs")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"explain w6")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ChainScreen)
        assert (app.screen.param, app.screen.index) == ("W2", (0, 1))


async def test_the_dynamic_programming_view_draws_the_loss_as_a_node():
    """v: the loss node L, its weight-1 edges from each output, and the v at it per output."""
    from tui.widgets.diagram import NetworkDiagram

    app = BackpropApp("two-outputs")
    async with app.run_test(size=SIZE) as pilot:
        diagram = app.query_one(NetworkDiagram)
        await pilot.pause()
        assert not diagram.drawing[0].text.rstrip().endswith("L")  # δ names: no loss node
        await pilot.press("v", *["n"] * 6)  # ∂L/∂a₂: the v at the loss node
        await pilot.pause()
        lines = [strip.text for strip in diagram.drawing]
        assert lines[0].rstrip().endswith("L")
        text = "\n".join(lines)
        assert "●0.2984" in text and "vL₁ 0.7414" in text and "vL₂ -0.2171" in text
        assert "into L: w = 1" in diagram.border_subtitle
        await pilot.press("v")
        await pilot.pause()
        assert "vL₁ 0.7414" not in "\n".join(strip.text for strip in diagram.drawing)
