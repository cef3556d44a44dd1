"""Activations and losses: each rule sits beside its derivative and its formulas.

Like micrograd's engine.py, every function is one small object: what it computes, what its
local derivative is, and how both are written (Unicode for the screen, LaTeX for exports).
All arithmetic is float64 and never lets NumPy print a warning: overflow shows up as a
non-finite value the caller can report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .expr import Call, Neg, Num, Positive, Pow, add, minus, over, times


@dataclass(frozen=True, kw_only=True)
class Activation:
    name: str
    symbol: str  # as written in a formula: "σ", "ReLU", ...
    latex: str
    f: Callable[[np.ndarray], np.ndarray]  # the rule: a = f(z)
    # ∂a/∂z from z and a = f(z); element-wise, or per-sample Jacobians (m × k × k) for softmax.
    df: Callable[[np.ndarray, np.ndarray], np.ndarray]
    df_uses: str  # "z" or "a": which of the two the derivative's formula is written in
    # The derivative written from the symbols of z and a, in Unicode and in LaTeX.
    df_formula: Callable[[str, str], str]
    df_latex: Callable[[str, str], str]
    definition: str  # one line for explanations
    convention: str = ""  # where sources differ on the derivative, which choice this one makes
    init_gain: float = 1.0  # W_l drawn from N(0, init_gain / fan_in): 2 for ReLU (He), else 1 (LeCun)
    # The derivative as a closed-form expression of z's and a's expression trees (engine/expr.py),
    # for the closed forms and the typed answers; None where it is a Jacobian (softmax).
    df_form: Callable[[object, object], object] | None = None
    df_note: str = ""  # how a closed form writes it, where a textbook would say so


def _sigmoid(z):
    # Accurate to a few ulps for every z. For z < −709, exp(−z) overflows to inf and the result
    # is exactly the limit 0 (the engine computes under np.errstate, so nothing is printed);
    # this is three times faster than the two-branch form, which matters in the fast loop.
    return 1.0 / (1.0 + np.exp(-z))


def _softmax(z):
    shifted = z - np.max(z, axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=-1, keepdims=True)


IDENTITY = Activation(
    name="identity",
    symbol="id",
    latex=r"\mathrm{id}",
    f=lambda z: z.copy(),
    df=lambda z, a: np.ones_like(z),
    df_uses="z",
    df_formula=lambda z, a: "1",
    df_latex=lambda z, a: "1",
    definition="identity: a = z, so ∂a/∂z = 1",
    df_form=lambda z, a: Num(1.0),
)
RELU = Activation(
    name="relu",
    symbol="ReLU",
    latex=r"\mathrm{ReLU}",
    f=lambda z: np.maximum(z, 0.0),
    df=lambda z, a: (z > 0).astype(np.float64),  # relu'(0) = 0 by convention
    df_uses="z",
    df_formula=lambda z, a: f"({z} > 0)",
    df_latex=lambda z, a: f"\\mathbb{{1}}[{z} > 0]",
    definition="ReLU: a = max(0, z), so ∂a/∂z is 1 where z > 0 and 0 elsewhere (relu'(0) = 0)",
    convention="relu'(0) is taken as 0: at exactly z = 0 the slope is undefined, and some sources use 1.",
    init_gain=2.0,
    df_form=lambda z, a: Positive(z),
    df_note="ReLU' is written 𝟙(z > 0): 1 where z > 0, else 0 (relu'(0) = 0)",
)
LEAKY_RELU = Activation(
    name="leaky_relu",
    symbol="LReLU",
    latex=r"\mathrm{LReLU}",
    f=lambda z: np.where(z > 0, z, 0.01 * z),
    df=lambda z, a: np.where(z > 0, 1.0, 0.01),  # the slope at exactly 0 taken as 0.01, as relu'(0) = 0
    df_uses="z",
    df_formula=lambda z, a: f"(1 if {z} > 0 else 0.01)",
    df_latex=lambda z, a: f"\\begin{{cases}} 1 & {z} > 0 \\\\ 0.01 & \\text{{else}} \\end{{cases}}",
    definition="leaky ReLU: a = z where z > 0, else 0.01·z, so ∂a/∂z is 1 where z > 0 and 0.01 elsewhere",
    convention="leaky_relu'(0) is taken as 0.01, the slope of the negative side; the 0.01 is the common "
    "default, some sources use 0.1 or learn it.",
    init_gain=2.0 / (1.0 + 0.01**2),  # He for a negative slope of 0.01
    df_form=lambda z, a: add(Num(0.01), times(Num(0.99), Positive(z))),
)
SIGMOID = Activation(
    name="sigmoid",
    symbol="σ",
    latex=r"\sigma",
    f=_sigmoid,
    df=lambda z, a: a * (1.0 - a),
    df_uses="a",
    df_formula=lambda z, a: f"{a} ⊙ (1 − {a})",
    df_latex=lambda z, a: f"{a} \\odot (1 - {a})",
    definition="sigmoid: a = 1/(1 + e^(−z)), so ∂a/∂z = σ(z)(1 − σ(z)) = a(1 − a)",
    df_form=lambda z, a: times(a, minus(Num(1.0), a)),
)
TANH = Activation(
    name="tanh",
    symbol="tanh",
    latex=r"\tanh",
    f=np.tanh,
    df=lambda z, a: 1.0 - a * a,
    df_uses="a",
    df_formula=lambda z, a: f"1 − {a}²",
    df_latex=lambda z, a: f"1 - {a}^2",
    definition="tanh: a = tanh(z), so ∂a/∂z = 1 − tanh²(z) = 1 − a²",
    df_form=lambda z, a: minus(Num(1.0), Pow(a, 2.0)),
)
SOFTMAX = Activation(
    name="softmax",
    symbol="softmax",
    latex=r"\mathrm{softmax}",
    f=_softmax,
    # One Jacobian per sample: J[i] = diag(a_i) − a_i a_iᵀ.
    df=lambda z, a: a[:, :, None] * np.eye(a.shape[1]) - a[:, :, None] * a[:, None, :],
    df_uses="a",
    df_formula=lambda z, a: f"diag({a}) − {a}{a}ᵀ",
    df_latex=lambda z, a: f"\\mathrm{{diag}}({a}) - {a}{a}^\\top",
    definition="softmax: a_k = e^(z_k) / Σ_j e^(z_j), so ∂a_k/∂z_j = a_k([k = j] − a_j), a Jacobian per sample",
)
ACTIVATIONS: dict[str, Activation] = {a.name: a for a in (IDENTITY, RELU, LEAKY_RELU, SIGMOID, TANH, SOFTMAX)}


def _softplus(x):
    # ln(1 + e^x) without overflow.
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


@dataclass(frozen=True, kw_only=True)
class Loss:
    name: str
    # The loss's terms, one per sample and output unit (m × k), from the last layer's z and a:
    # ℓ_i is the sum of row i. Summed in one reduction, which the fast loop pays for every iteration.
    terms: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    # ∂L/∂a of the last layer, for L = scale · Σ_i ℓ_i (scale = 1/m for "mean", 1 for "sum").
    grad: Callable[[np.ndarray, np.ndarray, float], np.ndarray]
    # ℓ and ∂ℓ/∂ŷ written with prediction symbol p and target symbol t, in Unicode and LaTeX.
    term: Callable[[str, str], str]
    term_latex: Callable[[str, str], str]
    grad_term: Callable[[str, str], str]
    grad_term_latex: Callable[[str, str], str]
    needs: str | None = None  # the last activation this loss requires
    definition: str
    # Where sources differ, the choice this loss makes: on the loss step and on its ∂L/∂ŷ step.
    convention: str = ""
    grad_convention: str = ""
    sums_outputs: bool = False  # the term sums over the output units already (−Σₖ yₖ ln ŷₖ)
    # Why the output δ is ŷ − y in one line with the activation this loss needs; scaled: why it is
    # ŷ·Σy − y where a sample's targets do not sum to exactly 1 ("": the same form for any target).
    one_line: str = ""
    one_line_scaled: str = ""
    # With the activation it needs, the output δ is scale · (ŷ·Σy − y), each prediction times its
    # sample's sum of targets (softmax + ce: the same as ŷ − y where that sum is exactly 1).
    delta_scales_by_target_sum: bool = False
    # ℓ and ∂ℓ/∂ŷ as closed-form expressions of ŷ's and y's trees (engine/expr.py): the closed forms
    # and the typed answers.
    term_form: Callable[[object, object], object] | None = None
    grad_form: Callable[[object, object], object] | None = None


# The sign of the squared errors' gradient, as their ∂L/∂ŷ step says it.
_Y_HAT_MINUS_Y = (
    "We write ŷ − y, never −(y − ŷ): the same number, and with this sign the update subtracts, "
    "p ← p − η ∂L/∂p (the dynamic-programming view: u − y, not y − u)"
)


_SOFTMAX_CE = "for softmax + cross-entropy, the row (−y/ŷ) times the Jacobian diag(ŷ) − ŷŷᵀ is ŷ·Σy − y"


def _bce_grad(a, y, scale):
    # A term whose target weight is 0 contributes 0, even where a is exactly 0 or 1.
    pos = np.where(y > 0, -y / np.where(a > 0, a, 1.0), 0.0)
    pos = np.where((y > 0) & (a <= 0), -np.inf, pos)
    neg = np.where(y < 1, (1.0 - y) / np.where(a < 1, 1.0 - a, 1.0), 0.0)
    neg = np.where((y < 1) & (a >= 1), np.inf, neg)
    return scale * (pos + neg)


def _ce(z, a, y):
    shifted = z - np.max(z, axis=1, keepdims=True)
    log_a = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.where(y > 0, y * log_a, 0.0)


def _ce_grad(a, y, scale):
    g = np.where(y > 0, -y / np.where(a > 0, a, 1.0), 0.0)
    return scale * np.where((y > 0) & (a <= 0), -np.inf, g)


MSE = Loss(
    name="mse",
    terms=lambda z, a, y: (a - y) ** 2,
    grad=lambda a, y, scale: (2.0 * scale) * (a - y),
    term=lambda p, t: f"({p} − {t})²",
    term_latex=lambda p, t: f"({p} - {t})^2",
    grad_term=lambda p, t: f"2({p} − {t})",
    grad_term_latex=lambda p, t: f"2({p} - {t})",
    definition="mean squared error: ℓ = Σₖ (ŷₖ − yₖ)², so ∂ℓ/∂ŷ = 2(ŷ − y)",
    convention="mse has no ½, so ∂L/∂ŷ = 2(ŷ − y); many worked examples use ½(ŷ − y)² (half_mse) instead",
    grad_convention=_Y_HAT_MINUS_Y,
    term_form=lambda p, t: Pow(minus(p, t), 2.0),
    grad_form=lambda p, t: times(Num(2.0), minus(p, t)),
)
HALF_MSE = Loss(
    name="half_mse",
    terms=lambda z, a, y: 0.5 * (a - y) ** 2,
    grad=lambda a, y, scale: scale * (a - y),
    term=lambda p, t: f"½({p} − {t})²",
    term_latex=lambda p, t: rf"\tfrac{{1}}{{2}}({p} - {t})^2",
    grad_term=lambda p, t: f"({p} − {t})",
    grad_term_latex=lambda p, t: f"({p} - {t})",
    definition="half squared error: ℓ = Σₖ ½(ŷₖ − yₖ)²; the ½ cancels the 2 of the square, so ∂ℓ/∂ŷ = ŷ − y",
    convention="half_mse carries a ½ so that ∂L/∂ŷ = ŷ − y; plain mse (no ½) gives 2(ŷ − y), so its gradients "
    "are twice as large",
    grad_convention=_Y_HAT_MINUS_Y,
    term_form=lambda p, t: times(Num(0.5), Pow(minus(p, t), 2.0)),
    grad_form=lambda p, t: minus(p, t),
)
BCE = Loss(
    name="bce",
    # −[y ln σ(z) + (1 − y) ln(1 − σ(z))] = y·softplus(−z) + (1 − y)·softplus(z): finite for any z.
    terms=lambda z, a, y: y * _softplus(-z) + (1.0 - y) * _softplus(z),
    grad=_bce_grad,
    term=lambda p, t: f"−[{t} ln {p} + (1 − {t}) ln(1 − {p})]",
    term_latex=lambda p, t: rf"-[{t} \ln {p} + (1 - {t}) \ln(1 - {p})]",
    grad_term=lambda p, t: f"(−{t}/{p} + (1 − {t})/(1 − {p}))",
    grad_term_latex=lambda p, t: rf"\left(-\frac{{{t}}}{{{p}}} + \frac{{1 - {t}}}{{1 - {p}}}\right)",
    needs="sigmoid",
    definition="binary cross-entropy: ℓ = −Σₖ [y ln ŷ + (1 − y) ln(1 − ŷ)], so ∂ℓ/∂ŷ = −y/ŷ + (1 − y)/(1 − ŷ)",
    one_line="for sigmoid + binary cross-entropy, (−y/ŷ + (1 − y)/(1 − ŷ)) · ŷ(1 − ŷ) = ŷ − y",
    term_form=lambda p, t: Neg(
        add(times(t, Call("log", p)), times(minus(Num(1.0), t), Call("log", minus(Num(1.0), p))))
    ),
    grad_form=lambda p, t: add(over(Neg(t), p), over(minus(Num(1.0), t), minus(Num(1.0), p))),
)
CE = Loss(
    name="ce",
    terms=_ce,
    grad=_ce_grad,
    # {p}_{k} in braces: p may carry a subscript already (A_{1}), and A_{1}_k is no LaTeX
    term=lambda p, t: f"−Σₖ {t}ₖ ln {p}ₖ",
    term_latex=lambda p, t: rf"-\sum_k {{{t}}}_{{k}} \ln {{{p}}}_{{k}}",
    grad_term=lambda p, t: f"(−{t}/{p})",
    grad_term_latex=lambda p, t: rf"\left(-\frac{{{t}}}{{{p}}}\right)",
    needs="softmax",
    definition="cross-entropy: ℓ = −Σₖ yₖ ln ŷₖ, so ∂ℓ/∂ŷₖ = −yₖ/ŷₖ",
    sums_outputs=True,
    delta_scales_by_target_sum=True,
    one_line=_SOFTMAX_CE + ", which is ŷ − y because each row of targets sums to 1",
    one_line_scaled=_SOFTMAX_CE + ", Σy being each sample's sum of targets (here not exactly 1, so not simply ŷ − y)",
    term_form=lambda p, t: Neg(times(t, Call("log", p))),
    grad_form=lambda p, t: over(Neg(t), p),
)
LOSSES: dict[str, Loss] = {l.name: l for l in (MSE, HALF_MSE, BCE, CE)}

REDUCTIONS = ("mean", "sum")
