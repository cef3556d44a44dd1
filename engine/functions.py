"""Activations and losses: each rule sits beside its derivative and its formulas.

Like micrograd's engine.py, every function is one small object: what it computes, what its
local derivative is, and how both are written (Unicode for the screen, LaTeX for exports).
All arithmetic is float64 and never lets NumPy print a warning: overflow shows up as a
non-finite value the caller can report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Activation:
    name: str
    symbol: str  # as written in a formula: "σ", "ReLU", ...
    latex: str
    f: Callable[[np.ndarray], np.ndarray]
    # ∂a/∂z from z and a = f(z); element-wise, or per-sample Jacobians (m × k × k) for softmax.
    df: Callable[[np.ndarray, np.ndarray], np.ndarray]
    # The derivative written in terms of z and a: (unicode, latex, uses), uses is "z" or "a".
    df_formula: Callable[[str, str], str]
    df_latex: Callable[[str, str], str]
    df_uses: str
    definition: str  # one line for explanations


def _identity(z):
    return z.copy()


def _identity_df(z, a):
    return np.ones_like(z)


def _relu(z):
    return np.maximum(z, 0.0)


def _relu_df(z, a):
    return (z > 0).astype(np.float64)  # relu'(0) = 0 by convention


def _sigmoid(z):
    # Accurate to a few ulps for every z. For z < −709, exp(−z) overflows to inf and the result
    # is exactly the limit 0 (the engine computes under np.errstate, so nothing is printed);
    # this is three times faster than the two-branch form, which matters in the fast loop.
    return 1.0 / (1.0 + np.exp(-z))


def _sigmoid_df(z, a):
    return a * (1.0 - a)


def _tanh(z):
    return np.tanh(z)


def _tanh_df(z, a):
    return 1.0 - a * a


def _softmax(z):
    shifted = z - np.max(z, axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=-1, keepdims=True)


def _softmax_df(z, a):
    # One Jacobian per sample: J[i] = diag(a_i) − a_i a_iᵀ.
    return a[:, :, None] * np.eye(a.shape[1]) - a[:, :, None] * a[:, None, :]


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation(
            "identity", "id", r"\mathrm{id}", _identity, _identity_df,
            lambda z, a: "1", lambda z, a: "1", "z",
            "identity: a = z, so ∂a/∂z = 1",
        ),
        Activation(
            "relu", "ReLU", r"\mathrm{ReLU}", _relu, _relu_df,
            lambda z, a: f"({z} > 0)", lambda z, a: f"\\mathbb{{1}}[{z} > 0]", "z",
            "ReLU: a = max(0, z), so ∂a/∂z is 1 where z > 0 and 0 elsewhere (relu'(0) = 0)",
        ),
        Activation(
            "sigmoid", "σ", r"\sigma", _sigmoid, _sigmoid_df,
            lambda z, a: f"{a} ⊙ (1 − {a})", lambda z, a: f"{a} \\odot (1 - {a})", "a",
            "sigmoid: a = 1/(1 + e^(−z)), so ∂a/∂z = σ(z)(1 − σ(z)) = a(1 − a)",
        ),
        Activation(
            "tanh", "tanh", r"\tanh", _tanh, _tanh_df,
            lambda z, a: f"1 − {a}²", lambda z, a: f"1 - {a}^2", "a",
            "tanh: a = tanh(z), so ∂a/∂z = 1 − tanh²(z) = 1 − a²",
        ),
        Activation(
            "softmax", "softmax", r"\mathrm{softmax}", _softmax, _softmax_df,
            lambda z, a: f"diag({a}) − {a}{a}ᵀ", lambda z, a: f"\\mathrm{{diag}}({a}) - {a}{a}^\\top", "a",
            "softmax: a_k = e^(z_k) / Σ_j e^(z_j), so ∂a_k/∂z_j = a_k([k = j] − a_j), a Jacobian per sample",
        ),
    )
}


def _softplus(x):
    # ln(1 + e^x) without overflow.
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


@dataclass(frozen=True)
class Loss:
    name: str
    # The loss's terms, one per sample and output unit (m × k), from the last layer's z and a:
    # ℓ_i is the sum of row i. Summed in one reduction, which the fast loop pays for every iteration.
    terms: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    # ∂L/∂a of the last layer, for L = scale · Σ_i ℓ_i (scale = 1/m for "mean", 1 for "sum").
    grad: Callable[[np.ndarray, np.ndarray, float], np.ndarray]
    # ℓ written with prediction symbol p and target symbol t (unicode, latex).
    term: Callable[[str, str], str]
    term_latex: Callable[[str, str], str]
    grad_term: Callable[[str, str], str]
    grad_term_latex: Callable[[str, str], str]
    needs: str | None  # the last activation this loss requires
    definition: str


def _mse(z, a, y):
    return (a - y) ** 2


def _half_mse(z, a, y):
    return 0.5 * (a - y) ** 2


def _bce(z, a, y):
    # −[y ln σ(z) + (1 − y) ln(1 − σ(z))] = y·softplus(−z) + (1 − y)·softplus(z): finite for any z.
    return y * _softplus(-z) + (1.0 - y) * _softplus(z)


def _ce(z, a, y):
    shifted = z - np.max(z, axis=1, keepdims=True)
    log_a = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.where(y > 0, y * log_a, 0.0)


def _bce_grad(a, y, scale):
    # A term whose target weight is 0 contributes 0, even where a is exactly 0 or 1.
    pos = np.where(y > 0, -y / np.where(a > 0, a, 1.0), 0.0)
    pos = np.where((y > 0) & (a <= 0), -np.inf, pos)
    neg = np.where(y < 1, (1.0 - y) / np.where(a < 1, 1.0 - a, 1.0), 0.0)
    neg = np.where((y < 1) & (a >= 1), np.inf, neg)
    return scale * (pos + neg)


def _ce_grad(a, y, scale):
    g = np.where(y > 0, -y / np.where(a > 0, a, 1.0), 0.0)
    return scale * np.where((y > 0) & (a <= 0), -np.inf, g)


LOSSES: dict[str, Loss] = {
    l.name: l
    for l in (
        Loss(
            "mse", _mse, lambda a, y, scale: (2.0 * scale) * (a - y),
            lambda p, t: f"({p} − {t})²", lambda p, t: f"({p} - {t})^2",
            lambda p, t: f"2({p} − {t})", lambda p, t: f"2({p} - {t})",
            None, "mean squared error: ℓ = Σₖ (ŷₖ − yₖ)², so ∂ℓ/∂ŷ = 2(ŷ − y)",
        ),
        Loss(
            "half_mse", _half_mse, lambda a, y, scale: scale * (a - y),
            lambda p, t: f"½({p} − {t})²", lambda p, t: rf"\tfrac{{1}}{{2}}({p} - {t})^2",
            lambda p, t: f"({p} − {t})", lambda p, t: f"({p} - {t})",
            None, "half squared error: ℓ = Σₖ ½(ŷₖ − yₖ)²; the ½ cancels the 2 of the square, so ∂ℓ/∂ŷ = ŷ − y",
        ),
        Loss(
            "bce", _bce, _bce_grad,
            lambda p, t: f"−[{t} ln {p} + (1 − {t}) ln(1 − {p})]",
            lambda p, t: rf"-[{t} \ln {p} + (1 - {t}) \ln(1 - {p})]",
            lambda p, t: f"(−{t}/{p} + (1 − {t})/(1 − {p}))",
            lambda p, t: rf"\left(-\frac{{{t}}}{{{p}}} + \frac{{1 - {t}}}{{1 - {p}}}\right)",
            "sigmoid", "binary cross-entropy: ℓ = −Σₖ [y ln ŷ + (1 − y) ln(1 − ŷ)], so ∂ℓ/∂ŷ = −y/ŷ + (1 − y)/(1 − ŷ)",
        ),
        Loss(
            "ce", _ce, _ce_grad,
            # {p}_{k} in braces: p may carry a subscript already (A_{1}), and A_{1}_k is no LaTeX
            lambda p, t: f"−Σₖ {t}ₖ ln {p}ₖ", lambda p, t: rf"-\sum_k {{{t}}}_{{k}} \ln {{{p}}}_{{k}}",
            lambda p, t: f"(−{t}/{p})", lambda p, t: rf"\left(-\frac{{{t}}}{{{p}}}\right)",
            "softmax", "cross-entropy: ℓ = −Σₖ yₖ ln ŷₖ, so ∂ℓ/∂ŷₖ = −yₖ/ŷₖ",
        ),
    )
}

REDUCTIONS = ("mean", "sum")
