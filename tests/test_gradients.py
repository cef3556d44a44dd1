"""Backprop's numbers against independent computations: central finite differences and a
second implementation, on random networks of every activation, loss and reduction."""

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from engine.derivation import derive
from engine.functions import ACTIVATIONS
from engine.gradcheck import check
from engine.training import evaluate, train

from .nets import networks, reference

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _away_from_kinks(net):
    """ReLU and leaky ReLU have no derivative at 0: skip draws where a finite difference would
    straddle it."""
    a = net.X
    for l, layer in enumerate(net.layers, start=1):
        z = a @ net.params[f"W{l}"].T + net.params[f"b{l}"]
        if layer.activation in ("relu", "leaky_relu") and np.min(np.abs(z)) < 1e-3:
            return False
        a = np.maximum(z, 0) if layer.activation == "relu" else np.tanh(z)  # sign-preserving stand-in
    return True


@SETTINGS
@given(networks())
def test_gradients_match_central_differences(net):
    assume(_away_from_kinks(net))
    grads = derive(net, net.params, net.X, net.Y).grads
    for name, p in net.params.items():
        for index in np.ndindex(p.shape):
            params = {k: v.copy() for k, v in net.params.items()}
            h = 1e-6 * max(1.0, abs(p[index]))
            params[name][index] = p[index] + h
            up = evaluate(net, params)
            params[name][index] = p[index] - h
            down = evaluate(net, params)
            numeric = (up - down) / (2 * h)
            assert np.isclose(grads[name][index], numeric, rtol=1e-4, atol=1e-7), (name, index)


@SETTINGS
@given(networks())
def test_loss_and_gradients_match_a_second_implementation(net):
    it = derive(net, net.params, net.X, net.Y)
    loss, grads = reference(net, net.params)
    assert np.isclose(it.loss, loss, rtol=1e-10, atol=1e-12)
    for name in net.params:
        np.testing.assert_allclose(it.grads[name], grads[name], rtol=1e-9, atol=1e-12, err_msg=name)


@SETTINGS
@given(networks())
def test_update_is_gradient_descent_on_the_unfrozen_parameters(net):
    it = derive(net, net.params, net.X, net.Y)
    for name, p in net.params.items():
        expected = p if name in net.frozen else p - net.learning_rate * it.grads[name]
        np.testing.assert_array_equal(it.params_after[name], expected)
    assert [s.writes for s in it.steps if s.phase == "update"] == [
        n for l in range(net.depth, 0, -1) for n in (f"W{l}", f"b{l}") if n not in net.frozen
    ]


@settings(max_examples=60, deadline=None)
@given(networks())
def test_fast_path_gives_the_derivations_numbers_to_the_last_bit(net):
    params = net.params
    for _ in range(3):
        params = derive(net, params, net.X, net.Y).params_after
    fast = train(net, 3)
    for name in params:
        np.testing.assert_array_equal(fast.params[name], params[name])


@settings(max_examples=60, deadline=None)
@given(networks(max_depth=2, max_width=3), st.lists(st.integers(-9, 0), min_size=4, max_size=4))
def test_gradient_check_passes_on_correct_gradients(net, exponents):
    """Whatever the scale of the inputs, down to 1e-9: the rounding of the central difference
    never fails a right gradient."""
    scales = 10.0 ** np.array(exponents[: net.inputs], dtype=float)
    net = dataclasses.replace(net, X=net.X * scales)
    assume(_away_from_kinks(net))
    for r in check(net):
        assert r.ok, r


# A 2-1 identity network whose first input is 1e-7: ∂L/∂W₁[0,0] = −1.15e-7 is exact, but its
# central difference carries the rounding of a loss near 0.66, about 1e-11.
TINY_INPUT = """
inputs = 2
loss = "half_mse"
learning_rate = 0.1
[[layers]]
units = 1
activation = "identity"
[params]
W1 = [[0.5, -0.25]]
b1 = [0.1]
[data]
X = [[1e-7, 1.0]]
Y = [[1.0]]
"""


def test_gradient_check_passes_a_right_gradient_far_below_the_loss():
    from engine.network import loads

    net = loads(TINY_INPUT)
    W1, b1 = check(net)
    assert W1.backprop == pytest.approx(-1.15e-7, rel=1e-9) and W1.worst_index == (0, 0)
    assert W1.ok and b1.ok


def test_gradient_check_fails_a_wrong_gradient_however_small(monkeypatch):
    from engine import backprop
    from engine.network import loads

    original = backprop.weight_grad
    monkeypatch.setattr(backprop, "weight_grad", lambda d, a: original(d, a) * np.array([[1.5, 1.0]]))
    W1, b1 = check(loads(TINY_INPUT))  # only the −1.15e-7 entry is wrong: −1.725e-7
    assert not W1.ok and W1.worst_index == (0, 0) and b1.ok


def test_gradient_check_catches_a_wrong_gradient(monkeypatch):
    from engine import backprop
    from engine.presets import resolve

    net = resolve("xor")
    original = backprop.weight_grad
    monkeypatch.setattr(backprop, "weight_grad", lambda d, a: 1.01 * original(d, a))
    assert not all(r.ok for r in check(net))


@pytest.mark.parametrize("preset", ["xor", "regression", "classification", "two-outputs"])
def test_gradient_check_fails_the_gradients_of_the_common_mistake(monkeypatch, preset):
    import functools

    from engine import gradcheck
    from engine.presets import resolve

    net = resolve(preset)
    assert all(r.ok for r in check(net))
    monkeypatch.setattr(gradcheck, "derive", functools.partial(derive, mistake=True))
    failed = [r.name for r in check(net) if not r.ok]
    assert failed == [n for n in net.param_names if int(n[1:]) < net.depth]  # every layer below the output


def test_sigmoid_is_stable_for_large_inputs():
    from engine.functions import ACTIVATIONS

    with np.errstate(over="ignore", invalid="raise", divide="raise"):  # exp(1000) → inf → the limit 0
        a = ACTIVATIONS["sigmoid"].f(np.array([-1000.0, -40.0, -10.0, 0.0, 40.0, 1000.0]))
    np.testing.assert_allclose(a, [0.0, 4.248354255291589e-18, 4.5397868702434395e-05, 0.5, 1.0, 1.0], rtol=1e-15)


def test_bce_loss_stays_finite_when_the_sigmoid_saturates():
    from engine.functions import LOSSES

    z = np.array([[800.0], [-800.0]])
    a = np.array([[1.0], [0.0]])
    y = np.array([[0.0], [1.0]])
    np.testing.assert_allclose(LOSSES["bce"].terms(z, a, y), [[800.0], [800.0]])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_every_activation_derivative_matches_central_differences(name):
    """∂a/∂z of each activation (softmax: each sample's Jacobian) against (f(z + h) − f(z − h))/2h,
    at points away from any kink."""
    act = ACTIVATIONS[name]
    z = np.array([[-2.5, -0.7, -0.1, 0.3, 1.1, 2.9], [0.2, -1.3, 0.6, -0.05, 2.2, -3.1]])
    h = 1e-6
    df = act.df(z, act.f(z))
    for j in range(z.shape[1]):
        step = np.zeros_like(z)
        step[:, j] = h
        numeric = (act.f(z + step) - act.f(z - step)) / (2 * h)  # ∂a/∂z_j, each sample's
        # element-wise: ∂a_j/∂z_j on column j, and no other a moves
        expected = df[:, :, j] if df.ndim == 3 else np.where(np.arange(z.shape[1]) == j, df[:, [j]], 0.0)
        np.testing.assert_allclose(expected, numeric, rtol=1e-6, atol=1e-9)


def test_relu_derivative_at_zero_is_zero():
    from engine.functions import ACTIVATIONS

    z = np.array([[-1.0, 0.0, 2.0]])
    np.testing.assert_array_equal(ACTIVATIONS["relu"].df(z, None), [[0.0, 0.0, 1.0]])


# Each row of Y sums to 1 only within the file check's tolerance (1e-6), not exactly.
CE_NEARLY_ONE = """
name = "ce, targets summing to nearly 1"
inputs = 2
loss = "ce"
reduction = "{reduction}"
learning_rate = 0.5
seed = 4
[[layers]]
units = 3
activation = "tanh"
[[layers]]
units = 3
activation = "softmax"
[data]
X = [[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0]]
Y = [[0.2, 0.3, 0.5000009], [0.0, 0.9999992, 0.0], [0.6, 0.0, 0.4000005]]
"""


def ce_nearly_one(reduction="mean"):
    from engine.network import loads

    return loads(CE_NEARLY_ONE.format(reduction=reduction))


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("sample", [None, 1])
def test_ce_gradients_are_those_of_the_printed_loss_when_targets_sum_to_nearly_one(reduction, sample):
    net = ce_nearly_one(reduction)
    if sample is not None:
        net = net.with_params(net.params)
        net = dataclasses.replace(net, X=net.X[sample : sample + 1], Y=net.Y[sample : sample + 1])
    assert not np.any(net.Y.sum(axis=1) == 1.0)
    it = derive(net, net.params, net.X, net.Y)
    loss, grads = reference(net, net.params)  # −y/ŷ times the full Jacobian: the exact gradient
    assert it.loss == pytest.approx(loss, rel=1e-14)
    for name in net.params:
        np.testing.assert_allclose(it.grads[name], grads[name], rtol=1e-12, atol=1e-16, err_msg=name)
    assert all(r.ok for r in check(net))
    fast = train(net, 3)
    params = net.params
    for _ in range(3):
        params = derive(net, params, net.X, net.Y).params_after
    for name in params:
        np.testing.assert_array_equal(fast.params[name], params[name])
