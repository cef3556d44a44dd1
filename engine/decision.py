"""What a network has learned, for the app's decision map: one output over the plane of its
two inputs, at the centre of every pixel, and where each sample falls. A network with other
than two inputs gets its predictions beside the targets instead (`training.predict`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .network import Network
from .training import predict

MARGIN = 0.1  # of the samples' span, left free on every side so no sample sits on the edge


@dataclass(frozen=True)
class Plane:
    """The part of the input plane drawn: x₁ from `left` to `right` across `columns` pixels, x₂
    from `top` down to `bottom` across `rows` pixels (row 0 is the top, as on screen)."""

    left: float
    right: float
    bottom: float
    top: float
    columns: int
    rows: int

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """x₁ of each column's centre, x₂ of each row's centre (top row first)."""
        x1 = self.left + (np.arange(self.columns) + 0.5) * (self.right - self.left) / self.columns
        x2 = self.top - (np.arange(self.rows) + 0.5) * (self.top - self.bottom) / self.rows
        return x1, x2

    def pixels(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The (column, row) of the pixel each row of X (x₁, x₂) falls in."""
        column = np.floor((X[:, 0] - self.left) / (self.right - self.left) * self.columns)
        row = np.floor((self.top - X[:, 1]) / (self.top - self.bottom) * self.rows)
        return (
            np.clip(column, 0, self.columns - 1).astype(int),
            np.clip(row, 0, self.rows - 1).astype(int),
        )


def plane(X: np.ndarray, columns: int, rows: int) -> Plane:
    """The samples' span in each input, with MARGIN around it (one value: 1 around it)."""
    bounds = []
    for values in (X[:, 0], X[:, 1]):
        lo, hi = float(values.min()), float(values.max())
        if hi == lo:
            lo, hi = lo - 0.5, hi + 0.5
        span = hi - lo
        bounds += [lo - MARGIN * span, hi + MARGIN * span]
    return Plane(bounds[0], bounds[1], bounds[2], bounds[3], columns, rows)


CHUNK_VALUES = 2**20  # the most activations a forward pass of the map holds at once (8 MiB)
MAP_VALUES = 2**22  # the most activations one map computes (about 0.1 s); a wider network's map is coarser


def coarseness(network: Network, where: Plane) -> int:
    """k: the map is computed at every k-th pixel across and down, each value drawn over k × k
    pixels (1 but for very wide networks, whose every pixel would take seconds)."""
    count = where.columns * where.rows * sum(network.sizes[1:])
    return max(1, math.ceil(math.sqrt(count / MAP_VALUES)))


def output_map(network: Network, params: dict[str, np.ndarray], where: Plane, output: int = 0) -> np.ndarray:
    """Output unit `output`'s activation (ŷ) at every pixel's centre: rows × columns, top row
    first (see coarseness); the pixels a few at a time, so that a wide layer never holds them
    all at once."""
    k = coarseness(network, where)
    columns, rows = -(-where.columns // k), -(-where.rows // k)  # k × k pixels each, the last ones cut
    across, down = (where.right - where.left) / where.columns, (where.top - where.bottom) / where.rows
    coarse = Plane(where.left, where.left + columns * k * across, where.top - rows * k * down, where.top, columns, rows)
    x1, x2 = coarse.centres()
    grid = np.column_stack([np.tile(x1, coarse.rows), np.repeat(x2, coarse.columns)])
    step = max(1, CHUNK_VALUES // max(network.sizes))
    parts = [predict(network, params, grid[i : i + step])[1][:, output] for i in range(0, len(grid), step)]
    values = np.concatenate(parts).reshape(coarse.rows, coarse.columns)
    return np.repeat(np.repeat(values, k, axis=0), k, axis=1)[: where.rows, : where.columns]


def value_range(network: Network, values: np.ndarray, output: int = 0) -> tuple[float, float]:
    """The values the map's colours span: what the output activation can give where that is
    bounded (σ and softmax 0 to 1, tanh −1 to 1), else the map's and the targets' range."""
    bounded = {"sigmoid": (0.0, 1.0), "softmax": (0.0, 1.0), "tanh": (-1.0, 1.0)}
    activation = network.layers[-1].activation
    if activation in bounded:
        return bounded[activation]
    seen = np.concatenate([values[np.isfinite(values)].ravel(), network.Y[:, output]])
    lo, hi = (float(seen.min()), float(seen.max())) if seen.size else (0.0, 1.0)
    return (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)
