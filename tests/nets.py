"""Random networks for property tests, and an independent second implementation of backprop."""

import numpy as np
from hypothesis import strategies as st

from engine.network import Layer, Network, initial_params

HIDDEN = ("identity", "relu", "leaky_relu", "sigmoid", "tanh")
PAIRS = [(act, loss) for act in HIDDEN for loss in ("mse", "half_mse")] + [
    ("sigmoid", "bce"),
    ("softmax", "ce"),
    ("softmax", "mse"),
    ("softmax", "half_mse"),
    ("sigmoid", "half_mse"),
]


@st.composite
def networks(draw, max_depth=3, max_width=4, max_samples=5):
    depth = draw(st.integers(1, max_depth))
    hidden = [draw(st.sampled_from(HIDDEN)) for _ in range(depth - 1)]
    last, loss = draw(st.sampled_from(PAIRS))
    inputs = draw(st.integers(1, max_width))
    units = [draw(st.integers(1, max_width)) for _ in range(depth - 1)]
    outputs = draw(st.integers(2 if last == "softmax" else 1, max_width))
    m = draw(st.integers(1, max_samples))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    activations = hidden + [last]
    sizes = [inputs] + units + [outputs]
    params = initial_params(sizes, activations, seed)
    params = {k: v + (0.3 * rng.standard_normal(v.shape) if k.startswith("b") else 0.0) for k, v in params.items()}
    X = rng.standard_normal((m, inputs))
    if loss == "bce":
        Y = rng.uniform(0, 1, (m, outputs)).round(1)
    elif loss == "ce":
        Y = rng.dirichlet(np.ones(outputs), m)
    else:
        Y = rng.standard_normal((m, outputs))
    frozen = tuple(sorted(k for k in params if draw(st.booleans()) and draw(st.booleans())))
    return Network(
        name="random",
        inputs=inputs,
        layers=tuple(Layer(u, a) for u, a in zip(sizes[1:], activations)),
        loss=loss,
        learning_rate=draw(st.sampled_from([0.01, 0.1, 0.5, 1.0])),
        params=params,
        X=X,
        Y=Y,
        reduction=draw(st.sampled_from(["mean", "sum"])),
        seed=seed,
        frozen=frozen,
    )


# -- a second implementation: one sample at a time, column vectors, written out by hand ----------


def _f(name, z):
    if name == "identity":
        return z
    if name == "relu":
        return np.where(z > 0, z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, z / 100)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if name == "tanh":
        return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))
    e = np.exp(z - z.max())
    return e / e.sum()


def _jacobian(name, z):
    """∂a/∂z as a full matrix for one sample (column z)."""
    a = _f(name, z)
    if name == "identity":
        return np.eye(len(z))
    if name == "relu":
        return np.diag((z > 0).astype(float))
    if name == "leaky_relu":
        return np.diag(np.where(z > 0, 1.0, 1 / 100))
    if name == "sigmoid":
        return np.diag(a * (1 - a))
    if name == "tanh":
        return np.diag(1 - a**2)
    return np.diag(a) - np.outer(a, a)


def _loss_and_grad(loss, a, y):
    if loss == "mse":
        return np.sum((a - y) ** 2), 2 * (a - y)
    if loss == "half_mse":
        return 0.5 * np.sum((a - y) ** 2), a - y
    if loss == "bce":
        return -np.sum(y * np.log(a) + (1 - y) * np.log(1 - a)), -y / a + (1 - y) / (1 - a)
    return -np.sum(y * np.log(a)), -y / a


def reference(network, params):
    """(loss, grads) by looping over samples with column vectors and full Jacobians."""
    acts = [layer.activation for layer in network.layers]
    L = len(acts)
    m = network.X.shape[0]
    scale = 1 / m if network.reduction == "mean" else 1.0
    total = 0.0
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    for i in range(m):
        a = [network.X[i]]
        zs = [None]
        for l in range(1, L + 1):
            zs.append(params[f"W{l}"] @ a[-1] + params[f"b{l}"])
            a.append(_f(acts[l - 1], zs[-1]))
        loss, g = _loss_and_grad(network.loss, a[L], network.Y[i])
        total += scale * loss
        g = scale * g  # ∂L/∂a_L
        for l in range(L, 0, -1):
            delta = _jacobian(acts[l - 1], zs[l]).T @ g
            grads[f"W{l}"] += np.outer(delta, a[l - 1])
            grads[f"b{l}"] += delta
            g = params[f"W{l}"].T @ delta
    return total, grads
