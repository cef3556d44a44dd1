"""The network of a first real course, for benchmarks and tests: 784-128-64-10, ReLU, ReLU,
softmax + cross-entropy, 64 samples in a CSV data file, all from a fixed seed; one of
20,000 samples × 20 units (a JSON trace of many short rows); and one of 10 M parameters, the
most the limits allow, for measuring by hand."""

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
    return _write(folder, "large.toml", NETWORK, "samples.csv", inputs=784)


TALL = """\
name = "20,000 samples"
description = "Many samples, few units: 20-20-10, sigmoid, sigmoid, mean squared error, 20,000 samples"
inputs = 20
loss = "mse"
learning_rate = 0.1

[[layers]]
units = 20
activation = "sigmoid"

[[layers]]
units = 10
activation = "sigmoid"

[data]
file = "tall.csv"
"""


def write_tall_network(folder: Path) -> Path:
    """Write tall.toml and tall.csv into folder; returns the network file's path."""
    return _write(folder, "tall.toml", TALL, "tall.csv", inputs=20, samples=20_000)


def _write(folder: Path, name: str, network: str, data: str, inputs: int, samples: int = 64) -> Path:
    """The network file and its samples (inputs in [0, 1), one-hot targets of 10 classes),
    all from seed 0."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    X = rng.random((samples, inputs)).round(3)
    Y = np.eye(10)[rng.integers(0, 10, samples)]
    np.savetxt(folder / data, np.hstack([X, Y]), delimiter=",", fmt="%g")
    path = folder / name
    path.write_text(network, encoding="utf-8")
    return path


HUGE = """\
name = "10 M parameters"
description = "The largest network the limits allow, nearly: 1000-4990-1000-10, 9,996,000 parameters, 64 samples"
inputs = 1000
loss = "ce"
learning_rate = 0.01

[[layers]]
units = 4990
activation = "relu"

[[layers]]
units = 1000
activation = "relu"

[[layers]]
units = 10
activation = "softmax"

[data]
file = "huge.csv"
"""


def write_huge_network(folder: Path) -> Path:
    """Write huge.toml and huge.csv into folder (for measuring by hand what the limits allow:
    README, "Promises"); returns the network file's path."""
    return _write(folder, "huge.toml", HUGE, "huge.csv", inputs=1000)
