"""The presets: each opens, and each does what its description promises."""

import numpy as np
import pytest

from engine.functions import ACTIVATIONS
from engine.presets import names, resolve
from engine.training import accuracy, classifies, train


def test_the_presets_are_listed_the_source_documents_first():
    assert names() == ["xor", "regression", "classification", "two-outputs", "iris", "iris-setosa", "moons"]


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


# (preset, iterations, the share right its description promises after them)
LEARNS = [
    ("iris-setosa", 100, 1.0),
    ("iris", 100, 0.973),
    ("iris", 3000, 1.0),
    ("moons", 300, 0.97),
    ("moons", 1000, 1.0),
]


@pytest.mark.parametrize("name, iterations, right", LEARNS)
def test_the_real_data_presets_learn_as_their_descriptions_say(name, iterations, right):
    net = resolve(name)
    assert f"{right:.1%}".replace(".0%", "%").replace("%", " %") in net.description
    assert f"after {iterations:,}" in net.description
    params = train(net, iterations).params
    assert accuracy(net, params) >= right >= 0.95
    # the share counted here, independently: the class the output picks against the target's
    a = net.X.T
    for l in range(1, net.depth + 1):
        z = params[f"W{l}"] @ a + params[f"b{l}"][:, None]
        a = np.tanh(z) if net.layers[l - 1].activation == "tanh" else np.maximum(z, 0) if l < net.depth else z
    picked = a.argmax(axis=0) if net.Y.shape[1] > 1 else (a[0] >= 0).astype(int)  # sigmoid(z) ≥ 0.5 ⇔ z ≥ 0
    wanted = net.Y.argmax(axis=1) if net.Y.shape[1] > 1 else net.Y[:, 0].astype(int)
    assert (picked == wanted).mean() == accuracy(net, params)


def test_only_classifiers_have_an_accuracy():
    assert [name for name in names() if classifies(resolve(name))] == ["classification", "iris", "iris-setosa", "moons"]
    assert accuracy(resolve("xor"), resolve("xor").params) is None  # half squared error: not a classifier
