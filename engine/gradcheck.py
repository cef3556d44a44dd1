"""Backprop's gradients against central finite differences.

Each parameter entry p is moved by h = 1e-5·max(1, |p|) both ways, and its gradient a is
compared with b = (L(p + h) − L(p − h)) / 2h. The loss itself is computed in float64, so each
L carries a rounding error, and so does b: about ε·S/h, where ε = 2.2e-16 and S is how far
the loss moves, to first order, when every number of the forward pass is off by one rounding
(see rounding_scale). An entry passes when |a − b| is below TOLERANCE·max(|a|, |b|) or below
ROUNDING·ε·S/h, the most that rounding can make the difference wrong by: a right gradient far
below the loss's scale (an input of 1e-7) passes, a wrong one larger than that fails.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .derivation import Iteration, derive
from .network import Network
from .optimizers import network_state
from .quantities import Kind, Quantity
from .training import batch_rows, evaluate

TOLERANCE = 1e-6
STEP = 1e-5  # h = STEP·max(1, |p|)
EPSILON = float(np.finfo(np.float64).eps)
# The central difference's rounding error, measured on random networks (inputs from 1e-9 to 1,
# up to 300-60-10): at most 0.65·ε·S/h. Sixteen leaves a wide margin.
ROUNDING = 16


# The rule in words, for `check --help` and the app's gradient check (ASCII: any terminal).
RULE = (
    f"Each entry p is moved by h = {STEP:g} * max(1, |p|) both ways; its gradient a is compared with "
    f"b = (L(p + h) - L(p - h)) / 2h. It passes when |a - b| < {TOLERANCE:g} * max(|a|, |b|), or when "
    f"|a - b| is below what rounding alone can do to b, {ROUNDING} * eps * S / h (eps = 2.2e-16; "
    "S = |L| + the sum over layers of |delta| * (|input| |W|^T + |b|) + |dL/dy * y|, how far the loss "
    "moves if every number of the forward pass is off by one rounding). So a right gradient far "
    "below the loss's scale passes, and a wrong one fails unless its error is beneath rounding. "
    f"The error shown is |a - b| / max(|a|, |b|, that bound / {TOLERANCE:g}): below {TOLERANCE:g} passes."
)

# A full check estimated to take longer is not started: a sample of entries is checked instead
# (a 10 M-parameter network's full check takes hours: two loss evaluations per entry).
FULL_CHECK_SECONDS = 180
SEED = 0  # the sample of entries is drawn from it: the same entries every time


@dataclass
class ParamCheck:
    name: str
    worst_error: float  # the largest relative error over the entries checked
    worst_index: tuple[int, ...]
    backprop: float  # the two gradients at that entry
    numeric: float
    checked: int = 0  # how many of the parameter's entries were checked

    @property
    def ok(self) -> bool:
        return self.worst_error < TOLERANCE


def relative_error(a: float, b: float, floor: float = 1e-8) -> float:
    """|a − b| relative to the larger of |a|, |b| and floor (so that two exact zeros agree)."""
    return abs(a - b) / max(abs(a), abs(b), floor, np.finfo(np.float64).tiny)


def rounding_scale(network: Network, iteration: Iteration) -> float:
    """S = |L| + Σ_l Σ |δ_l| ⊙ (|A_(l−1)| |W_l|ᵀ + |b_l|) + Σ |∂L/∂ŷ ⊙ ŷ|: the first-order
    change of the loss if every weighted sum, every activation and the loss were off by a
    relative ε (each weighted sum's error is at most ε times the sum of its terms' sizes)."""
    v, p = iteration.values, iteration.params

    def value(kind: Kind, l: int) -> np.ndarray:
        return np.abs((p if kind in (Kind.W, Kind.B) else v)[Quantity(kind, l).id])

    total = abs(iteration.loss)
    for l in range(1, network.depth + 1):
        inputs = np.abs(v[Quantity.input_of(l).id])
        total += float(np.sum(value(Kind.DELTA, l) * (inputs @ value(Kind.W, l).T + value(Kind.B, l))))
    output = np.abs(v[Quantity(Kind.DL_DA, network.depth).id] * v[Quantity(Kind.A, network.depth).id])
    return total + float(np.sum(output[np.isfinite(output)]))


def loss_seconds(network: Network, params: dict[str, np.ndarray] | None = None) -> float:
    """One loss evaluation on the whole batch, measured after a first one (which also pays
    for warming caches up): a check takes two per entry."""
    params = params or network.params
    evaluate(network, params)
    start = time.perf_counter()
    evaluate(network, params)
    return time.perf_counter() - start


def entry_count(network: Network, entries: int | None = None) -> int:
    """How many entries a check of `entries` per parameter (None: all) looks at."""
    return sum(p.size if entries is None else min(entries, p.size) for p in network.params.values())


def most_entries(network: Network, seconds: float, each: float) -> int:
    """The largest N whose check of N entries of each parameter is estimated (2 loss evaluations
    of `each` seconds an entry) within `seconds`; 0 when not even one entry of each fits."""
    lo, hi = 0, max(p.size for p in network.params.values())
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if 2 * entry_count(network, mid) * each <= seconds else (lo, mid - 1)
    return lo


def duration(seconds: float) -> str:
    for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= 1.5 * size:
            return f"{seconds / size:.0f} {unit}"
    return f"{seconds:.0f} s"


def pick(grad: np.ndarray, entries: int) -> list[tuple[int, ...]]:
    """`entries` indices of a parameter in order, drawn from SEED, always with the entry of
    the largest gradient (where a wrong gradient shows most); every index if it has fewer."""
    if entries >= grad.size:
        return list(np.ndindex(grad.shape))
    largest = int(np.argmax(np.abs(grad)))
    others = np.random.default_rng(SEED).choice(grad.size - 1, entries - 1, replace=False)
    flat = sorted([largest, *(int(i) + (i >= largest) for i in others)])  # others skip the largest
    return [tuple(int(k) for k in np.unravel_index(i, grad.shape)) for i in flat]


def check(
    network: Network,
    params: dict[str, np.ndarray] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    rows: tuple[np.ndarray, np.ndarray] | None = None,
    entries: int | None = None,
) -> list[ParamCheck]:
    """One ParamCheck per parameter, in file order, over every entry or `entries` of each
    (see pick); on_progress(done, total) per entry. rows: the (X, Y) of the loss (default:
    what the network's first iteration walks: the whole batch, or its first mini-batch)."""
    params = {k: np.array(v, dtype=np.float64) for k, v in (params or network.params).items()}
    if rows is None:
        walked = batch_rows(network.samples, network.batch_size, network_state(network).t)
        rows = network.X[walked], network.Y[walked]
    X, Y = rows
    with np.errstate(all="ignore"):
        iteration = derive(network, params, X, Y)
        scale = rounding_scale(network, iteration)
    grads = iteration.grads
    chosen = {
        name: pick(grads[name], entries) if entries is not None else np.ndindex(params[name].shape)
        for name in network.param_names
    }
    total = entry_count(network, entries)
    done = 0
    results = []
    for name in network.param_names:
        p = params[name]
        worst = ParamCheck(name, 0.0, (0,) * p.ndim, 0.0, 0.0)
        for index in chosen[name]:
            original = p[index]
            h = STEP * max(1.0, abs(original))
            p[index] = original + h
            up = evaluate(network, params, X, Y)
            p[index] = original - h
            down = evaluate(network, params, X, Y)
            p[index] = original
            numeric = (up - down) / (2 * h)
            analytic = float(grads[name][index])
            error = relative_error(analytic, numeric, ROUNDING * EPSILON * scale / h / TOLERANCE)
            if not error <= worst.worst_error:  # also catches nan
                worst = ParamCheck(name, error, index, analytic, numeric)
            done += 1
            if on_progress is not None:
                on_progress(done, total)
        worst.checked = p.size if entries is None else min(entries, p.size)
        results.append(worst)
    return results
