"""The fast path: whole iterations in a tight loop that records no Steps.

It calls the same kernels (engine.backprop) in the same order as the derivation, so it gives
the Stepper's numbers to the last bit; a test holds it to that.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import backprop as bp
from .network import Network

# on_iteration(done, loss, params) is called after each iteration with the number done so
# far, the loss of that iteration's forward pass and the parameters after its update (fresh
# arrays, safe to keep). Returning False stops the loop there.
Callback = Callable[[int, float, dict[str, np.ndarray]], bool | None]


@dataclass
class TrainResult:
    params: dict[str, np.ndarray]  # after the last iteration done
    losses: list[float]  # one per iteration done, from its forward pass
    iterations: int  # done (fewer than asked when stopped)
    # Set when a forward pass gave a non-finite loss: the loop stopped before that iteration's
    # update. `params` are the parameters it started from, `previous` the ones before.
    diverged: bool = False
    previous: dict[str, np.ndarray] | None = None


def train(
    network: Network,
    iterations: int,
    params: dict[str, np.ndarray] | None = None,
    X: np.ndarray | None = None,
    Y: np.ndarray | None = None,
    on_iteration: Callback | None = None,
) -> TrainResult:
    params = dict(network.params if params is None else params)
    X = network.X if X is None else X
    Y = network.Y if Y is None else Y
    acts, loss = bp.functions_of(network)
    last = acts[-1]
    L = network.depth
    scale = bp.reduction_scale(network.reduction, X.shape[0])
    lr = network.learning_rate
    Ws = [None] + [params[f"W{l}"] for l in range(1, L + 1)]
    bs = [None] + [params[f"b{l}"] for l in range(1, L + 1)]
    train_W = [None] + [f"W{l}" not in network.frozen for l in range(1, L + 1)]
    train_b = [None] + [f"b{l}" not in network.frozen for l in range(1, L + 1)]
    zs = [None] * (L + 1)
    As = [X] + [None] * L
    losses = []
    done = 0
    diverged = False
    previous = None
    with np.errstate(all="ignore"):
        for step in range(1, iterations + 1):
            for l in range(1, L + 1):
                zs[l] = bp.pre_activation(As[l - 1], Ws[l], bs[l])
                As[l] = acts[l - 1].f(zs[l])
            value = bp.loss_value(loss, zs[L], As[L], Y, scale)
            if not math.isfinite(value):
                diverged = True
                break
            losses.append(value)
            done = step
            previous = (Ws.copy(), bs.copy())  # references: updates make new arrays
            delta = bp.output_delta(last, loss, zs[L], As[L], Y, scale)
            for l in range(L, 0, -1):
                dW = bp.weight_grad(delta, As[l - 1])
                db = bp.bias_grad(delta)
                if l > 1:  # sent back with W_l as it was in the forward pass
                    delta = bp.chain(bp.sent_back(delta, Ws[l]), acts[l - 2].df(zs[l - 1], As[l - 1]))
                if train_W[l]:
                    Ws[l] = bp.update(Ws[l], dW, lr)
                if train_b[l]:
                    bs[l] = bp.update(bs[l], db, lr)
            if on_iteration is not None and on_iteration(done, value, _as_dict(Ws, bs)) is False:
                break
    return TrainResult(
        _as_dict(Ws, bs), losses, done, diverged, _as_dict(*previous) if diverged and previous is not None else None
    )


def train_in_chunks(
    network: Network,
    iterations: int,
    params: dict[str, np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    hand_over: Callable[[list[tuple[float, dict[str, np.ndarray]]]], None],
    stop: Callable[[], bool],
    seconds: float = 0.05,
) -> int:
    """train() for a thread that owns `params`, X and Y: every `seconds`, and at the end, it hands
    over the iterations done since the last time (each one's loss and the parameters after its
    update) for their owner to apply; stop() true ends the run after the iteration under way.
    Returns how many iterations were done."""
    chunk: list[tuple[float, dict[str, np.ndarray]]] = []
    last = time.monotonic()

    def record(done: int, loss: float, after: dict[str, np.ndarray]) -> bool:
        nonlocal last
        chunk.append((loss, after))
        if time.monotonic() - last > seconds:
            hand_over(chunk.copy())
            chunk.clear()
            last = time.monotonic()
        return not stop()

    done = train(network, iterations, params, X, Y, on_iteration=record).iterations
    if chunk:
        hand_over(chunk)
    return done


def _as_dict(Ws: list, bs: list) -> dict[str, np.ndarray]:
    """Per-layer lists (index 0 unused) as the parameter dict W1, b1, W2, …"""
    return {name: value for l in range(1, len(Ws)) for name, value in ((f"W{l}", Ws[l]), (f"b{l}", bs[l]))}


def evaluate(
    network: Network, params: dict[str, np.ndarray], X: np.ndarray | None = None, Y: np.ndarray | None = None
) -> float:
    """The loss of a forward pass with these parameters."""
    X = network.X if X is None else X
    Y = network.Y if Y is None else Y
    acts, loss = bp.functions_of(network)
    a, z = X, None
    with np.errstate(all="ignore"):
        for l in range(1, network.depth + 1):
            z = bp.pre_activation(a, params[f"W{l}"], params[f"b{l}"])
            a = acts[l - 1].f(z)
        return bp.loss_value(loss, z, a, Y, bp.reduction_scale(network.reduction, X.shape[0]))
