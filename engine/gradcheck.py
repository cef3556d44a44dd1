"""Backprop's gradients against central finite differences (NETWORK_FORMAT.md, "The gradient check")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .derivation import derive
from .network import Network
from .training import evaluate

TOLERANCE = 1e-6


@dataclass
class ParamCheck:
    name: str
    worst_error: float  # the largest relative error over the parameter's entries
    worst_index: tuple[int, ...]
    backprop: float  # the two gradients at that entry
    numeric: float

    @property
    def ok(self) -> bool:
        return self.worst_error < TOLERANCE


def relative_error(a: float, b: float) -> float:
    return abs(a - b) / max(abs(a), abs(b), 1e-8)


def check(network: Network, params: dict[str, np.ndarray] | None = None,
          on_progress: Callable[[int, int], None] | None = None) -> list[ParamCheck]:
    """One ParamCheck per parameter, in file order; on_progress(done, total) per entry."""
    params = {k: np.array(v, dtype=np.float64) for k, v in (params or network.params).items()}
    grads = derive(network, params, network.X, network.Y).grads
    total = sum(v.size for v in params.values())
    done = 0
    results = []
    for name in network.param_names:
        p = params[name]
        worst = ParamCheck(name, 0.0, (0,) * p.ndim, 0.0, 0.0)
        for index in np.ndindex(p.shape):
            original = p[index]
            h = 1e-5 * max(1.0, abs(original))
            p[index] = original + h
            up = evaluate(network, params)
            p[index] = original - h
            down = evaluate(network, params)
            p[index] = original
            numeric = (up - down) / (2 * h)
            analytic = float(grads[name][index])
            error = relative_error(analytic, numeric)
            if not error <= worst.worst_error:  # also catches nan
                worst = ParamCheck(name, error, index, analytic, numeric)
            done += 1
            if on_progress is not None:
                on_progress(done, total)
        results.append(worst)
    return results
