"""The optimizers of the update phase: PyTorch's torch.optim.SGD (dampening 0), Adam, AdamW and
RMSprop (centered False, momentum 0), one parameter group, each rule in the order of operations
of PyTorch's documented algorithm.

An optimizer is an ordered list of factors per parameter. Each factor writes one quantity (the
gradient it uses, a moving state such as m or v, a bias-corrected m̂, or the parameter), and its
kernel is the only arithmetic of that factor: the derivation (one Step per factor) and the fast
path (training.py) both call `kernels` in the same order, so they agree to the last bit.

Roles name what a factor reads and writes: "old" the parameter as it stands, "grad" the gradient
the optimizer uses (∂L/∂p, or g(p) once weight decay is added), "buf", "m", "v" the moving state,
"mhat", "vhat" the bias-corrected moments. quantities.py gives each role's id and symbol.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from . import backprop as bp
from .notation import shortest
from .quantities import Quantity, StepKind, of_parameter

STATE_ROLES = ("buf", "m", "v")  # the roles that persist from one update to the next


@dataclass(frozen=True)
class Settings:
    """An [optimizer] table, PyTorch's default for each key left out. Without a table: plain
    gradient descent, sgd with momentum 0 and weight_decay 0."""

    name: str = "sgd"
    momentum: float = 0.0
    nesterov: bool = False
    beta1: float = 0.9
    beta2: float = 0.999
    alpha: float = 0.99
    eps: float = 1e-8
    weight_decay: float = 0.0

    @property
    def optimizer(self) -> Optimizer:
        return OPTIMIZERS[self.name]

    @property
    def plain(self) -> bool:
        """Plain gradient descent: today's one Step p ← p − η ∂L/∂p per parameter."""
        return self.name == "sgd" and self.momentum == 0 and self.weight_decay == 0

    def factors(self) -> list[Factor]:
        return self.optimizer.factors(self)

    @property
    def title(self) -> str:
        """What the header calls it: PyTorch's name, with momentum and weight decay if any."""
        if self.plain:
            return "gradient descent"
        parts = [self.optimizer.title]
        if self.name == "sgd" and self.momentum:
            parts.append(f"{'Nesterov ' if self.nesterov else ''}momentum {shortest(self.momentum)}")
        if self.weight_decay:
            parts.append(f"weight decay {shortest(self.weight_decay)}")
        return ", ".join(parts)


@dataclass(frozen=True)
class State:
    """What an optimizer carries from one update to the next: t, the updates made so far (PyTorch's
    step count), and each trainable parameter's moving arrays by id ("m:W2", "buf:b1")."""

    t: int = 0
    arrays: Mapping[str, np.ndarray] = field(default_factory=dict)

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.arrays.values())


# kernel(settings, lr, t, values): the factor's value from `values` by role (only its reads)
Kernel = Callable[[Settings, float, int, dict[str, np.ndarray]], np.ndarray]


@dataclass(frozen=True)
class Factor:
    """One factor of a parameter's update. formula and template are (Unicode, LaTeX): in the
    formula $role stands for a role's symbol and $beta1 (…) for a constant's; in the template ‹i›
    stands for the i-th operand (the reads in order) and #beta1 (…) for a constant's number, #t
    for t (#tsup: t as a Unicode superscript). why: one line, $role for a role's symbol."""

    writes: str
    reads: tuple[str, ...]
    kind: StepKind
    formula: tuple[str, str]
    template: tuple[str, str]
    why: str
    kernel: Kernel

    @property
    def relation(self) -> str:
        """← where the value replaces one kept (a parameter or a moving state), = for a new one."""
        return "←" if self.writes == "old" or self.writes in STATE_ROLES else "="


@dataclass(frozen=True)
class Optimizer:
    name: str
    title: str  # as PyTorch names it
    keys: tuple[str, ...]  # the settings it takes from the [optimizer] table
    defaults: Mapping[str, float | bool]  # PyTorch's, where they differ from Settings'
    factors: Callable[[Settings], list[Factor]]

    def settings(self, **given) -> Settings:
        return Settings(name=self.name, **{**self.defaults, **given})


def kernels(factors: list[Factor], settings: Settings, lr: float, t: int, values: dict[str, np.ndarray]) -> None:
    """Apply one parameter's factors in order to `values` (by role), each writing its role: the
    fast path's update. The derivation calls the same kernels in the same order."""
    for factor in factors:
        values[factor.writes] = factor.kernel(settings, lr, t, values)


def state_shapes(settings: Settings, shapes: Mapping[str, tuple[int, ...]], frozen=()) -> dict[str, tuple[int, ...]]:
    """The id and shape of every moving array the optimizer keeps for parameters of these shapes
    (a frozen parameter keeps none), in the parameters' order."""
    roles = state_roles(settings)
    return {
        of_parameter(role, Quantity.parse(name)).id: shape
        for name, shape in shapes.items()
        if name not in frozen
        for role in roles
    }


def initial_state(settings: Settings, params: Mapping[str, np.ndarray], frozen=()) -> State:
    """t = 0 and every moving array 0."""
    shapes = state_shapes(settings, {name: p.shape for name, p in params.items()}, frozen)
    return State(0, {name: np.zeros(shape) for name, shape in shapes.items()})


def state_roles(settings: Settings) -> tuple[str, ...]:
    return tuple(f.writes for f in settings.factors() if f.writes in STATE_ROLES)


# -- the factors -------------------------------------------------------------------------------

COUPLED_DECAY = Factor(
    "grad",
    ("grad", "old"),
    StepKind.DECAY,
    ("$grad + $lambda$old", r"$grad + $lambda $old"),
    ("‹0› + #lambda · ‹1›", r"‹0› + #lambda \cdot ‹1›"),
    "Weight decay as PyTorch adds it: λ$old is added to the gradient before anything else, the gradient "
    "of (λ/2)‖$old‖² in the loss, so for plain SGD it is the same as an l2 term on every parameter (the "
    "network file's l2 leaves the biases out).",
    lambda s, lr, t, v: v["grad"] + s.weight_decay * v["old"],
)

DECOUPLED_DECAY = Factor(
    "old",
    ("old",),
    StepKind.DECAY,
    ("$old − η $lambda $old", r"$old - \eta $lambda $old"),
    ("‹0› − #eta · #lambda · ‹0›", r"‹0› - #eta \cdot #lambda \cdot ‹0›"),
    "AdamW's decoupled weight decay: the parameter first shrinks by ηλ of itself, apart from the gradient, "
    "so Adam's division by √v̂ below never weakens it (added to the gradient, as Adam does, it would be).",
    lambda s, lr, t, v: v["old"] - lr * s.weight_decay * v["old"],
)

SGD_STEP = Factor(
    "old",
    ("old", "grad"),
    StepKind.UPDATE,
    ("$old − η $grad", r"$old - \eta $grad"),
    ("‹0› − #eta · ‹1›", r"‹0› - #eta \cdot ‹1›"),
    "Gradient descent: move each $what against its gradient, by η = #eta times it. This lowers the loss "
    "when η is small enough; too large a step overshoots and can raise it.",
    lambda s, lr, t, v: bp.update(v["old"], v["grad"], lr),
)

MOMENTUM_BUFFER = Factor(
    "buf",
    ("buf", "grad"),
    StepKind.BUFFER,
    ("$mu $buf + $grad", r"$mu $buf + $grad"),
    ("#mu · ‹0› + ‹1›", r"#mu \cdot ‹0› + ‹1›"),
    "Momentum's buffer: the gradient plus μ times the buffer, so each older gradient counts μ times less "
    "(μ = #mu here: about the last 1/(1 − μ) gradients count). Where "
    "the gradients keep one direction the steps grow; where "
    "they flip they cancel. At t = 1 the buffer is 0, so it starts as the gradient itself (PyTorch's b₁ = g₁).",
    lambda s, lr, t, v: s.momentum * v["buf"] + v["grad"],
)

MOMENTUM_STEP = Factor(
    "old",
    ("old", "buf"),
    StepKind.UPDATE,
    ("$old − η $buf", r"$old - \eta $buf"),
    ("‹0› − #eta · ‹1›", r"‹0› - #eta \cdot ‹1›"),
    "The step with momentum: against the buffer instead of this iteration's gradient alone, by η.",
    lambda s, lr, t, v: v["old"] - lr * v["buf"],
)

NESTEROV_STEP = Factor(
    "old",
    ("old", "grad", "buf"),
    StepKind.UPDATE,
    ("$old − η ($grad + $mu $buf)", r"$old - \eta \left($grad + $mu $buf\right)"),
    ("‹0› − #eta · (‹1› + #mu · ‹2›)", r"‹0› - #eta \left(‹1› + #mu \cdot ‹2›\right)"),
    "Nesterov's step: against the gradient plus μ times the buffer just updated, a look ahead to where "
    "momentum carries the parameter next, which brakes before an overshoot.",
    lambda s, lr, t, v: v["old"] - lr * (v["grad"] + s.momentum * v["buf"]),
)

FIRST_MOMENT = Factor(
    "m",
    ("m", "grad"),
    StepKind.MOMENT,
    ("$beta1 $m + (1 − $beta1) $grad", r"$beta1 $m + (1 - $beta1) $grad"),
    ("#beta1 · ‹0› + (1 − #beta1) · ‹1›", r"#beta1 \cdot ‹0› + (1 - #beta1) \cdot ‹1›"),
    "Adam's first moment: a running average of the gradient, 1 − β₁ of the new one and β₁ of the old. "
    "It starts at 0, so early on it is too small: at t = 1 it is only (1 − β₁) times the gradient.",
    lambda s, lr, t, v: s.beta1 * v["m"] + (1 - s.beta1) * v["grad"],
)

SECOND_MOMENT = Factor(
    "v",
    ("v", "grad"),
    StepKind.MOMENT,
    ("$beta2 $v + (1 − $beta2) ($grad)²", r"$beta2 $v + (1 - $beta2) \left($grad\right)^{2}"),
    ("#beta2 · ‹0› + (1 − #beta2) · ‹1›²", r"#beta2 \cdot ‹0› + (1 - #beta2) \cdot ‹1›^{2}"),
    "Adam's second moment: a running average of the squared gradient, entry by entry, the size of each "
    "entry's recent gradients. It starts at 0 too: at t = 1 it is only (1 − β₂) times the square.",
    lambda s, lr, t, v: s.beta2 * v["v"] + (1 - s.beta2) * (v["grad"] * v["grad"]),
)

FIRST_CORRECTED = Factor(
    "mhat",
    ("m",),
    StepKind.CORRECTED,
    ("$m / (1 − $beta1ᵗ)", r"\frac{$m}{1 - $beta1^{t}}"),
    ("‹0› / (1 − #beta1#tsup)", r"\frac{‹0›}{1 - #beta1^{#t}}"),
    "The bias correction: dividing by 1 − β₁ᵗ undoes the start at 0. At t = 1 it gives (1 − β₁)g/(1 − β₁) "
    "= g, the gradient itself (not 1 − β₁ = 1 − #beta1 of it); as t grows β₁ᵗ → 0 and $mhat → $m.",
    lambda s, lr, t, v: v["m"] / (1 - s.beta1**t),
)

SECOND_CORRECTED = Factor(
    "vhat",
    ("v",),
    StepKind.CORRECTED,
    ("$v / (1 − $beta2ᵗ)", r"\frac{$v}{1 - $beta2^{t}}"),
    ("‹0› / (1 − #beta2#tsup)", r"\frac{‹0›}{1 - #beta2^{#t}}"),
    "The same correction for the squares: at t = 1, $vhat is the squared gradient itself; it fades "
    "slowly, as β₂ᵗ does (β₂ = #beta2 here).",
    lambda s, lr, t, v: v["v"] / (1 - s.beta2**t),
)

ADAM_STEP = Factor(
    "old",
    ("old", "mhat", "vhat"),
    StepKind.UPDATE,
    ("$old − η $mhat / (√$vhat + $eps)", r"$old - \eta \frac{$mhat}{\sqrt{$vhat} + $eps}"),
    ("‹0› − #eta · ‹1› / (√‹2› + #eps)", r"‹0› - #eta \cdot \frac{‹1›}{\sqrt{‹2›} + #eps}"),
    "Adam's step: η times the gradient's average divided by its root mean square. At t = 1 that is "
    "g/(|g| + ε) = ±1 for every entry, so each parameter moves by about η whatever its gradient's size: "
    "Adam's steps are measured in η, not in gradients. ε (added after the root, as PyTorch does) keeps it "
    "finite where v̂ is 0.",
    lambda s, lr, t, v: v["old"] - lr * v["mhat"] / (np.sqrt(v["vhat"]) + s.eps),
)

SQUARE_AVERAGE = Factor(
    "v",
    ("v", "grad"),
    StepKind.MOMENT,
    ("$alpha $v + (1 − $alpha) ($grad)²", r"$alpha $v + (1 - $alpha) \left($grad\right)^{2}"),
    ("#alpha · ‹0› + (1 − #alpha) · ‹1›²", r"#alpha \cdot ‹0› + (1 - #alpha) \cdot ‹1›^{2}"),
    "RMSprop's running average of the squared gradient, entry by entry: α of the old one and 1 − α of the "
    "new (α = #alpha here). Without Adam's bias correction it starts small, so the first steps are large: "
    "at t = 1, √v is only √(1 − α) times |g|, so the step is η/√(1 − α) (10η for α = 0.99).",
    lambda s, lr, t, v: s.alpha * v["v"] + (1 - s.alpha) * (v["grad"] * v["grad"]),
)

RMSPROP_STEP = Factor(
    "old",
    ("old", "grad", "v"),
    StepKind.UPDATE,
    ("$old − η $grad / (√$v + $eps)", r"$old - \eta \frac{$grad}{\sqrt{$v} + $eps}"),
    ("‹0› − #eta · ‹1› / (√‹2› + #eps)", r"‹0› - #eta \cdot \frac{‹1›}{\sqrt{‹2›} + #eps}"),
    "RMSprop's step: the gradient divided by the root of its running average of squares, so every entry "
    "moves by a similar amount whatever its gradient's scale; ε, after the root, keeps it finite.",
    lambda s, lr, t, v: v["old"] - lr * v["grad"] / (np.sqrt(v["v"]) + s.eps),
)


def _coupled(s: Settings) -> list[Factor]:
    return [COUPLED_DECAY] if s.weight_decay != 0 else []


def _sgd(s: Settings) -> list[Factor]:
    if s.momentum == 0:
        return [*_coupled(s), SGD_STEP]
    return [*_coupled(s), MOMENTUM_BUFFER, NESTEROV_STEP if s.nesterov else MOMENTUM_STEP]


def _adam(s: Settings) -> list[Factor]:
    moments = [FIRST_MOMENT, SECOND_MOMENT, FIRST_CORRECTED, SECOND_CORRECTED, ADAM_STEP]
    return [*_coupled(s), *moments]


def _adamw(s: Settings) -> list[Factor]:
    decay = [DECOUPLED_DECAY] if s.weight_decay != 0 else []
    return [*decay, FIRST_MOMENT, SECOND_MOMENT, FIRST_CORRECTED, SECOND_CORRECTED, ADAM_STEP]


def _rmsprop(s: Settings) -> list[Factor]:
    return [*_coupled(s), SQUARE_AVERAGE, RMSPROP_STEP]


OPTIMIZERS = {
    o.name: o
    for o in (
        Optimizer("sgd", "SGD", ("momentum", "nesterov", "weight_decay"), {}, _sgd),
        Optimizer("adam", "Adam", ("beta1", "beta2", "eps", "weight_decay"), {}, _adam),
        Optimizer("adamw", "AdamW", ("beta1", "beta2", "eps", "weight_decay"), {"weight_decay": 0.01}, _adamw),
        Optimizer("rmsprop", "RMSprop", ("alpha", "eps", "weight_decay"), {}, _rmsprop),
    )
}

# The constants a formula names: (Unicode, LaTeX) symbol and the setting it reads.
CONSTANTS = {
    "lambda": ("λ", r"\lambda", lambda s, lr: s.weight_decay),
    "mu": ("μ", r"\mu", lambda s, lr: s.momentum),
    "beta1": ("β₁", r"\beta_{1}", lambda s, lr: s.beta1),
    "beta2": ("β₂", r"\beta_{2}", lambda s, lr: s.beta2),
    "alpha": ("α", r"\alpha", lambda s, lr: s.alpha),
    "eps": ("ε", r"\epsilon", lambda s, lr: s.eps),
    "eta": ("η", r"\eta", lambda s, lr: lr),
}


def network_state(network) -> State:
    """Where a network's optimizer starts: the state its file carried (a saved network goes on
    exactly), else t = 0 and every moving array 0."""
    if network.optimizer_state is not None:
        return network.optimizer_state
    return initial_state(network.optimizer, network.params, network.frozen)
