"""Closed forms: every quantity of an iteration written as one expression of the network's
data, parameters and forward values, each δ expanded into the factors it came from, as a
student writes the homework's answers (∂L/∂W₂ = [(W₃ᵀ · 2(ŷ − y)) ⊙ 𝟙(z₂ > 0)]a₁ᵀ).

The trees are engine/expr.py's, so the same form is written on screen, in LaTeX and in the
syntax `backprop-tui answer` reads back, and evaluates to the derivation's numbers (a test holds
every form of every preset and of random networks to them).

With a batch the forms use rows as samples (Z₁ = XW₁ᵀ + b₁, ∂L/∂W = δᵀA, ∂L/∂b = Σᵢ δ and
the 1/m of a mean), with one sample the homework's column vectors (z₁ = W₁x + b₁, ∂L/∂W = δaᵀ).
Simplified, the forms make a textbook's simplifications and `notes` says which; unsimplified,
every factor is written as it comes (∂L/∂ŷ ⊙ σ'(z), ⊙ 1 for the identity).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from . import backprop as bp
from .expr import Call, Deriv, Name, Num, Part, Sum, T, add, matmul, minus, over, times
from .network import Layer, Network
from .quantities import Kind, Quantity

ONE = Num(1.0)


@dataclass(frozen=True)
class ClosedForm:
    quantity: Quantity
    tree: object
    notes: tuple[str, ...]  # the textbook simplifications this form makes, in words


class ClosedForms:
    """The closed forms of one network's quantities, for a batch of m samples or one sample
    (column: the homework's column vectors)."""

    def __init__(
        self,
        network: Network,
        column: bool,
        simplified: bool = True,
        targets: np.ndarray | None = None,
        without: int | None = None,
    ):
        """without: leave layer `without`'s ∂a/∂z out, as a slip would (the judge's diagnosis)."""
        self.net, self.column, self.simplified, self.without = network, column, simplified, without
        self.L = network.depth
        self.acts, self.loss_fn = bp.functions_of(network)
        # ce's δ = ŷ − y holds only where each row of targets sums to exactly 1 (else ŷ·Σy − y)
        self.exact_ce = targets is None or bool(np.all(bp.target_sums(targets) == 1.0))
        self.notes: list[str] = []

    # -- names -----------------------------------------------------------------------------------

    @staticmethod
    def name(kind: Kind, layer: int | None = None) -> Name:
        return Name(Quantity(kind, layer).id)

    def scaled(self, tree):
        """The 1/m of a batch mean (none with one sample or a sum)."""
        if self.column or self.net.reduction == "sum":
            return tree
        return over(tree, Name("m"))

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    # -- the factors -----------------------------------------------------------------------------

    def act_derivative(self, l: int):
        """∂a_l/∂z_l element-wise (None for softmax, a Jacobian)."""
        act = self.acts[l - 1]
        if act.df_form is None:
            return None
        if act.df_note:
            self.note(act.df_note)
        return Deriv(l, act.df_form(self.name(Kind.Z, l), self.name(Kind.A, l)))

    def through(self, l: int, upstream):
        """upstream ⊙ ∂a_l/∂z_l: the chain through layer l's activation."""
        act = self.acts[l - 1]
        if l == self.without:
            return upstream
        if act.name == "softmax":  # the row times the Jacobian diag(a) − aaᵀ, per sample
            a = self.name(Kind.A, l)
            return times(a, minus(upstream, Sum(times(upstream, a), None if self.column else 1)))
        if act.name == "identity" and self.simplified:
            self.note("the identity's ∂a/∂z = 1 is left out")
            return upstream
        return times(upstream, self.act_derivative(l))

    def loss_gradient(self):
        """∂L/∂ŷ, with the 1/m of a batch mean."""
        return self.scaled(self.loss_fn.grad_form(self.name(Kind.A, self.L), self.name(Kind.Y)))

    def sent_back(self, l: int, delta):
        """∂L/∂a_l = δ_(l+1) W_(l+1) (batch rows) or W_(l+1)ᵀ δ_(l+1) (one sample's columns)."""
        W = self.name(Kind.W, l + 1)
        return matmul(T(W), delta) if self.column else matmul(delta, W)

    # -- the quantities --------------------------------------------------------------------------

    def part(self, kind: Kind, l: int | None, tree):
        """tree, marked as the quantity it computes (the screen lights it)."""
        return Part(Quantity(kind, l).id, tree)

    def delta(self, l: int, expand: bool = True):
        """δ_l, every δ above it expanded (expand) or named."""
        return self.part(Kind.DELTA, l, self._delta(l, expand))

    def _delta(self, l: int, expand: bool):
        if l == self.L:
            act, loss = self.acts[-1].name, self.loss_fn.name
            if self.simplified and bp.simplifies(act, loss):
                a, y = self.name(Kind.A, l), self.name(Kind.Y)
                pair = f"{act} + {loss}"
                if self.loss_fn.delta_scales_by_target_sum and not self.exact_ce:
                    self.note(
                        "softmax + ce: ∂L/∂ŷ through the softmax is ŷ·Σₖy − y (these targets' rows do not sum to 1)"
                    )
                    return self.scaled(minus(times(a, Sum(y, None if self.column else 1)), y))
                self.note(f"{pair}: ∂L/∂ŷ ⊙ ∂ŷ/∂z simplifies to ŷ − y")
                return self.scaled(minus(a, y))
            return self.through(l, self.dL_da(l))
        return self.through(l, self.dL_da(l, expand))

    def dL_da(self, l: int, expand: bool = True):
        if l == self.L:
            return self.part(Kind.DL_DA, l, self.loss_gradient())
        above = self.delta(l + 1) if expand else self.name(Kind.DELTA, l + 1)
        return self.part(Kind.DL_DA, l, self.sent_back(l, above))

    def dL_dW(self, l: int, expand: bool = True):
        delta = self.delta(l) if expand else self.name(Kind.DELTA, l)
        below = self.name(Kind.X) if l == 1 else self.name(Kind.A, l - 1)
        form = matmul(delta, T(below)) if self.column else matmul(T(delta), below)
        if self.net.l2:  # + λW, the gradient of the l2 term
            form = add(form, times(Name("l2"), self.name(Kind.W, l)))
        return self.part(Kind.DL_DW, l, form)

    def dL_db(self, l: int, expand: bool = True):
        delta = self.delta(l) if expand else self.name(Kind.DELTA, l)
        return self.part(Kind.DL_DB, l, delta if self.column else Sum(delta, 0))

    def factors(self, parameter: Quantity) -> list[tuple[Quantity, object]]:
        """The chain of ∂L/∂W_l (or ∂L/∂b_l) from the loss down, each factor with its form one
        step deep (the δ above named): ∂L/∂a_L, ∂a_L/∂z_L, δ_L, ∂L/∂a_(L−1), …, δ_l, then the
        gradient itself. A softmax's ∂a/∂z (a Jacobian) has the form None."""
        l, out = parameter.layer, []
        for k in range(self.L, l - 1, -1):
            out.append((Quantity(Kind.DL_DA, k), self.dL_da(k, expand=False)))
            derivative = self.act_derivative(k)
            out.append((Quantity(Kind.DA_DZ, k), None if derivative is None else derivative.expanded))
            out.append((Quantity(Kind.DELTA, k), self.delta(k, expand=False)))
        gradient = self.dL_dW(l, False) if parameter.kind in (Kind.W, Kind.DL_DW) else self.dL_db(l, False)
        out.append((Quantity(Kind.DL_DW if parameter.kind in (Kind.W, Kind.DL_DW) else Kind.DL_DB, l), gradient))
        return out

    def z(self, l: int):
        W, b = self.name(Kind.W, l), self.name(Kind.B, l)
        below = self.name(Kind.X) if l == 1 else self.name(Kind.A, l - 1)
        return self.part(Kind.Z, l, add(matmul(W, below), b) if self.column else add(matmul(below, T(W)), b))

    def a(self, l: int):
        act, z = self.acts[l - 1].name, self.name(Kind.Z, l)
        return self.part(Kind.A, l, z if act == "identity" else Call(act, z))

    def loss(self):
        terms = self.loss_fn.term_form(self.name(Kind.A, self.L), self.name(Kind.Y))
        form = self.scaled(Sum(terms, None))
        if self.net.l2:  # + (λ/2) Σ_l ‖W_l‖², once, not over the samples
            squares = [Sum(times(W, W), None) for W in (self.name(Kind.W, l) for l in range(1, self.L + 1))]
            total = squares[0]
            for square in squares[1:]:
                total = add(total, square)
            form = add(form, times(over(Name("l2"), Num(2.0)), total))
        return self.part(Kind.LOSS, None, form)

    def of(self, quantity: Quantity) -> ClosedForm | None:
        """The closed form of a quantity, or None where none is written (x, y, a parameter, a
        softmax's Jacobian)."""
        self.notes = []
        k, l = quantity.kind, quantity.layer
        build = {
            Kind.LOSS: lambda: self.loss(),
            Kind.Z: lambda: self.z(l),
            Kind.A: lambda: self.a(l),
            Kind.DL_DA: lambda: self.dL_da(l),
            Kind.DA_DZ: lambda: self.act_derivative(l),
            Kind.DELTA: lambda: self.delta(l),
            Kind.DL_DW: lambda: self.dL_dW(l),
            Kind.DL_DB: lambda: self.dL_db(l),
        }.get(k)
        tree = build() if build else None
        if isinstance(tree, Deriv):
            tree = tree.expanded
        return None if tree is None else ClosedForm(quantity, tree, tuple(self.notes))

    def parameters(self) -> list[ClosedForm]:
        """∂L/∂W_L, ∂L/∂b_L, …, ∂L/∂W₁, ∂L/∂b₁: the homework's six answers for its network."""
        return [self.of(Quantity(kind, l)) for l in range(self.L, 0, -1) for kind in (Kind.DL_DW, Kind.DL_DB)]


def twin(network: Network) -> Network:
    """The homework's other case on the same weights, for comparing forms (never trained: its
    targets may not suit its loss): regression (identity + mse) and classification (sigmoid +
    bce) are each other's twin; any other network's twin is the classification one."""
    last = network.layers[-1]
    pair = ("identity", "mse") if (last.activation, network.loss) == ("sigmoid", "bce") else ("sigmoid", "bce")
    return replace(network, layers=(*network.layers[:-1], Layer(last.units, pair[0])), loss=pair[1])
