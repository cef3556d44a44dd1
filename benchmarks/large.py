"""The network of a first real course, for benchmarks and tests: 784-128-64-10, ReLU, ReLU,
softmax + cross-entropy, 64 samples in a CSV data file, all from a fixed seed."""

from __future__ import annotations

from pathlib import Path

import numpy as np

NETWORK = """\
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


def write_large_network(folder: Path) -> Path:
    """Write large.toml and samples.csv into folder; returns the network file's path."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    X = rng.random((64, 784)).round(3)
    Y = np.eye(10)[rng.integers(0, 10, 64)]
    np.savetxt(folder / "samples.csv", np.hstack([X, Y]), delimiter=",", fmt="%g")
    path = folder / "large.toml"
    path.write_text(NETWORK, encoding="utf-8")
    return path
