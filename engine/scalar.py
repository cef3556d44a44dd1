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


def label(symbol: str, index: tuple[int, ...], column: bool) -> str:
    """A cell's name. In the one-sample (column) view the sample index of a row is dropped."""
    if column and len(index) >= 2 and _per_sample(symbol):
        index = index[1:]
    return f"{symbol}[{','.join(str(i) for i in index)}]" if index else symbol


def _per_sample(symbol: str) -> bool:
    return not symbol.startswith(("W", "b", "∂L/∂W", "∂L/∂b"))


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


def cell(step: Step, index: tuple[int, ...], network: Network, fmt: notation.Format) -> Cell:
    """The scalar formula of one cell of a Step, with the operands' values put in."""
    k, c, f = step.kind, step.column, fmt
    ops = step.operands
    me = label(step.symbol, index, c)

    def name(symbol, idx):
        return label(symbol, tuple(int(i) for i in idx), c)

    layer = step.layer
    sym = _symbols(step.layer or network.depth, c)
    if k == "z":
        s, j = index
        x_val, W, b = (ops[1], ops[0], ops[2]) if c else (ops[0], ops[1], ops[2])
        terms = [(f"{name(sym['W'], (j, i))}·{name(sym['x'], (s, i))}", _times(f(W[j, i]), f(x_val[s, i])))
                 for i in range(W.shape[1])]
        formula, sub = _sum(terms)
        return Cell(step, index, me, f"{formula} + {name(sym['b'], (j,))}", notation.plus([sub, f(ops[2][j])]))
    if k == "a":
        act = ACTIVATIONS[network.layers[layer - 1].activation]
        s, j = index
        z = ops[0]
        if act.name == "softmax":
            terms = " + ".join(f"e^{f(v)}" for v in z[s][:TERMS]) + (" + …" if z.shape[1] > TERMS else "")
            return Cell(step, index, me, f"e^{name(sym['z'], index)} / Σₖ e^{sym['z']}[k]",
                        f"e^{f(z[s, j])} / ({terms})")
        return Cell(step, index, me, f"{act.symbol}({name(sym['z'], index)})", f"{act.symbol}({f(z[s, j])})")
    if k == "loss":
        a, y = ops
        loss = LOSSES[network.loss]
        terms = [(loss.term(name(sym['a'], ix), name(sym['y'], ix)), loss.term(f(a[ix]), _paren(f(y[ix]))))
                 for ix in np.ndindex(a.shape)] if loss.name != "ce" else \
            [(f"−{name(sym['y'], ix)} ln {name(sym['a'], ix)}", f"−{f(y[ix])} ln {f(a[ix])}")
             for ix in np.ndindex(a.shape) if y[ix] != 0]
        formula, sub = _sum(terms)
        m = a.shape[0]
        if m > 1 and network.reduction == "mean":
            return Cell(step, index, me, f"(1/{m})({formula})", f"(1/{m})({sub})")
        return Cell(step, index, me, formula, sub)
    if k == "dL/da" and step.phase == "backward" and layer == network.depth:
        a, y = ops
        loss = LOSSES[network.loss]
        m = a.shape[0]
        per = f"/{m}" if m > 1 and network.reduction == "mean" else ""
        return Cell(step, index, me, loss.grad_term(name(sym['a'], index), name(sym['y'], index)) + per,
                    loss.grad_term(f(a[index]), _paren(f(y[index]))) + per)
    if k == "dL/da":  # a hidden layer: the next layer's δ sent back, Σ over its units
        s, j = index
        W, d = (ops[0], ops[1]) if c else (ops[1], ops[0])
        terms = [(f"{name(sym['d+'], (s, u))}·{name(sym['W+'], (u, j))}", _times(f(d[s, u]), f(W[u, j])))
                 for u in range(W.shape[0])]
        return Cell(step, index, me, *_sum(terms))
    if k == "da/dz":
        act = ACTIVATIONS[network.layers[layer - 1].activation]
        if act.name == "softmax":
            s, kk, j = index
            a = ops[0]
            ak, aj = name(sym['a'], (s, kk)), name(sym['a'], (s, j))
            if kk == j:
                return Cell(step, index, me, f"{ak}(1 − {aj})", f"{f(a[s, kk])}(1 − {f(a[s, j])})")
            return Cell(step, index, me, f"−{ak}·{aj}", f"−{_times(f(a[s, kk]), f(a[s, j]))}")
        if not ops:  # identity: the constant 1
            return Cell(step, index, me, "1", "1")
        used = sym['z'] if act.df_uses == "z" else sym['a']
        v = _paren(f(ops[0][index])) if act.df_uses == "a" else f(ops[0][index])  # 1 − (-0.1065)²
        return Cell(step, index, me, act.df_formula(name(used, index), name(used, index)).replace("⊙", "·"),
                    act.df_formula(v, v).replace("⊙", "·"))
    if k == "delta":
        dL_da, da_dz = ops
        if da_dz.ndim == 3:
            s, j = index
            terms = [(f"{name(sym['dL/da'], (s, u))}·{name(sym['da/dz'], (s, u, j))}",
                      _times(f(dL_da[s, u]), f(da_dz[s, u, j]))) for u in range(dL_da.shape[1])]
            return Cell(step, index, me, *_sum(terms))
        return Cell(step, index, me, f"{name(sym['dL/da'], index)} · {name(sym['da/dz'], index)}",
                    _times(f(dL_da[index]), f(da_dz[index])).replace("·", " · "))
    if k == "simplified":
        a, y = ops[:2]
        m = a.shape[0]
        per = f"/{m}" if m > 1 and network.reduction == "mean" else ""
        formula = f"{name(sym['a'], index)} − {name(sym['y'], index)}"
        sub = f"{f(a[index])} − {_paren(f(y[index]))}"
        if len(ops) == 3:  # cross-entropy targets not summing to exactly 1: ŷ·Σy − y
            s, _ = index
            formula = f"{name(sym['a'], index)}·Σₖ{label(sym['y'], (s, 'k'), c)} − {name(sym['y'], index)}"
            sub = f"{_times(f(a[index]), f(ops[2][s, 0]))} − {_paren(f(y[index]))}"
        return Cell(step, index, me, f"({formula}){per}" if per else formula, f"({sub}){per}" if per else sub)
    if k == "dW":
        j, i = index
        d, x_val = ops
        terms = [(f"{name(sym['delta'], (s, j))}·{name(sym['x'], (s, i))}", _times(f(d[s, j]), f(x_val[s, i])))
                 for s in range(d.shape[0])]
        return Cell(step, index, me, *_sum(terms))
    if k == "db":
        (j,) = index
        d = ops[0]
        terms = [(name(sym['delta'], (s, j)), f(d[s, j])) for s in range(d.shape[0])]
        return Cell(step, index, me, *_sum(terms))
    if k == "update":
        old, grad = ops
        g = f"∂L/∂{step.symbol}"
        return Cell(step, index, me,
                    f"{label(step.symbol, index, c)} − η·{label(g, index, c)}",
                    f"{f(old[index])} − {_times(notation.shortest(network.learning_rate), f(grad[index]))}")
    raise ValueError(f"no scalar form for a step of kind {k!r}")


def _symbols(l: int, small: bool) -> dict[str, str]:
    """The symbols the scalar formulas of layer l use: column vectors (small letters) for one
    sample, capitals for a batch, as the Steps write them."""
    sub = notation.sub

    def q(letter, n):
        return f"{letter if small else letter.upper()}{sub(n)}"

    return {
        "x": ("x" if small else "X") if l <= 1 else q("a", l - 1),
        "z": q("z", l), "a": q("a", l), "y": "y" if small else "Y",
        "W": f"W{sub(l)}", "b": f"b{sub(l)}", "W+": f"W{sub(l + 1)}", "d+": f"δ{sub(l + 1)}",
        "delta": f"δ{sub(l)}", "dL/da": f"∂L/∂{q('a', l)}", "da/dz": f"∂{q('a', l)}/∂{q('z', l)}",
    }

