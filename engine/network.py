"""Network files (shared/NETWORK_FORMAT.md): reading, validating, initialising and writing.

Everything a file can get wrong is reported as a NetworkError naming the file and the key,
before any large allocation: sizes are checked against the limits below first.
"""

from __future__ import annotations

import csv
import json
import math
import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .files import write_atomic
from .functions import ACTIVATIONS, LOSSES, REDUCTIONS

# Limits, checked before anything is allocated. The largest network people meet in a first
# course (784-128-64-10 on a batch of 64) is far inside them.
MAX_FILE_BYTES = 64 * 2**20  # a network file
MAX_DATA_FILE_BYTES = 256 * 2**20  # a .csv or .npz data file (uncompressed, for .npz)
MAX_LAYERS = 64
MAX_UNITS = 100_000  # per layer, and the inputs
MAX_PARAMS = 10_000_000  # weights and biases together
MAX_SAMPLES = 1_000_000
MAX_VALUES = 20_000_000  # numbers held per quantity of one iteration: m × units, m × k² for softmax

TOP_KEYS = ("name", "description", "inputs", "loss", "reduction", "learning_rate", "seed",
            "frozen", "layers", "params", "data")
LAYER_KEYS = ("units", "activation")
DATA_KEYS = ("X", "Y", "file")


class NetworkError(Exception):
    """A problem with a network file: where (file, key) and what was found versus expected."""

    def __init__(self, source: str, key: str | None, message: str):
        self.source, self.key, self.message = source, key, message
        super().__init__(f"{source}: {key}: {message}" if key else f"{source}: {message}")


@dataclass(frozen=True)
class Layer:
    units: int
    activation: str


@dataclass(frozen=True)
class Network:
    name: str
    inputs: int
    layers: tuple[Layer, ...]
    loss: str
    learning_rate: float
    params: dict[str, np.ndarray]  # "W1", "b1", ... as given or drawn
    X: np.ndarray  # m × inputs
    Y: np.ndarray  # m × units_L
    description: str = ""
    reduction: str = "mean"
    seed: int = 0
    frozen: tuple[str, ...] = ()
    source: str = "<memory>"  # the file it came from, for messages
    data_file: str | None = field(default=None, compare=False)  # data.file as written

    @property
    def depth(self) -> int:
        return len(self.layers)

    @property
    def sizes(self) -> list[int]:
        return [self.inputs] + [layer.units for layer in self.layers]

    @property
    def param_names(self) -> list[str]:
        return [f"{kind}{l}" for l in range(1, self.depth + 1) for kind in ("W", "b")]

    @property
    def samples(self) -> int:
        return self.X.shape[0]

    def with_params(self, params: dict[str, np.ndarray]) -> "Network":
        return replace(self, params={k: np.array(v, dtype=np.float64) for k, v in params.items()})


def initial_params(sizes: list[int], activations: list[str], seed: int) -> dict[str, np.ndarray]:
    """The one initialisation scheme (README): for l = 1..L in order, W_l has entries drawn
    from N(0, gain / units_(l−1)) with gain 2 after ReLU-activated layers' inputs (He) and 1
    otherwise, b_l = 0. Every W_l is drawn whether the file gives it or not, so giving one
    parameter never changes another's values."""
    rng = np.random.default_rng(seed)
    params = {}
    for l in range(1, len(sizes)):
        fan_in = sizes[l - 1]
        gain = 2.0 if activations[l - 1] == "relu" else 1.0
        params[f"W{l}"] = rng.standard_normal((sizes[l], fan_in)) * math.sqrt(gain / fan_in)
        params[f"b{l}"] = np.zeros(sizes[l])
    return params


# ---------------------------------------------------------------------------------------------
# Reading


def load(path: str | os.PathLike) -> Network:
    """Read and validate a network file; raises NetworkError for anything wrong with it."""
    p = Path(path)
    source = str(path)
    if not p.exists():
        raise NetworkError(source, None, "no such file")
    if p.is_dir():
        raise NetworkError(source, None, "is a directory, expected a network file (.toml)")
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise NetworkError(source, None, f"is {size:,} bytes, larger than the limit of {MAX_FILE_BYTES:,}")
        raw = p.read_bytes()
    except OSError as err:
        raise NetworkError(source, None, f"cannot be read ({err.strerror or err})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise NetworkError(source, None, f"is not UTF-8 text (byte {err.start})") from None
    return loads(text, source=source, base=p.parent, default_name=p.stem)


def loads(text: str, source: str = "<string>", base: Path | None = None, default_name: str = "network") -> Network:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise NetworkError(source, None, f"is not valid TOML ({err})") from None
    return _Parser(source, base or Path.cwd()).network(doc, default_name)


def _describe(value) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, str):
        return f"the string {json.dumps(value[:40])}"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _Parser:
    def __init__(self, source: str, base: Path):
        self.source, self.base = source, base

    def fail(self, key, message):
        raise NetworkError(self.source, key, message)

    def unknown_keys(self, table: dict, allowed, prefix=""):
        for key in table:
            if key not in allowed:
                self.fail(f"{prefix}{key}", f"unknown key, expected one of: {', '.join(allowed)}")

    def integer(self, table, key, label, lo, hi, default=None):
        if key not in table:
            if default is None:
                self.fail(label, "missing, expected a whole number")
            return default
        value = table[key]
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail(label, f"found {_describe(value)}, expected a whole number")
        if not lo <= value <= hi:
            self.fail(label, f"found {value}, expected a whole number from {lo:,} to {hi:,}")
        return value

    def choice(self, table, key, label, options, default=None):
        if key not in table:
            if default is None:
                self.fail(label, f"missing, expected one of: {', '.join(options)}")
            return default
        value = table[key]
        if value not in options or not isinstance(value, str):
            self.fail(label, f"found {_describe(value)}, expected one of: {', '.join(options)}")
        return value

    def text(self, table, key, label, default):
        value = table.get(key, default)
        if not isinstance(value, str):
            self.fail(label, f"found {_describe(value)}, expected a string")
        if "\n" in value or "\r" in value:
            self.fail(label, "found several lines, expected one line")
        return value

    def matrix(self, value, label, rows_expected, cols, what):
        """A list of `rows_expected` rows (any count if None) of `cols` finite numbers."""
        if not isinstance(value, list):
            self.fail(label, f"found {_describe(value)}, expected {what}")
        if rows_expected is not None and len(value) != rows_expected:
            self.fail(label, f"found {len(value)} rows, expected {what}")
        for i, row in enumerate(value):
            if not isinstance(row, list):
                self.fail(f"{label}[{i}]", f"found {_describe(row)}, expected a row of {cols} numbers")
            if len(row) != cols:
                self.fail(f"{label}[{i}]", f"found {len(row)} numbers, expected {cols} ({what})")
            self.numbers(row, f"{label}[{i}]")
        return np.array(value, dtype=np.float64).reshape(len(value), cols)

    def vector(self, value, label, length, what):
        if not isinstance(value, list):
            self.fail(label, f"found {_describe(value)}, expected {what}")
        if len(value) != length:
            self.fail(label, f"found {len(value)} numbers, expected {what}")
        self.numbers(value, label)
        return np.array(value, dtype=np.float64).reshape(length)

    def numbers(self, row, label):
        for j, x in enumerate(row):
            if not _is_number(x):
                self.fail(f"{label}[{j}]", f"found {_describe(x)}, expected a number")
            if not math.isfinite(x):
                self.fail(f"{label}[{j}]", f"found {x}, expected a finite number")

    # -- the whole file ------------------------------------------------------------------------

    def network(self, doc: dict, default_name: str) -> Network:
        self.unknown_keys(doc, TOP_KEYS)
        name = self.text(doc, "name", "name", default_name)
        description = self.text(doc, "description", "description", "")
        inputs = self.integer(doc, "inputs", "inputs", 1, MAX_UNITS)
        loss = self.choice(doc, "loss", "loss", tuple(LOSSES))
        reduction = self.choice(doc, "reduction", "reduction", REDUCTIONS, default="mean")
        if "learning_rate" not in doc:
            self.fail("learning_rate", "missing, expected a number > 0")
        lr = doc["learning_rate"]
        if not _is_number(lr) or not math.isfinite(lr) or lr <= 0:
            self.fail("learning_rate", f"found {_describe(lr)}, expected a finite number > 0")
        seed = self.integer(doc, "seed", "seed", 0, 2**63 - 1, default=0)
        layers = self.layers(doc, loss)
        sizes = [inputs] + [layer.units for layer in layers]
        count = sum(sizes[l] * sizes[l - 1] + sizes[l] for l in range(1, len(sizes)))
        if count > MAX_PARAMS:
            self.fail("layers", f"the network has {count:,} parameters, more than the limit of {MAX_PARAMS:,}")
        params = self.params(doc.get("params", {}), sizes, [layer.activation for layer in layers], seed)
        frozen = self.frozen(doc.get("frozen", []), params)
        X, Y, data_file = self.data(doc, inputs, layers)
        self.check_targets(loss, layers, Y, data_file)
        return Network(
            name=name, description=description, inputs=inputs, layers=tuple(layers), loss=loss,
            learning_rate=float(lr), params=params, X=X, Y=Y, reduction=reduction, seed=seed,
            frozen=frozen, source=self.source, data_file=data_file,
        )

    def layers(self, doc, loss) -> list[Layer]:
        if "layers" not in doc:
            self.fail("layers", "missing, expected one [[layers]] table per layer")
        tables = doc["layers"]
        if not isinstance(tables, list) or not tables:
            self.fail("layers", f"found {_describe(tables)}, expected one or more [[layers]] tables")
        if len(tables) > MAX_LAYERS:
            self.fail("layers", f"found {len(tables)} layers, more than the limit of {MAX_LAYERS}")
        layers = []
        for i, table in enumerate(tables):
            label = f"layers[{i + 1}]"
            if not isinstance(table, dict):
                self.fail(label, f"found {_describe(table)}, expected a table with units and activation")
            self.unknown_keys(table, LAYER_KEYS, prefix=f"{label}.")
            units = self.integer(table, "units", f"{label}.units", 1, MAX_UNITS)
            activation = self.choice(table, "activation", f"{label}.activation", tuple(ACTIVATIONS))
            if activation == "softmax" and i != len(tables) - 1:
                self.fail(f"{label}.activation", "found softmax on a hidden layer, expected it on the last layer only")
            layers.append(Layer(units, activation))
        needs = LOSSES[loss].needs
        last = layers[-1].activation
        if needs and last != needs:
            self.fail(f"layers[{len(layers)}].activation",
                      f"found {last} with loss {loss}, expected {needs} (loss {loss} needs a {needs} last layer)")
        return layers

    def params(self, table, sizes, activations, seed) -> dict[str, np.ndarray]:
        if not isinstance(table, dict):
            self.fail("params", f"found {_describe(table)}, expected a table")
        depth = len(sizes) - 1
        names = [f"{kind}{l}" for l in range(1, depth + 1) for kind in ("W", "b")]
        self.unknown_keys(table, names, prefix="params.")
        params = initial_params(sizes, activations, seed)
        for l in range(1, depth + 1):
            if f"W{l}" in table:
                params[f"W{l}"] = self.matrix(
                    table[f"W{l}"], f"params.W{l}", sizes[l], sizes[l - 1],
                    f"{sizes[l]} rows of {sizes[l - 1]} numbers (units of layer {l} × units of layer {l - 1})")
            if f"b{l}" in table:
                params[f"b{l}"] = self.vector(table[f"b{l}"], f"params.b{l}", sizes[l],
                                              f"{sizes[l]} numbers (one per unit of layer {l})")
        return params

    def frozen(self, value, params) -> tuple[str, ...]:
        if not isinstance(value, list):
            self.fail("frozen", f"found {_describe(value)}, expected a list of parameter names")
        for i, name in enumerate(value):
            if not isinstance(name, str) or name not in params:
                self.fail(f"frozen[{i}]", f"found {_describe(name)}, expected one of: {', '.join(params)}")
        return tuple(dict.fromkeys(value))

    def data(self, doc, inputs, layers):
        if "data" not in doc:
            self.fail("data", "missing, expected a [data] table with X and Y, or file")
        table = doc["data"]
        if not isinstance(table, dict):
            self.fail("data", f"found {_describe(table)}, expected a table with X and Y, or file")
        self.unknown_keys(table, DATA_KEYS, prefix="data.")
        outputs = layers[-1].units
        if "file" in table:
            if "X" in table or "Y" in table:
                self.fail("data.file", "found together with X or Y, expected either file or X and Y")
            name = table["file"]
            if not isinstance(name, str) or not name:
                self.fail("data.file", f"found {_describe(name)}, expected a path to a .csv or .npz file")
            X, Y = self.data_file(name, inputs, outputs)
            data_file = name
        else:
            for key in ("X", "Y"):
                if key not in table:
                    self.fail(f"data.{key}", "missing, expected a list of rows (or data.file)")
            for key in ("X", "Y"):
                if isinstance(table[key], list) and len(table[key]) > MAX_SAMPLES:
                    self.fail(f"data.{key}", f"found {len(table[key]):,} rows, more than the limit of {MAX_SAMPLES:,}")
            if table["X"] == [] or table["Y"] == []:
                key = "X" if table["X"] == [] else "Y"
                self.fail(f"data.{key}", "found an empty list, expected at least one sample")
            X = self.matrix(table["X"], "data.X", None, inputs, f"rows of {inputs} numbers (the inputs)")
            Y = self.matrix(table["Y"], "data.Y", None, outputs,
                            f"rows of {outputs} numbers (the units of the last layer)")
            if len(X) != len(Y):
                self.fail("data.Y", f"found {len(Y)} rows, expected {len(X)} (one per row of data.X)")
            data_file = None
        self.check_batch(len(X), [inputs] + [layer.units for layer in layers], layers[-1])
        return X, Y, data_file

    def check_batch(self, m, sizes, last):
        key = "data"
        if m > MAX_SAMPLES:
            self.fail(key, f"found {m:,} samples, more than the limit of {MAX_SAMPLES:,}")
        widest = max(max(sizes), last.units**2 if last.activation == "softmax" else 0)
        if m * widest > MAX_VALUES:
            self.fail(key, f"{m:,} samples × {widest:,} values per sample is more than the limit of {MAX_VALUES:,}")

    def data_file(self, name, inputs, outputs):
        path = (self.base / name)
        label = "data.file"
        if not path.exists():
            self.fail(label, f"found {json.dumps(name)}, but {path} does not exist")
        if path.is_dir():
            self.fail(label, f"found {json.dumps(name)}, a directory, expected a .csv or .npz file")
        suffix = path.suffix.lower()
        if suffix not in (".csv", ".npz"):
            self.fail(label, f"found {json.dumps(name)}, expected a .csv or .npz file")
        try:
            if path.stat().st_size > MAX_DATA_FILE_BYTES:
                self.fail(label, f"{path} is larger than the limit of {MAX_DATA_FILE_BYTES:,} bytes")
            if suffix == ".csv":
                X, Y = self.read_csv(path, inputs, outputs)
            else:
                X, Y = self.read_npz(path, inputs, outputs)
        except OSError as err:
            self.fail(label, f"{path} cannot be read ({err.strerror or err})")
        return X, Y

    def read_csv(self, path, inputs, outputs):
        label = f"data.file ({path.name})"
        width = inputs + outputs
        rows = []
        try:
            with open(path, encoding="utf-8", newline="") as handle:
                for line_no, row in enumerate(csv.reader(handle), start=1):
                    if not row or all(not cell.strip() for cell in row):
                        continue
                    if len(row) != width:
                        self.fail(label, f"line {line_no} has {len(row)} values, expected {width} "
                                         f"({inputs} inputs then {outputs} targets)")
                    try:
                        values = [float(cell) for cell in row]
                    except ValueError:
                        bad = next(c for c in row if not _parses(c))
                        self.fail(label, f"line {line_no}: found {json.dumps(bad.strip()[:30])}, expected a number")
                    if not all(math.isfinite(v) for v in values):
                        self.fail(label, f"line {line_no}: found a non-finite number, expected finite numbers")
                    rows.append(values)
                    if len(rows) > MAX_SAMPLES:
                        self.fail(label, f"more than the limit of {MAX_SAMPLES:,} samples")
        except UnicodeDecodeError:
            self.fail(label, "is not UTF-8 text")
        if not rows:
            self.fail(label, "has no rows, expected at least one sample")
        data = np.array(rows, dtype=np.float64)
        return data[:, :inputs].copy(), data[:, inputs:].copy()

    def read_npz(self, path, inputs, outputs):
        import zipfile  # only .npz data needs it; keeps start-up light

        label = f"data.file ({path.name})"
        try:
            with zipfile.ZipFile(path) as archive:
                total = sum(info.file_size for info in archive.infolist())
        except zipfile.BadZipFile:
            self.fail(label, "is not a valid .npz file")
        if total > MAX_DATA_FILE_BYTES:
            self.fail(label, f"unpacks to {total:,} bytes, more than the limit of {MAX_DATA_FILE_BYTES:,}")
        try:
            with np.load(path, allow_pickle=False) as archive:
                arrays = {}
                for key, cols in (("X", inputs), ("Y", outputs)):
                    if key not in archive.files:
                        self.fail(label, f"has no array {key}, expected arrays X and Y")
                    a = archive[key]
                    if a.ndim != 2 or a.shape[1] != cols:
                        self.fail(f"{label} {key}", f"found shape {a.shape}, expected (m, {cols})")
                    if a.dtype.kind not in "biuf":
                        self.fail(f"{label} {key}", f"found {a.dtype} values, expected numbers")
                    arrays[key] = np.asarray(a, dtype=np.float64)
        except ValueError as err:
            self.fail(label, f"cannot be read as plain arrays ({err})")
        X, Y = arrays["X"], arrays["Y"]
        if len(X) == 0:
            self.fail(f"{label} X", "is empty, expected at least one sample")
        if len(X) != len(Y):
            self.fail(f"{label} Y", f"found {len(Y)} rows, expected {len(X)} (one per row of X)")
        for key, a in (("X", X), ("Y", Y)):
            if not np.all(np.isfinite(a)):
                self.fail(f"{label} {key}", "holds a non-finite number, expected finite numbers")
        return X, Y

    def check_targets(self, loss, layers, Y, data_file):
        label = "data.file" if data_file else "data.Y"
        if loss == "bce":
            bad = np.argwhere((Y < 0) | (Y > 1))
            if len(bad):
                i, k = bad[0]
                self.fail(f"{label}[{i}][{k}]", f"found {Y[i, k]!r}, expected a target from 0 to 1 for loss bce")
        if loss == "ce":
            bad = np.argwhere(Y < 0)
            if len(bad):
                i, k = bad[0]
                self.fail(f"{label}[{i}][{k}]", f"found {Y[i, k]!r}, expected targets >= 0 for loss ce")
            sums = Y.sum(axis=1)
            wrong = np.flatnonzero(np.abs(sums - 1.0) > 1e-6)
            if len(wrong):
                i = wrong[0]
                self.fail(f"{label}[{i}]", f"sums to {sums[i]!r}, expected each row of targets to sum to 1 for loss ce")


def _parses(cell: str) -> bool:
    try:
        float(cell)
        return True
    except ValueError:
        return False


# ---------------------------------------------------------------------------------------------
# Writing


def _toml_number(x: float) -> str:
    return repr(float(x))  # the shortest text that reads back as the same float64


def _toml_list(values) -> str:
    return "[" + ", ".join(_toml_number(x) for x in values) + "]"


def _toml_matrix(rows) -> str:
    return "[" + ", ".join(_toml_list(row) for row in rows) + "]"


def dumps(network: Network, path: str | os.PathLike | None = None) -> str:
    """The network as a network file, with its current parameters. A data file is referred
    to relative to `path` (where the text will be written), so the file opens again anywhere."""
    for name, value in network.params.items():
        if not np.all(np.isfinite(value)):
            raise ValueError(f"parameter {name} holds a non-finite number; a network file needs finite numbers")
    out = [f"name = {json.dumps(network.name, ensure_ascii=False)}"]
    if network.description:
        out.append(f"description = {json.dumps(network.description, ensure_ascii=False)}")
    out += [
        f"inputs = {network.inputs}",
        f"loss = {json.dumps(network.loss)}",
        f"reduction = {json.dumps(network.reduction)}",
        f"learning_rate = {_toml_number(network.learning_rate)}",
        f"seed = {network.seed}",
    ]
    if network.frozen:
        out.append("frozen = [" + ", ".join(json.dumps(n) for n in network.frozen) + "]")
    for layer in network.layers:
        out += ["", "[[layers]]", f"units = {layer.units}", f"activation = {json.dumps(layer.activation)}"]
    out += ["", "[params]"]
    for l in range(1, network.depth + 1):
        out.append(f"W{l} = {_toml_matrix(network.params[f'W{l}'])}")
        out.append(f"b{l} = {_toml_list(network.params[f'b{l}'])}")
    out += ["", "[data]"]
    if network.data_file is not None:
        data_path = Path(network.source).parent / network.data_file
        where = Path(path).resolve().parent if path is not None else Path.cwd()
        out.append(f"file = {json.dumps(os.path.relpath(data_path.resolve(), where), ensure_ascii=False)}")
    else:
        out.append(f"X = {_toml_matrix(network.X)}")
        out.append(f"Y = {_toml_matrix(network.Y)}")
    return "\n".join(out) + "\n"


def save(network: Network, path: str | os.PathLike) -> None:
    """Write the network file atomically (temp file + rename). Raises OSError or ValueError."""
    write_atomic(path, dumps(network, path))
