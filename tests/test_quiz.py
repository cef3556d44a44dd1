import math

import pytest

from engine.presets import resolve
from engine.quiz import Score, close_enough, origins, parse_answer
from engine.stepper import Stepper


@pytest.mark.parametrize(
    "text, value",
    [
        ("0.25", 0.25),
        ("−0.25", -0.25),
        (" .5 ", 0.5),
        ("1e-3", 1e-3),
        ("2/3", 2 / 3),
        ("-1/4", -0.25),
        ("inf", math.inf),
    ],
)
def test_answers_are_read_as_learners_type_them(text, value):
    assert parse_answer(text) == value


@pytest.mark.parametrize("text", ["", "abc", "1/0", "0.2.5"])
def test_a_non_number_is_told_so(text):
    with pytest.raises(ValueError):
        parse_answer(text)


def test_an_answer_counts_within_1e3_relative_or_1e4_absolute():
    assert close_enough(100.09, 100.0) and not close_enough(100.2, 100.0)  # relative
    assert close_enough(0.00009, 0.0) and not close_enough(0.0002, 0.0)  # absolute
    assert close_enough(0.13855, 0.1385) and not close_enough(0.139, 0.1385)
    assert close_enough(math.inf, math.inf) and not close_enough(1e308, math.inf)


def test_origins_name_the_steps_a_value_came_from():
    stepper = Stepper(resolve("xor"))
    delta = next(s for s in stepper.steps if s.writes == "delta2")
    assert origins(delta, stepper.steps) == ["∂L/∂A₂ (step 6)", "∂A₂/∂Z₂ (step 7)"]
    z = stepper.steps[0]
    assert origins(z, stepper.steps) == ["W₁ (a parameter)", "X (the data)", "b₁ (a parameter)"]
    # in the dynamic-programming view's names, looked up in the symbol table
    assert origins(delta, stepper.steps, v=True) == ["∂L/∂A₂ (step 6)", "t(D₂) (step 7)"]


def test_the_score_says_right_of_asked():
    assert str(Score(3, 1, 2)) == "3 right of 4, 2 revealed"
