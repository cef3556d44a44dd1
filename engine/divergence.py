"""When numbers leave float64's range: which step, which cell, and why, in plain words."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .backprop import simplifies
from .derivation import Iteration, Step, derive
from .network import Network
from .notation import significant
from .quantities import StepKind
from .training import batch_rows


@dataclass(frozen=True)
class NonFinite:
    iteration: int  # counted from 0
    step: Step
    cell: tuple[int, ...]
    value: float
    explanation: str

    def describe(self) -> str:
        where = f"[{', '.join(str(i) for i in self.cell)}]" if self.cell else ""
        return (
            f"iteration {self.iteration + 1}, step {self.step.index + 1} ({self.step.formula}): "
            f"{self.step.symbol}{where} = {significant()(self.value)}. {self.explanation}"
        )


def diverged(it: Iteration) -> bool:
    """The loss, a gradient or an updated parameter is not finite: training cannot go on."""
    arrays = [*it.grads.values(), *it.params_after.values()]
    return not np.isfinite(it.loss) or not all(np.all(np.isfinite(a)) for a in arrays)


def first_nonfinite(it: Iteration, network: Network, iteration: int = 0) -> NonFinite | None:
    for step in it.steps:
        bad = np.argwhere(~np.isfinite(step.value))
        if len(bad):
            cell = tuple(int(i) for i in bad[0])
            return NonFinite(iteration, step, cell, float(step.value[cell]), explain(step, network))
    return None


def explain(step: Step, network: Network) -> str:
    lr = f"η = {network.learning_rate:g}"
    last = network.layers[-1].activation
    if step.kind is StepKind.DL_DA and step.layer == network.depth and simplifies(last, network.loss):
        return (
            "The prediction ŷ rounded to exactly 0 or 1, so the factor −y/ŷ or (1 − y)/(1 − ŷ) divides by "
            "zero. The simplified δ = (ŷ − y)/m a step later stays finite, so training can go on."
        )
    if step.kind is StepKind.UPDATE:
        return (
            f"The update overshot: {lr} times a huge gradient left float64's range (about ±1.8e308). "
            f"The learning rate is too large for this network; try a smaller one."
        )
    if step.kind is StepKind.Z:
        return (
            f"The weighted sum overflowed float64 (about ±1.8e308): the weights have grown huge, "
            f"usually because the learning rate ({lr}) is too large and every update overshoots."
        )
    if step.kind is StepKind.LOSS:
        return (
            f"The loss overflowed: the predictions are astronomically far from the targets after the "
            f"weights blew up. The learning rate ({lr}) is too large."
        )
    return (
        f"A value left float64's range (about ±1.8e308), in a product or an exp. The weights have grown "
        f"huge; the learning rate ({lr}) is most likely too large."
    )


def locate(
    network: Network, previous: dict | None, current: dict, X, Y, iteration: int, states=(None, None)
) -> NonFinite | None:
    """The first non-finite value of a diverged run: in the iteration that started from `previous`
    (iteration − 1) if its update already broke, else in the one starting from `current`; each
    from the optimizer's state it started with (states) and on its own mini-batch of X, Y."""

    def rows(k, state):  # the mini-batch follows the optimizer's count of updates
        return batch_rows(X.shape[0], network.batch_size, k if state is None else state.t)

    if previous is not None:
        walked = rows(iteration - 1, states[0])
        before = derive(network, previous, X[walked], Y[walked], state=states[0])
        if diverged(before):
            return first_nonfinite(before, network, iteration - 1)
    walked = rows(iteration, states[1])
    now = derive(network, current, X[walked], Y[walked], state=states[1])
    return first_nonfinite(now, network, iteration)
