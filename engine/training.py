"""The fast path: whole iterations in a tight loop that records no Steps.

It calls the same kernels (engine.backprop) in the same order as the derivation, so it gives
the Stepper's numbers to the last bit; a test holds it to that.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from . import backprop as bp
from . import optimizers as opt
from .network import Network
from .quantities import Quantity, of_parameter

# on_iteration(done, loss, params, state) is called after each iteration with the number done so
# far, the loss of that iteration's forward pass, the parameters and the optimizer's state after
# its update (fresh arrays, safe to keep). Returning False stops the loop there.
Callback = Callable[[int, float, dict[str, np.ndarray], opt.State], bool | None]


def batches(samples: int, batch_size: int) -> int:
    """How many mini-batches an epoch has: ⌈m/k⌉, 1 for the whole batch (k = 0 or k ≥ m)."""
    return 1 if batch_size <= 0 else -(-samples // batch_size)


def batch_rows(samples: int, batch_size: int, t: int, sample: int | None = None) -> slice:
    """The rows the iteration after t updates walks (t: the optimizer's count, which a saved
    network carries, so it goes on where it was): mini-batch t mod ⌈m/k⌉, k rows in file order,
    the last one the rows that remain; with `sample`, that row of it alone (the last row of a
    shorter last mini-batch when it has fewer)."""
    start = t % batches(samples, batch_size) * batch_size if batch_size > 0 else 0
    stop = min(start + batch_size, samples) if batch_size > 0 else samples
    if sample is None:
        return slice(start, stop)
    row = start + min(sample, stop - start - 1)
    return slice(row, row + 1)


def ends_epoch(samples: int, batch_size: int, t: int) -> bool:
    """Whether the iteration after t updates walks the last mini-batch of an epoch."""
    count = batches(samples, batch_size)
    return t % count == count - 1


@dataclass
class TrainResult:
    params: dict[str, np.ndarray]  # after the last iteration done
    losses: list[float]  # one per iteration done, from its forward pass
    iterations: int  # done (fewer than asked when stopped)
    state: opt.State  # the optimizer's, after the last iteration done
    # Set when a forward pass gave a non-finite loss: the loop stopped before that iteration's
    # update. `params` are the parameters it started from, `previous` the ones before.
    diverged: bool = False
    previous: dict[str, np.ndarray] | None = None
    previous_state: opt.State | None = None  # the optimizer's, with `previous`


def train(
    network: Network,
    iterations: int,
    params: dict[str, np.ndarray] | None = None,
    X: np.ndarray | None = None,
    Y: np.ndarray | None = None,
    on_iteration: Callback | None = None,
    state: opt.State | None = None,
    sample: int | None = None,
) -> TrainResult:
    """`iterations` iterations from `params` and the optimizer's `state` (defaults: the network's),
    each on the rows of X, Y that batch_rows picks from the state's t (with `sample`, one of them)."""
    params = dict(network.params if params is None else params)
    X = network.X if X is None else X
    Y = network.Y if Y is None else Y
    state = opt.network_state(network) if state is None else state
    acts, loss = bp.functions_of(network)
    last = acts[-1]
    L = network.depth
    lr, l2, settings = network.learning_rate, network.l2, network.optimizer
    factors, plain = settings.factors(), settings.plain
    roles = opt.state_roles(settings)
    Ws = [None] + [params[f"W{l}"] for l in range(1, L + 1)]
    bs = [None] + [params[f"b{l}"] for l in range(1, L + 1)]
    train_W = [None] + [f"W{l}" not in network.frozen for l in range(1, L + 1)]
    train_b = [None] + [f"b{l}" not in network.frozen for l in range(1, L + 1)]
    t = state.t
    # Each trainable parameter's values by role, its moving arrays kept there between updates.
    ids = {name: {role: of_parameter(role, Quantity.parse(name)).id for role in roles} for name in params}
    slots = {
        name: {role: state.arrays[id] for role, id in ids[name].items()}
        for name in params
        if name not in network.frozen
    }

    kernels = [(factor.writes, factor.kernel) for factor in factors]  # opt.kernels, unrolled here

    def step(name: str, p: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """One parameter's update through the optimizer's kernels."""
        if plain:  # the one kernel of plain gradient descent (optimizers.SGD_STEP), without the dicts
            return bp.update(p, grad, lr)
        values = slots[name]
        values["old"], values["grad"] = p, grad
        for writes, kernel in kernels:
            values[writes] = kernel(settings, lr, t, values)
        return values["old"]

    def state_of(t: int, kept: list[dict]) -> opt.State:
        """The state from t and each parameter's slots (as kept: a kernel makes new arrays)."""
        return opt.State(t, {ids[name][role]: values[role] for name, values in zip(slots, kept) for role in roles})

    def state_now() -> opt.State:
        return state_of(t, list(slots.values()))

    zs = [None] * (L + 1)
    As = [None] * (L + 1)
    losses = []
    done = 0
    diverged = False
    previous = None
    whole = sample is None and batches(X.shape[0], network.batch_size) == 1
    scale = bp.reduction_scale(network.reduction, X.shape[0])
    Xb, Yb = X, Y
    with np.errstate(all="ignore"):
        for step_number in range(1, iterations + 1):
            if not whole:
                rows = batch_rows(X.shape[0], network.batch_size, t, sample)
                Xb, Yb = X[rows], Y[rows]
                scale = bp.reduction_scale(network.reduction, Xb.shape[0])
            As[0] = Xb
            for l in range(1, L + 1):
                zs[l] = bp.pre_activation(As[l - 1], Ws[l], bs[l])
                As[l] = acts[l - 1].f(zs[l])
            value = bp.loss_value(loss, zs[L], As[L], Yb, scale)
            if l2:
                value += bp.l2_penalty(Ws[1:], l2)
            if not math.isfinite(value):
                diverged = True
                break
            losses.append(value)
            done = step_number
            # references: updates make new arrays; the state made only if it diverges next
            previous = (Ws.copy(), bs.copy(), t, [values.copy() for values in slots.values()] if roles else [])
            t += 1
            delta = bp.output_delta(last, loss, zs[L], As[L], Yb, scale)
            for l in range(L, 0, -1):
                dW = bp.weight_grad(delta, As[l - 1])
                if l2:
                    dW = bp.with_l2(dW, Ws[l], l2)
                db = bp.bias_grad(delta)
                if l > 1:  # sent back with W_l as it was in the forward pass
                    delta = bp.chain(bp.sent_back(delta, Ws[l]), acts[l - 2].df(zs[l - 1], As[l - 1]))
                if train_W[l]:
                    Ws[l] = step(f"W{l}", Ws[l], dW)
                if train_b[l]:
                    bs[l] = step(f"b{l}", bs[l], db)
            if on_iteration is not None and on_iteration(done, value, _as_dict(Ws, bs), state_now()) is False:
                break
    return TrainResult(
        _as_dict(Ws, bs),
        losses,
        done,
        state_now(),
        diverged,
        _as_dict(*previous[:2]) if diverged and previous is not None else None,
        state_of(previous[2], previous[3]) if diverged and previous is not None else None,
    )


@dataclass
class Run:
    """Where a run on the fast path starts (Stepper.start_run): copies for a training thread to own."""

    params: dict[str, np.ndarray]
    state: opt.State
    X: np.ndarray  # every row: each iteration picks its own (batch_rows)
    Y: np.ndarray
    sample: int | None


class Trained(NamedTuple):
    """One iteration run on the fast path: its loss, the parameters and state after its update."""

    loss: float
    params: dict[str, np.ndarray]
    state: opt.State


def train_in_chunks(
    network: Network,
    iterations: int,
    run: Run,
    hand_over: Callable[[list[Trained]], None],
    stop: Callable[[], bool],
    seconds: float = 0.05,
) -> int:
    """train() for a thread that owns `run`: every `seconds`, and at the end, it hands over the
    iterations done since the last time for their owner to apply; stop() true ends the run after
    the iteration under way. Returns how many iterations were done."""
    chunk: list[Trained] = []
    last = time.monotonic()

    def record(done: int, loss: float, after: dict[str, np.ndarray], state: opt.State) -> bool:
        nonlocal last
        chunk.append(Trained(loss, after, state))
        if time.monotonic() - last > seconds:
            hand_over(chunk.copy())
            chunk.clear()
            last = time.monotonic()
        return not stop()

    done = train(network, iterations, run.params, run.X, run.Y, record, run.state, run.sample).iterations
    if chunk:
        hand_over(chunk)
    return done


def _as_dict(Ws: list, bs: list) -> dict[str, np.ndarray]:
    """Per-layer lists (index 0 unused) as the parameter dict W1, b1, W2, …"""
    return {name: value for l in range(1, len(Ws)) for name, value in ((f"W{l}", Ws[l]), (f"b{l}", bs[l]))}


def predict(network: Network, params: dict[str, np.ndarray], X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The output layer's (z, a) of a forward pass with these parameters."""
    acts, _ = bp.functions_of(network)
    a, z = X, None
    with np.errstate(all="ignore"):
        for l in range(1, network.depth + 1):
            z = bp.pre_activation(a, params[f"W{l}"], params[f"b{l}"])
            a = acts[l - 1].f(z)
    return z, a


def classifies(network: Network) -> bool:
    """Whether the network is a classifier: binary cross-entropy on a sigmoid output, or
    cross-entropy on a softmax one (then every target row is one class, a one-hot row)."""
    last = network.layers[-1].activation
    if (network.loss, last) == ("bce", "sigmoid"):
        return bool(np.isin(network.Y, (0.0, 1.0)).all())
    if (network.loss, last) == ("ce", "softmax"):
        return bool(np.isin(network.Y, (0.0, 1.0)).all() and (network.Y.sum(axis=1) == 1).all())
    return False


def verdicts(network: Network, params: dict[str, np.ndarray], X=None, Y=None) -> np.ndarray | None:
    """Whether a classifier gets each sample right (None for a network that is not one): with a
    sigmoid output, every unit's ŷ ≥ 0.5 exactly where y is 1; with softmax, the largest ŷ is
    the target's class."""
    if not classifies(network):
        return None
    X = network.X if X is None else X
    Y = network.Y if Y is None else Y
    _, a = predict(network, params, X)
    if network.layers[-1].activation == "softmax":
        return a.argmax(axis=1) == Y.argmax(axis=1)
    return ((a >= 0.5) == (Y == 1)).all(axis=1)


def accuracy(network: Network, params: dict[str, np.ndarray], X=None, Y=None) -> float | None:
    """The share of samples a classifier gets right (see verdicts; None for a network that is not one)."""
    right = verdicts(network, params, X, Y)
    return None if right is None else float(right.mean())


def evaluate(
    network: Network, params: dict[str, np.ndarray], X: np.ndarray | None = None, Y: np.ndarray | None = None
) -> float:
    """The loss of a forward pass with these parameters, the l2 term included."""
    X = network.X if X is None else X
    Y = network.Y if Y is None else Y
    _, loss = bp.functions_of(network)
    z, a = predict(network, params, X)
    with np.errstate(all="ignore"):
        value = bp.loss_value(loss, z, a, Y, bp.reduction_scale(network.reduction, X.shape[0]))
        if network.l2:
            value += bp.l2_penalty([params[f"W{l}"] for l in range(1, network.depth + 1)], network.l2)
        return value
