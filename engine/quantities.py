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
    # The optimizer's quantities of a parameter (optimizers.py): the gradient it uses once weight
    # decay is added, momentum's buffer, Adam's and RMSprop's moving moments, Adam's corrected ones.
    G_W = "g:W{l}"
    G_B = "g:b{l}"
    BUF_W = "buf:W{l}"
    BUF_B = "buf:b{l}"
    M_W = "m:W{l}"
    M_B = "m:b{l}"
    V_W = "v:W{l}"
    V_B = "v:b{l}"
    MHAT_W = "mhat:W{l}"
    MHAT_B = "mhat:b{l}"
    VHAT_W = "vhat:W{l}"
    VHAT_B = "vhat:b{l}"


# A layer's quantities in the order of its panel.
LAYER_KINDS = (Kind.W, Kind.B, Kind.Z, Kind.A, Kind.DL_DA, Kind.DA_DZ, Kind.DELTA, Kind.DL_DW, Kind.DL_DB)
# An optimizer quantity by (role, the parameter's kind), and its (Unicode, LaTeX) letter.
_OPTIMIZER = {
    ("grad", Kind.W): Kind.G_W,
    ("grad", Kind.B): Kind.G_B,
    ("buf", Kind.W): Kind.BUF_W,
    ("buf", Kind.B): Kind.BUF_B,
    ("m", Kind.W): Kind.M_W,
    ("m", Kind.B): Kind.M_B,
    ("v", Kind.W): Kind.V_W,
    ("v", Kind.B): Kind.V_B,
    ("mhat", Kind.W): Kind.MHAT_W,
    ("mhat", Kind.B): Kind.MHAT_B,
    ("vhat", Kind.W): Kind.VHAT_W,
    ("vhat", Kind.B): Kind.VHAT_B,
}
_OF_PARAMETER = {kind: (role, param) for (role, param), kind in _OPTIMIZER.items()}
_LETTERS = {
    "grad": ("g", "g"),
    "buf": ("buf", r"\mathrm{buf}"),
    "m": ("m", "m"),
    "v": ("v", "v"),
    "mhat": ("m̂", r"\hat{m}"),
    "vhat": ("v̂", r"\hat{v}"),
}
_PARAMETERS = (Kind.W, Kind.B, Kind.DL_DW, Kind.DL_DB, *_OPTIMIZER.values())  # rows are units, not samples
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
    UPDATE = "update"  # p ← p − η (…): the step that moves the parameter
    DECAY = "decay"  # weight decay: g = ∂L/∂p + λp, or AdamW's p ← p − ηλp
    BUFFER = "buffer"  # momentum's buffer
    MOMENT = "moment"  # a running average: Adam's m and v, RMSprop's v
    CORRECTED = "corrected"  # Adam's bias-corrected m̂, v̂


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
        if self.kind in _OF_PARAMETER:
            return Quantity(_OF_PARAMETER[self.kind][1], self.layer)
        return None

    @cache  # noqa: B019 (a derivation names a few dozen quantities hundreds of times)
    def symbol(self, column: bool, latex: bool = False, v: bool = False) -> str:
        """Its name: column for the one-sample notation (small letters), else a batch's
        (capitals for what has a row per sample); v for the dynamic-programming view's names."""
        k, l = self.kind, self.layer
        if k in _OF_PARAMETER:  # m(W₂): the optimizer's m of W₂
            role, param = _OF_PARAMETER[k]
            letter, p = _LETTERS[role][latex], Quantity(param, l).symbol(column, latex)
            return rf"{letter}\left({p}\right)" if latex else f"{letter}({p})"
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


def of_parameter(role: str, param: Quantity) -> Quantity:
    """The optimizer's quantity `role` ("grad", "buf", "m", "v", "mhat", "vhat") of a parameter."""
    return Quantity(_OPTIMIZER[role, param.kind], param.layer)


PREDICTION = "ŷ"  # the output layer's activation as the loss reads it (∂L/∂ŷ), in every notation


def derivative(of: str, wrt: str, latex: bool = False) -> str:
    """∂of/∂wrt, written from the two symbols."""
    return rf"\frac{{\partial {of}}}{{\partial {wrt}}}" if latex else f"∂{of}/∂{wrt}"
