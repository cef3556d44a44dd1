"""The Stepper: a cursor over the Steps of the current iteration, across iterations.

Its state is (iteration k, cursor c, sample): c Steps of iteration k are revealed, 0 ≤ c ≤ n.
Iteration k starts from the parameters P_k, which the Stepper keeps as checkpoints; every
Step is derived again from P_k, so going back is exact (never an inverted update) and any
path of next/back/finish/reset lands where a fresh replay lands.

A reset is undone like a step: back at the start of the new walk returns to where the reset
was pressed, with that walk's own history behind it.

Undo across iterations is bounded: checkpoints, those a reset left behind included, are kept
while they take at most HISTORY_BYTES, the oldest dropped first (784-128-64-10 keeps about 70
iterations; xor keeps every one). Reset always works: the initial parameters are kept apart.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import optimizers as opt
from .derivation import Iteration, Step, derive
from .divergence import NonFinite, first_nonfinite
from .network import Network
from .training import Run, Trained, batch_rows, batches, ends_epoch, evaluate, train

HISTORY_BYTES = 64 * 2**20


@dataclass(frozen=True)
class Checkpoint:
    params: dict[str, np.ndarray]  # P_k, the parameters iteration k starts from
    state: opt.State  # the optimizer's state iteration k starts from
    sample: int | None  # the sample iteration k walked (None: the whole batch)


@dataclass
class Walk:
    """Where a reset was pressed: the place and the checkpoints that lead there."""

    iteration: int
    cursor: int
    sample: int | None
    losses: list[float]
    history: OrderedDict[int, Checkpoint]


class Stepper:
    def __init__(self, network: Network, history_bytes: int = HISTORY_BYTES):
        self.network = network
        self.history_bytes = history_bytes
        self._initial = {k: np.array(v, dtype=np.float64) for k, v in network.params.items()}
        self._initial_state = opt.network_state(network)
        self._snapshot_bytes = sum(v.nbytes for v in self._initial.values()) + self._initial_state.nbytes
        self.sample: int | None = None
        self.mistake = False  # derive with the common mistake (see derive); the fast path never does
        self._correct: tuple = (None, None, None)  # (P_k, sample, Iteration) derived without it
        self._reset_from: list[Walk] = []  # the walks resets left, the latest last
        self._batches: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}  # by their rows (see batch)
        self._start()

    # -- state -----------------------------------------------------------------------------------

    def reset(self) -> bool:
        """Back to iteration 0, nothing computed, the initial parameters (the sample stays).
        True when there was somewhere else to be: back at the start then returns there."""
        if (self.iteration, self.cursor) == (0, 0):
            return False
        self._reset_from.append(Walk(self.iteration, self.cursor, self.sample, self.losses, self._history))
        self._start()
        return True

    def _start(self) -> None:
        self.iteration = 0
        self.cursor = 0
        self.losses: list[float] = []  # loss of each completed iteration's forward pass
        self._history: OrderedDict[int, Checkpoint] = OrderedDict()
        self._remember(0, Checkpoint(self._initial, self._initial_state, self.sample))
        self._derived: Iteration | None = None

    def restore(
        self,
        iteration: int,
        params: dict[str, np.ndarray],
        losses: list[float],
        sample: int | None,
        cursor: int,
        state: opt.State | None = None,
    ) -> None:
        """Continue a saved session: iteration k from its starting parameters P_k and optimizer
        state (None, from a session saved without one: t = 0 and zeros). Undo reaches back to the
        start of that iteration (earlier checkpoints are not saved)."""
        self._reset_from.clear()
        self._start()
        self._history.clear()
        self.sample = sample
        if state is None:
            state = opt.initial_state(self.network.optimizer, params, self.network.frozen)
        self._remember(iteration, Checkpoint(params, state, sample))
        self.iteration, self.losses = iteration, list(losses)
        self.cursor = max(0, min(cursor, self.total))

    def _remember(self, k: int, checkpoint: Checkpoint) -> None:
        self._history[k] = checkpoint
        self._history.move_to_end(k)
        keep = max(2, self.history_bytes // max(self._snapshot_bytes, 1))
        while self._reset_from and self.held_bytes > keep * self._snapshot_bytes:
            oldest = self._reset_from[0]  # the walk left longest ago goes first, its oldest end first
            oldest.history.popitem(last=False)
            if oldest.iteration not in oldest.history:  # it can no longer be returned to
                del self._reset_from[0]
        while len(self._history) > keep:
            self._history.popitem(last=False)

    @property
    def held_bytes(self) -> int:
        """What the undo history takes: its checkpoints, those resets left included."""
        count = len(self._history) + sum(len(walk.history) for walk in self._reset_from)
        return count * self._snapshot_bytes

    def batch(self, sample: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The rows the current iteration walks: its mini-batch (the whole batch without
        batch_size), or one sample of it as a batch of one."""
        rows = batch_rows(self.network.samples, self.network.batch_size, self.start_state.t, sample)
        key = (rows.start, rows.stop)
        if key not in self._batches:  # the same rows, the same arrays: the panels know a value by its identity
            if len(self._batches) >= 8:
                self._batches.clear()
            self._batches[key] = (self.network.X[rows], self.network.Y[rows])
        return self._batches[key]

    @property
    def rows(self) -> range:
        """The rows of the data (from 0, in file order) the current iteration's mini-batch holds."""
        rows = batch_rows(self.network.samples, self.network.batch_size, self.start_state.t)
        return range(rows.start, rows.stop)

    @property
    def sample_row(self) -> int:
        """The data's row of the one sample walked (counted within the mini-batch, its last if it
        has fewer); without one, the mini-batch's first row."""
        return batch_rows(self.network.samples, self.network.batch_size, self.start_state.t, self.sample or 0).start

    @property
    def ends_epoch(self) -> bool:
        """Whether the current iteration's mini-batch is the last of an epoch (always, without
        mini-batches)."""
        return ends_epoch(self.network.samples, self.network.batch_size, self.start_state.t)

    @property
    def epoch(self) -> int:
        """The epoch (from 1) the current iteration's mini-batch belongs to."""
        return self.start_state.t // batches(self.network.samples, self.network.batch_size) + 1

    @property
    def start_params(self) -> dict[str, np.ndarray]:
        """P_k: the parameters the current iteration starts from."""
        return self._history[self.iteration].params

    @property
    def start_state(self) -> opt.State:
        """The optimizer's state the current iteration starts from."""
        return self._history[self.iteration].state

    @property
    def derived(self) -> Iteration:
        if self._derived is None:
            X, Y = self.batch(self.sample)
            self._derived = derive(self.network, self.start_params, X, Y, self.mistake, self.start_state)
            self._nonfinite = first_nonfinite(self._derived, self.network, self.iteration)
        return self._derived

    @property
    def correct(self) -> Iteration:
        """The current iteration derived without the common mistake (the same as `derived`
        unless the mistake is on): what every number should have been."""
        if not self.mistake:
            return self.derived
        start, sample, _ = self._correct
        if start is not self.start_params or sample != self.sample:
            X, Y = self.batch(self.sample)
            self._correct = (
                self.start_params,
                self.sample,
                derive(self.network, self.start_params, X, Y, state=self.start_state),
            )
        return self._correct[2]

    def set_mistake(self, on: bool) -> None:
        """Make the common mistake from this iteration on (the cursor stays), or stop making it."""
        self.mistake = on
        self._derived = None

    def nonfinite(self, revealed_only: bool = True) -> NonFinite | None:
        """The first non-finite value of the current iteration (None if all are finite, or
        with revealed_only, if its step is not revealed yet)."""
        self.derived  # noqa: B018 - derives the iteration (and finds its first non-finite value)
        found = self._nonfinite
        if found is None or (revealed_only and found.step.index >= self.cursor):
            return None
        return found

    @property
    def steps(self) -> list[Step]:
        return self.derived.steps

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def step(self) -> Step | None:
        """The Step revealed last (the one on screen), or None before the first."""
        return self.steps[self.cursor - 1] if self.cursor else None

    @property
    def phase(self) -> str:
        return self.step.phase if self.step else "ready"

    @property
    def oldest_iteration(self) -> int:
        return next(iter(self._history))

    @property
    def params(self) -> dict[str, np.ndarray]:
        """The parameters as they stand: P_k with the revealed updates applied."""
        current = dict(self.start_params)
        for step in self.steps[: self.cursor]:
            if step.phase == "update" and step.writes in current:
                current[step.writes] = step.value
        return current

    @property
    def state(self) -> opt.State:
        """The optimizer's state as it stands: t counts this iteration's update once its first
        Step is revealed, each moving array once its Step is."""
        start = self.start_state
        arrays, t = dict(start.arrays), start.t
        for step in self.steps[: self.cursor]:
            if step.phase == "update":
                t = start.t + 1
                if step.writes in arrays:
                    arrays[step.writes] = step.value
        return opt.State(t, arrays)

    def settled(self) -> tuple[dict[str, np.ndarray], opt.State, bool]:
        """The parameters and optimizer's state a network taken from here goes on with (a saved
        file, an edit): those on screen; in the middle of an update, those the iteration started
        from (some parameters updated and others not go on nowhere). And whether it was midway."""
        midway = self.phase == "update" and self.cursor < self.total
        return (self.start_params, self.start_state, True) if midway else (self.params, self.state, False)

    @property
    def loss(self) -> float | None:
        """The loss of the current iteration once revealed, else the last iteration's."""
        if any(step.writes == "L" for step in self.steps[: self.cursor]):
            return self.derived.loss
        return self.losses[-1] if self.losses else None

    def value(self, name: str) -> np.ndarray | None:
        """The value of a quantity as revealed so far in this iteration (None if not yet)."""
        if name in self.start_params:
            return self.params[name]
        if name in self.start_state.arrays:
            return self.state.arrays[name]
        if name in ("x", "y"):
            return self.batch(self.sample)[0 if name == "x" else 1]
        for step in reversed(self.steps[: self.cursor]):
            if step.writes == name:
                return step.value
        return None

    def shape(self, name: str) -> tuple[int, ...] | None:
        """The shape a quantity has in this iteration, revealed or not (None if no step
        writes it): the panels lay out a value's place before its numbers appear."""
        if name in self.start_params:
            return self.start_params[name].shape
        if name in self.start_state.arrays:
            return self.start_state.arrays[name].shape
        if name in ("x", "y"):
            return self.batch(self.sample)[0 if name == "x" else 1].shape
        return next((step.value.shape for step in self.steps if step.writes == name), None)

    def loss_after(self, correct: bool = False) -> float:
        """The loss of the same batch with the parameters after this iteration's update (with
        correct, the update made without the common mistake)."""
        X, Y = self.batch(self.sample)
        return evaluate(self.network, (self.correct if correct else self.derived).params_after, X, Y)

    # -- moves -----------------------------------------------------------------------------------

    def next(self) -> None:
        """Reveal one more Step; after the last one, start the next iteration."""
        if self.cursor < self.total:
            self.cursor += 1
            return
        done = self.derived
        self.losses.append(done.loss)
        self._goto(self.iteration + 1, 0, Checkpoint(done.params_after, done.state_after, self.sample))

    def back(self) -> bool:
        """Undo one Step exactly (also across an iteration boundary). False when there is no
        earlier state to go back to (the start, or the oldest checkpoint kept)."""
        if self.cursor > 0:
            self.cursor -= 1
            return True
        previous = self.iteration - 1
        if self.iteration == 0 and self._reset_from:  # undo the reset
            walk = self._reset_from.pop()
            self.iteration, self.cursor, self.sample = walk.iteration, walk.cursor, walk.sample
            self.losses, self._history, self._derived = walk.losses, walk.history, None
            return True
        if previous not in self._history:
            return False
        self.losses.pop()
        self.iteration = previous
        self.sample = self._history[previous].sample
        self._derived = None
        self.cursor = self.total
        return True

    def goto(self, cursor: int) -> None:
        """Jump within the current iteration to `cursor` Steps revealed."""
        self.cursor = max(0, min(cursor, self.total))

    def finish_phase(self) -> None:
        """Reveal the rest of the phase of the next Step."""
        if self.cursor == self.total:
            self.next()
        phase = self.steps[self.cursor].phase
        while self.cursor < self.total and self.steps[self.cursor].phase == phase:
            self.cursor += 1

    def finish_iteration(self) -> None:
        """Reveal the rest of the iteration, through its update."""
        if self.cursor == self.total:
            self.next()
        self.cursor = self.total

    def set_sample(self, sample: int | None) -> None:
        """Walk the whole (mini-)batch (None) or one sample of it, counted from its first row (a
        mini-batch shorter than the sample walks its last row: `rows` says which rows it holds).
        The cursor stays: the same Step is shown again, derived from the same starting parameters
        on the new rows."""
        if sample is not None and not 0 <= sample < self.network.samples:
            raise IndexError(f"sample {sample} is not in 0..{self.network.samples - 1}")
        self.sample = sample
        self._history[self.iteration] = Checkpoint(self.start_params, self.start_state, sample)
        self._derived = None

    def run(self, count: int, on_progress: Callable[[int, float], bool | None] | None = None) -> int:
        """Run `count` whole iterations on the fast path, starting with the current one (or the
        next, if the current one is complete), and stop at the start of the one after.
        on_progress(done, loss) may return False to stop early. Returns how many were run."""
        run = self.start_run()
        done: list[Trained] = []

        added = 0

        def record(count, loss, params, state):
            nonlocal added
            done.append(Trained(loss, params, state))
            if len(done) == 64:  # handed over in batches: the history's bound holds while it runs
                self.add_run(done)
                added += len(done)
                done.clear()
            return None if on_progress is None else on_progress(count, loss)

        train(self.network, count, run.params, run.X, run.Y, record, run.state, run.sample)
        self.add_run(done)
        return added + len(done)

    def start_run(self) -> Run:
        """Where a run on the fast path starts: the current iteration, or the next if the current
        one is complete. Returns copies of the parameters and optimizer state it starts from and
        of the data, for a training thread to own while the Stepper stays with the app."""
        if self.cursor == self.total:
            self.next()
        state = opt.State(self.start_state.t, {k: v.copy() for k, v in self.start_state.arrays.items()})
        params = {k: v.copy() for k, v in self.start_params.items()}
        return Run(params, state, self.network.X.copy(), self.network.Y.copy(), self.sample)

    def add_run(self, iterations: list[Trained]) -> None:
        """Iterations run on the fast path from where the Stepper is (see start_run): each one's
        loss, parameters and state after its update. The Stepper moves to the start of the next."""
        start = self.iteration
        for done, (loss, params, state) in enumerate(iterations, 1):
            self.losses.append(loss)
            self._remember(start + done, Checkpoint(params, state, self.sample))
        self._goto(start + len(iterations), 0, None)

    def _goto(self, iteration: int, cursor: int, checkpoint: Checkpoint | None) -> None:
        for later in [k for k in self._history if k > iteration]:  # left over from before a back
            del self._history[later]
        if checkpoint is not None:
            self._remember(iteration, checkpoint)
        self.iteration, self.cursor = iteration, cursor
        self._derived = None
