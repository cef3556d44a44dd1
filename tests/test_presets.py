"""The presets: each opens, and each does what its description promises."""

import numpy as np
import pytest

from engine.functions import ACTIVATIONS
from engine.presets import names, resolve
from engine.training import train


def test_the_four_presets_are_listed():
    assert names() == ["xor", "regression", "classification", "two-outputs"]


@pytest.mark.parametrize("name", names())
def test_every_preset_has_a_name_and_a_one_line_description(name):
    net = resolve(name)
    assert net.name and net.description and "\n" not in net.description


def test_xor_actually_learns_xor():
    net = resolve("xor")
    assert net.sizes == [2, 2, 1] and [l.activation for l in net.layers] == ["sigmoid", "sigmoid"]
    assert net.loss == "half_mse" and "params" not in (net.source and open(net.source).read())
    result = train(net, 5000)
    sigmoid = ACTIVATIONS["sigmoid"].f
    hidden = sigmoid(net.X @ result.params["W1"].T + result.params["b1"])
    out = sigmoid(hidden @ result.params["W2"].T + result.params["b2"])
    assert np.array_equal(out > 0.5, net.Y > 0.5)
    assert np.max(np.abs(out - net.Y)) < 0.1


@pytest.mark.parametrize("name,last,loss", [("regression", "identity", "mse"), ("classification", "sigmoid", "bce")])
def test_homework_networks(name, last, loss):
    net = resolve(name)
    assert net.sizes == [4, 3, 2, 1] and net.samples == 4
    assert [l.activation for l in net.layers] == ["relu", "relu", last] and net.loss == loss
    assert train(net, 200).losses[-1] < 0.1 * train(net, 1).losses[0]


def test_two_outputs_is_the_worked_example():
    net = resolve("two-outputs")
    assert net.frozen == ("b1", "b2") and net.learning_rate == 0.5
    np.testing.assert_array_equal(net.X, [[0.05, 0.10]])
    np.testing.assert_array_equal(net.params["W2"], [[0.40, 0.45], [0.50, 0.55]])


def test_a_path_that_is_not_a_preset(tmp_path):
    from engine.network import NetworkError

    with pytest.raises(NetworkError, match="no preset of that name"):
        resolve("xr")
    with pytest.raises(NetworkError, match="no such file"):
        resolve(str(tmp_path / "xor.toml"))
