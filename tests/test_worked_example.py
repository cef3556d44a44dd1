"""The `two-outputs` preset reproduces the classic worked example's published figures."""

import numpy as np
import pytest

from engine.derivation import derive
from engine.presets import resolve


@pytest.fixture(scope="module")
def iteration():
    net = resolve("two-outputs")
    return derive(net, net.params, net.X, net.Y)


def _close(value, published: str):
    """Equal to the published figure to every digit it gives (it is rounded)."""
    decimals = len(published.split(".")[1])
    return abs(value - float(published)) <= 0.5 * 10.0**-decimals * (1 + 1e-9)


def test_forward_pass(iteration):
    v = iteration.values
    assert _close(v["z1"][0, 0], "0.3775")
    assert _close(v["a1"][0, 0], "0.593269992")
    assert _close(v["a2"][0, 0], "0.75136507")
    assert _close(iteration.loss, "0.298371109")


def test_output_layer(iteration):
    assert _close(iteration.grads["W2"][0, 0], "0.082167041")
    after = iteration.params_after["W2"]
    assert _close(after[0, 0], "0.35891648")  # w5
    assert _close(after[0, 1], "0.408666186")  # w6
    assert _close(after[1, 0], "0.511301270")  # w7
    assert _close(after[1, 1], "0.561370121")  # w8


def test_hidden_layer_uses_the_weights_from_before_the_update(iteration):
    assert _close(iteration.grads["W1"][0, 0], "0.000438568")
    after = iteration.params_after["W1"]
    assert _close(after[0, 0], "0.149780716")  # w1
    assert _close(after[0, 1], "0.19956143")  # w2
    assert _close(after[1, 0], "0.24975114")  # w3
    assert _close(after[1, 1], "0.29950229")  # w4


def test_biases_are_frozen(iteration):
    np.testing.assert_array_equal(iteration.params_after["b1"], [0.35, 0.35])
    np.testing.assert_array_equal(iteration.params_after["b2"], [0.60, 0.60])
    assert not [s for s in iteration.steps if s.writes in ("b1", "b2") and s.phase == "update"]


def test_the_next_error_is_not_the_buggy_summary_figure(iteration):
    net = resolve("two-outputs")
    second = derive(net, iteration.params_after, net.X, net.Y)
    assert second.loss == pytest.approx(0.291027774, rel=1e-8)
    assert second.loss != pytest.approx(0.291027924, rel=1e-8)
