"""The arithmetic of one iteration, shared by the derivation (which records every factor as a
Step) and the fast training loop (which records nothing). Both call these same functions in
the same order, so they give the same numbers to the last bit.

Rows are samples: Z_l = A_(l−1) W_lᵀ + b_l, A_l = f_l(Z_l), A_0 = X.
"""

from __future__ import annotations

import numpy as np

from .functions import ACTIVATIONS, LOSSES, Activation, Loss


def reduction_scale(reduction: str, m: int) -> float:
    """L = scale · Σ_i ℓ_i."""
    return 1.0 / m if reduction == "mean" else 1.0


def simplifies(activation: str, loss: str) -> bool:
    """A loss with the activation it needs (sigmoid + bce, softmax + ce): ∂L/∂a ⊙ ∂a/∂z
    collapses to scale · (ŷ − y) (scale · (ŷ·Σy − y) for ce, see output_delta)."""
    return LOSSES[loss].needs == activation


def target_sums(y: np.ndarray) -> np.ndarray:
    """Each sample's Σ_k y_k, as a column (m × 1)."""
    return np.sum(y, axis=1, keepdims=True)


def pre_activation(a_prev: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a_prev @ W.T + b


def loss_value(loss: Loss, z: np.ndarray, a: np.ndarray, y: np.ndarray, scale: float) -> float:
    return float(scale * np.sum(loss.terms(z, a, y)))


def chain(dL_da: np.ndarray, da_dz: np.ndarray) -> np.ndarray:
    """δ = ∂L/∂a ⊙ ∂a/∂z, or ∂L/∂a · J per sample when ∂a/∂z is a Jacobian (softmax)."""
    if da_dz.ndim == 3:
        return np.einsum("ik,ikj->ij", dL_da, da_dz)
    return dL_da * da_dz


def output_delta(act: Activation, loss: Loss, z, a, y, scale, dL_da=None, da_dz=None) -> np.ndarray:
    """δ_L. With the simplifying pairs it is scale · (ŷ − y), which stays finite where the two
    factors alone would be 0 · ∞; otherwise the product of the two factors. For softmax + ce
    the row (−y/ŷ) times the Jacobian diag(ŷ) − ŷŷᵀ is exactly ŷ·Σy − y: the same as ŷ − y
    (to the last bit) where a row of targets sums to exactly 1, and still the gradient of the
    loss where it sums to 1 only within the file check's tolerance."""
    if simplifies(act.name, loss.name):
        if loss.delta_scales_by_target_sum:
            return scale * (a * target_sums(y) - y)
        return scale * (a - y)
    if dL_da is None:
        dL_da = loss.grad(a, y, scale)
    if da_dz is None:
        da_dz = act.df(z, a)
    return chain(dL_da, da_dz)


def weight_grad(delta: np.ndarray, a_prev: np.ndarray) -> np.ndarray:
    return delta.T @ a_prev


def bias_grad(delta: np.ndarray) -> np.ndarray:
    return delta.sum(axis=0)


def sent_back(delta: np.ndarray, W: np.ndarray) -> np.ndarray:
    """∂L/∂a_(l−1) = δ_l W_l: δ_l sent one layer back through W_l."""
    return delta @ W


def update(p: np.ndarray, grad: np.ndarray, learning_rate: float) -> np.ndarray:
    return p - learning_rate * grad


def l2_penalty(weights: list[np.ndarray], l2: float) -> float:
    """(l2/2)·Σ_l ‖W_l‖²: added to the loss once per iteration, not divided by the batch."""
    return l2 / 2 * sum(float(np.sum(W * W)) for W in weights)


def with_l2(dW: np.ndarray, W: np.ndarray, l2: float) -> np.ndarray:
    """∂L/∂W with the l2 term's gradient λW added."""
    return dW + l2 * W


def functions_of(network):
    """The activation objects per layer and the loss object of a network."""
    return [ACTIVATIONS[layer.activation] for layer in network.layers], LOSSES[network.loss]
