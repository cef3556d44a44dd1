"""Judging an expression a learner typed for a quantity of the first iteration.

The expression is evaluated at the network's own parameters and at several other random
parameters of the same shapes (same data), against the derivation's value of the quantity at
each: an answer that is right only by accident (a ReLU active everywhere here) is caught. Equal
means within 1e-9 relative. A wrong answer gets the most useful diagnosis that applies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .closedform import ClosedForms
from .derivation import derive
from .expr import ExpressionError, Name, Names, ShapeError, evaluate, parse, shape_text, write
from .network import Network
from .notation import significant
from .quantities import Kind, Quantity
from .training import batch_rows

RELATIVE = 1e-9
DRAWS = 4  # random parameter sets besides the network's own

_ANSWERABLE = (Kind.LOSS, Kind.Z, Kind.A, Kind.DL_DA, Kind.DA_DZ, Kind.DELTA, Kind.DL_DW, Kind.DL_DB)


class AnswerError(ValueError):
    """Not something to judge: an unknown quantity, text that is no expression, an unknown
    name (exit status 2)."""


def quantity_named(text: str, network: Network) -> Quantity:
    """The quantity a QUANTITY argument names, in any case: L, dL/dW3, dL/db3, delta2, dL/da2,
    da2/dz2, z1, a1 (Quantity's ids, each letter as the learner likes it)."""
    plain = text.strip().lower()
    for layer in [None, *range(1, network.depth + 1)]:
        for kind in _ANSWERABLE:
            quantity = Quantity(kind, layer if kind is not Kind.LOSS else None)
            if (kind is Kind.LOSS) == (layer is None) and quantity.id.lower() == plain:
                return quantity
    raise AnswerError(
        f"unknown quantity {text!r}: name one of L, dL/dW1, dL/db1, dL/da1, da1/dz1, delta1, z1, a1 "
        f"(layers 1 to {network.depth})"
    )


def environment(network: Network, params: dict, X: np.ndarray, Y: np.ndarray, column: bool) -> dict:
    """Every quantity of the iteration from params, by id, as the learner writes it: rows as
    samples and biases as rows for a batch; with one sample (column) the homework's columns."""

    def as_written(q: Quantity, value) -> np.ndarray:
        value = np.asarray(value, dtype=np.float64)
        if q.kind is Kind.LOSS:
            return np.array(float(value))
        if q.kind is Kind.DA_DZ and value.ndim == 3:  # softmax: a Jacobian per sample
            return value[0] if column else value
        if q.kind in (Kind.B, Kind.DL_DB):
            return value.reshape(-1, 1) if column else value.reshape(1, -1)
        return value.T if q.per_sample and column else value

    iteration = derive(network, params, X, Y)
    # the parameters of the forward pass last: the values hold the updated ones under their ids
    found = {**iteration.values, **params}
    env: dict = {"m": float(X.shape[0]), "eta": network.learning_rate, "l2": network.l2}
    for ref, value in found.items():
        q = Quantity.parse(ref)
        if q is not None:
            env[ref] = as_written(q, value)
    return env


def random_params(network: Network, rng: np.random.Generator) -> dict:
    """Other parameters of the same shapes: weights at the scale of their fan-in, biases around 0."""
    return {
        name: rng.normal(0.0, 1.0 / np.sqrt(p.shape[1]) if p.ndim == 2 else 0.5, size=p.shape)
        for name, p in network.params.items()
    }


@dataclass(frozen=True)
class Verdict:
    correct: bool
    message: str


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal within RELATIVE of the larger magnitude; an infinity or a NaN only equals itself
    (an expression that overflows is never right by the tolerance of infinity)."""
    a, b = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
    finite = np.isfinite(a) & np.isfinite(b)
    if not np.array_equal(a[~finite], b[~finite], equal_nan=True):
        return False
    a, b = a[finite], b[finite]
    scale = max(float(np.max(np.abs(b), initial=0.0)), float(np.max(np.abs(a), initial=0.0)))
    return bool(np.all(np.abs(a - b) <= RELATIVE * scale))


def _oriented(value: np.ndarray, truth: np.ndarray, matrix: bool = False) -> np.ndarray | None:
    """The answer in the truth's shape: the same shape, or a vector of the same length in
    the other orientation; None when the shapes differ otherwise. matrix: the truth is a
    weight matrix (or its gradient), whose shape is the point even with one row."""
    value = np.asarray(value, dtype=np.float64)
    if value.shape == truth.shape:
        return value
    if value.ndim == 0:  # a number for every entry: ∂a/∂z = 1 of the identity
        return np.broadcast_to(value, truth.shape)
    if value.size == truth.size and max(value.ndim, truth.ndim) <= 2 and not matrix:
        vector = lambda a: a.ndim < 2 or 1 in a.shape  # noqa: E731
        if vector(value) and vector(truth):
            return value.reshape(truth.shape)
    return None


class Judge:
    """Judges expressions for the quantities of one iteration of a network (its first unless
    told: the one after t updates), on the rows it walks (the whole batch or its mini-batch) or
    on one sample of them (column vectors)."""

    def __init__(self, network: Network, sample: int | None = None, seed: int = 0, draws: int = DRAWS, t: int = 0):
        self.net = network
        rows = batch_rows(network.samples, network.batch_size, t, sample)
        self.X, self.Y = network.X[rows], network.Y[rows]
        self.column = self.X.shape[0] == 1  # one sample: the column vectors, as the derivation writes it
        self.m = self.X.shape[0]
        rng = np.random.default_rng(seed)
        self.param_sets = [network.params] + [random_params(network, rng) for _ in range(draws)]
        self.envs = [environment(network, p, self.X, self.Y, self.column) for p in self.param_sets]
        self.forms = ClosedForms(network, self.column, targets=self.Y)

    def symbol(self, quantity: Quantity) -> str:
        return quantity.symbol(self.column)

    def closed_form(
        self, quantity: Quantity, style: str = "answer", simplified: bool = True, names: Names | None = None
    ) -> str | None:
        forms = self.forms if simplified else ClosedForms(self.net, self.column, simplified=False, targets=self.Y)
        form = forms.of(quantity)
        return None if form is None else write(form.tree, style, names or Names(column=self.column))

    def unanswerable(self, quantity: Quantity, updated: bool = False) -> str:
        """Why no expression is judged for this quantity ("" when one is)."""
        if updated:
            if not self.net.optimizer.plain:  # its factors have no names to type
                return (
                    f"under {self.net.optimizer.title} an update is stepped factor by factor, not typed "
                    "(derive mode asks for plain gradient descent's p − η ∂L/∂p)"
                )
            return "" if quantity.kind in (Kind.W, Kind.B) else f"{quantity.id} is not a parameter"
        if quantity.kind not in _ANSWERABLE:
            return f"{quantity.id} is given, not derived: ask for L, z, a, dL/da, da/dz, delta, dL/dW or dL/db"
        if quantity.kind is Kind.DA_DZ and self.envs[0][quantity.id].ndim == 3:
            return f"{quantity.id} of a softmax is a Jacobian per sample, no matrix of the batch: ask with --sample I"
        return ""

    def judge(self, quantity: Quantity, text: str, updated: bool = False) -> Verdict:
        """Raises AnswerError for what is not an answer to judge (exit status 2). updated: a
        parameter after this iteration's update (p − η ∂L/∂p), as the app's update steps ask."""
        why = self.unanswerable(quantity, updated)
        if why:
            raise AnswerError(why)
        parts = _sides(text)
        if len(parts) > 1:  # "δ₂ = ∂L/∂a₂ ⊙ ∂a₂/∂z₂ = …" as on screen: every side must be right
            verdicts = [self.judge(quantity, part, updated) for part in parts if not self.names_it(quantity, part)]
            return next(
                (v for v in verdicts if not v.correct), verdicts[0] if verdicts else Verdict(False, "no expression")
            )
        try:
            tree = parse(text, self.net.depth)
        except ExpressionError as err:
            raise AnswerError(str(err)) from None
        if not updated and quantity.id in _names(tree):
            raise AnswerError(f"the expression for {quantity.id} uses {quantity.id} itself")
        values = []
        for env in self.envs:
            try:
                values.append(evaluate(tree, env, Names(column=self.column)))
            except ShapeError as err:
                return Verdict(False, str(err))
            except ExpressionError as err:  # too large to judge
                raise AnswerError(str(err)) from None
        if not updated:
            return self.verdict(quantity, tree, values, [env[quantity.id] for env in self.envs])
        gradient = Quantity(Kind.DL_DW if quantity.kind is Kind.W else Kind.DL_DB, quantity.layer).id
        truths = [env[quantity.id] - env["eta"] * env[gradient] for env in self.envs]
        verdict = self.verdict(quantity, tree, values, truths)
        slips = (
            (
                lambda env: env[quantity.id] + env["eta"] * env[gradient],
                "the step goes up the gradient: p ← p − η ∂L/∂p",
            ),
            (lambda env: env[quantity.id] - env[gradient], "the learning rate η is missing: p ← p − η ∂L/∂p"),
        )
        for slip, words in slips if not verdict.correct else ():
            if all(_close(_oriented(np.asarray(v), t), slip(env)) for v, t, env in zip(values, truths, self.envs)):
                return Verdict(False, words)
        return verdict

    def l2_term(self, quantity: Quantity) -> list[np.ndarray] | None:
        """The l2 term's share of the loss or of a weight's gradient, per parameter set; None if none."""
        if not self.net.l2 or quantity.kind not in (Kind.LOSS, Kind.DL_DW):
            return None
        if quantity.kind is Kind.LOSS:
            weights = [Quantity(Kind.W, l).id for l in range(1, self.net.depth + 1)]
            return [np.array(self.net.l2 / 2 * sum(float((env[w] ** 2).sum()) for w in weights)) for env in self.envs]
        return [self.net.l2 * env[Quantity(Kind.W, quantity.layer).id] for env in self.envs]

    def l2_words(self, quantity: Quantity) -> str:
        if quantity.kind is Kind.LOSS:
            return "+ (λ/2) Σ‖W‖² (λ = l2, also written λ or lambda)"
        return (
            f"+ λ{Quantity(Kind.W, quantity.layer).symbol(self.column)}, the gradient of (λ/2)‖W‖² (λ: l2, λ or lambda)"
        )

    def names_it(self, quantity: Quantity, text: str) -> bool:
        """Whether text is just the quantity's own name (the left side of "δ₂ = …")."""
        try:
            return parse(text, self.net.depth) == Name(quantity.id)
        except ExpressionError:
            return False

    def verdict(self, quantity, tree, values, truths) -> Verdict:
        name = self.symbol(quantity)
        truth, value = truths[0], np.asarray(values[0])
        oriented = _oriented(value, truth, matrix=quantity.kind in (Kind.W, Kind.DL_DW))
        if oriented is None:
            if truth.ndim == 2 and value.shape == truth.T.shape:
                if _close(value.T, truth):
                    return Verdict(False, f"transposed: yours is {shape_text(value)}, {name} is {shape_text(truth)}")
                return Verdict(
                    False, f"the shape is transposed (yours is {shape_text(value)}, {name} is {shape_text(truth)})"
                )
            summed = value.sum(axis=0) if value.ndim == 2 and value.shape[0] == self.m > 1 else None
            if summed is not None and summed.size == truth.size and _close(summed.reshape(-1), truth.reshape(-1)):
                return Verdict(
                    False,
                    f"the sum over the samples is missing: yours is {shape_text(value)}, a row per sample; "
                    f"{name} is their sum, sum(…, 0)",
                )
            return Verdict(False, f"the shape is wrong: yours is {shape_text(value)}, {name} is {shape_text(truth)}")
        pairs = []
        for v, t in zip(values, truths):
            o = _oriented(np.asarray(v), t)
            if np.all(np.isfinite(t)):
                pairs.append((o, t))
        if all(_close(o, t) for o, t in pairs):
            return Verdict(True, "correct")
        for factor, words in self.factors():
            if all(_close(o, factor * t) for o, t in pairs):
                return Verdict(False, words)
        l2 = self.l2_term(quantity)
        if l2 is not None and all(_close(o, t - term) for (o, t), term in zip(pairs, l2)):
            return Verdict(False, f"the l2 term is missing: {self.symbol(quantity)} has {self.l2_words(quantity)}")
        missing = self.missing_derivative(quantity, values, truths)
        if _close(oriented, truth):
            constant = self.constant_factors()
            why = [f"right at these parameters by chance, not at others{': ' if constant else ''}{'; '.join(constant)}"]
            return Verdict(False, "; ".join(why + ([missing] if missing else [])))
        if missing:
            return Verdict(False, missing)
        if quantity.kind is Kind.DA_DZ and _close(oriented, self.envs[0][Quantity(Kind.A, quantity.layer).id]):
            return Verdict(
                False,
                f"that is the activation {self.symbol(Quantity(Kind.A, quantity.layer))} itself; "
                f"{name} is its derivative",
            )
        if self.is_the_slip(quantity, oriented):
            return Verdict(
                False,
                "this is the value with the weights already updated (W − η∂L/∂W): every gradient is taken "
                "at the weights of the forward pass (the common mistake)",
            )
        return Verdict(False, self.where_most(name, oriented, truth))

    def factors(self):
        """Factors a textbook slip puts in: the sign, the 1/m of the mean, the ½ of the square."""
        m = self.m
        out = [(-1.0, "off by a factor −1: the sign is flipped (y − ŷ where ŷ − y is meant?)")]
        if m > 1:
            out += [
                (float(m), f"m = {m} times too large: the 1/m of the mean is missing"),
                (1.0 / m, f"m = {m} times too small: the 1/m is there twice"),
                (-float(m), "off by a factor −m: the sign is flipped and the 1/m of the mean is missing"),
            ]
        twice, half = "twice too large: a factor 2 too many", "half of it: a factor 2 is missing"
        if self.net.loss == "half_mse":
            twice += " (half_mse's ½ cancels the square's 2, so ∂L/∂ŷ = ŷ − y)"
        elif self.net.loss == "mse":
            half += " (mse has no ½, so ∂L/∂ŷ = 2(ŷ − y))"
        return out + [(2.0, twice), (0.5, half)]

    def missing_derivative(self, quantity: Quantity, values, truths) -> str:
        """Whether the answer is the closed form with one layer's ∂a/∂z left out."""
        for l, layer in enumerate(self.net.layers, start=1):
            if layer.activation in ("identity", "softmax"):
                continue
            form = ClosedForms(self.net, self.column, targets=self.Y, without=l).of(quantity)
            if form is None:
                continue
            slipped = [_oriented(evaluate(form.tree, env), t) for env, t in zip(self.envs, truths)]
            if all(s is not None for s in slipped) and any(not _close(s, t) for s, t in zip(slipped, truths)):
                answers = [_oriented(np.asarray(v), t) for v, t in zip(values, truths)]
                if all(_close(a, s) for a, s in zip(answers, slipped)):
                    factor = ClosedForms(self.net, self.column).act_derivative(l)
                    written = write(factor.expanded, "unicode", Names(column=self.column))
                    d = Quantity(Kind.DA_DZ, l).symbol(self.column)
                    return f"the factor {d} = {written} ({layer.activation}'s derivative) is missing"
        return ""

    def is_the_slip(self, quantity: Quantity, value: np.ndarray) -> bool:
        slipped = derive(self.net, self.net.params, self.X, self.Y, mistake=True).values.get(quantity.id)
        if slipped is None:
            return False
        truth = self.envs[0][quantity.id]
        slipped = np.asarray(slipped, dtype=np.float64).reshape(truth.shape) if slipped.size == truth.size else None
        return slipped is not None and not _close(slipped, truth) and _close(value, slipped)

    def constant_factors(self) -> list[str]:
        """ReLU derivatives that are the same everywhere at the network's own parameters."""
        out = []
        for l, layer in enumerate(self.net.layers, start=1):
            if layer.activation in ("relu", "leaky_relu"):
                positive = self.envs[0][Quantity(Kind.Z, l).id] > 0
                z = Quantity(Kind.Z, l).symbol(self.column)
                if positive.all():
                    out.append(f"𝟙({z} > 0) is 1 for every unit and sample here")
                elif not positive.any():
                    out.append(f"𝟙({z} > 0) is 0 for every unit and sample here")
        return out

    def where_most(self, name: str, value: np.ndarray, truth: np.ndarray) -> str:
        fmt = significant(6)
        if truth.ndim == 0:
            return f"{name} is {fmt(truth)}, yours is {fmt(value)}"
        difference = np.where(np.isfinite(value), np.abs(value - truth), np.inf)
        at = np.unravel_index(int(np.argmax(difference)), truth.shape)
        where = ", ".join(str(i) for i in at)
        return f"it differs most at {name}[{where}]: {fmt(truth[at])} expected, yours is {fmt(value[at])}"


def _names(tree) -> set[str]:
    out: set[str] = set()

    def walk(node):
        if isinstance(node, Name):
            out.add(node.ref)
        for child in vars(node).values() if hasattr(node, "__dataclass_fields__") else ():
            if hasattr(child, "__dataclass_fields__"):
                walk(child)

    walk(tree)
    return out


def _sides(text: str) -> list[str]:
    """The sides of "a = b = c" or "p ← p − η∂L/∂p" (an "=" inside brackets ends no side)."""
    sides, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(ch, 0)
        if ch in "=←" and depth == 0:
            sides.append(text[start:i])
            start = i + 1
    return sides + [text[start:]]
