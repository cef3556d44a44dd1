"""The derivation of one iteration: every chain-rule factor as a Step, in the canonical order
(forward, loss, backward, update; docs/ARCHITECTURE.md). The app, `trace`, the exports and the tests
all read these Steps, so every view shows the same numbers.

With one sample (m = 1) the formulas use the column vectors of the three-layer homework (z₁ = W₁x + b₁);
with a batch they use rows as samples (Z₁ = X W₁ᵀ + b₁). Values are always stored with rows
as samples (m × units), as in the JSON trace.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import backprop as bp
from . import notation
from . import optimizers as opt
from .explanations import DELTA, Words, name
from .network import Network
from .quantities import Kind, Quantity, StepKind, derivative, of_parameter

PHASES = ("forward", "loss", "backward", "update")
LATEX_RELATIONS = {"=": "=", "←": r"\leftarrow"}


@dataclass(frozen=True, eq=False)
class Step:
    index: int
    phase: str
    kind: StepKind  # what it computes: the shape of its formula
    layer: int | None
    symbol: str  # "z₁"
    symbol_latex: str  # "z_1"
    formula: str  # "z₁ = W₁x + b₁"
    latex: str  # "z_1 = W_1 x + b_1"
    reads: tuple[str, ...]  # ids of the quantities it reads: "W1", "x", "b1"
    writes: str  # the id of the one quantity it writes: "z1"
    value: np.ndarray
    explanation: str  # one line in plain words
    template: str  # right-hand side with ‹0›, ‹1›, … standing for the operands
    template_latex: str
    operands: tuple[np.ndarray, ...]
    operand_names: tuple[str, ...]  # the id of each operand's quantity: "W1", "x", "b1"
    roles: tuple[str, ...]  # what each operand is in the formula: "W", "x", "b"
    column: bool  # the single-sample view: one-sample rows are shown as column vectors
    # A backward step computes part of its layer's chain ∂L/∂W_l = ∂L/∂a_l · ∂a_l/∂z_l · ∂z_l/∂W_l
    # (∂L/∂b_l for the bias step): the target and the factors as (symbol, id of the value, or
    # None for the constant 1 of ∂z/∂b).
    chain_target: str = ""
    chain: tuple[tuple[str, str | None], ...] = ()
    relation: str = "="  # "←" for an update: the new value replaces the old
    convention: str = ""  # where sources differ, which choice this step makes and what it changes
    v_names: Words | None = None  # the text above in the dynamic-programming view's names (v, d, t, g)

    def words(self, v_names: bool = False) -> Words:
        """The step's text in the δ names, or in the v names."""
        if v_names and self.v_names is not None:
            return self.v_names
        return Words(self.symbol, self.formula, self.explanation, self.convention, self.chain_target, self.chain)

    @property
    def relation_latex(self) -> str:
        return LATEX_RELATIONS[self.relation]

    @property
    def shape(self) -> tuple[int, ...]:
        return self.value.shape

    def operand(self, role: str) -> np.ndarray:
        """The operand that plays `role` in the formula ("W", "x", "b", …), whatever its place."""
        return self.operands[self.roles.index(role)]

    def value_text(self, fmt: notation.Format) -> str:
        return notation.text(self.value, fmt, self.column, per_sample=samples_first(self.writes))

    def substitution(self, fmt: notation.Format = notation.significant(6)) -> str:
        """The formula with the numbers put in, and the result: 'z₁ = […] · […] + […] = […]'."""
        filled = _fill(
            self.template,
            [
                notation.text(o, fmt, self.column, per_sample=samples_first(q))
                for o, q in zip(self.operands, self.operand_names)
            ],
        )
        return f"{self.symbol} {self.relation} {filled} = {self.value_text(fmt)}"

    def substitution_latex(self, fmt: notation.Format = notation.significant(6)) -> str:
        filled = _fill(
            self.template_latex,
            [
                notation.latex(o, fmt, self.column, per_sample=samples_first(q))
                for o, q in zip(self.operands, self.operand_names)
            ],
        )
        value = notation.latex(self.value, fmt, self.column, per_sample=samples_first(self.writes))
        return f"{self.symbol_latex} {self.relation_latex} {filled} = {value}"


def samples_first(quantity: str) -> bool:
    """Whether the rows of the quantity with this id are the samples (Quantity.per_sample); an
    operand that is no quantity (each sample's Σy) has one row per sample too."""
    named = Quantity.parse(quantity)
    return named.per_sample if named is not None else True


def _fill(template: str, parts: list[str]) -> str:
    for i, part in enumerate(parts):  # a grid is the whole matrix: an element's subscript k goes with it
        template = template.replace(f"{{‹{i}›}}_{{k}}", part).replace(f"‹{i}›ₖ", part).replace(f"‹{i}›", part)
    return template


@dataclass
class Iteration:
    """Everything one iteration computes, from the parameters it started with."""

    steps: list[Step]
    loss: float
    params: dict[str, np.ndarray]  # before the update
    grads: dict[str, np.ndarray]
    params_after: dict[str, np.ndarray]
    values: dict[str, np.ndarray] = field(default_factory=dict)  # id → final value
    state: opt.State = field(default_factory=opt.State)  # the optimizer's, before the update
    state_after: opt.State = field(default_factory=opt.State)


def _strip_parentheses(text: str) -> str:
    """'(a − y)' → 'a − y' when the outer pair encloses everything."""
    if not (text.startswith("(") and text.endswith(")")):
        return text
    depth = 0
    for i, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and i < len(text) - 1:
            return text
    return text[1:-1]


def derive(
    network: Network,
    params: dict[str, np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    mistake: bool = False,
    state: opt.State | None = None,
) -> Iteration:
    """All the Steps of one iteration on the batch (X, Y) from `params` and the optimizer's
    `state` (None: the network's starting state, opt.network_state).

    mistake: make the classic slip of hand-worked examples on purpose, to show its effect: the
    δ sent back into a hidden layer uses the next layer's weights already updated
    (W − η ∂L/∂W) instead of the weights of the forward pass."""
    with np.errstate(all="ignore"):  # overflow becomes a visible inf/nan, never a printed warning
        state = opt.network_state(network) if state is None else state
        return _Derivation(network, params, X, Y, mistake, state).run()


def _id(kind: Kind, layer: int | None = None) -> str:
    return Quantity(kind, layer).id


def _input_id(layer: int) -> str:
    return Quantity.input_of(layer).id


class _Derivation:
    def __init__(self, network: Network, params, X, Y, mistake, state):
        self.net, self.params, self.mistake, self.state = network, params, mistake, state
        self.X, self.Y = X, Y
        self.m = X.shape[0]
        self.single = self.m == 1
        self.acts, self.loss = bp.functions_of(network)
        self.scale = bp.reduction_scale(network.reduction, self.m)
        self.steps: list[Step] = []
        self.values: dict[str, np.ndarray] = {"x": X, "y": Y, **params}

    def sym(self, quantity: Quantity) -> tuple[str, str]:
        """A quantity's (Unicode, LaTeX) symbol: in Unicode its placeholder, which add() renders
        in both notations."""
        return name(quantity), quantity.symbol(self.single, latex=True)

    def add(
        self,
        *,
        phase,
        layer,
        kind,
        symbol,
        formula,
        reads,
        writes,
        value,
        explanation,
        template,
        operands,
        relation="=",
        convention="",
    ):
        """symbol, formula: (Unicode, LaTeX), the formula's right-hand side; template: (Unicode,
        LaTeX) with ‹i› for the i-th operand; operands: {role: (id of the quantity, its value)},
        in the template's order."""
        value = np.asarray(value, dtype=np.float64)
        target, chain = self.layer_chain(layer, kind) if phase == "backward" else ("", ())
        text = Words(symbol[0], f"{symbol[0]} {relation} {formula[0]}", explanation, convention, target, chain)
        delta, v = (text.rendered(column=self.single, v=v) for v in (False, True))
        step = Step(
            index=len(self.steps),
            phase=phase,
            layer=layer,
            symbol=delta.symbol,
            symbol_latex=symbol[1],
            formula=delta.formula,
            latex=f"{symbol[1]} {LATEX_RELATIONS[relation]} {formula[1]}",
            reads=tuple(reads),
            writes=writes,
            value=value,
            explanation=delta.explanation,
            template=template[0],
            template_latex=template[1],
            operands=tuple(v for _, v in operands.values()),
            operand_names=tuple(q for q, _ in operands.values()),
            roles=tuple(operands),
            column=self.single,
            chain_target=delta.chain_target,
            chain=delta.chain,
            kind=kind,
            relation=relation,
            convention=delta.convention,
            v_names=v,
        )
        self.steps.append(step)
        self.values[writes] = value
        return value

    def layer_chain(self, l, kind):
        """∂L/∂W_l = ∂L/∂a_l · ∂a_l/∂z_l · ∂z_l/∂W_l (∂L/∂b_l for the bias step)."""
        bias = kind == StepKind.DB
        p = Quantity(Kind.B if bias else Kind.W, l)
        factors = (
            (name(Quantity(Kind.DL_DA, l)), _id(Kind.DL_DA, l)),
            (name(Quantity(Kind.DA_DZ, l)), _id(Kind.DA_DZ, l)),
            (derivative(name(Quantity(Kind.Z, l)), name(p)), None if bias else _input_id(l)),
        )
        return name(Quantity(Kind.DL_DB if bias else Kind.DL_DW, l)), factors

    def run(self) -> Iteration:
        net, L = self.net, self.net.depth
        p = self.params
        a_prev = self.X
        zs, As = [None], [self.X]
        for l in range(1, L + 1):
            z = self.forward_z(l, a_prev)
            a = self.forward_a(l, z)
            zs.append(z)
            As.append(a)
            a_prev = a
        loss = self.loss_step(zs[L], As[L])
        grads = {}
        delta = None
        for l in range(L, 0, -1):
            if l == L:
                delta = self.output_delta(zs[L], As[L])
            else:
                W_next = self.params[_id(Kind.W, l + 1)]
                if self.mistake and _id(Kind.W, l + 1) not in net.frozen:
                    W_next = self.updated(Quantity(Kind.W, l + 1), grads[_id(Kind.W, l + 1)])
                delta = self.hidden_delta(l, zs[l], As[l], delta, W_next)
            grads[_id(Kind.W, l)] = self.weight_grad(l, delta, As[l - 1])
            grads[_id(Kind.B, l)] = self.bias_grad(l, delta)
        after, t = dict(p), self.state.t + 1  # t counts the updates, this one included
        arrays = dict(self.state.arrays)
        for l in range(L, 0, -1):
            for kind in (Kind.W, Kind.B):
                name = _id(kind, l)
                if name not in net.frozen:
                    after[name] = self.update_steps(Quantity(kind, l), grads[name], t, arrays)
        return Iteration(self.steps, loss, p, grads, after, self.values, self.state, opt.State(t, arrays))

    # -- forward ---------------------------------------------------------------------------------

    def forward_z(self, l, a_prev):
        p = self.params
        W_id, b_id, x_id = _id(Kind.W, l), _id(Kind.B, l), _input_id(l)
        W, b, x, z = (
            self.sym(Quantity(Kind.W, l)),
            self.sym(Quantity(Kind.B, l)),
            self.sym(Quantity.input_of(l)),
            self.sym(Quantity(Kind.Z, l)),
        )
        value = bp.pre_activation(a_prev, p[W_id], p[b_id])
        if self.single:
            formula = (f"{W[0]}{x[0]} + {b[0]}", f"{W[1]} {x[1]} + {b[1]}")
            template = ("‹0› · ‹1› + ‹2›", r"‹0› ‹1› + ‹2›")
            operands = {"W": (W_id, p[W_id]), "x": (x_id, a_prev), "b": (b_id, p[b_id])}
            how = f"each unit of layer {l} adds up its inputs {x[0]} times its weights (a row of {W[0]}), plus its bias"
        else:
            formula = (f"{x[0]}{W[0]}ᵀ + {b[0]}", f"{x[1]} {W[1]}^\\top + {b[1]}")
            template = ("‹0› · ‹1›ᵀ + ‹2›", r"‹0› ‹1›^\top + ‹2›")
            operands = {"x": (x_id, a_prev), "W": (W_id, p[W_id]), "b": (b_id, p[b_id])}
            how = (
                f"for every sample (a row of {x[0]}), each unit of layer {l} adds up its inputs times "
                f"its weights, plus its bias"
            )
        return self.add(
            phase="forward",
            layer=l,
            kind=StepKind.Z,
            symbol=z,
            formula=formula,
            reads=[W_id, x_id, b_id],
            writes=_id(Kind.Z, l),
            value=value,
            explanation=f"The weighted sum before the activation: {how}.",
            template=template,
            operands=operands,
        )

    def forward_a(self, l, z_value):
        act = self.acts[l - 1]
        z, a = self.sym(Quantity(Kind.Z, l)), self.sym(Quantity(Kind.A, l))
        value = act.f(z_value)
        role = " This is the prediction ŷ." if l == self.net.depth else ""
        return self.add(
            phase="forward",
            layer=l,
            kind=StepKind.A,
            symbol=a,
            formula=(f"{act.symbol}({z[0]})", f"{act.latex}({z[1]})"),
            reads=[_id(Kind.Z, l)],
            writes=_id(Kind.A, l),
            value=value,
            explanation=f"The activation of layer {l}, applied to each z: {act.definition.split(', so ')[0]}.{role}",
            template=(f"{act.symbol}(‹0›)", f"{act.latex}\\left(‹0›\\right)"),
            operands={"z": (_id(Kind.Z, l), z_value)},
        )

    # -- loss ------------------------------------------------------------------------------------

    def loss_step(self, z_value, a_value):
        L, loss = self.net.depth, self.loss
        a, y = self.sym(Quantity(Kind.A, L)), self.sym(Quantity(Kind.Y))
        several = self.net.layers[-1].units > 1 and not loss.sums_outputs
        if self.single:
            outer = ("Σₖ " if several else "", r"\sum_k " if several else "")
            t_outer = outer
            where = "summed over the output units" if several else "for the one output"
        else:
            mean = self.net.reduction == "mean"
            outer = (
                ("(1/m) " if mean else "") + "Σᵢ " + ("Σₖ " if several else ""),
                (r"\frac{1}{m} " if mean else "") + r"\sum_i " + (r"\sum_k " if several else ""),
            )
            t_outer = (
                (f"(1/{self.m}) " if mean else "") + "Σ ",
                (rf"\frac{{1}}{{{self.m}}} " if mean else "") + r"\sum ",
            )
            where = f"averaged over the m = {self.m} samples" if mean else f"summed over the m = {self.m} samples"
        formula = (outer[0] + loss.term(a[0], y[0]), outer[1] + loss.term_latex(a[1], y[1]))
        template = (t_outer[0] + loss.term("‹0›", "‹1›"), t_outer[1] + loss.term_latex("‹0›", "‹1›"))
        value = bp.loss_value(loss, z_value, a_value, self.Y, self.scale)
        notes = [loss.convention] if loss.convention else []
        a_id = _id(Kind.A, L)
        operands = {"a": (a_id, a_value), "y": ("y", self.Y)}
        explanation = f"How wrong the prediction {a[0]} is: {loss.definition}; {where}."
        if self.net.l2:
            formula, template = self.l2_term(formula, template, operands)
            value += bp.l2_penalty([self.params[_id(Kind.W, l)] for l in range(1, L + 1)], self.net.l2)
            explanation += (
                " Plus the l2 term: λ/2 times the sum of every squared weight (biases not), which grows "
                "with the weights and so pulls them towards 0; added once, not divided by the samples."
            )
        if not self.single:
            notes.append(
                f"L is the {'mean' if self.net.reduction == 'mean' else 'sum'} over the m = {self.m} "
                "samples"
                + (
                    ", so every gradient below carries a 1/m"
                    if self.net.reduction == "mean"
                    else "; with a mean every gradient would carry a 1/m"
                )
            )
        return float(
            self.add(
                phase="loss",
                layer=None,
                kind=StepKind.LOSS,
                symbol=("L", "L"),
                formula=formula,
                reads=[a_id, "y"],
                writes="L",
                value=value,
                explanation=explanation,
                template=template,
                operands=operands,
                convention="; ".join(notes) + "." if notes else "",
            )
        )

    def l2_term(self, formula, template, operands):
        """The loss's formula and template with + (λ/2) Σ_l ‖W_l‖² written out, every W_l an operand."""
        L, lam = self.net.depth, self.net.l2
        Ws = [self.sym(Quantity(Kind.W, l)) for l in range(1, L + 1)]
        first = len(operands)
        for l in range(1, L + 1):
            operands[f"W{l}"] = (_id(Kind.W, l), self.params[_id(Kind.W, l)])
        norms = " + ".join(f"‖‹{first + i}›‖²" for i in range(L))
        norms_latex = " + ".join(rf"\lVert ‹{first + i}› \rVert^{{2}}" for i in range(L))
        lam_text, lam_latex = notation.shortest(lam), notation.latex_number(notation.shortest)(lam)
        return (
            (
                formula[0] + " + (λ/2) (" + " + ".join(f"‖{W[0]}‖²" for W in Ws) + ")",
                formula[1]
                + r" + \frac{\lambda}{2} \left("
                + " + ".join(rf"\lVert {W[1]} \rVert^{{2}}" for W in Ws)
                + r"\right)",
            ),
            (
                template[0] + f" + ({lam_text}/2) ({norms})",
                template[1] + rf" + \frac{{{lam_latex}}}{{2}} \left({norms_latex}\right)",
            ),
        )

    # -- backward --------------------------------------------------------------------------------

    def scale_text(self):
        """The 1/m of a batch mean, as written after a gradient."""
        if self.single or self.net.reduction == "sum":
            return ("", "", "")
        return ("/m", r"\frac{1}{m}", f"/{self.m}")

    def output_delta(self, z_value, a_value):
        L, loss, act = self.net.depth, self.loss, self.acts[-1]
        a, z, y = self.sym(Quantity(Kind.A, L)), self.sym(Quantity(Kind.Z, L)), self.sym(Quantity(Kind.Y))
        dL_da_sym, da_dz_sym = self.sym(Quantity(Kind.DL_DA, L)), self.sym(Quantity(Kind.DA_DZ, L))
        a_id, dL_da_id, da_dz_id = _id(Kind.A, L), _id(Kind.DL_DA, L), _id(Kind.DA_DZ, L)
        per, per_latex, per_m = self.scale_text()
        dL_da = loss.grad(a_value, self.Y, self.scale)
        term = loss.grad_term(a[0], y[0])
        notes = [
            note
            for note in (
                loss.grad_convention,
                "The 1/m of the batch mean enters here and rides along into every gradient" if per else "",
            )
            if note
        ]
        self.add(
            phase="backward",
            layer=L,
            kind=StepKind.DL_DA,
            symbol=dL_da_sym,
            formula=(term + per if per else _strip_parentheses(term), per_latex + loss.grad_term_latex(a[1], y[1])),
            reads=[a_id, "y"],
            writes=dL_da_id,
            value=dL_da,
            explanation=f"How much the loss changes if each output {a[0]} changes: the derivative of the "
            f"{loss.name} loss{' with the 1/m of the batch mean' if per else ''}.",
            template=(
                loss.grad_term("‹0›", "‹1›") + per_m,
                (rf"\frac{{1}}{{{self.m}}}" if per else "") + loss.grad_term_latex("‹0›", "‹1›"),
            ),
            operands={"a": (a_id, a_value), "y": ("y", self.Y)},
            convention=". ".join(notes) + "." if notes else "",
        )
        da_dz = self.local_derivative(L, z_value, a_value)
        simplified = bp.simplifies(act.name, loss.name)
        value = bp.output_delta(act, loss, z_value, a_value, self.Y, self.scale, dL_da, da_dz)
        op = ("·", r"\cdot") if da_dz.ndim == 3 else ("⊙", r"\odot")
        factors = [(dL_da_sym, "dL/da", dL_da_id, dL_da), (da_dz_sym, "da/dz", da_dz_id, da_dz)]
        how = ", per sample a row times the Jacobian." if da_dz.ndim == 3 else ", element by element."
        if da_dz.ndim == 3 and self.single:  # a column: the Jacobian (symmetric) times the column ∂L/∂a
            factors.reverse()
            how = ", the Jacobian times the column."
        (first, *_), (second, *_) = factors
        self.add(
            phase="backward",
            layer=L,
            kind=StepKind.DELTA,
            symbol=self.sym(Quantity(Kind.DELTA, L)),
            formula=(f"{first[0]} {op[0]} {second[0]}", f"{first[1]} {op[1]} {second[1]}"),
            reads=[dL_da_id, da_dz_id],
            writes=_id(Kind.DELTA, L),
            value=value,
            explanation=f"How much the loss changes if {z[0]} changes (chain rule): the two factors multiplied" + how,
            template=(f"‹0› {op[0]} ‹1›", f"‹0› {op[1]} ‹1›"),
            operands={role: (id_, v) for _, role, id_, v in factors},
        )
        if simplified:
            self.simplified_delta(a, y, value, a_value, per, per_latex, per_m)
        return value

    def simplified_delta(self, a, y, value, a_value, per, per_latex, per_m):
        """δ_L in one line: ŷ − y, or for cross-entropy targets whose rows do not sum to exactly
        1, ŷ·Σy − y (Σy: each sample's sum of targets), the form bp.output_delta computes."""
        L = self.net.depth
        per_latex_m = rf"\frac{{1}}{{{self.m}}}" if per else ""
        a_id = _id(Kind.A, L)
        operands = {"a": (a_id, a_value), "y": ("y", self.Y)}
        sums = bp.target_sums(self.Y)
        convention = (
            f"Many sources skip the two factors and write {DELTA} = (ŷ − y)/m directly (without the /m for one "
            "sample); "
        )
        if self.loss.one_line_scaled and not np.all(sums == 1.0):
            convention += "that holds only where each row of targets sums to exactly 1."
            operands["sum y"] = ("sum y", sums)
            # diag(Σy) scales each row of ŷ by its sample's sum: a true matrix product, as the batch is
            rhs = (
                f"diag(Σₖ{y[0]}ₖ) {a[0]} − {y[0]}",
                rf"\mathrm{{diag}}\left(\sum_k {{{y[1]}}}_{{k}}\right) {a[1]} - {y[1]}",
            )
            template = ("diag(‹2›) ‹0› − ‹1›", r"\mathrm{diag}\left(‹2›\right) ‹0› - ‹1›")
            if self.single:  # one sample: its sum is a number that scales the column ŷ
                rhs = (f"(Σₖ{y[0]}ₖ) {a[0]} − {y[0]}", rf"\left(\sum_k {{{y[1]}}}_{{k}}\right) {a[1]} - {y[1]}")
                template = ("(‹2›) ‹0› − ‹1›", r"\left(‹2›\right) ‹0› - ‹1›")
            why = self.loss.one_line_scaled
        else:
            rhs = (f"{a[0]} − {y[0]}", f"{a[1]} - {y[1]}")
            template = ("‹0› − ‹1›", "‹0› - ‹1›")
            why = self.loss.one_line
            convention += "it is the same number."
        self.add(
            phase="backward",
            layer=L,
            kind=StepKind.SIMPLIFIED,
            symbol=self.sym(Quantity(Kind.DELTA, L)),
            formula=(f"({rhs[0]}){per}" if per else rhs[0], f"{per_latex}({rhs[1]})" if per else rhs[1]),
            reads=[a_id, "y"],
            writes=_id(Kind.DELTA, L),
            value=value,
            explanation=f"The same {DELTA} in one line: {why}. This form stays finite even where ŷ is exactly 0 or 1.",
            template=(
                f"({template[0]}){per_m}" if per else template[0],
                f"{per_latex_m}({template[1]})" if per else template[1],
            ),
            operands=operands,
            convention=convention,
        )

    def local_derivative(self, l, z_value, a_value):
        act = self.acts[l - 1]
        a, z = self.sym(Quantity(Kind.A, l)), self.sym(Quantity(Kind.Z, l))
        value = act.df(z_value, a_value)
        uses = Kind.Z if act.df_uses == "z" else Kind.A
        used_id, used = _id(uses, l), (z_value if uses is Kind.Z else a_value)
        if value.ndim == 3 and not self.single:  # a Jacobian per sample: of each row a of A, not of A
            formula = (
                f"{act.symbol}'({z[0]}) = {act.df_formula('z', 'a')} for each row a of {a[0]}",
                rf"{act.latex}'({z[1]}) = {act.df_latex('z', 'a')} \text{{ for each row }} a \text{{ of }} {a[1]}",
            )
            template = (
                f"{act.df_formula('z', 'a')} for each row a of ‹0›",
                rf"{act.df_latex('z', 'a')} \text{{ for each row }} a \text{{ of }} ‹0›",
            )
        else:
            formula = (
                f"{act.symbol}'({z[0]}) = {act.df_formula(z[0], a[0])}",
                f"{act.latex}'({z[1]}) = {act.df_latex(z[1], a[1])}",
            )
            template = (act.df_formula("‹0›", "‹0›"), act.df_latex("‹0›", "‹0›"))
        operands = {uses.name.lower(): (used_id, used)} if "‹0›" in template[0] else {}
        return self.add(
            phase="backward",
            layer=l,
            kind=StepKind.DA_DZ,
            symbol=self.sym(Quantity(Kind.DA_DZ, l)),
            formula=formula,
            reads=[used_id],
            writes=_id(Kind.DA_DZ, l),
            value=value,
            explanation=f"How much {a[0]} changes if {z[0]} changes: {act.definition}.",
            template=template,
            operands=operands,
            convention=act.convention,
        )

    def updated(self, param: Quantity, grad):
        """The parameter as this iteration's update leaves it (the optimizer's kernels on copies of
        its state): the weights the common mistake sends δ back through."""
        settings = self.net.optimizer
        values = {"old": self.params[param.id], "grad": grad}
        for role in opt.state_roles(settings):
            values[role] = self.state.arrays[of_parameter(role, param).id]
        opt.kernels(settings.factors(), settings, self.net.learning_rate, self.state.t + 1, values)
        return values["old"]

    def hidden_delta(self, l, z_value, a_value, delta_next, W_value):
        a, z = self.sym(Quantity(Kind.A, l)), self.sym(Quantity(Kind.Z, l))
        W_next, d_next = self.sym(Quantity(Kind.W, l + 1)), self.sym(Quantity(Kind.DELTA, l + 1))
        W_id, d_id = _id(Kind.W, l + 1), _id(Kind.DELTA, l + 1)
        mistaken = W_value is not self.params[W_id]
        W_plain, dW_next = W_next[0], name(Quantity(Kind.DL_DW, l + 1))
        if mistaken:  # W⁺: the weights already updated
            W_next = (f"{W_next[0]}⁺", f"({W_next[1]}^{{+}})")
        dL_da_sym, da_dz_sym = self.sym(Quantity(Kind.DL_DA, l)), self.sym(Quantity(Kind.DA_DZ, l))
        dL_da_id, da_dz_id = _id(Kind.DL_DA, l), _id(Kind.DA_DZ, l)
        dL_da = bp.sent_back(delta_next, W_value)
        if self.single:
            formula = (f"{W_next[0]}ᵀ{d_next[0]}", f"{W_next[1]}^\\top {d_next[1]}")
            template = ("‹0›ᵀ · ‹1›", r"‹0›^\top ‹1›")
            operands = {"W": (W_id, W_value), "delta": (d_id, delta_next)}
        else:
            formula = (f"{d_next[0]}{W_next[0]}", f"{d_next[1]} {W_next[1]}")
            template = ("‹0› · ‹1›", r"‹0› ‹1›")
            operands = {"delta": (d_id, delta_next), "W": (W_id, W_value)}
        settings = self.net.optimizer
        update = (
            f"= {W_plain} − η {dW_next}" if settings.plain else f", {W_plain} as {settings.optimizer.title} updates it"
        )
        which = (
            f"⚠ the common mistake, made on purpose: this uses {W_next[0]} {update}, already updated, "
            f"instead of the {W_plain} of the forward pass, so every gradient of the layers below is off."
            if mistaken
            else "using the weights from before the update (the ones the forward pass used)."
        )
        self.add(
            phase="backward",
            layer=l,
            kind=StepKind.DL_DA,
            symbol=dL_da_sym,
            formula=formula,
            reads=[W_id, d_id],
            writes=dL_da_id,
            value=dL_da,
            explanation=f"How much the loss changes if each activation of {a[0]} changes: each unit of layer {l} "
            f"feeds every unit of layer {l + 1} through a weight of {W_plain}, so it adds up "
            f"{d_next[0]} times those weights (in the dynamic-programming view, the Σ v·w that the "
            f"slope t(d) then turns into v), {which}",
            template=template,
            operands=operands,
            convention="Every gradient of an iteration is taken at the same weights, those of the forward "
            f"pass; updating a layer before sending {DELTA} through it is the classic slip (the app's c key shows it).",
        )
        da_dz = self.local_derivative(l, z_value, a_value)
        value = bp.chain(dL_da, da_dz)
        return self.add(
            phase="backward",
            layer=l,
            kind=StepKind.DELTA,
            symbol=self.sym(Quantity(Kind.DELTA, l)),
            formula=(f"{dL_da_sym[0]} ⊙ {da_dz_sym[0]}", f"{dL_da_sym[1]} \\odot {da_dz_sym[1]}"),
            reads=[dL_da_id, da_dz_id],
            writes=_id(Kind.DELTA, l),
            value=value,
            explanation=f"How much the loss changes if {z[0]} changes: ∂L/∂{a[0]} times the local slope of "
            f"the activation, element by element.",
            template=("‹0› ⊙ ‹1›", r"‹0› \odot ‹1›"),
            operands={"dL/da": (dL_da_id, dL_da), "da/dz": (da_dz_id, da_dz)},
        )

    def weight_grad(self, l, delta_value, a_prev):
        d, x = self.sym(Quantity(Kind.DELTA, l)), self.sym(Quantity.input_of(l))
        W, z = self.sym(Quantity(Kind.W, l)), self.sym(Quantity(Kind.Z, l))
        d_id, x_id = _id(Kind.DELTA, l), _input_id(l)
        value = bp.weight_grad(delta_value, a_prev)
        if self.single:
            formula = (f"{d[0]}{x[0]}ᵀ", f"{d[1]} {x[1]}^\\top")
            template = ("‹0› · ‹1›ᵀ", r"‹0› ‹1›^\top")
            summed = ""
        else:
            formula = (f"{d[0]}ᵀ{x[0]}", f"{d[1]}^\\top {x[1]}")
            template = ("‹0›ᵀ · ‹1›", r"‹0›^\top ‹1›")
            summed = ", summed over the samples"
        operands = {"delta": (d_id, delta_value), "x": (x_id, a_prev)}
        reads = [d_id, x_id]
        l2 = ""
        if self.net.l2:  # + λW: the l2 term's gradient, its own term
            W_id, lam = _id(Kind.W, l), self.net.l2
            value = bp.with_l2(value, self.params[W_id], lam)
            lam_latex = notation.latex_number(notation.shortest)(lam)
            formula = (f"{formula[0]} + λ{W[0]}", f"{formula[1]} + \\lambda {W[1]}")
            template = (f"{template[0]} + {notation.shortest(lam)} · ‹2›", rf"{template[1]} + {lam_latex} \cdot ‹2›")
            operands["W"] = (W_id, self.params[W_id])
            reads.append(W_id)
            l2 = (
                f" Plus λ{W[0]}, the gradient of the l2 term (λ/2)‖{W[0]}‖²: with plain gradient descent this "
                f"shrinks every weight by ηλ of itself, the same as weight decay on the weights."
            )
        return self.add(
            phase="backward",
            layer=l,
            kind=StepKind.DW,
            symbol=self.sym(Quantity(Kind.DL_DW, l)),
            formula=formula,
            reads=reads,
            writes=_id(Kind.DL_DW, l),
            value=value,
            explanation=f"How much the loss changes if each weight of {W[0]} changes: ∂{z[0]}/∂{W[0]} is "
            f"the input {x[0]}, so a weight's gradient is its unit's {DELTA} times the input on its "
            f"edge{summed}.{l2}",
            template=template,
            operands=operands,
            convention=f"Summed, not averaged, over the samples: the 1/m of the mean is already inside {DELTA}."
            if summed and self.net.reduction == "mean"
            else "",
        )

    def bias_grad(self, l, delta_value):
        d, b, z = self.sym(Quantity(Kind.DELTA, l)), self.sym(Quantity(Kind.B, l)), self.sym(Quantity(Kind.Z, l))
        d_id = _id(Kind.DELTA, l)
        value = bp.bias_grad(delta_value)
        if self.single:
            formula, template, summed = (d[0], d[1]), ("‹0›", "‹0›"), ""
        else:
            formula = (f"Σᵢ {d[0]}ᵢ", rf"\sum_i {d[1]}^{{(i)}}")
            template = ("Σ rows of ‹0›", r"\sum_i ‹0›")
            summed = ", summed over the samples"
        return self.add(
            phase="backward",
            layer=l,
            kind=StepKind.DB,
            symbol=self.sym(Quantity(Kind.DL_DB, l)),
            formula=formula,
            reads=[d_id],
            writes=_id(Kind.DL_DB, l),
            value=value,
            explanation=f"How much the loss changes if each bias of {b[0]} changes: a bias's input is "
            f"always 1 (∂{z[0]}/∂{b[0]} = 1), so its gradient is just {d[0]}{summed}.",
            template=template,
            operands={"delta": (d_id, delta_value)},
        )

    # -- update ----------------------------------------------------------------------------------

    def update_steps(self, param: Quantity, grad, t, arrays):
        """The optimizer's factors of one parameter, a Step each, in the order of the kernels
        (optimizers.kernels); `arrays`, the moving state by id, gets the new values."""
        settings, lr = self.net.optimizer, self.net.learning_rate
        gradient = Quantity(Kind.DL_DW if param.kind is Kind.W else Kind.DL_DB, param.layer)
        ids = {"old": param.id, "grad": gradient.id}
        values = {"old": self.params[param.id], "grad": grad}
        for role in opt.state_roles(settings):
            ids[role] = of_parameter(role, param).id
            values[role] = arrays[ids[role]]
        for factor in settings.factors():
            value = factor.kernel(settings, lr, t, values)
            written = param if factor.writes == "old" else of_parameter(factor.writes, param)
            self.factor_step(
                factor, param, written, value, t, {role: (ids[role], values[role]) for role in factor.reads}
            )
            ids[factor.writes], values[factor.writes] = written.id, value
            if factor.writes in opt.STATE_ROLES:
                arrays[written.id] = value
        return values["old"]

    def factor_step(self, factor: opt.Factor, param: Quantity, written: Quantity, value, t, operands):
        """One factor of an update as a Step: its formula with the symbols of what it reads, its
        template with the constants' numbers, its line of why."""
        settings, lr = self.net.optimizer, self.net.learning_rate
        symbols = {role: self.sym(Quantity.parse(q)) for role, (q, _) in operands.items()}
        for role in ("mhat", "vhat", "m", "v"):  # the why names them even where they are not read
            symbols.setdefault(role, self.sym(of_parameter(role, param)))
        constants = {key: (uni, latex, get(settings, lr)) for key, (uni, latex, get) in opt.CONSTANTS.items()}

        def symbolic(text: str, latex: bool) -> str:
            for key, (uni, tex, _) in constants.items():
                text = text.replace(f"${key}", tex if latex else uni)
            for role in sorted(symbols, key=len, reverse=True):  # $mhat before $m
                text = text.replace(f"${role}", symbols[role][latex])
            return text.replace("$what", "weight" if param.kind is Kind.W else "bias")

        def numeric(text: str, latex: bool) -> str:
            number = notation.latex_number(notation.shortest) if latex else notation.shortest
            text = text.replace("#tsup", str(t).translate(_SUPERSCRIPTS)).replace("#t", str(t))
            for key, (_, _, x) in constants.items():
                text = text.replace(f"#{key}", number(x))
            return text

        return self.add(
            phase="update",
            layer=param.layer,
            kind=factor.kind,
            symbol=self.sym(written),
            formula=(symbolic(factor.formula[0], False), symbolic(factor.formula[1], True)),
            reads=[q for q, _ in operands.values()],
            writes=written.id,
            value=value,
            explanation=numeric(symbolic(factor.why, False), False),
            template=(numeric(factor.template[0], False), numeric(factor.template[1], True)),
            operands=operands,
            relation=factor.relation,
        )


_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
