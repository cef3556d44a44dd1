"""What every panel needs to present the Stepper's state: the number format, the sample in
focus, the symbol of each quantity and which parts of the network a step touches. No maths:
the values all come from the engine."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine import notation
from engine.derivation import Step
from engine.quantities import Kind, Quantity
from engine.stepper import Stepper
from engine.training import accuracy, classifies

DIGITS = (4, 6, 8)


def show_text(static, text) -> None:
    """Update a Static whose size the CSS fixes, only when its text changed: a repaint,
    never a relayout of the screen."""
    if static.content != text:  # what update() was last given
        static.update(text, layout=False)


def part_of(name: str) -> str | None:
    """The part of the diagram a quantity lives on: "W2" (the edges into layer 2), "a2" (the
    units of layer 2), "x" (the inputs), or None."""
    if name == "x":
        return "x"
    quantity = Quantity.parse(name)
    if quantity is None or quantity.layer is None:
        return None
    on_edges = quantity.kind in (Kind.W, Kind.DL_DW)
    return Quantity(Kind.W if on_edges else Kind.A, quantity.layer).id


def lit_parts(step: Step | None) -> tuple[set[str], set[str]]:
    """(parts written, parts read) by a step."""
    if step is None:
        return set(), set()
    written = {part_of(step.writes)} - {None}
    read = {part_of(r) for r in step.reads} - {None} - written
    return written, read


@dataclass
class View:
    stepper: Stepper
    digits: int = DIGITS[0]
    focus: int = 0  # the sample in focus: which row the diagram and the chain show
    explain: bool = True  # the "why" and "convention" lines of the step panel
    v_names: bool = False  # the dynamic-programming view's names (v, d, t, g) instead of δ, z, f', ∂L/∂W
    _classifier: tuple = field(default=(None, False), repr=False)  # (network, whether it classifies)
    _accuracy: tuple = field(default=(None, None), repr=False)  # (what it was computed from, the share)

    @property
    def fmt(self) -> notation.Format:
        return notation.fixed(self.digits)

    @property
    def row(self) -> int:
        """The focused sample's row in the rows being walked (a shorter last mini-batch: its last)."""
        return 0 if self.stepper.sample is not None else min(self.focus, len(self.stepper.rows) - 1)

    def symbol(self, name: str) -> str:
        """The symbol of the quantity with id `name`, in the notation the learner chose."""
        quantity = Quantity.parse(name)
        if quantity is None:
            return name
        return quantity.symbol(self.stepper.steps[0].column, v=self.v_names)

    def operands(self, step: Step) -> list[tuple[str | None, str]]:
        """Which quantity each operand of a step is, and its symbol: the iteration's values
        are the very arrays the steps read. The weights the common mistake has already
        updated are no quantity of the iteration: W⁺ (in an update, a parameter read after an
        earlier factor changed it, AdamW's decay, is the parameter as it stands)."""
        it = self.stepper.derived
        known = {id(v): k for k, v in it.values.items()}
        known.update({id(v): k for k, v in it.params.items()})  # an update's value replaced W in values
        known.update({id(v): k for k, v in it.state.arrays.items()})  # so did the optimizer's m, v, buffers
        names = [known.get(id(o)) for o in step.operands]
        rest = [r for r in step.reads if r not in names]
        out = []
        for name, given in zip(names, step.operand_names):
            if name is not None:
                out.append((name, self.symbol(name)))
            elif given == "sum y":  # each sample's sum of targets: no quantity of its own
                out.append((None, f"Σₖ{self.symbol('y')}ₖ"))
            elif rest:
                name = rest.pop(0)
                out.append((name, self.symbol(name) + ("" if step.phase == "update" else "⁺")))
            else:
                out.append((None, "?"))
        return out

    def node_values(self, layer: int) -> tuple[str, np.ndarray | None]:
        """The quantity on a layer's units for the sample in focus: the one the current step
        writes there, else the latest of δ, a, z revealed."""
        s = self.stepper
        units = Quantity.on_units(layer).id  # x, a1, a2, …
        if layer == 0:
            return self.symbol(units), s.value(units)[self.row]
        step = s.step
        if (
            step is not None
            and part_of(step.writes) == units
            and step.value.ndim == 2
            and step.value.shape[0] == s.value(Quantity(Kind.X).id).shape[0]
        ):
            return step.words(self.v_names).symbol, step.value[self.row]  # what the current step writes on these units
        for kind in (Kind.DELTA, Kind.A, Kind.Z):
            value = s.value(Quantity(kind, layer).id)
            if value is not None:
                return self.symbol(Quantity(kind, layer).id), value[self.row]
        return self.symbol(units), None

    def loss_trend(self) -> tuple[int, float | None, float] | None:
        """(iterations finished, the first iteration's loss, the loss after the last update), or
        None before an iteration is finished; with mini-batches (None, the last finished
        iteration's loss on its rows): no two are on the same rows."""
        s = self.stepper
        done = len(s.losses) + (s.cursor == s.total)
        if not done:
            return None
        if s.network.mini_batches:  # the last finished iteration's loss, on its rows
            return done, None, s.derived.loss if s.cursor == s.total else s.losses[-1]
        now = s.loss_after() if s.cursor == s.total else s.derived.loss
        return done, (s.losses[0] if s.losses else s.derived.loss), now

    def losses(self) -> list[float]:
        """Each finished iteration's loss, as loss_trend counts them: the one on screen too once its
        last update is done."""
        s = self.stepper
        return [*s.losses, s.derived.loss] if s.cursor == s.total else s.losses

    def accuracy(self) -> float | None:
        """A classifier's share of the walked rows it gets right, after the last update (None for
        a network that is not one)."""
        s = self.stepper
        if self._classifier[0] is not s.network:
            self._classifier = (s.network, classifies(s.network))
        if not self._classifier[1]:
            return None
        done = s.cursor == s.total
        # once per iteration and once after its update, not every key: a forward pass each key woke
        # NumPy's BLAS threads, which then competed with the screen (+100 ms a key on 784-128-64-10)
        made_from = (s.network, s.start_params, done, s.rows)
        kept = self._accuracy[0]
        if kept is None or kept[0] is not s.network or kept[1] is not s.start_params or kept[2:] != made_from[2:]:
            params = s.params if done else s.start_params
            self._accuracy = (made_from, accuracy(s.network, params, *s.batch(None)))
        return self._accuracy[1]

    def sample_of(self, value: np.ndarray) -> np.ndarray:
        """A per-sample value's part for the sample in focus (a row, or its Jacobian)."""
        a = np.asarray(value)
        if a.ndim >= 2 and a.shape[0] == self.stepper.batch(self.stepper.sample)[0].shape[0]:
            return a[self.row : self.row + 1] if a.ndim == 2 else a[self.row]
        return a
