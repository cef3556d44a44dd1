"""Backprop's numbers against independent computations: central finite differences and a
second implementation, on random networks of every activation, loss and reduction."""

import numpy as np
from hypothesis import HealthCheck, assume, given, settings

from engine.derivation import derive
from engine.gradcheck import check
from engine.training import evaluate, train

from .nets import networks, reference

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _away_from_kinks(net):
    """ReLU has no derivative at 0: skip draws where a finite difference would straddle it."""
    a = net.X
    for l, layer in enumerate(net.layers, start=1):
        z = a @ net.params[f"W{l}"].T + net.params[f"b{l}"]
        if layer.activation == "relu" and np.min(np.abs(z)) < 1e-3:
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
        n for l in range(net.depth, 0, -1) for n in (f"W{l}", f"b{l}") if n not in net.frozen]


@settings(max_examples=60, deadline=None)
@given(networks())
def test_fast_path_gives_the_derivations_numbers_to_the_last_bit(net):
    params = net.params
    for _ in range(3):
        params = derive(net, params, net.X, net.Y).params_after
    fast = train(net, 3)
    for name in params:
        np.testing.assert_array_equal(fast.params[name], params[name])


@settings(max_examples=40, deadline=None)
@given(networks(max_depth=2, max_width=3))
def test_gradient_check_passes_on_correct_gradients(net):
    assume(_away_from_kinks(net))
    results = check(net)
    # the contract's 1e-6 holds unless the entry's gradient is so small that the finite
    # difference's round-off (about 1e-11 · L) dominates it
    for r in results:
        assert r.worst_error < 1e-6 or abs(r.backprop) < 1e-4, r


def test_gradient_check_catches_a_wrong_gradient(monkeypatch):
    from engine import backprop
    from engine.presets import resolve

    net = resolve("xor")
    original = backprop.weight_grad
    monkeypatch.setattr(backprop, "weight_grad", lambda d, a: 1.01 * original(d, a))
    assert not all(r.ok for r in check(net))


def test_sigmoid_is_stable_for_large_inputs():
    from engine.functions import ACTIVATIONS

    with np.errstate(over="ignore", invalid="raise", divide="raise"):  # exp(1000) → inf → the limit 0
        a = ACTIVATIONS["sigmoid"].f(np.array([-1000.0, -40.0, -10.0, 0.0, 40.0, 1000.0]))
    np.testing.assert_allclose(a, [0.0, 4.248354255291589e-18, 4.5397868702434395e-05, 0.5, 1.0, 1.0],
                               rtol=1e-15)


def test_bce_loss_stays_finite_when_the_sigmoid_saturates():
    from engine.functions import LOSSES

    z = np.array([[800.0], [-800.0]])
    a = np.array([[1.0], [0.0]])
    y = np.array([[0.0], [1.0]])
    np.testing.assert_allclose(LOSSES["bce"].terms(z, a, y), [[800.0], [800.0]])


def test_relu_derivative_at_zero_is_zero():
    from engine.functions import ACTIVATIONS

    z = np.array([[-1.0, 0.0, 2.0]])
    np.testing.assert_array_equal(ACTIVATIONS["relu"].df(z, None), [[0.0, 0.0, 1.0]])
