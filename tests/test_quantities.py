"""engine.quantities: ids, the symbol table, and Steps whose operands are found by role."""

import dataclasses

import pytest

from engine import notation, presets
from engine.derivation import derive
from engine.quantities import Kind, Quantity, StepKind
from engine.scalar import cell, cell_indices

ALL = [Quantity(kind, None if "{l}" not in kind.value else layer) for kind in Kind for layer in (1, 2, 12)]


@pytest.mark.parametrize("quantity", ALL, ids=lambda q: q.id)
def test_every_id_names_its_quantity(quantity):
    assert Quantity.parse(quantity.id) == quantity


@pytest.mark.parametrize("text", ["sum y", "da1/dz2", "W01", "W", "", "dL/dx1", "delta", "a1 ", "Z1", "L1"])
def test_what_is_no_id_parses_to_none(text):
    assert Quantity.parse(text) is None


# (one sample, batch, LaTeX of the batch, the dynamic-programming view's name for one sample)
LAYER_2 = {
    "W2": ("W₂", "W₂", "W_{2}", "W₂"),
    "b2": ("b₂", "b₂", "b_{2}", "b₂"),
    "z2": ("z₂", "Z₂", "Z_{2}", "d₂"),
    "a2": ("a₂", "A₂", "A_{2}", "a₂"),
    "dL/da2": ("∂L/∂a₂", "∂L/∂A₂", r"\frac{\partial L}{\partial A_{2}}", "∂L/∂a₂"),
    "da2/dz2": ("∂a₂/∂z₂", "∂A₂/∂Z₂", r"\frac{\partial A_{2}}{\partial Z_{2}}", "t(d₂)"),
    "delta2": ("δ₂", "δ₂", r"\delta_{2}", "v₂"),
    "dL/dW2": ("∂L/∂W₂", "∂L/∂W₂", r"\frac{\partial L}{\partial W_{2}}", "gW₂"),
    "dL/db2": ("∂L/∂b₂", "∂L/∂b₂", r"\frac{\partial L}{\partial b_{2}}", "gb₂"),
    "x": ("x", "X", "X", "x"),
    "y": ("y", "Y", "Y", "y"),
    "L": ("L", "L", "L", "L"),
}


@pytest.mark.parametrize("name", LAYER_2)
def test_the_symbol_table(name):
    q = Quantity.parse(name)
    assert (q.symbol(True), q.symbol(False), q.symbol(False, latex=True), q.symbol(True, v=True)) == LAYER_2[name]


@pytest.mark.parametrize("column", [True, False])
@pytest.mark.parametrize("quantity", ALL, ids=lambda q: q.id)
def test_an_entry_is_its_symbol_looked_up_with_the_index(quantity, column):
    """One entry's name is the table's symbol and the index: W₂[0,1], ∂a₂/∂z₂[0]; in the v names
    t takes the entry of d, t(d₂[0]), as v₂[0] = ∂L/∂a₂[0] · t(d₂[0]) reads."""
    assert quantity.entry("[0,1]", column) == quantity.symbol(column) + "[0,1]"
    v = quantity.entry("[0,1]", column, v=True)
    if quantity.kind is Kind.DA_DZ:
        assert v == quantity.symbol(column, v=True).removesuffix(")") + "[0,1])"
    else:
        assert v == quantity.symbol(column, v=True) + "[0,1]"


def test_entries_in_the_v_names():
    assert [Quantity.parse(n).entry("[1]", True, v=True) for n in ("z2", "da2/dz2", "delta2", "dL/dW2", "a2")] == [
        "d₂[1]",
        "t(d₂[1])",
        "v₂[1]",
        "gW₂[1]",
        "a₂[1]",
    ]
    assert Quantity.parse("da2/dz2").entry("[0,1]", False, v=True) == "t(D₂[0,1])"  # a batch's capitals


def test_v_names_in_latex_are_latex():
    names = ["z2", "da2/dz2", "delta2", "dL/dW2", "dL/db2", "dL/dW12"]
    assert [Quantity.parse(n).symbol(True, latex=True, v=True) for n in names] == [
        "d_{2}",
        "t(d_{2})",
        "v_{2}",
        "g_{W_{2}}",
        "g_{b_{2}}",
        "g_{W_{12}}",
    ]


def test_what_a_layer_holds_and_reads():
    assert [Quantity.on_units(l).id for l in (0, 1, 2)] == ["x", "a1", "a2"]
    assert [Quantity.input_of(l).id for l in (1, 2, 3)] == ["x", "a1", "a2"]


def test_rows_are_samples_except_for_the_loss_and_the_parameters():
    assert [n for n in LAYER_2 if not Quantity.parse(n).per_sample] == ["W2", "b2", "dL/dW2", "dL/db2", "L"]


@pytest.mark.parametrize("rows", [slice(None), slice(0, 1)])
def test_every_step_is_named_by_the_table_from_the_id_it_writes(rows):
    net = presets.resolve("two-outputs")
    for step in derive(net, dict(net.params), net.X[rows], net.Y[rows]).steps:
        q = Quantity.parse(step.writes)
        assert (step.symbol, step.symbol_latex) == (q.symbol(step.column), q.symbol(step.column, latex=True))
        assert isinstance(step.kind, StepKind) and len(step.roles) == len(step.operands)


@pytest.mark.parametrize("rows", [slice(None), slice(0, 1)])
def test_the_quiz_finds_operands_by_role_not_by_place(rows):
    """A template that lists its operands in another order gives the same scalar formulas."""
    net = presets.resolve("two-outputs")
    fmt = notation.fixed(4)
    for step in derive(net, dict(net.params), net.X[rows], net.Y[rows]).steps:
        if len(step.operands) < 2:
            continue
        turned = dataclasses.replace(
            step, operands=step.operands[::-1], roles=step.roles[::-1], operand_names=step.operand_names[::-1]
        )
        for index in cell_indices(step):
            assert cell(turned, index, net, fmt).line(fmt) == cell(step, index, net, fmt).line(fmt)
