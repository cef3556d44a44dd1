"""Every cell's scalar formula, with its numbers put in, evaluates to the cell's value: the
quiz's "it came from" lines are checked by evaluating them independently."""

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import notation
from engine.presets import resolve
from engine.scalar import cell, cell_indices
from engine.stepper import Stepper

from .nets import networks

EXACT = notation.significant(17)


def evaluate(expression: str) -> float:
    """Evaluate a substitution such as 'σ(0.25)·(1 − 0.75) + 1/4' with Python's own arithmetic."""
    e = expression.replace("½", "0.5*").replace("−", "-").replace("·", "*").replace("²", "**2")
    e = e.replace("[", "(").replace("]", ")")
    e = re.sub(r"ln (-?[\d.e+-]+)", r"log(\1)", e).replace("ln(", "log(")
    e = re.sub(r"([\d)]) log", r"\1*log", e)
    e = re.sub(r"\(([^()]*) > 0\)", r"float(\1 > 0)", e)
    e = re.sub(r"e\^(-?[\d.e+-]+)", r"exp(\1)", e)
    e = re.sub(r"\bid\(", "(", e).replace("σ(", "sigmoid(").replace("LReLU(", "leaky_relu(")
    e = e.replace("ReLU(", "relu(")
    e = re.sub(r"\)\(", ")*(", e)  # a(1 − a): implicit product
    e = re.sub(r"(\d)\(", r"\1*(", e)
    names = {
        "log": math.log,
        "exp": math.exp,
        "tanh": math.tanh,
        "sigmoid": lambda z: 1 / (1 + math.exp(-z)),
        "relu": lambda z: max(z, 0.0),
        "leaky_relu": lambda z: z if z > 0 else z / 100,
    }
    return eval(e, names)  # noqa: S307 - our own test strings


@pytest.mark.parametrize("preset", ["xor", "regression", "classification", "two-outputs"])
@pytest.mark.parametrize("sample", [None, 0])
def test_every_cell_substitution_evaluates_to_the_cell_value(preset, sample):
    network = resolve(preset)
    stepper = Stepper(network)
    stepper.set_sample(sample)
    for step in stepper.steps:
        for index in cell_indices(step):
            c = cell(step, index, network, EXACT)
            if "…" in c.substitution:
                continue
            assert evaluate(c.substitution) == pytest.approx(c.value, rel=1e-9, abs=1e-12), c.line(EXACT)


def test_cell_labels_follow_the_step_notation():
    network = resolve("xor")
    stepper = Stepper(network)
    stepper.set_sample(0)
    delta = next(s for s in stepper.steps if s.writes == "delta2")
    c = cell(delta, (0, 0), network, notation.fixed(4))
    assert c.label == "δ₂[0]"
    assert c.formula == "∂L/∂a₂[0] · ∂a₂/∂z₂[0]"
    w = next(s for s in stepper.steps if s.writes == "dL/dW1")
    assert cell(w, (1, 0), network, notation.fixed(4)).formula == "δ₁[1]·x[0]"


def test_long_sums_are_elided_but_say_how_many_terms():
    from engine.network import loads

    rng = np.random.default_rng(0)
    text = f"""
name = "wide"
inputs = 9
loss = "half_mse"
learning_rate = 0.1
seed = 1
[[layers]]
units = 1
activation = "identity"
[data]
X = {rng.normal(size=(2, 9)).round(3).tolist()}
Y = [[0.5], [1.0]]
"""
    network = loads(text)
    stepper = Stepper(network)
    z = stepper.steps[0]
    c = cell(z, (0, 0), network, notation.fixed(4))
    assert "…" in c.formula and "(9 terms)" in c.formula


@pytest.mark.parametrize("sample", [None, 2])
def test_cells_of_ce_targets_that_sum_to_one_only_nearly(sample):
    from .test_gradients import ce_nearly_one

    network = ce_nearly_one()
    stepper = Stepper(network)
    stepper.set_sample(sample)
    simplified = next(s for s in stepper.steps if s.kind == "simplified")
    assert "Σ" in simplified.formula and "ŷ·Σy − y" in simplified.explanation
    for step in stepper.steps:
        for index in cell_indices(step):
            c = cell(step, index, network, EXACT)
            if "…" not in c.substitution:
                assert evaluate(c.substitution) == pytest.approx(c.value, rel=1e-12, abs=1e-15), c.line(EXACT)


# An operator followed by a negative number: 0.0000 + -0.0022, 0.5·-0.2, 1 − -0.1²
MINUS_AFTER_AN_OPERATOR = re.compile(r"(?:[+−·-] |·)[-−]\d")


@settings(max_examples=60, deadline=None)
@given(networks(max_depth=3, max_width=3, max_samples=3), st.booleans())
def test_every_cell_of_random_networks_reads_and_evaluates_right(network, one_sample):
    stepper = Stepper(network)
    stepper.set_sample(0 if one_sample else None)
    for step in stepper.steps:
        for index in cell_indices(step):
            for fmt in (EXACT, notation.fixed(4)):
                c = cell(step, index, network, fmt)
                assert not MINUS_AFTER_AN_OPERATOR.search(c.substitution), c.line(fmt)
            c = cell(step, index, network, EXACT)
            if "…" not in c.substitution:
                assert evaluate(c.substitution) == pytest.approx(c.value, rel=1e-9, abs=1e-12), c.line(EXACT)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 30))
def test_an_elided_sum_shows_each_term_once(n):
    from engine.scalar import _sum

    formula, substitution = _sum([(f"t{i}", f"{i}") for i in range(n)])
    shown = re.findall(r"t(\d+)", formula)
    assert len(shown) == len(set(shown)) and [int(i) for i in shown] == sorted(int(i) for i in shown)
    assert ("…" in formula) == (len(shown) < n) and (f"({n} terms)" in formula) == (len(shown) < n)
