"""What a quantity is: its kind, its layer, its id and its symbol in each notation.

The ids ("W2", "dL/da2", "da2/dz2", "delta2", "x", "L") are the wire format: Steps name what they
read and write by them, and the JSON trace and the sessions store them. Everything that builds or
reads an id asks this module, and every symbol comes from `Quantity.symbol`, the one symbol table:
Unicode or LaTeX, one sample (column vectors, small letters) or a batch (rows, capitals), δ names
or the dynamic-programming view's v names (v for δ, d for z, t(d) for ∂a/∂z, g for ∂L/∂W).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum, StrEnum
from functools import cache

from .notation import sub


class Kind(Enum):
    """A kind of quantity; its value is the id's pattern ({l}: the layer)."""

    X = "x"  # the input data, m × inputs
    Y = "y"  # the targets, m × outputs
    LOSS = "L"
    W = "W{l}"
    B = "b{l}"
    Z = "z{l}"  # pre-activation
    A = "a{l}"  # activation
    DL_DA = "dL/da{l}"
    DA_DZ = "da{l}/dz{l}"  # element-wise, or one Jacobian per sample for softmax
    DELTA = "delta{l}"  # ∂L/∂z
    DL_DW = "dL/dW{l}"
    DL_DB = "dL/db{l}"


# A layer's quantities in the order of its panel.
LAYER_KINDS = (Kind.W, Kind.B, Kind.Z, Kind.A, Kind.DL_DA, Kind.DA_DZ, Kind.DELTA, Kind.DL_DW, Kind.DL_DB)
_PARAMETERS = (Kind.W, Kind.B, Kind.DL_DW, Kind.DL_DB)  # rows are units, not samples
_IDS = [(kind, re.compile("^" + re.escape(kind.value).replace(r"\{l\}", r"(\d+)") + "$")) for kind in Kind]


class StepKind(StrEnum):
    """What a Step computes (its formula's shape)."""

    Z = "z"
    A = "a"
    LOSS = "loss"
    DL_DA = "dL/da"
    DA_DZ = "da/dz"
    DELTA = "delta"
    SIMPLIFIED = "simplified"  # δ_L = (ŷ − y)/m in one line
    DW = "dW"
    DB = "db"
    UPDATE = "update"


@dataclass(frozen=True)
class Quantity:
    kind: Kind
    layer: int | None = None  # None for x, y and the loss

    @staticmethod
    @cache  # the panels ask for the same few dozen ids on every key
    def parse(text: str) -> Quantity | None:
        """The quantity an id names ("da2/dz2" → ∂a₂/∂z₂), or None for anything else."""
        for kind, pattern in _IDS:
            match = pattern.match(text)
            if match:
                quantity = Quantity(kind, int(match[1]) if match.groups() else None)
                return quantity if quantity.id == text else None  # not "da1/dz2", nor "W01"
        return None

    @classmethod
    def on_units(cls, layer: int) -> Quantity:
        """What a layer's units hold in the forward pass: x for layer 0 (the inputs), else aₗ."""
        return cls(Kind.X) if layer == 0 else cls(Kind.A, layer)

    @classmethod
    def input_of(cls, layer: int) -> Quantity:
        """What layer `layer` reads: x for the first layer, else the activation below."""
        return cls.on_units(layer - 1)

    @property
    @cache  # noqa: B019 (a few dozen quantities in all: the cache holds them for good, on purpose)
    def id(self) -> str:
        return self.kind.value.format(l=self.layer)

    @property
    def per_sample(self) -> bool:
        """Whether its rows are the samples (x, z₁, δ₂, …): not the loss, a parameter or a
        parameter's gradient, whose rows are units. In the single-sample view only these become
        column vectors; a 1 × n weight matrix stays a row."""
        return self.kind is not Kind.LOSS and self.kind not in _PARAMETERS

    @property
    def parameter(self) -> Quantity | None:
        """The parameter a quantity belongs to: W₂ for W₂ and ∂L/∂W₂, b₂ for b₂ and ∂L/∂b₂."""
        if self.kind in (Kind.W, Kind.DL_DW):
            return Quantity(Kind.W, self.layer)
        if self.kind in (Kind.B, Kind.DL_DB):
            return Quantity(Kind.B, self.layer)
        return None

    @cache  # noqa: B019 (a derivation names a few dozen quantities hundreds of times)
    def symbol(self, column: bool, latex: bool = False, v: bool = False) -> str:
        """Its name: column for the one-sample notation (small letters), else a batch's
        (capitals for what has a row per sample); v for the dynamic-programming view's names."""
        k, l = self.kind, self.layer
        if k in (Kind.X, Kind.Y, Kind.LOSS):
            return k.value if column or k is Kind.LOSS else k.value.upper()
        if k in (Kind.W, Kind.B, Kind.Z, Kind.A, Kind.DELTA):
            letter = {Kind.W: "W", Kind.B: "b", Kind.Z: "z", Kind.A: "a", Kind.DELTA: r"\delta" if latex else "δ"}[k]
            if v and k is Kind.Z:
                letter = "d"  # d = Σxw + b, the dot product
            elif v and k is Kind.DELTA:
                letter = "v"
            if not column and k in (Kind.Z, Kind.A):
                letter = letter.upper()
            return f"{letter}_{{{l}}}" if latex else f"{letter}{sub(l)}"
        a, z = Quantity(Kind.A, l).symbol(column, latex, v), Quantity(Kind.Z, l).symbol(column, latex, v)
        if k is Kind.DA_DZ:
            return f"t({z})" if v else derivative(a, z, latex)
        if v and k in (Kind.DL_DW, Kind.DL_DB):
            wrt = "W" if k is Kind.DL_DW else "b"  # g = v·x
            return f"g_{{{wrt}_{{{l}}}}}" if latex else f"g{wrt}{sub(l)}"
        wrt = {
            Kind.DL_DA: a,
            Kind.DL_DW: Quantity(Kind.W, l).symbol(column, latex),
            Kind.DL_DB: Quantity(Kind.B, l).symbol(column, latex),
        }[k]
        return derivative("L", wrt, latex)

    def entry(self, index: str, column: bool, v: bool = False) -> str:
        """The name of one entry, its index written after the symbol: W₂[0,1], ∂a₂/∂z₂[0]; in the
        v names the index goes inside t(…), the activation's derivative at one entry: t(d₂[0])."""
        if v and self.kind is Kind.DA_DZ:
            return f"t({Quantity(Kind.Z, self.layer).symbol(column, v=True)}{index})"
        return self.symbol(column, v=v) + index


PREDICTION = "ŷ"  # the output layer's activation as the loss reads it (∂L/∂ŷ), in every notation


def derivative(of: str, wrt: str, latex: bool = False) -> str:
    """∂of/∂wrt, written from the two symbols."""
    return rf"\frac{{\partial {of}}}{{\partial {wrt}}}" if latex else f"∂{of}/∂{wrt}"
