import os
import textwrap
from pathlib import Path

import pytest

# The app picks its edge colours by how many colours the terminal shows (tui/colours.py): the
# tests and snapshots see a truecolor terminal whatever TERM they run under.
os.environ["COLORTERM"] = "truecolor"

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


@pytest.fixture
def large_network(tmp_path) -> Path:
    """784-128-64-10 on 64 samples from a CSV data file, all from a fixed seed."""
    from benchmarks.large import write_large_network

    return write_large_network(tmp_path)
