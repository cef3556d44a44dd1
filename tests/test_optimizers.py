"""The optimizers' kernels against a second implementation written here from PyTorch's documented
algorithms (torch.optim.SGD, Adam, AdamW, RMSprop): nothing of the engine's update code is called."""

import numpy as np
import pytest

from engine.optimizers import OPTIMIZERS, kernels, state_roles

RULES = [
    ("sgd", {}),
    ("sgd", {"momentum": 0.9}),
    ("sgd", {"momentum": 0.8, "nesterov": True}),
    ("adam", {}),
    ("adamw", {"weight_decay": 0.0}),
    ("rmsprop", {}),
]
WITH_DECAY = [(name, {**given, **decay}) for name, given in RULES for decay in ({}, {"weight_decay": 0.05})]


def torch_rule(name, s, lr, t, theta, g, st_):
    """One parameter's update exactly as PyTorch's documentation writes it (maximize False,
    dampening 0, amsgrad False, centered False). st_: this parameter's state dict."""
    lam = s.get("weight_decay", 0.01 if name == "adamw" else 0.0)
    if name == "sgd":
        mu = s.get("momentum", 0.0)
        if lam != 0:
            g = g + lam * theta
        if mu != 0:
            b = g if t == 1 else mu * st_["b"] + g
            st_["b"] = b
            g = g + mu * b if s.get("nesterov", False) else b
        return theta - lr * g
    if name in ("adam", "adamw"):
        b1, b2, eps = s.get("beta1", 0.9), s.get("beta2", 0.999), s.get("eps", 1e-8)
        if name == "adamw":
            theta = theta - lr * lam * theta
        elif lam != 0:
            g = g + lam * theta
        m = b1 * st_.get("m", 0.0) + (1 - b1) * g
        v = b2 * st_.get("v", 0.0) + (1 - b2) * g**2
        st_["m"], st_["v"] = m, v
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        return theta - lr * m_hat / (np.sqrt(v_hat) + eps)
    alpha, eps = s.get("alpha", 0.99), s.get("eps", 1e-8)  # rmsprop
    if lam != 0:
        g = g + lam * theta
    v = alpha * st_.get("v", 0.0) + (1 - alpha) * g**2
    st_["v"] = v
    return theta - lr * g / (np.sqrt(v) + eps)


@pytest.mark.parametrize("name, given", WITH_DECAY)
def test_the_kernels_are_pytorchs_documented_rules(name, given):
    """60 updates of one parameter from random gradients: the same numbers to the last bit."""
    settings = OPTIMIZERS[name].settings(**given)
    rng = np.random.default_rng(1)
    p = rng.standard_normal((3, 2))
    expected, state = p.copy(), {}
    moving = {role: np.zeros_like(p) for role in state_roles(settings)}
    for t in range(1, 61):
        g = rng.standard_normal(p.shape) * 10.0 ** rng.integers(-4, 2)
        values = {"old": p, "grad": g, **moving}
        kernels(settings.factors(), settings, 0.01, t, values)
        p, moving = values["old"], {role: values[role] for role in moving}
        expected = torch_rule(name, given, 0.01, t, expected, g, state)
        np.testing.assert_array_equal(p, expected)
