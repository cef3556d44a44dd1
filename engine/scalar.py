"""One cell of a Step, written as scalars: 'δ₂[0] = ∂L/∂a₂[0] · ∂a₂/∂z₂[0] = 0.7400 · 0.1900 = 0.1406'.

The quiz asks for a Step one cell at a time and, after a wrong answer, says which earlier
values the cell came from; this module writes that cell's formula with those values put in.
It reads the Step's operands and value and never recomputes the result.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import notation
from .derivation import Step
from .functions import ACTIVATIONS, LOSSES
from .network import Network
from .quantities import Kind, Quantity, StepKind

TERMS = 4  # terms of a sum written out before the rest is summarised


@dataclass(frozen=True)
class Cell:
    step: Step
    index: tuple[int, ...]  # into step.value
    label: str  # "δ₂[0]" (one sample: no sample index) or "Δ₂[1,0]" style for a batch
    formula: str  # "∂L/∂a₂[0] · ∂a₂/∂z₂[0]"
    substitution: str  # "0.7400 · 0.1900"

    @property
    def value(self) -> float:
        return float(self.step.value[self.index])

    def line(self, fmt: notation.Format) -> str:
        return f"{self.label} = {self.formula} = {self.substitution} = {fmt(self.value)}"


def cell_indices(step: Step) -> list[tuple[int, ...]]:
    """Every cell of a Step in reading order (a scalar Step has the one index ())."""
    return list(np.ndindex(step.value.shape))


def label(quantity: Quantity, index: tuple, column: bool, v: bool = False, first_row: int = 0) -> str:
    """A cell's name, in the δ names or the v names (v): its quantity's symbol looked up with the
    index. In the one-sample (column) view the sample index of a per-sample row is dropped; in a
    batch it counts from first_row (a mini-batch's rows keep the data's numbers)."""
    if column and len(index) >= 2 and quantity.per_sample:
        index = index[1:]
    elif index and quantity.per_sample and first_row:
        index = (index[0] + first_row, *index[1:])
    return quantity.entry(f"[{','.join(str(i) for i in index)}]", column, v) if index else quantity.symbol(column, v=v)


def _sum(terms: list[tuple[str, str]]) -> tuple[str, str]:
    """(formula, substitution) of a sum of terms, eliding the middle of long ones (each term
    is shown once or stands behind the …, never twice)."""
    which = notation.indices(len(terms), TERMS)
    shown = [("…", "…") if i is None else terms[i] for i in which]
    note = f"  ({len(terms)} terms)" if None in which else ""
    return notation.plus([t[0] for t in shown]) + note, notation.plus([t[1] for t in shown])


def _paren(number: str) -> str:
    """A negative number written after an operator: (-0.2)."""
    return f"({number})" if number.startswith(("-", "−")) else number


def _times(*factors: str) -> str:
    """A product of numbers: 0.5·(-0.2), never 0.5·-0.2."""
    return "·".join([factors[0], *map(_paren, factors[1:])])


def cell(
    step: Step, index: tuple[int, ...], network: Network, fmt: notation.Format, *, v: bool = False, first_row: int = 0
) -> Cell:
    """The scalar formula of one cell of a Step, with the operands' values put in; v: in the
    dynamic-programming view's names (v, d, t, g), each symbol looked up in that notation;
    first_row: the data's number of the batch's first row (a mini-batch's)."""
    k, c, f = step.kind, step.column, fmt
    op = step.operand
    written = Quantity.parse(step.writes)
    me = label(written, index, c, v, first_row)
    layer = step.layer
    l = layer or network.depth
    sym = {  # the quantity of each role in layer l's scalar formulas
        "x": Quantity.input_of(l),
        "z": Quantity(Kind.Z, l),
        "a": Quantity(Kind.A, l),
        "y": Quantity(Kind.Y),
        "W": Quantity(Kind.W, l),
        "b": Quantity(Kind.B, l),
        "W+": Quantity(Kind.W, l + 1),
        "d+": Quantity(Kind.DELTA, l + 1),
        "delta": Quantity(Kind.DELTA, l),
        "dL/da": Quantity(Kind.DL_DA, l),
        "da/dz": Quantity(Kind.DA_DZ, l),
    }

    def name(role, idx):
        """The cell idx of the quantity that plays `role`: "W₁[0,1]"."""
        return label(sym[role], tuple(int(i) for i in idx), c, v, first_row)

    if k == StepKind.Z:
        s, j = index
        x_val, W, b = op("x"), op("W"), op("b")
        terms = [
            (f"{name('W', (j, i))}·{name('x', (s, i))}", _times(f(W[j, i]), f(x_val[s, i]))) for i in range(W.shape[1])
        ]
        formula, sub = _sum(terms)
        return Cell(step, index, me, f"{formula} + {name('b', (j,))}", notation.plus([sub, f(b[j])]))
    if k == StepKind.A:
        act = ACTIVATIONS[network.layers[layer - 1].activation]
        s, j = index
        z = op("z")
        if act.name == "softmax":
            terms = " + ".join(f"e^{f(zk)}" for zk in z[s][:TERMS]) + (" + …" if z.shape[1] > TERMS else "")
            return Cell(
                step,
                index,
                me,
                f"e^{name('z', index)} / Σₖ e^{sym['z'].entry('[k]', c, v)}",
                f"e^{f(z[s, j])} / ({terms})",
            )
        return Cell(step, index, me, f"{act.symbol}({name('z', index)})", f"{act.symbol}({f(z[s, j])})")
    if k == StepKind.LOSS:
        a, y = op("a"), op("y")
        loss = LOSSES[network.loss]
        terms = (
            [
                (loss.term(name("a", ix), name("y", ix)), loss.term(f(a[ix]), _paren(f(y[ix]))))
                for ix in np.ndindex(a.shape)
            ]
            if not loss.sums_outputs  # a term per entry; else each entry's share of the sum over k
            else [
                (f"−{name('y', ix)} ln {name('a', ix)}", f"−{f(y[ix])} ln {f(a[ix])}")
                for ix in np.ndindex(a.shape)
                if y[ix] != 0
            ]
        )
        formula, sub = _sum(terms)
        m = a.shape[0]
        if m > 1 and network.reduction == "mean":
            formula, sub = f"(1/{m})({formula})", f"(1/{m})({sub})"
        if network.l2:  # the l2 term, one number: (λ/2)·Σ‖W‖² of the weights among the operands
            weights = [o for o, q in zip(step.operands, step.operand_names) if Quantity.parse(q).kind is Kind.W]
            penalty = network.l2 / 2 * sum(float(np.sum(W * W)) for W in weights)
            formula, sub = f"{formula} + (λ/2)·Σₗ‖Wₗ‖²", f"{sub} + {f(penalty)}"
        return Cell(step, index, me, formula, sub)
    if k == StepKind.DL_DA and layer == network.depth:
        a, y = op("a"), op("y")
        loss = LOSSES[network.loss]
        m = a.shape[0]
        per = f"/{m}" if m > 1 and network.reduction == "mean" else ""
        return Cell(
            step,
            index,
            me,
            loss.grad_term(name("a", index), name("y", index)) + per,
            loss.grad_term(f(a[index]), _paren(f(y[index]))) + per,
        )
    if k == StepKind.DL_DA:  # a hidden layer: the next layer's δ sent back, Σ over its units
        s, j = index
        W, d = op("W"), op("delta")
        terms = [
            (f"{name('d+', (s, u))}·{name('W+', (u, j))}", _times(f(d[s, u]), f(W[u, j]))) for u in range(W.shape[0])
        ]
        return Cell(step, index, me, *_sum(terms))
    if k == StepKind.DA_DZ:
        act = ACTIVATIONS[network.layers[layer - 1].activation]
        if act.name == "softmax":
            s, kk, j = index
            a = op("a")
            ak, aj = name("a", (s, kk)), name("a", (s, j))
            if kk == j:
                return Cell(step, index, me, f"{ak}(1 − {aj})", f"{f(a[s, kk])}(1 − {f(a[s, j])})")
            return Cell(step, index, me, f"−{ak}·{aj}", f"−{_times(f(a[s, kk]), f(a[s, j]))}")
        if not step.roles:  # identity: the constant 1
            return Cell(step, index, me, "1", "1")
        used = step.roles[0]  # "z" or "a", whichever the derivative is written in
        number = _paren(f(op(used)[index])) if used == "a" else f(op(used)[index])  # 1 − (-0.1065)²
        return Cell(
            step,
            index,
            me,
            act.df_formula(name(used, index), name(used, index)).replace("⊙", "·"),
            act.df_formula(number, number).replace("⊙", "·"),
        )
    if k == StepKind.DELTA:
        dL_da, da_dz = op("dL/da"), op("da/dz")
        if da_dz.ndim == 3:
            s, j = index
            terms = [
                (f"{name('dL/da', (s, u))}·{name('da/dz', (s, u, j))}", _times(f(dL_da[s, u]), f(da_dz[s, u, j])))
                for u in range(dL_da.shape[1])
            ]
            return Cell(step, index, me, *_sum(terms))
        return Cell(
            step,
            index,
            me,
            f"{name('dL/da', index)} · {name('da/dz', index)}",
            _times(f(dL_da[index]), f(da_dz[index])).replace("·", " · "),
        )
    if k == StepKind.SIMPLIFIED:
        a, y = op("a"), op("y")
        m = a.shape[0]
        per = f"/{m}" if m > 1 and network.reduction == "mean" else ""
        formula = f"{name('a', index)} − {name('y', index)}"
        sub = f"{f(a[index])} − {_paren(f(y[index]))}"
        if "sum y" in step.roles:  # cross-entropy targets not summing to exactly 1: ŷ·Σy − y
            s, _ = index
            formula = f"{name('a', index)}·Σₖ{label(sym['y'], (s, 'k'), c, v, first_row)} − {name('y', index)}"
            sub = f"{_times(f(a[index]), f(op('sum y')[s, 0]))} − {_paren(f(y[index]))}"
        return Cell(step, index, me, f"({formula}){per}" if per else formula, f"({sub}){per}" if per else sub)
    if k == StepKind.DW:
        j, i = index
        d, x_val = op("delta"), op("x")
        terms = [
            (f"{name('delta', (s, j))}·{name('x', (s, i))}", _times(f(d[s, j]), f(x_val[s, i])))
            for s in range(d.shape[0])
        ]
        formula, sub = _sum(terms)
        if "W" in step.roles:  # + λW, the l2 term's gradient
            formula += f" + λ·{name('W', index)}"
            sub += f" + {_times(notation.shortest(network.l2), f(op('W')[index]))}"
        return Cell(step, index, me, formula, sub)
    if k == StepKind.DB:
        (j,) = index
        d = op("delta")
        terms = [(name("delta", (s, j)), f(d[s, j])) for s in range(d.shape[0])]
        return Cell(step, index, me, *_sum(terms))
    if k == StepKind.UPDATE and set(step.roles) == {"old", "grad"}:
        old, grad = op("old"), op("grad")
        param = Quantity.parse(step.writes)
        gradient = Quantity.parse(step.operand_names[step.roles.index("grad")])  # ∂L/∂W₂, or g(W₂)
        return Cell(
            step,
            index,
            me,
            f"{label(param, index, c, v)} − η·{label(gradient, index, c, v)}",
            f"{f(old[index])} − {_times(notation.shortest(network.learning_rate), f(grad[index]))}",
        )
    if k in (StepKind.UPDATE, StepKind.DECAY, StepKind.BUFFER, StepKind.MOMENT, StepKind.CORRECTED):
        # the optimizer's factors are element-wise: the template with each operand's entry
        names = [label(Quantity.parse(q), index, c, v) for q in step.operand_names]
        values = [_paren(f(o[index])) for o in step.operands]
        return Cell(step, index, me, _filled(step.template, names), _filled(step.template, values))
    raise ValueError(f"no scalar form for a step of kind {k!r}")


def _filled(template: str, parts: list[str]) -> str:
    for i, part in enumerate(parts):
        template = template.replace(f"‹{i}›", part)
    return template
