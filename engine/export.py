"""Traces of whole iterations as text, Markdown (a worked solution) or JSON (NETWORK_FORMAT.md).

All three are written from the same Steps the app shows."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np

from . import notation
from .derivation import PHASES, Iteration, derive
from .divergence import NonFinite, diverged, first_nonfinite
from .network import Network

EXPORT_FORMAT = notation.significant(6)


@dataclass
class Trace:
    network: Network
    sample: int | None
    initial_params: dict[str, np.ndarray]
    iterations: list[Iteration]
    nonfinite: NonFinite | None = None  # set when the last iteration diverged (the trace stops there)
    first: int = 1  # the number of the first iteration traced

    @property
    def batch_size(self) -> int:
        return 1 if self.sample is not None else self.network.samples


def run_trace(network: Network, iterations: int = 1, sample: int | None = None,
              params: dict[str, np.ndarray] | None = None, first: int = 1) -> Trace:
    """Derive `iterations` iterations from `params` (default: the network's), each starting
    from the parameters the one before left; `first` numbers the first one."""
    X, Y = network.X, network.Y
    if sample is not None:
        X, Y = X[sample:sample + 1], Y[sample:sample + 1]
    start = dict(network.params if params is None else params)
    current, done = start, []
    for k in range(iterations):
        it = derive(network, current, X, Y)
        done.append(it)
        if diverged(it):
            return Trace(network, sample, start, done, first_nonfinite(it, network, k), first)
        current = it.params_after
    return Trace(network, sample, start, done, first=first)


# -- JSON --------------------------------------------------------------------------------------


def _plain(value):
    """Lists of rows with None for a non-finite number (strict JSON)."""
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return value


def _params(params: dict[str, np.ndarray]) -> dict:
    return {name: _plain(value) for name, value in params.items()}


def network_summary(network: Network) -> dict:
    return {
        "name": network.name, "inputs": network.inputs, "loss": network.loss,
        "reduction": network.reduction, "learning_rate": network.learning_rate,
        "frozen": list(network.frozen),
        "layers": [{"units": layer.units, "activation": layer.activation} for layer in network.layers],
    }


def to_json(trace: Trace) -> str:
    doc = {
        "network": network_summary(trace.network),
        "sample": trace.sample,
        "initial_params": _params(trace.initial_params),
        "iterations": [
            {
                "loss": _plain(float(it.loss)),
                "steps": [
                    {
                        "index": s.index, "phase": s.phase, "layer": s.layer, "symbol": s.symbol,
                        "formula": s.formula, "latex": s.latex, "reads": list(s.reads), "writes": s.writes,
                        "value": _plain(s.value if s.value.ndim else float(s.value)),
                        "shape": list(s.shape), "substitution": s.substitution(EXPORT_FORMAT),
                        "explanation": s.explanation,
                    }
                    for s in it.steps
                ],
                "grads": _params(it.grads),
                "params": _params(it.params_after),
            }
            for it in trace.iterations
        ],
    }
    return json.dumps(doc, ensure_ascii=False, allow_nan=False) + "\n"


# -- text and Markdown -------------------------------------------------------------------------


def describe(network: Network) -> str:
    shape = "-".join(str(n) for n in network.sizes)
    acts = ", ".join(layer.activation for layer in network.layers)
    frozen = f", frozen: {', '.join(network.frozen)}" if network.frozen else ""
    return (f"{shape} ({acts}), loss {network.loss} ({network.reduction}), "
            f"learning rate η = {network.learning_rate:g}{frozen}")


def _walks(trace: Trace) -> str:
    if trace.sample is not None:
        return f"sample {trace.sample} of {trace.network.samples}, as column vectors"
    m = trace.network.samples
    return "one sample, as column vectors" if m == 1 else f"a batch of m = {m} samples, one per row"


def to_text(trace: Trace) -> str:
    fmt = EXPORT_FORMAT
    out = [f"{trace.network.name}: {describe(trace.network)}", f"Walking {_walks(trace)}.", ""]
    for k, it in enumerate(trace.iterations, start=trace.first):
        out.append(f"Iteration {k}")
        phase = None
        for s in it.steps:
            if s.phase != phase:
                phase = s.phase
                out += ["", f"  {phase}"]
            out.append(f"    {s.index + 1:>3}. {s.formula}")
            out.append(f"         {s.substitution(fmt)}")
            out.append(f"         {s.explanation}")
            if s.convention:
                out.append(f"         Convention: {s.convention}")
        out += ["", f"  loss {fmt(it.loss)}", ""]
    return "\n".join(out)


_PHASE_TITLES = {"forward": "Forward pass", "loss": "Loss", "backward": "Backward pass", "update": "Update"}


def to_markdown(trace: Trace) -> str:
    fmt = EXPORT_FORMAT
    net = trace.network
    out = [f"# {net.name}: backpropagation, worked", "", f"Network: {describe(net)}.", "",
           f"Walking {_walks(trace)}. Every number below is written to 6 significant digits.", ""]
    out += ["## Starting parameters" if trace.first == 1 else f"## Parameters at the start of iteration {trace.first}", ""]
    for name, value in trace.initial_params.items():
        out.append(f"$${name[0]}_{{{name[1:]}}} = {notation.latex(value, fmt, trace.batch_size == 1)}$$")
    out.append("")
    for k, it in enumerate(trace.iterations, start=trace.first):
        out += [f"## Iteration {k}", ""]
        for phase in PHASES:
            steps = [s for s in it.steps if s.phase == phase]
            if not steps:
                continue
            out += [f"### {_PHASE_TITLES[phase]}", ""]
            for s in steps:
                out += [f"**Step {s.index + 1}.** {s.explanation}", "",
                        f"$${s.latex}$$", "", f"$${s.substitution_latex(fmt)}$$", ""]
                if s.convention:
                    out += [f"*Convention:* {s.convention}", ""]
        out += [f"Loss of this iteration's forward pass: $L = {notation.latex(np.float64(it.loss), fmt)}$.", ""]
    return "\n".join(out)


FORMATS = {"text": to_text, "markdown": to_markdown, "json": to_json}
