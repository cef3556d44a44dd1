"""One parameter's whole chain: ∂L/∂w as a sum, over samples and over every path from w to
the loss, of products of scalar factors (∂L/∂ŷ · ∂ŷ/∂z · w · ∂a/∂z · … · ∂z/∂w).

This is the long way round that backprop's δ (the dynamic-programming view's v) shortcuts:
v = Σ(v·w)·f'(z) at each unit sums the paths once, and g = v·x. Both views are built from the
factors the derivation already computed (its Iteration.values), so every number matches the
app's panels; the sum of the paths is the one new arithmetic here, and it equals backprop's
gradient (tests check it).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import numpy as np

from .derivation import Iteration
from .network import Network
from .quantities import PREDICTION, Kind, Quantity, derivative

MAX_PATHS = 20_000  # paths per sample enumerated; beyond, only the δ / v view is given
_NAME = re.compile(r"^\s*([WwBb])\s*_?\s*(\d+)\s*\[\s*(\d+)\s*(?:,\s*(\d+)\s*)?\]\s*$")


@dataclass(frozen=True)
class Factor:
    symbol: str  # "∂a₂[0]/∂z₂[0]"
    value: float


@dataclass(frozen=True)
class Path:
    sample: int  # the row of the batch
    units: tuple[tuple[int, int], ...]  # (layer, unit) from the parameter's unit to the output
    factors: tuple[Factor, ...]  # from the loss back to the parameter, as the chain rule reads
    output: int  # the output unit the loss reads: the path's last unit, or any one through a softmax

    @property
    def product(self) -> float:
        return float(np.prod([f.value for f in self.factors]))


@dataclass(frozen=True)
class Delta:
    """One line of the δ (v) view: δ_l[j] of a sample = (Σ_k δ_(l+1)[k]·W_(l+1)[k,j]) · f'(z_l[j])."""

    layer: int
    unit: int
    sent_back: float  # ∂L/∂a_l[j]: the Σ over the next layer (or ∂L/∂ŷ at the output)
    slope: float  # ∂a_l[j]/∂z_l[j]; nan for a softmax output (a Jacobian row, not one slope)
    value: float


@dataclass
class WeightChain:
    name: str  # "W2"
    index: tuple[int, ...]  # (j, i) for a weight, (j,) for a bias
    label: str  # "W₂[0,1]"
    paths: list[Path]  # every path of the samples asked for (none when there are too many)
    path_count: int  # paths per sample
    samples: int
    path_total: float | None  # Σ of the paths' products (None if not enumerated)
    backprop: float  # the gradient the derivation computed
    deltas: dict[int, list[Delta]]  # per sample: the δ of each unit on the paths, output first
    inputs: list[float]  # per sample: the input on the parameter's edge (1 for a bias)
    depth: int
    l2: float = 0.0  # the l2 term's share of a weight's gradient, λ·W[j,i] (0 for a bias or without l2)

    @property
    def parameter(self) -> Quantity:
        return Quantity.parse(self.name)

    @property
    def layer(self) -> int:
        return self.parameter.layer

    @property
    def is_bias(self) -> bool:
        return self.parameter.kind is Kind.B

    @property
    def input_symbol(self) -> str:
        """The input on the parameter's edge, one sample's: "x[1]", "a₁[0]", or "1" for a bias."""
        if self.is_bias:
            return "1"
        return f"{Quantity.input_of(self.layer).symbol(column=True)}[{self.index[1]}]"

    @property
    def per_sample(self) -> list[float]:
        """Each sample's share of the gradient, the δ way: δ_l[j] · input (g = v·x)."""
        return [self.deltas[s][-1].value * self.inputs[s] for s in range(self.samples)]

    @property
    def agrees(self) -> bool:
        """The δ way summed over the samples, plus the l2 term's λW, equals backprop's gradient
        (to round-off)."""
        return abs(sum(self.per_sample) + self.l2 - self.backprop) <= 1e-9 * max(1.0, abs(self.backprop))

    def gradient(self, v: bool = False) -> str:
        """The name of the entry's gradient: ∂L/∂W₁[0,1], or gW₁[0,1] in the v names."""
        kind = Kind.DL_DB if self.is_bias else Kind.DL_DW
        return Quantity(kind, self.layer).entry(f"[{','.join(map(str, self.index))}]", column=True, v=v)

    def symbolic(self, column: bool = True, v: bool = False) -> str:
        """The chain in symbols, the layer-by-layer way: ∂L/∂W₁ = ∂L/∂ŷ · ∂ŷ/∂z₂ · ∂z₂/∂a₁ · ∂a₁/∂z₁ · ∂z₁/∂W₁
        (v: in the dynamic-programming view's names, gW₁ = ∂L/∂ŷ · ∂ŷ/∂d₂ · ∂d₂/∂a₁ · t(d₁) · ∂d₁/∂W₁)."""
        l, depth = self.layer, self.depth

        def symbol(kind, q):
            return Quantity(kind, q).symbol(column, v=v)

        parts = [derivative("L", PREDICTION), derivative(PREDICTION, symbol(Kind.Z, depth))]
        for q in range(depth, l, -1):
            parts += [derivative(symbol(Kind.Z, q), symbol(Kind.A, q - 1)), symbol(Kind.DA_DZ, q - 1)]
        parts.append(derivative(symbol(Kind.Z, l), self.label))
        return f"{self.gradient(v)} = " + " · ".join(parts)


# The dynamic-programming view's names for its two-output network (2-2-2): weights w1–w8 (w1 and
# w2 into the first hidden unit, …, w5 and w6 into the first output), units N1–N4 with hidden
# values h1, h2 and outputs u1, u2; a unit names its bias, as a click on it does.
DP_WEIGHTS = {f"w{k + 1}": (Quantity(Kind.W, 1 + k // 4).id, (k % 4 // 2, k % 2)) for k in range(8)}
DP_UNITS = {
    **{f"n{k + 1}": (Quantity(Kind.B, 1 + k // 2).id, (k % 2,)) for k in range(4)},
    **{f"h{k + 1}": (Quantity(Kind.B, 1).id, (k,)) for k in range(2)},
    **{f"u{k + 1}": (Quantity(Kind.B, 2).id, (k,)) for k in range(2)},
}


def dp_name(text: str, network: Network) -> tuple[str, tuple[int, ...]] | None:
    """w6 → ("W2", (0, 1)), N3 or u1 → ("b2", (0,)) on a 2-2-2 network; None for other text.
    ValueError when such a name is given for another shape."""
    key = text.strip().lower()
    if key not in DP_WEIGHTS and key not in DP_UNITS:
        return None
    if network.sizes != [2, 2, 2]:
        raise ValueError(
            f"{text.strip()!r} is a name of the dynamic-programming view's two-output network (2-2-2, "
            "the two-outputs preset); here name a weight such as W1[0,0]"
        )
    return DP_WEIGHTS.get(key) or DP_UNITS[key]


def parse_name(text: str, network: Network) -> tuple[str, tuple[int, ...]]:
    """'W2[0,1]', 'w2[0, 1]' or 'b1[2]' → ("W2", (0, 1)); on the two-output network also the
    dynamic-programming view's w1–w8, N1–N4, h1, h2, u1, u2. ValueError with a clear message."""
    named = dp_name(text, network)
    if named is not None:
        return named
    match = _NAME.match(text.replace("W_", "W").replace("b_", "b"))
    if not match:
        example = Quantity(Kind.W, network.depth).id
        raise ValueError(f"expected a parameter entry such as {example}[0,0] or b1[0], got {text.strip()!r}")
    layer, first, second = match.groups()[1:]
    kind = Kind.W if match.group(1) in "Ww" else Kind.B
    name = Quantity(kind, int(layer)).id
    if name not in network.params:
        raise ValueError(f"{name} is not a parameter of this network (layers 1 to {network.depth})")
    index = (int(first),) if second is None else (int(first), int(second))
    shape = network.params[name].shape
    if len(index) != len(shape):
        want = "[row, column]" if kind is Kind.W else "[unit]"
        raise ValueError(f"{name} needs {want}: it is {'×'.join(map(str, shape))}")
    if any(i >= n for i, n in zip(index, shape)):
        raise ValueError(f"{name}{list(index)} is outside {name}, which is {'×'.join(map(str, shape))}")
    return name, index


def weight_chain(
    network: Network,
    iteration: Iteration,
    name: str,
    index: tuple[int, ...],
    column: bool,
    samples: list[int] | None = None,
    v: bool = False,
) -> WeightChain:
    """The chain of ∂L/∂name[index] in an iteration, from the factors it computed; the paths of
    `samples` (default: all) are enumerated, and path_total sums those samples' paths. v: the
    factors named in the dynamic-programming view's names (d for z, t(d) for ∂a/∂z)."""
    values = iteration.values
    parameter = Quantity.parse(name)
    depth, l = network.depth, parameter.layer
    j = index[0]
    m = values[Quantity(Kind.X).id].shape[0]
    below = values[Quantity.input_of(l).id]  # what the parameter's layer reads
    inputs = [1.0] * m if parameter.kind is Kind.B else [float(below[s, index[1]]) for s in range(m)]

    def of(kind, q):  # the values of a quantity of layer q
        return values[Quantity(kind, q).id]

    jac = of(Kind.DA_DZ, depth)
    jacobian = jac.ndim == 3
    widths = [network.sizes[q] for q in range(l + 1, depth + 1)]
    path_count = int(np.prod(widths, dtype=np.int64)) * (network.sizes[-1] if jacobian else 1)

    def a(q, u):  # a₀ is the input x
        return f"{Quantity.input_of(q + 1).symbol(column)}[{u}]"

    def z(q, u):
        return Quantity(Kind.Z, q).entry(f"[{u}]", column, v)

    def slope(q, k, u):  # ∂a_q[k]/∂z_q[u]; t(d_q[u]) in the v names, t taking the one entry of d
        return Quantity(Kind.DA_DZ, q).entry(f"[{u}]", column, v=True) if v else derivative(a(q, k), z(q, u))

    target = f"{parameter.symbol(column)}[{','.join(map(str, index))}]"
    paths: list[Path] = []
    total: float | None = None
    if path_count <= MAX_PATHS:
        total = 0.0
        outs = range(network.sizes[-1]) if jacobian else [None]
        for s in range(m) if samples is None else samples:
            for route in itertools.product(*[range(n) for n in widths]):
                units = [(l, j), *zip(range(l + 1, depth + 1), route)]
                for out in outs:
                    u_last = units[-1][1]
                    k = u_last if out is None else out
                    factors = [
                        Factor(derivative("L", a(depth, k)), float(of(Kind.DL_DA, depth)[s, k])),
                        Factor(slope(depth, k, u_last), float(jac[s, k, u_last] if jacobian else jac[s, u_last])),
                    ]
                    for (q_in, u_in), (q, u) in reversed(list(zip(units, units[1:]))):
                        W = Quantity(Kind.W, q)
                        factors.append(
                            Factor(
                                f"{derivative(z(q, u), a(q_in, u_in))} = {W.symbol(column)}[{u},{u_in}]",
                                float(iteration.params[W.id][u, u_in]),
                            )
                        )
                        factors.append(Factor(slope(q_in, u_in, u_in), float(of(Kind.DA_DZ, q_in)[s, u_in])))
                    edge = "1" if parameter.kind is Kind.B else a(l - 1, index[1])
                    factors.append(Factor(f"{derivative(z(l, j), target)} = {edge}", inputs[s]))
                    path = Path(s, tuple(units), tuple(factors), k)
                    paths.append(path)
                    total += path.product
    deltas = {}
    for s in range(m):
        lines = []
        units_on_paths = {q: range(network.sizes[q]) for q in range(l + 1, depth + 1)}
        units_on_paths[l] = [j]
        for q in range(depth, l - 1, -1):
            for u in units_on_paths[q]:
                slope = of(Kind.DA_DZ, q)
                lines.append(
                    Delta(
                        q,
                        u,
                        float(of(Kind.DL_DA, q)[s, u]),
                        float("nan") if slope.ndim == 3 else float(slope[s, u]),
                        float(of(Kind.DELTA, q)[s, u]),
                    )
                )
        deltas[s] = lines
    l2 = network.l2 * float(iteration.params[name][index]) if network.l2 and parameter.kind is Kind.W else 0.0
    return WeightChain(
        name, index, target, paths, path_count, m, total, float(iteration.grads[name][index]), deltas, inputs, depth, l2
    )
