import textwrap
from pathlib import Path

import pytest

XOR_FILE = """\
name = "tiny"
inputs = 2
loss = "half_mse"
learning_rate = 0.5
seed = 1

[[layers]]
units = 2
activation = "sigmoid"

[[layers]]
units = 1
activation = "sigmoid"

[data]
X = [[0, 0], [0, 1], [1, 0], [1, 1]]
Y = [[0], [1], [1], [0]]
"""


@pytest.fixture
def write_net(tmp_path):
    """Write a network file (dedented) and return its path."""

    def write(text: str = XOR_FILE, name: str = "net.toml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


LARGE_FILE = """\
name = "MNIST-sized 784-128-64-10"
description = "A first course's network: 784-128-64-10, ReLU, ReLU, softmax + cross-entropy, 64 samples"
inputs = 784
loss = "ce"
learning_rate = 0.1
seed = 0

[[layers]]
units = 128
activation = "relu"

[[layers]]
units = 64
activation = "relu"

[[layers]]
units = 10
activation = "softmax"

[data]
file = "samples.csv"
"""


@pytest.fixture
def large_network(tmp_path) -> Path:
    """784-128-64-10 on 64 samples from a CSV data file, all from a fixed seed."""
    import numpy as np

    rng = np.random.default_rng(0)
    X = rng.random((64, 784)).round(3)
    Y = np.eye(10)[rng.integers(0, 10, 64)]
    np.savetxt(tmp_path / "samples.csv", np.hstack([X, Y]), delimiter=",", fmt="%g")
    path = tmp_path / "large.toml"
    path.write_text(LARGE_FILE, encoding="utf-8")
    return path
