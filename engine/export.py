"""Traces of whole iterations as text, Markdown (a worked solution) or JSON (README, "The JSON trace").

All three are written from the same Steps the app shows."""

from __future__ import annotations

import io
import json
import math
from dataclasses import asdict, dataclass
from functools import partial
from typing import TextIO

import numpy as np

from . import notation
from . import optimizers as opt
from .closedform import ClosedForms
from .derivation import PHASES, Iteration, derive
from .divergence import NonFinite, diverged, first_nonfinite
from .expr import Names, write
from .network import Network
from .quantities import Quantity
from .training import batch_rows, batches, ends_epoch

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
    def extended(self) -> bool:
        """Whether the network uses an [optimizer], l2 or batch_size: only then does the JSON say the optimizer,
        its state, l2 and the rows (a plain network's trace stays as it was, byte for byte)."""
        n = self.network
        return n.optimizer != opt.Settings() or bool(n.l2) or bool(n.batch_size)

    @property
    def batch_size(self) -> int:
        """The rows of the first iteration traced (a shorter last mini-batch may have fewer)."""
        rows = batch_rows(self.network.samples, self.network.batch_size, self.iterations[0].state.t)
        return 1 if self.sample is not None else rows.stop - rows.start


def run_trace(
    network: Network,
    iterations: int = 1,
    sample: int | None = None,
    params: dict[str, np.ndarray] | None = None,
    first: int = 1,
    state: opt.State | None = None,
) -> Trace:
    """Derive `iterations` iterations from `params` and the optimizer's `state` (defaults: the
    network's), each starting from the parameters and state the one before left, on its own
    mini-batch (batch_rows; with `sample`, that row of it); `first` numbers the first one."""
    if sample is not None and not 0 <= sample < network.samples:
        raise ValueError(f"sample {sample}: the samples are numbered 0 to {network.samples - 1}")
    start = dict(network.params if params is None else params)
    current, done = start, []
    state = opt.network_state(network) if state is None else state
    for k in range(iterations):
        rows = batch_rows(network.samples, network.batch_size, state.t, sample)
        it = derive(network, current, network.X[rows], network.Y[rows], state=state)
        done.append(it)
        if diverged(it):
            return Trace(network, sample, start, done, first_nonfinite(it, network, k), first)
        current, state = it.params_after, it.state_after
    return Trace(network, sample, start, done, first=first)


# -- JSON --------------------------------------------------------------------------------------


def _plain(value):
    """A number or a list of numbers, None for a non-finite one (strict JSON)."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return value


def network_summary(network: Network, extended: bool = False) -> dict:
    summary = {
        "name": network.name,
        "inputs": network.inputs,
        "loss": network.loss,
        "reduction": network.reduction,
        "learning_rate": network.learning_rate,
        "frozen": list(network.frozen),
        "layers": [{"units": layer.units, "activation": layer.activation} for layer in network.layers],
    }
    if extended:
        settings = asdict(network.optimizer)
        keys = ("name", *network.optimizer.optimizer.keys)
        summary.update(optimizer={k: settings[k] for k in keys}, l2=network.l2, batch_size=network.batch_size)
    return summary


def to_json(trace: Trace, ensure_ascii: bool = False) -> str:
    out = io.StringIO()
    write_json(trace, out, ensure_ascii)
    return out.getvalue()


def write_json(trace: Trace, out: TextIO, ensure_ascii: bool = False) -> None:
    """The trace as one strict-JSON document, written to `out` a few thousand numbers at a time: a
    trace of millions of values is never held as one string (nor as Python lists).
    ensure_ascii: \\u escapes, the same JSON for an output that cannot encode Unicode."""
    dumps = partial(json.dumps, ensure_ascii=ensure_ascii, allow_nan=False)
    w = out.write
    extended = trace.extended
    summary = network_summary(trace.network, extended)
    w(f'{{"network": {dumps(summary)}, "sample": {dumps(trace.sample)}, "initial_params": ')
    _write_params(w, dumps, trace.initial_params)
    if extended:
        w(', "initial_state": ')
        _write_state(w, dumps, trace.iterations[0].state)
    w(', "iterations": [')
    for k, it in enumerate(trace.iterations):
        w(f'{", " if k else ""}{{"loss": {dumps(_plain(float(it.loss)))}, ')
        if extended:
            rows = batch_rows(trace.network.samples, trace.network.batch_size, it.state.t, trace.sample)
            w(f'"rows": {dumps([rows.start, rows.stop])}, ')
        w('"steps": [')
        for i, s in enumerate(it.steps):
            head = {
                "index": s.index,
                "phase": s.phase,
                "layer": s.layer,
                "symbol": s.symbol,
                "formula": s.formula,
                "latex": s.latex,
                "reads": list(s.reads),
                "writes": s.writes,
            }
            tail = {"shape": list(s.shape), "substitution": s.substitution(EXPORT_FORMAT), "explanation": s.explanation}
            w(f'{", " if i else ""}{dumps(head)[:-1]}, "value": ')
            _write_array(w, dumps, s.value)
            w(f", {dumps(tail)[1:]}")
        w('], "grads": ')
        _write_params(w, dumps, it.grads)
        w(', "params": ')
        _write_params(w, dumps, it.params_after)
        if extended:
            w(', "state": ')
            _write_state(w, dumps, it.state_after)
        w("}")
    w("]}\n")


def _write_state(w, dumps, state: opt.State) -> None:
    """The optimizer's state: {"t": updates made, "m:W2": […], …}."""
    w(f'{{"t": {state.t}')
    for name, value in state.arrays.items():
        w(f", {dumps(name)}: ")
        _write_array(w, dumps, value)
    w("}")


def _write_params(w, dumps, params: dict[str, np.ndarray]) -> None:
    w("{")
    for i, (name, value) in enumerate(params.items()):
        w(f"{', ' if i else ''}{dumps(name)}: ")
        _write_array(w, dumps, value)
    w("}")


_CHUNK = 4096  # numbers per json.dumps call: one call per short row cost more than its numbers; ~1 MB in flight


def _write_array(w, dumps, value: np.ndarray) -> None:
    """A number, or lists of rows, up to _CHUNK numbers per write (null for a non-finite number)."""
    if value.ndim == 0:
        w(dumps(_plain(float(value))))
    elif value.size <= _CHUNK:
        w(dumps(_listed(value)))
    else:
        w("[")
        rows = max(1, _CHUNK // (value[0].size or 1))
        for i in range(0, len(value), rows):
            if i:
                w(", ")
            if rows == 1:  # a row too long to share a write: in chunks of its own
                _write_array(w, dumps, value[i])
            else:  # "[row, row, ...]" without its brackets
                w(dumps(_listed(value[i : i + rows]))[1:-1])
        w("]")


def _listed(value: np.ndarray) -> list:
    return value.tolist() if np.isfinite(value).all() else _plain(value.tolist())


# -- text and Markdown -------------------------------------------------------------------------


def describe(network: Network) -> str:
    shape = "-".join(str(n) for n in network.sizes)
    acts = ", ".join(layer.activation for layer in network.layers)
    frozen = f", frozen: {', '.join(network.frozen)}" if network.frozen else ""
    optimizer = "" if network.optimizer.plain else f", optimizer {network.optimizer.title}"
    l2 = f", l2 λ = {notation.shortest(network.l2)}" if network.l2 else ""
    return (
        f"{shape} ({acts}), loss {network.loss} ({network.reduction}), "
        f"learning rate η = {notation.shortest(network.learning_rate)}{optimizer}{l2}{frozen}"
    )


def _walks(trace: Trace) -> str:
    m, k = trace.network.samples, trace.network.batch_size
    if trace.network.mini_batches:  # each iteration says its rows (_rows)
        each = (
            f"sample {trace.sample} of each (from its first row; its last if it has fewer), as column vectors"
            if trace.sample is not None
            else "each as a batch, one sample per row"
        )
        return f"mini-batches of {k} of the m = {m} samples in file order, an iteration each: {each}"
    if trace.sample is not None:
        m = trace.network.samples  # numbered from 0, as everywhere: "sample 2 of 0–3"
        return (
            f"sample {trace.sample} of 0–{m - 1}, as column vectors" if m > 1 else "its one sample, as a column vector"
        )
    m = trace.network.samples
    return "one sample, as column vectors" if m == 1 else f"a batch of m = {m} samples, one per row"


def _rows(trace: Trace, it: Iteration) -> str:
    """With mini-batches, the rows an iteration walks and where an epoch ends."""
    m, size, t = trace.network.samples, trace.network.batch_size, it.state.t
    if not trace.network.mini_batches:
        return ""
    rows = batch_rows(m, size, t)
    ends = f", the last of epoch {t // batches(m, size) + 1}" if ends_epoch(m, size, t) else ""
    walked = "" if trace.sample is None else f"row {batch_rows(m, size, t, trace.sample).start} of "
    return f" ({walked}rows {rows.start}–{rows.stop - 1}{ends})"


def to_text(trace: Trace) -> str:
    fmt = EXPORT_FORMAT
    out = [f"{trace.network.name}: {describe(trace.network)}", f"Walking {_walks(trace)}.", ""]
    for k, it in enumerate(trace.iterations, start=trace.first):
        out.append(f"Iteration {k}{_rows(trace, it)}")
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
    out = [
        f"# {net.name}: backpropagation, worked",
        "",
        f"Network: {describe(net)}.",
        "",
        f"Walking {_walks(trace)}. Every number below is written to 6 significant digits.",
        "",
    ]
    out += [
        "## Starting parameters" if trace.first == 1 else f"## Parameters at the start of iteration {trace.first}",
        "",
    ]
    for name, value in trace.initial_params.items():
        value = notation.latex(value, fmt, trace.batch_size == 1, per_sample=False)
        out.append(f"$${Quantity.parse(name).symbol(trace.batch_size == 1, latex=True)} = {value}$$")
    out.append("")
    out += _closed_forms(trace)
    for k, it in enumerate(trace.iterations, start=trace.first):
        out += [f"## Iteration {k}{_rows(trace, it)}", ""]
        for phase in PHASES:
            steps = [s for s in it.steps if s.phase == phase]
            if not steps:
                continue
            out += [f"### {_PHASE_TITLES[phase]}", ""]
            for s in steps:
                out += [
                    f"**Step {s.index + 1}.** {s.explanation}",
                    "",
                    f"$${s.latex}$$",
                    "",
                    f"$${s.substitution_latex(fmt)}$$",
                    "",
                ]
                if s.convention:
                    out += [f"*Convention:* {s.convention}", ""]
        out += [f"Loss of this iteration's forward pass: $L = {notation.latex(np.float64(it.loss), fmt)}$.", ""]
    return "\n".join(out)


def _closed_forms(trace: Trace) -> list[str]:
    """Each parameter's gradient composed back to the loss, with the simplifications it makes."""
    net = trace.network
    column = trace.batch_size == 1
    Y = net.Y if trace.sample is None else net.Y[trace.sample : trace.sample + 1]
    out = [
        "## Closed forms",
        "",
        "Each gradient composed back to the loss, every δ written out as the factors it came from"
        + (" (one sample: column vectors)." if column else " (rows are samples)."),
        "",
    ]
    names = Names(column=column)
    for form in ClosedForms(net, column, targets=Y).parameters():
        q = form.quantity
        out += [f"$${q.symbol(column, latex=True)} = {write(form.tree, 'latex', names)}$$", ""]
        out += [f"*Simplified:* {'; '.join(form.notes)}.", ""] if form.notes else []
        out += [f"In `backprop-tui answer` syntax: `{write(form.tree, 'answer', names)}`", ""]
    return out


FORMATS = {"text": to_text, "markdown": to_markdown, "json": to_json}  # `trace` streams json (write_json)
