"""How arrays are written: an elided array never repeats or invents an element, in text and
LaTeX, for any shape and limit; a one-sample view turns only the sample's own rows into
columns, never a parameter."""

import json
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import notation
from engine.chain import weight_chain
from engine.derivation import derive
from engine.export import run_trace, to_json, to_markdown, to_text
from engine.network import loads
from engine.presets import names, resolve
from engine.quantities import Quantity
from engine.quiz import origins
from engine.scalar import cell, cell_indices

# Every entry of an array of distinct integers: what a written array shows can be read back.
INTEGERS = notation.significant(17)

SOFTMAX = """
name = "softmax {m}"
inputs = 2
loss = "ce"
learning_rate = 0.5
seed = 1
[[layers]]
units = {k}
activation = "softmax"
[data]
X = {X}
Y = {Y}
"""


def softmax_network(m: int, k: int = 3):
    rng = np.random.default_rng(m)
    Y = np.eye(k)[rng.integers(0, k, m)]
    return loads(SOFTMAX.format(m=m, k=k, X=rng.normal(size=(m, 2)).round(3).tolist(), Y=Y.tolist()))


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 60), st.integers(1, 12))
def test_indices_keep_order_never_repeat_and_elide_only_what_they_hide(n, limit):
    shown = notation.indices(n, limit)
    kept = [i for i in shown if i is not None]
    assert kept == sorted(set(kept)) and all(0 <= i < n for i in kept)
    if None in shown:
        assert shown.count(None) == 1
        gap = shown.index(None)
        hidden = shown[gap + 1] - shown[gap - 1] - 1  # what the "…" stands for
        assert hidden >= 2 and kept[0] == 0 and kept[-1] == n - 1
        assert len(kept) <= max(limit, 2)
    else:
        assert kept == list(range(n))


def _cells(written: str) -> list[int]:
    return [int(t) for t in re.findall(r"-?\d+", written)]


def _expected(a: np.ndarray, limit: int, outer_limit: int | None = None) -> list[int]:
    """The entries an elided array may show, in order: each whole axis elided by indices()."""
    if a.ndim == 1:
        return [int(a[i]) for i in notation.indices(len(a), limit) if i is not None]
    first = outer_limit if a.ndim == 3 else limit
    return [v for i in notation.indices(a.shape[0], first) if i is not None for v in _expected(a[i], limit)]


shapes = st.one_of(
    st.tuples(st.integers(1, 20)),
    st.tuples(st.integers(1, 20), st.integers(1, 20)),
    st.tuples(st.integers(1, 8), st.integers(1, 10), st.integers(1, 10)),
)


@settings(max_examples=300, deadline=None)
@given(shapes, st.integers(1, 12), st.booleans())
def test_written_arrays_show_each_entry_at_most_once_in_order(shape, limit, column):
    a = np.arange(1, int(np.prod(shape)) + 1).reshape(shape)
    for written in (
        notation.text(a, INTEGERS, column, limit),
        notation.latex(a, INTEGERS, column, limit).replace(r"\begin{bmatrix}", "["),
    ):
        shown = _cells(written)
        assert len(shown) == len(set(shown)), written  # nothing repeated
        assert set(shown) <= set(a.reshape(-1).tolist()), written  # nothing invented
        flat = a.reshape(-1).tolist()
        assert [flat.index(v) for v in shown] == sorted(flat.index(v) for v in shown), written
        if column and a.ndim >= 2 and a.shape[0] == 1:
            continue  # the one sample's row: written as its vector, checked above
        assert shown == _expected(a, limit, 2), written


@pytest.mark.parametrize("m", [1, 2, 3, 4, 5, 6, 7])
def test_softmax_jacobians_of_a_batch_are_written_once_each(m):
    """m = 3 once printed J0, J1, J2, …, J0, J1, J2: in text, JSON, the step panel, Markdown."""
    net = softmax_network(m)
    trace = run_trace(net)
    jac = next(s for s in trace.iterations[0].steps if s.writes == "da1/dz1")
    J = jac.value
    wanted = [i for i in notation.indices(m, 2) if i is not None]  # J0, …, J(m−1) when m > 3
    assert wanted == (list(range(m)) if m <= 3 else [0, m - 1])
    step_json = next(s for s in json.loads(to_json(trace))["iterations"][0]["steps"] if s["writes"] == "da1/dz1")
    text = next(
        line.strip() for line in to_text(trace).splitlines() if line.strip().startswith(f"{jac.symbol} = diag(")
    )
    for fmt, written in (
        (notation.significant(6), jac.substitution(notation.significant(6))),
        (notation.significant(6), step_json["substitution"]),
        (notation.significant(6), text),
        (notation.fixed(4), jac.substitution(notation.fixed(4))),
    ):  # the step panel's
        result = written.rsplit(" = ", 1)[-1]
        counts = [result.count(notation.text(J[i], fmt)) for i in range(m)]
        assert counts == [1 if i in wanted else 0 for i in range(m)], (m, counts)
    latex = jac.substitution_latex(notation.significant(6)).rsplit(" = ", 1)[-1]
    assert latex.count(r"\begin{bmatrix}") == len(wanted)
    for i in range(m):
        assert latex.count(notation.latex(J[i], notation.significant(6))) == (i in wanted)
    assert f"$${jac.substitution_latex(notation.significant(6))}$$" in to_markdown(trace)


def test_the_one_sample_view_keeps_a_weight_matrix_row_a_row():
    """xor's W₂ is 1×2: in the one-sample view z₂ = W₂a₁ + b₂ multiplies a row by a column,
    and ∂L/∂W₂ = δ₂a₁ᵀ is 1×2 again; only the sample's own rows become columns."""
    net = resolve("xor")
    trace = run_trace(net, sample=1)
    it = trace.iterations[0]
    fmt = notation.significant(6)
    W2 = net.params["W2"]
    z2 = next(s for s in it.steps if s.writes == "z2")
    dW2 = next(s for s in it.steps if s.writes == "dL/dW2")
    update = next(s for s in it.steps if s.phase == "update" and s.writes == "W2")
    row = notation.latex(W2, fmt)  # a 1×2 matrix: one row, two columns
    assert row.startswith(r"\begin{bmatrix}") and " & " in row and r"\\" not in row
    a1 = it.values["a1"][0]
    column = r"\begin{bmatrix}" + r" \\ ".join(notation.latex_number(fmt)(v) for v in a1) + r"\end{bmatrix}"
    assert z2.substitution_latex(fmt).startswith(f"z_{{2}} = {row} {column} + ")
    assert dW2.substitution_latex(fmt).endswith(" = " + notation.latex(it.grads["W2"], fmt))
    assert r"\\" not in notation.latex(it.grads["W2"], fmt)
    assert update.substitution_latex(fmt).endswith(" = " + notation.latex(it.params_after["W2"], fmt))
    # text and JSON: the 1×2 matrices are written as one row of two, [[w, w]]
    assert z2.substitution(fmt).startswith(f"z₂ = {notation.text(W2, fmt)} · [")
    assert notation.text(W2, fmt).startswith("[[")
    assert dW2.substitution(fmt).endswith(" = " + notation.text(it.grads["W2"], fmt))
    step = next(s for s in json.loads(to_json(trace))["iterations"][0]["steps"] if s["writes"] == "dL/dW2")
    assert step["substitution"] == dW2.substitution(fmt) and step["shape"] == [1, 2]
    # the starting parameters of the worked solution, too
    markdown = to_markdown(trace)
    assert f"$$W_{{2}} = {row}$$" in markdown
    assert f"$${dW2.substitution_latex(fmt)}$$" in markdown


def test_a_bias_is_a_column_with_one_sample_and_a_row_in_a_batch():
    net = resolve("xor")
    fmt = notation.significant(6)
    one = derive(net, net.params, net.X[:1], net.Y[:1]).steps[0]
    batch = derive(net, net.params, net.X, net.Y).steps[0]
    assert one.substitution_latex(fmt).endswith(
        r"+ \begin{bmatrix}0 \\ 0\end{bmatrix} = " + notation.latex(one.value, fmt, True)
    )
    assert r"+ \begin{bmatrix}0 & 0\end{bmatrix} = " in batch.substitution_latex(fmt)


def _steps(net, sample=None):
    from engine.stepper import Stepper

    stepper = Stepper(net)
    if sample is not None:
        stepper.set_sample(sample)
    return stepper.derived.steps


def test_a_batch_of_softmax_jacobians_is_written_per_row():
    """diag(A) − AAᵀ of the batch matrix is not what is computed: one Jacobian per row a of A."""
    fmt = notation.significant(6)
    for step in _steps(softmax_network(3)):
        if step.writes == "da1/dz1":
            assert "for each row a of A₁" in step.formula and "A₁A₁ᵀ" not in step.formula
            assert "for each row a of [[" in step.substitution(fmt)
            assert r"\text{ for each row } a \text{ of }" in step.substitution_latex(fmt)
    for step in _steps(softmax_network(3), sample=0):  # one sample: its own column vector
        if step.writes == "da1/dz1":
            assert step.formula.endswith("diag(a₁) − a₁a₁ᵀ")


def test_a_grid_carries_no_elements_subscript():
    """−Σₖ Y ln A with the matrices put in: never a dangling ₖ after a grid."""
    fmt = notation.significant(6)
    (loss,) = [s for s in _steps(softmax_network(3)) if s.writes == "L"]
    assert "Yₖ ln A₁ₖ" in loss.formula
    assert "]ₖ" not in loss.substitution(fmt) and "ln [[" in loss.substitution(fmt)


def test_targets_summing_near_1_are_scaled_by_a_true_product():
    """ŷ·Σy − y between an m×k and an m×1 grid is no product: diag(Σy) ŷ − y is."""
    net = softmax_network(3)
    Y = net.Y.copy()
    Y[2] *= 1 - 1e-9
    from dataclasses import replace

    fmt = notation.significant(6)
    (delta,) = [s for s in _steps(replace(net, Y=Y)) if s.writes == "delta1" and s.kind == "simplified"]
    assert delta.formula == "δ₁ = (diag(ΣₖYₖ) A₁ − Y)/m"
    assert "diag([[" in delta.substitution(fmt) and "·[[" not in delta.substitution(fmt)
    (delta,) = [s for s in _steps(replace(net, Y=Y), sample=2) if s.writes == "delta1" and s.kind == "simplified"]
    assert delta.formula == "δ₁ = (Σₖyₖ) a₁ − y"  # one sample: its sum is a number, no diag of it


@pytest.mark.parametrize("preset", [*names(), "softmax"])
@pytest.mark.parametrize("sample", [None, 0])
def test_each_step_carries_its_words_in_both_notations(preset, sample):
    """The v names are the symbol table's, looked up, never a rewrite of the δ text: the
    symbol a step writes is the table's in each notation, and the v text holds no δ name."""
    net = softmax_network(3) if preset == "softmax" else resolve(preset)
    X, Y = (net.X, net.Y) if sample is None else (net.X[:1], net.Y[:1])
    for step in derive(net, net.params, X, Y, mistake=True).steps:
        delta, v = step.words(False), step.words(True)
        assert (delta.formula, delta.explanation, delta.convention) == (step.formula, step.explanation, step.convention)
        written = Quantity.parse(step.writes)
        if written is not None:
            assert (delta.symbol, v.symbol) == (written.symbol(step.column), written.symbol(step.column, v=True))
        text = " ".join((v.symbol, v.formula, v.explanation, v.convention, v.chain_target, *(f for f, _ in v.chain)))
        assert not re.search(r"δ|∂L/∂[Wb]|∂[aA][₀-₉]+/∂|(?<![A-Za-z])[zZ][₀-₉]", text), text
        assert "⟨" not in text + delta.formula + delta.explanation + delta.convention  # every name looked up


DELTA_NAMES = re.compile(r"δ|∂L/∂[Wb]|∂[aA][₀-₉]+(?:\[[^\]]*\])?/∂|(?<![A-Za-z])[zZ][₀-₉]|(?<![A-Za-z])f'\(")


@pytest.mark.parametrize("preset", [*names(), "softmax"])
@pytest.mark.parametrize("sample", [None, 0])
def test_the_quiz_and_the_chain_look_their_v_names_up(preset, sample):
    """A quiz cell's name and line, its origins and a weight's chain in the v names: each symbol
    looked up in the table's v names (no δ name left in them), the numbers the δ names' own."""
    net = softmax_network(3) if preset == "softmax" else resolve(preset)
    X, Y = (net.X, net.Y) if sample is None else (net.X[:1], net.Y[:1])
    fmt = notation.fixed(4)
    it = derive(net, net.params, X, Y)
    for step in it.steps:
        said = origins(step, it.steps, v=True)
        assert not DELTA_NAMES.search(" ".join(said)), said
        assert [o.split(" (", 1)[1] for o in said] == [o.split(" (", 1)[1] for o in origins(step, it.steps)]
        for index in cell_indices(step):
            delta, v = cell(step, index, net, fmt), cell(step, index, net, fmt, v=True)
            assert not DELTA_NAMES.search(v.line(fmt)), v.line(fmt)
            assert (v.substitution, v.value) == (delta.substitution, delta.value)
    for name, value in net.params.items():
        index = tuple(n - 1 for n in value.shape)
        delta, v = (weight_chain(net, it, name, index, column=True, samples=[0], v=v) for v in (False, True))
        symbols = [f.symbol for path in v.paths for f in path.factors]
        assert not DELTA_NAMES.search(" ".join([v.symbolic(v=True), v.gradient(v=True), *symbols])), symbols
        assert [f.value for p in v.paths for f in p.factors] == [f.value for p in delta.paths for f in p.factors]
