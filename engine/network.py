"""Network files (README, "Network files"): reading, validating, initialising and writing.

Everything a file can get wrong is reported as a NetworkError naming the file and the key,
before any large allocation: sizes are checked against the limits below first.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import struct
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from . import floattext, tomldoc
from .files import (
    FileRefused,
    check_target,
    open_regular,
    printable,
    quoted,
    read_regular,
    shown,
    write_atomic,
    write_atomic_stream,
)
from .functions import ACTIVATIONS, LOSSES, REDUCTIONS
from .notation import counted
from .optimizers import OPTIMIZERS, Settings, State, state_shapes

# Limits, checked before anything is allocated. The largest network people meet in a first
# course (784-128-64-10 on a batch of 64) is far inside them.
MAX_FILE_BYTES = 64 * 2**20  # a network file
MAX_DATA_FILE_BYTES = 256 * 2**20  # an .npz data file, uncompressed
# a .csv data file: every byte is scanned before a wrong one at its end is refused, about 1 s of
# CPU time per 100 MB of numbers near float64's limit (benchmarks/refusals.py)
MAX_CSV_BYTES = 128 * 2**20
MAX_LAYERS = 64
MAX_UNITS = 100_000  # per layer, and the inputs
MAX_PARAMS = 10_000_000  # weights and biases together
MAX_SAMPLES = 1_000_000
MAX_VALUES = 20_000_000  # numbers held per quantity of one iteration: m × units, m × k² for softmax
# save() writes the parameters of a larger network to NAME.params.npz beside the file: 8 bytes
# a parameter instead of ~22 as TOML text, so every network the limits accept fits a network file.
INLINE_PARAMS = 100_000
MAX_CSV_VALUE = 100  # characters in a value of a .csv data file
MAX_NPZ_MEMBERS = 1000  # arrays in an .npz data file (X and Y are read)
NPZ_DTYPES = "bool, int8 to int64, uint8 to uint64, or float16 to float64 (what float64 holds exactly)"

TOP_KEYS = (
    "name",
    "description",
    "inputs",
    "loss",
    "reduction",
    "learning_rate",
    "seed",
    "frozen",
    "l2",
    "batch_size",
    "optimizer",
    "layers",
    "params",
    "data",
)
LAYER_KEYS = ("units", "activation")
DATA_KEYS = ("X", "Y", "file")


class NetworkError(Exception):
    """A problem with a network file: where (file, key) and what was found versus expected."""

    def __init__(self, source: str, key: str | None, message: str):
        # What comes from a file or a path is shown escaped and cut (files.printable).
        source, key, message = printable(source, 120), key and printable(key, 80), printable(message, 300)
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
    optimizer: Settings = Settings()  # the [optimizer] table; its default is plain gradient descent
    l2: float = 0.0  # the loss adds (l2/2)·Σ_l ‖W_l‖²
    batch_size: int = 0  # mini-batches of this many rows; 0: the whole batch
    optimizer_state: State | None = field(default=None, compare=False)  # where the optimizer starts; None: t = 0, zeros

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

    @property
    def mini_batches(self) -> bool:
        """Whether an iteration walks a mini-batch, not the whole batch (batch_size < samples)."""
        return 0 < self.batch_size < self.samples

    def with_params(self, params: dict[str, np.ndarray], state: State | None = None) -> Network:
        """The network starting from `params` (and the optimizer's `state`: a saved network goes on
        exactly where it was)."""
        params = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
        return replace(self, params=params, optimizer_state=state)


def initial_params(sizes: list[int], activations: list[str], seed: int) -> dict[str, np.ndarray]:
    """The one initialisation scheme (README): for l = 1..L in order, W_l has entries drawn
    from N(0, gain / units_(l−1)) with the gain of the layer's activation (2 for ReLU, He; 1
    for most others, LeCun), b_l = 0. Every W_l is drawn whether the file gives it or not, so
    giving one parameter never changes another's values."""
    rng = np.random.default_rng(seed)
    params = {}
    for l in range(1, len(sizes)):
        fan_in = sizes[l - 1]
        gain = ACTIVATIONS[activations[l - 1]].init_gain
        params[f"W{l}"] = rng.standard_normal((sizes[l], fan_in)) * math.sqrt(gain / fan_in)
        params[f"b{l}"] = np.zeros(sizes[l])
    return params


# ---------------------------------------------------------------------------------------------
# Reading


def load(path: str | os.PathLike) -> Network:
    """Read and validate a network file; raises NetworkError for anything wrong with it."""
    source = str(path)
    if source.lower().endswith(".csv"):  # data, not a network: say what makes a network of it
        why = "is a CSV file, not a network file: backprop-tui new proposes a network for it (or o in the app)"
        raise NetworkError(source, None, why)
    try:
        raw = read_regular(path, MAX_FILE_BYTES)
    except FileNotFoundError:
        raise NetworkError(source, None, "no such file") from None
    except FileRefused as err:
        raise NetworkError(source, None, str(err)) from None
    except OSError as err:
        raise NetworkError(source, None, f"cannot be read ({err.strerror or err})") from None
    p = Path(path)
    return _read(raw, source, p.parent, p.stem)


def loads(text: str, source: str = "<string>", base: Path | None = None, default_name: str = "network") -> Network:
    return _read(text.encode("utf-8"), source, base or Path.cwd(), default_name)


def from_settings(doc: dict, name: str, data: tuple[np.ndarray, np.ndarray, str | None], source: str) -> Network:
    """A network from a network file's keys other than [params] and [data] (the editor's), on
    data already checked, (X, Y, data.file), by the rules a file meets; raises NetworkError."""
    return _Parser(source, Path.cwd()).network(doc, name, data=data)


def _read(raw: bytes, source: str, base: Path, default_name: str) -> Network:
    try:
        doc = tomldoc.parse(raw)
    except tomldoc.TomlError as err:
        raise NetworkError(source, None, str(err)) from None
    return _Parser(source, base).network(doc, default_name)


_LONGEST_INT_BITS = 14_000  # 4,214 digits: str() of a longer int may be refused (Python's limit is 4,300 digits)


def _describe(value) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, str):
        return f"the string {quoted(value)}"
    if isinstance(value, int):
        if value.bit_length() > _LONGEST_INT_BITS:
            return "a whole number of more than 4,200 digits"
        digits = len(str(abs(value)))
        return str(value) if digits <= 20 else f"a whole number of {digits:,} digits"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tomldoc.Numbers)):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def _finite(x) -> bool:
    """A number float64 holds: not inf or nan, and no whole number past float64's range."""
    try:
        return math.isfinite(x)
    except OverflowError:
        return False


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")

# CSV data files: plain decimal notation only (no 1_000, no digits of other scripts).
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NON_FINITE = re.compile(r"[+-]?(?:inf|infinity|nan)", re.IGNORECASE)  # refused as non-finite, not as "not a number"
CSV_BLANKS = " \t\r"  # around a value of a .csv data file
_BLANK_ROWS = re.compile(rb"\n[ \t\r,]*(?=\n)")  # blank lines and lines of empty cells: skipped
CSV_BLOCK = 2**18  # bytes read at a time
# bytes scanned at a time: small, so NumPy's temporary arrays are reused memory, not pages mapped
# afresh (2**17 doubles the cost of dense data: a fault a page)
CSV_SCAN = 2**16
CSV_CONVERT = 2**20  # bytes converted at a time: NumPy's reader costs much per call

# A block of CSV rows is checked without converting a number (_csv_counted): every byte but a
# digit is a token, and the plain decimal grammar comes down to which token may follow which,
# with digits between or not, given the token before (a point after digits or not, a sign of the
# exponent or not, a blank that leads a value or trails one). Tokens:
_SEP, _SIGN, _POINT, _EXP, _BLANK, _OTHER = range(6)  # , or newline; + -; .; e E; space, tab, CR
_TOKEN_KIND = np.full(256, _OTHER, np.uint8)
for _kind, _chars in ((_SEP, b",\n"), (_SIGN, b"+-"), (_POINT, b"."), (_EXP, b"eE"), (_BLANK, b" \t\r")):
    _TOKEN_KIND[list(_chars)] = _kind


def _csv_grammar() -> np.ndarray:
    """Whether token b may follow token a, indexed by (((before·2 + d₀)·5 + a)·2 + d)·5 + b: d
    says whether digits come between a and b, d₀ between `before` and a. A cell is blanks, a
    sign, digits with a point (digits on one side of it at least), an exponent (e, a sign,
    digits), blanks: _DECIMAL between blanks."""
    value_end = ("point after digits", _EXP, "trailing blank", _SEP)  # what may follow mantissa digits
    may_follow = {  # (a, digits between) → what b may be
        (_SEP, False): (_SIGN, "lone point", "leading blank"),
        (_SEP, True): value_end,
        ("leading blank", False): (_SIGN, "lone point"),
        ("leading blank", True): value_end,
        ("trailing blank", False): (_SEP,),
        (_SIGN, False): ("lone point",),
        (_SIGN, True): value_end,
        ("exponent sign", True): ("trailing blank", _SEP),
        ("point after digits", False): (_EXP, "trailing blank", _SEP),
        ("point after digits", True): (_EXP, "trailing blank", _SEP),
        ("lone point", True): (_EXP, "trailing blank", _SEP),
        (_EXP, False): ("exponent sign",),
        (_EXP, True): ("trailing blank", _SEP),
    }

    def role(before, digits, token):
        if token == _POINT:
            return "point after digits" if digits else "lone point"
        if token == _BLANK:
            return "leading blank" if before == _SEP and not digits else "trailing blank"
        if token == _SIGN and before == _EXP and not digits:
            return "exponent sign"
        return token

    table = np.zeros(500, bool)
    for before, d0, a, d, b in np.ndindex(5, 2, 5, 2, 5):
        first = role(before, d0, a)
        table[(((before * 2 + d0) * 5 + a) * 2 + d) * 5 + b] = role(a, d, b) in may_follow.get((first, bool(d)), ())
    return table


_CSV_GRAMMAR = _csv_grammar()


def _csv_counted(data: bytes, width: int, targets: int = 0, loss: str | None = None) -> tuple[int, bool] | None:
    """How many rows `data` (_csv_text) holds when each is `width` plain decimal numbers of at
    most MAX_CSV_VALUE characters, and whether they are all finite and their last `targets` obey
    the loss's rule (_csv_targets); None when any line needs a closer look. Nothing is converted:
    a bad cell at the end of a large file costs a scan."""
    raw = np.frombuffer(data, np.uint8)
    rows = int(np.count_nonzero(raw == 10)) - 1  # NumPy's methods, not its functions: a call costs
    if rows == 0:
        return 0, True
    at = ((raw - 48) > 9).nonzero()[0].astype(np.int32)  # every byte but a digit (uint8: '0' - 48 wraps)
    kind = _TOKEN_KIND.take(raw.take(at))
    if (kind == _OTHER).any():
        return None
    seps = at.compress(kind == _SEP)  # the first is the newline before the first line
    if len(seps) != rows * width + 1 or not (raw.take(seps[::width]) == 10).all():
        return None  # a line of another width
    if (seps[1:] - seps[:-1]).max() > MAX_CSV_VALUE + 1:
        return None
    gaps = at[1:] - at[:-1]  # digits between token i and token i + 1: gaps[i] - 1
    token, follows = kind.astype(np.uint16), gaps > 1
    blank = kind == _BLANK
    if blank.any() and (runs := blank[:-1] & blank[1:] & ~follows).any():  # a run of blanks is one token
        keep = np.append(~runs, True)
        token, follows = token.compress(keep), follows.compress(keep[:-1])
    pair = token[:-1] * 2 + follows  # (((before·2 + d₀)·5 + a)·2 + d)·5 + b = (pair·10 + next pair)·5 + b
    grammar = (pair[:-1] * 10 + pair[1:]) * 5 + token[2:]
    first = (_SEP * 2 * 5 + pair[0]) * 5 + token[1]  # the first token is the line's start
    if not (_CSV_GRAMMAR[first] and _CSV_GRAMMAR.take(grammar).all()):
        return None
    if not _csv_finite(data, raw, at, kind, gaps):
        return rows, False
    if targets and loss in TARGET_RULES:
        return rows, _csv_targets(data, raw, at, kind, gaps, width, targets, loss)
    return rows, True


TARGET_RULES = {"bce": "a target from 0 to 1", "ce": "targets >= 0"}  # what each loss expects of its targets


def _csv_finite(data, raw, at, kind, gaps) -> bool:
    """Whether every number of a block of valid CSV lines (the tokens as _csv_counted found them)
    is finite, decided from its text (floattext): converting numbers near float64's limit costs
    0.5 µs each. One whose exponent has at most two digits is (it has at most 100 characters)."""
    exps = (kind == _EXP).nonzero()[0]
    if not len(exps):
        return True
    where = at.take(exps)
    sign = raw.take(where + 1)  # or the exponent's first digit
    signed = sign < ord("0")
    count = gaps.take(exps + signed) - 1  # the exponent's digits
    large = (count >= 3) & (sign != ord("-"))
    if not large.all():  # most often none: exponents of two digits
        if not large.any():
            return True
        exps, where, signed, count = exps[large], where[large], signed[large], count[large]
    end = where + (count + 1) + signed  # after the exponent
    prev = exps - 1  # the token before each e: its point, or what comes before the number
    pointed, before = kind.take(prev) == _POINT, gaps.take(prev)
    digits = np.where(pointed, gaps.take(prev - 1, mode="clip"), before) - 1  # before the point
    length = digits + pointed * before  # the mantissa's, in bytes
    words = floattext.aligned(data)
    place = floattext.exponents(raw, words, end, count) + digits
    return not floattext.above(words, where - length, length, digits, place, floattext.INF).any()


def _csv_targets(data, raw, at, kind, gaps, width, targets, loss) -> bool:
    """Whether the last `targets` numbers of every row of a block of valid, finite CSV lines (the
    tokens as _csv_counted found them) obey the loss's rule (TARGET_RULES) once float64 holds
    them, decided from their text (floattext), not converted: a number rounds below 0 when it is
    negative and above 2**-1075 in size, above 1 when above 1 + 2**-53."""
    follows = np.append(gaps > 1, False)  # digits after token i
    before, after = np.insert(kind[:-1], 0, _SEP), np.append(kind[1:], _SEP)
    # each number's mantissa comes right after a separator, a leading blank or its sign
    leads = (kind == _SEP) | (kind == _BLANK) | (kind == _SIGN) & (before != _EXP)
    first = (leads & (follows | (after == _POINT))).nonzero()[0]
    first = first.reshape(-1, width)[:, width - targets :].ravel()  # the token before each target's mantissa
    pointed = kind.take(first + 1) == _POINT
    last = first + 1 + pointed  # the token after the mantissa
    start = at.take(first) + 1
    length = at.take(last) - start
    digits = np.where(pointed, at.take(first + 1) - start, length)  # before the point
    place = digits.copy()
    words = floattext.aligned(data)
    exps = (kind.take(last) == _EXP).nonzero()[0]
    if len(exps):
        e = last.take(exps)
        signed = kind.take(e + 1) == _SIGN
        end = at.take(e + 1 + signed)  # after the exponent
        count = end - at.take(e) - 1 - signed
        value = floattext.exponents(raw, words, end, count)
        place[exps] += np.where(signed & (raw.take(end - count - 1) == ord("-")), -value, value)
    negative = raw.take(at.take(first)) == ord("-")
    for bound, which in ((floattext.TINY, negative), (floattext.ONE, ~negative if loss == "bce" else None)):
        if which is not None and which.any():
            if floattext.above(words, start[which], length[which], digits[which], place[which], bound).any():
                return False
    return True


def csv_number(cell: str) -> float | None:
    """A value of a .csv data file (at most MAX_CSV_VALUE characters) as float64: plain decimal
    notation between blanks; None when it is no number (a word, an empty cell). Raises ValueError,
    in words that follow "line N: ", for a number float64 does not hold (nan, inf, 1e999)."""
    cell = cell.strip(CSV_BLANKS)
    if _DECIMAL.fullmatch(cell) and math.isfinite(value := float(cell)):
        return value
    if _DECIMAL.fullmatch(cell) or _NON_FINITE.fullmatch(cell):
        raise ValueError("found a non-finite number, expected finite numbers")
    return None


def not_a_csv_number(cell: str) -> str:
    """What is wrong with a value csv_number() finds no number, in words that follow "line N: "."""
    return f"found {quoted(cell.strip(CSV_BLANKS), 30)}, expected a number (plain decimal notation)"


def long_csv_value(cell: str) -> str:
    """What is wrong with a value of more than MAX_CSV_VALUE characters, in words that follow "line N: "."""
    return f"found a value of {len(cell):,} characters, expected a number of at most {MAX_CSV_VALUE}"


def _csv_text(block: bytes) -> bytes:
    """A newline, then the lines of `block` (whole lines; the last may lack its newline), each
    ending in a newline, but for lines of blanks and empty cells, which the line reader skips."""
    data = b"\n" + block if block.endswith(b"\n") else b"\n" + block + b"\n"
    return _BLANK_ROWS.sub(b"", data) if _BLANK_ROWS.search(data) else data


def _csv_converted(texts: list[bytes], rows: int, width: int) -> np.ndarray | None:
    """The `rows` rows of `width` finite numbers in texts _csv_counted vouched for, converted at
    once (NumPy's reader costs much per call); None should NumPy's reader find otherwise."""
    if rows == 0:
        return np.empty((0, width))
    text = b"".join(texts).replace(b"\r", b" ")  # around a value, a blank as the line reader takes it
    try:
        values = np.loadtxt(io.BytesIO(text), delimiter=",", ndmin=2, comments=None)
    except ValueError:
        return None
    if values.shape != (rows, width) or not np.isfinite(values).all():
        return None
    return values


def _csv_scanned(block: bytes, width: int, targets=0, loss=None) -> tuple[list[bytes], int, bool] | None:
    """What _csv_counted says of `block` (whole lines), CSV_SCAN bytes at a time: their texts
    (_csv_text), how many rows, and whether all finite (and the targets within the loss's rule);
    None when any line needs a closer look."""
    texts, rows, finite, pos = [], 0, True, 0
    while pos < len(block):
        cut = block.find(b"\n", pos + CSV_SCAN) + 1 or len(block)
        text = b"\n" + block[pos:cut] if block[cut - 1] == 10 else b"\n" + block[pos:cut] + b"\n"
        found = _csv_counted(text, width, targets, loss)
        if found is None and _BLANK_ROWS.search(text):  # blank lines fail the grammar: without them
            text = _BLANK_ROWS.sub(b"", text)
            found = _csv_counted(text, width, targets, loss)
        if found is None:
            return None
        texts.append(text)
        rows, finite, pos = rows + found[0], finite and found[1], cut
    return texts, rows, finite


def _csv_rows(block: bytes, width: int, targets=0, loss=None) -> np.ndarray | None:
    """The rows of `block` (whole lines) when every one is `width` plain decimal numbers, each at
    most MAX_CSV_VALUE characters and finite, the last `targets` within the loss's rule; None when
    any line needs a closer look."""
    scanned = _csv_scanned(block, width, targets, loss)
    return None if scanned is None or not scanned[2] else _csv_converted(scanned[0], scanned[1], width)


def _zip_members(handle) -> int | None:
    """How many members a zip file declares (its end record), read before zipfile reads them all."""
    size = handle.seek(0, os.SEEK_END)
    handle.seek(max(0, size - 22 - 2**16))  # the end record: 22 bytes and a comment of up to 64 KiB
    tail = handle.read()
    handle.seek(0)
    at = tail.rfind(b"PK\x05\x06")
    return int.from_bytes(tail[at + 10 : at + 12], "little") if 0 <= at <= len(tail) - 22 else None


class _Later:
    """A large array that has passed every check, converted once the whole file has (_Parser)."""

    def __init__(self, rows: int, convert):
        self.rows, self.convert = rows, convert

    def __len__(self) -> int:
        return self.rows


def _now(value):
    return value.convert() if isinstance(value, _Later) else value


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def sample_limit(sizes: list[int], last: Layer) -> tuple[int, str]:
    """The most samples the limits allow a network of these sizes and last layer, and why (words
    that follow the number)."""
    widest = max(max(sizes), last.units**2 if last.activation == "softmax" else 0)
    most = MAX_VALUES // widest
    if most >= MAX_SAMPLES:
        return MAX_SAMPLES, ""
    return most, f" (at {widest:,} values per sample, the limit of {MAX_VALUES:,} values)"


def csv_line_blocks(handle, width: int, line: int, too_long):
    """(number of its first line, block) for a CSV's blocks of whole lines from where the handle
    is, the first numbered `line`. A line longer than any row of `width` values can be is never
    held whole: too_long(the lines before it, their first number, its start, its number) is
    called, and must raise."""
    longest_line = width * (MAX_CSV_VALUE + 1) + 1
    while block := handle.read(CSV_BLOCK):
        if not block.endswith(b"\n"):  # read on to the end of the block's last line
            tail = handle.readline(longest_line)
            block += tail
            if len(tail) == longest_line and not tail.endswith(b"\n"):  # longer than any row can be
                cut = block.rfind(b"\n") + 1
                too_long(block[:cut], line, block[cut:], line + block.count(b"\n", 0, cut))
        yield line, block
        line += int(np.count_nonzero(np.frombuffer(block, np.uint8) == 10))  # faster than bytes.count


class _Parser:
    def __init__(self, source: str, base: Path):
        self.source, self.base = source, base
        self.loss: str | None = None  # once read: a CSV file's targets are checked against its rule as they are scanned

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
            self.fail(label, f"found {_describe(value)}, expected a whole number from {lo:,} to {hi:,}")
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
        if control := _CONTROL.search(value):  # it is shown and exported: never an escape sequence
            self.fail(label, f"found a control character ({printable(control.group())}), expected one line of text")
        return value

    def matrix(self, value, label, rows_expected, cols, what):
        """A list of `rows_expected` rows (any count if None) of `cols` finite numbers. A large
        array (tomldoc.Numbers) is checked now, reading only the pieces a scan cannot vouch for,
        and converted once the whole file has passed its checks (_Later): what is wrong late in
        a file is found without converting the large arrays before it."""
        if not isinstance(value, (list, tomldoc.Numbers)):
            self.fail(label, f"found {_describe(value)}, expected {what}")
        if rows_expected is not None and len(value) != rows_expected:
            self.fail(label, f"found {len(value):,} rows, expected {what}")
        if isinstance(value, tomldoc.Numbers):
            for first, rows in self.pieces(value, label, cols, doubtful=True):
                self.rows(rows, label, first, cols, what, checked=False)
            return _Later(len(value), lambda: self.converted_matrix(value, label, cols, what))
        return self.converted_matrix(value, label, cols, what)

    def converted_matrix(self, value, label, cols, what):
        out, i = np.empty((len(value), cols)), 0
        for rows in self.pieces(value, label, cols):
            out[i : i + len(rows)] = self.rows(rows, label, i, cols, what, isinstance(value, list))
            i += len(rows)
        return out

    def rows(self, rows, label, first, cols, what, checked):
        """`rows` (the first is row `first`) as float64, when each is a row of `cols` finite numbers."""
        for k, row in enumerate(rows, start=first):
            if not isinstance(row, list):
                self.fail(f"{label}[{k}]", f"found {_describe(row)}, expected a row of {cols} numbers")
            if len(row) != cols:
                self.fail(f"{label}[{k}]", f"found {len(row)} numbers, expected {cols} ({what})")
        return self.floats(rows, label, first, checked)

    def vector(self, value, label, length, what):
        """A list of `length` finite numbers; a large array is converted later, as in matrix()."""
        if not isinstance(value, (list, tomldoc.Numbers)):
            self.fail(label, f"found {_describe(value)}, expected {what}")
        if len(value) != length:
            self.fail(label, f"found {len(value):,} numbers, expected {what}")
        if isinstance(value, tomldoc.Numbers):
            for first, values in self.pieces(value, label, doubtful=True):
                self.numbers(values, label, first)
            return _Later(length, lambda: self.converted_vector(value, label, length))
        return self.converted_vector(value, label, length)

    def converted_vector(self, value, label, length):
        values = [x for piece in self.pieces(value, label) for x in piece]
        self.numbers(values, label)
        return np.array(values, dtype=np.float64).reshape(length)

    def pieces(self, value, label, width=None, doubtful=False):
        """A list as one piece; a large array (tomldoc.Numbers) piece by piece, as it is read: a
        row of more than `width` numbers is refused before it is read. `doubtful`: only the pieces
        of a large array a scan cannot vouch for, each with the index of its first element."""
        if isinstance(value, list):
            yield value
            return
        try:
            yield from value.doubtful(width) if doubtful else value.pieces(width)
        except tomldoc.ArrayError as err:
            self.fail(label, str(err))
        except tomldoc.LongRow as err:
            self.fail(f"{label}[{err.row}]", f"found {err.count:,} numbers, expected {width:,}")

    def floats(self, rows, label, first, checked):
        """rows as float64; says which value is not a finite number. What tomllib gave (`checked`)
        may hold strings and booleans, which NumPy would convert: those are looked at one by one."""
        if checked:
            for k, row in enumerate(rows, start=first):
                self.numbers(row, f"{label}[{k}]")
        try:
            with np.errstate(all="ignore"):
                out = np.array(rows, dtype=np.float64)
            if np.isfinite(out).all():
                return out
        except OverflowError:  # a whole number past float64's range
            pass
        for k, row in enumerate(rows, start=first):
            self.numbers(row, f"{label}[{k}]")
        raise AssertionError("numbers() fails on a value float64 cannot hold")

    def numbers(self, row, label, first=0):
        for j, x in enumerate(row, start=first):
            if not _is_number(x):
                self.fail(f"{label}[{j}]", f"found {_describe(x)}, expected a number")
            if not _finite(x):
                self.fail(f"{label}[{j}]", f"found {_describe(x)}, expected a finite number")

    # -- the whole file ------------------------------------------------------------------------

    def network(self, doc: dict, default_name: str, data: tuple | None = None) -> Network:
        """data: (X, Y, data_file) already checked (the editor's network keeps its data), in place
        of doc's [data]."""
        self.unknown_keys(doc, TOP_KEYS)
        name = self.text(doc, "name", "name", default_name)
        description = self.text(doc, "description", "description", "")
        inputs = self.integer(doc, "inputs", "inputs", 1, MAX_UNITS)
        loss = self.loss = self.choice(doc, "loss", "loss", tuple(LOSSES))
        reduction = self.choice(doc, "reduction", "reduction", REDUCTIONS, default="mean")
        if "learning_rate" not in doc:
            self.fail("learning_rate", "missing, expected a number > 0")
        lr = doc["learning_rate"]
        if not _is_number(lr) or not _finite(lr) or lr <= 0:
            self.fail("learning_rate", f"found {_describe(lr)}, expected a finite number > 0")
        seed = self.integer(doc, "seed", "seed", 0, 2**63 - 1, default=0)
        layers = self.layers(doc, loss)
        sizes = [inputs] + [layer.units for layer in layers]
        count = sum(sizes[l] * sizes[l - 1] + sizes[l] for l in range(1, len(sizes)))
        if count > MAX_PARAMS:
            self.fail("layers", f"the network has {count:,} parameters, more than the limit of {MAX_PARAMS:,}")
        optimizer = self.optimizer(doc.get("optimizer", {}))
        params = self.params(doc.get("params", {}), sizes, [layer.activation for layer in layers], seed, optimizer)
        frozen = self.frozen(doc.get("frozen", []), params)
        l2 = self.number(doc, "l2", "l2", 0.0)
        batch_size = self.integer(doc, "batch_size", "batch_size", 0, MAX_SAMPLES, default=0)
        shapes = {
            name: shape
            for l in range(1, len(sizes))
            for name, shape in ((f"W{l}", (sizes[l], sizes[l - 1])), (f"b{l}", (sizes[l],)))
        }
        state = self.optimizer_state(doc.get("optimizer", {}).get("state"), optimizer, shapes, frozen)
        X, Y, data_file = self.data(doc, inputs, layers) if data is None else data
        if data is not None and (X.shape[1], Y.shape[1]) != (inputs, layers[-1].units):
            self.fail("layers", f"expected {X.shape[1]} inputs and {Y.shape[1]} output units, the data's")
        # every check of the file has passed: the large arrays are converted now
        params, X, Y = {name: _now(value) for name, value in params.items()}, _now(X), _now(Y)
        if state is not None:
            state = State(state.t, {name: _now(value) for name, value in state.arrays.items()})
            for key, value in state.arrays.items():
                if key.startswith("v:") and (value < 0).any():  # a running average of squares
                    self.fail(f"optimizer.state.{key}", "holds a negative number, expected squares' averages (≥ 0)")
        self.check_targets(loss, layers, Y, data_file)
        return Network(
            name=name,
            description=description,
            inputs=inputs,
            layers=tuple(layers),
            loss=loss,
            learning_rate=float(lr),
            params=params,
            X=X,
            Y=Y,
            reduction=reduction,
            seed=seed,
            frozen=frozen,
            source=self.source,
            data_file=data_file,
            optimizer=optimizer,
            l2=l2,
            batch_size=batch_size,
            optimizer_state=state,
        )

    def number(self, table, key, label, default, below_one=False):
        """A finite number ≥ 0 (and < 1 with below_one), PyTorch's range for these settings."""
        value = table.get(key, default)
        expected = "a number from 0 to below 1" if below_one else "a finite number ≥ 0"
        if not _is_number(value) or not _finite(value) or value < 0 or (below_one and value >= 1):
            self.fail(label, f"found {_describe(value)}, expected {expected}")
        return float(value)

    def optimizer(self, table) -> Settings:
        """The [optimizer] table: a key left out takes PyTorch's default for that optimizer."""
        if not isinstance(table, dict):
            self.fail("optimizer", f"found {_describe(table)}, expected a table ([optimizer])")
        name = self.choice(table, "name", "optimizer.name", tuple(OPTIMIZERS), default="sgd")
        optimizer = OPTIMIZERS[name]
        for key in table:
            if key not in ("name", *optimizer.keys, "state"):
                why = "" if "name" in table else ' (without name = "…" the optimizer is sgd)'
                self.fail(
                    f"optimizer.{key}",
                    f"unknown key for {name}{why}, expected one of: name, {', '.join(optimizer.keys)}",
                )
        given = {}
        for key in optimizer.keys:
            if key == "nesterov":
                value = table.get(key, False)
                if not isinstance(value, bool):
                    self.fail("optimizer.nesterov", f"found {_describe(value)}, expected true or false")
            elif key == "eps" and key in table:  # 0 would divide 0 by 0 where a gradient is 0
                value = table[key]
                if not _is_number(value) or not _finite(value) or value <= 0:
                    self.fail(
                        "optimizer.eps",
                        f"found {_describe(value)}, expected a finite number > 0 (the step divides by √v + ε)",
                    )
                value = float(value)
            elif key in table:
                value = self.number(table, key, f"optimizer.{key}", None, below_one=key in ("beta1", "beta2", "alpha"))
            else:
                continue
            given[key] = value
        settings = optimizer.settings(**given)
        if settings.nesterov and settings.momentum <= 0:
            self.fail("optimizer.nesterov", "found true, which needs momentum > 0")
        return settings

    def optimizer_state(self, table, settings, parameters, frozen) -> State | None:
        """[optimizer.state], as save() writes it: t and every moving array by id ("m:W2"), inline
        or in the .npz of `file`; None without the table (the optimizer starts afresh)."""
        if table is None:
            return None
        if not isinstance(table, dict):
            self.fail("optimizer.state", f"found {_describe(table)}, expected a table ([optimizer.state])")
        shapes = state_shapes(settings, parameters, frozen)
        self.unknown_keys(table, ("t", "file", *shapes), "optimizer.state.")
        t = self.integer(table, "t", "optimizer.state.t", 0, 2**53)
        if "file" in table:
            for key in table:
                if key not in ("t", "file"):
                    self.fail(f"optimizer.state.{key}", "found together with optimizer.state.file, expected either")
            given = self.params_file(
                table["file"], {**parameters, **state_shapes(settings, parameters)}, "optimizer.state.file"
            )
            given = {name: value for name, value in given.items() if name in shapes}
        else:
            given = {}
            for name, shape in shapes.items():
                if name in table:
                    label = f"optimizer.state.{name}"
                    if len(shape) == 2:
                        given[name] = self.matrix(
                            table[name], label, shape[0], shape[1], f"{counted(shape[0], 'row')} of {shape[1]} numbers"
                        )
                    else:
                        given[name] = self.vector(table[name], label, shape[0], counted(shape[0], "number"))
        for name in shapes:
            if name not in given:
                self.fail(
                    f"optimizer.state.{name}", "missing, expected every moving array of the optimizer (or no state)"
                )
        return State(t, given)

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
            self.fail(
                f"layers[{len(layers)}].activation",
                f"found {last} with loss {loss}, expected {needs} (loss {loss} needs a {needs} last layer)",
            )
        return layers

    def params(self, table, sizes, activations, seed, optimizer) -> dict[str, np.ndarray]:
        if not isinstance(table, dict):
            self.fail("params", f"found {_describe(table)}, expected a table")
        depth = len(sizes) - 1
        names = [f"{kind}{l}" for l in range(1, depth + 1) for kind in ("W", "b")]
        if "file" in table:
            for key in table:
                if key != "file":
                    self.fail(f"params.{key}", "found together with params.file, expected either file or W1, b1, …")
            shapes = {}
            for l in range(1, depth + 1):
                shapes[f"W{l}"], shapes[f"b{l}"] = (sizes[l], sizes[l - 1]), (sizes[l],)
            moving = state_shapes(optimizer, shapes)
            given = self.params_file(table["file"], {**shapes, **moving})  # save() puts both in one file
            given = {name: value for name, value in given.items() if name in shapes}
            if len(given) == len(names):  # nothing left to draw (10 M draws take a while)
                return {name: given[name] for name in names}
            return {**initial_params(sizes, activations, seed), **given}
        params = initial_params(sizes, activations, seed)
        self.unknown_keys(table, names + ["file"], prefix="params.")
        for l in range(1, depth + 1):
            if f"W{l}" in table:
                params[f"W{l}"] = self.matrix(
                    table[f"W{l}"],
                    f"params.W{l}",
                    sizes[l],
                    sizes[l - 1],
                    f"{sizes[l]} rows of {sizes[l - 1]} numbers (units of layer {l} × units of layer {l - 1})",
                )
            if f"b{l}" in table:
                params[f"b{l}"] = self.vector(
                    table[f"b{l}"], f"params.b{l}", sizes[l], f"{sizes[l]} numbers (one per unit of layer {l})"
                )
        return params

    def params_file(self, name, shapes, key="params.file") -> dict[str, np.ndarray]:
        """The parameters (or, for key optimizer.state.file, the optimizer's moving arrays) an .npz
        file beside the network file gives (each optional, as inline)."""
        if not isinstance(name, str) or not name:
            self.fail(key, f"found {_describe(name)}, expected the path of a .npz file of {', '.join(shapes)}")
        path = self.base / name
        label = f"{key} ({json.dumps(path.name[:60])[1:-1]})"  # no huge name, no raw escape
        try:
            arrays = read_arrays(path, shapes)
        except ArrayFileError as err:
            self.fail(label, str(err))
        for key, value in arrays.items():
            if not np.all(np.isfinite(value)):
                self.fail(label, f"{key}: holds a non-finite number, expected finite numbers")
        return arrays

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
        most, why = sample_limit([inputs] + [layer.units for layer in layers], layers[-1])
        if "file" in table:
            if "X" in table or "Y" in table:
                self.fail("data.file", "found together with X or Y, expected either file or X and Y")
            name = table["file"]
            if not isinstance(name, str) or not name:
                self.fail("data.file", f"found {_describe(name)}, expected a path to a .csv or .npz file")
            X, Y = self.data_file(name, inputs, outputs, most, why)
            data_file = name
        else:
            for key in ("X", "Y"):
                if key not in table:
                    self.fail(f"data.{key}", "missing, expected a list of rows (or data.file)")
            for key in ("X", "Y"):
                if isinstance(table[key], (list, tomldoc.Numbers)) and len(table[key]) > most:
                    self.fail(
                        f"data.{key}", f"found {len(table[key]):,} rows, more than the limit of {most:,} samples{why}"
                    )
            if table["X"] == [] or table["Y"] == []:
                key = "X" if table["X"] == [] else "Y"
                self.fail(f"data.{key}", "found an empty list, expected at least one sample")
            X = self.matrix(table["X"], "data.X", None, inputs, f"rows of {inputs} numbers (the inputs)")
            Y = self.matrix(
                table["Y"], "data.Y", None, outputs, f"rows of {outputs} numbers (the units of the last layer)"
            )
            if len(X) != len(Y):
                self.fail("data.Y", f"found {len(Y)} rows, expected {len(X)} (one per row of data.X)")
            data_file = None
        if len(X) > most:
            self.fail("data", f"found {len(X):,} samples, more than the limit of {most:,}{why}")
        return X, Y, data_file

    def data_file(self, name, inputs, outputs, most, why):
        path = self.base / name
        label = "data.file"
        if path.suffix.lower() not in (".csv", ".npz"):
            self.fail(label, f"found {quoted(name)}, expected a .csv or .npz file")
        shown = printable(str(path), 100)
        csv = path.suffix.lower() == ".csv"
        try:
            with open_regular(path, MAX_CSV_BYTES if csv else MAX_DATA_FILE_BYTES) as handle:
                read = self.read_csv if csv else self.read_npz
                return read(handle, f"{label} ({printable(path.name, 60)})", inputs, outputs, most, why)
        except FileNotFoundError:
            self.fail(label, f"found {quoted(name)}, but {shown} does not exist")
        except FileRefused as err:
            self.fail(label, f"{shown} {err}")
        except OSError as err:
            self.fail(label, f"{shown} cannot be read ({err.strerror or err})")

    def read_csv(self, handle, label, inputs, outputs, most, why):
        """Plain decimal numbers, `inputs` then `outputs` to a line, in two passes over the file. The
        first checks every line without converting a number (_csv_counted), so a file bad at its
        end costs a scan, not a conversion; the second converts a few blocks at a time at C speed,
        those blocks unchanged since (their CRC-32). A block the scan turns down is read line by
        line to say exactly what is wrong (csv_block). A line or a sample past what the limits
        allow is refused as soon as it is met, never held."""
        width = inputs + outputs
        m, blocks = 0, []  # samples; each block's CRC-32 and rows, for the second pass
        for line, block in self.csv_blocks(handle, label, inputs, outputs):
            scanned = _csv_scanned(block, width, outputs, self.loss)
            if scanned is None or not scanned[2]:  # a bad line, a number past float64's range or a bad target: which?
                rows = len(self.csv_block(label, block, line, inputs, outputs))
            else:
                rows = scanned[1]
            if m + rows > most:
                self.fail(label, f"has more than the limit of {most:,} samples{why}")
            m += rows
            blocks.append((zlib.crc32(block), rows))
        if m == 0:
            self.fail(label, "has no rows, expected at least one sample")
        handle.seek(0)
        X, Y = np.empty((m, inputs)), np.empty((m, outputs))
        i, group, size = 0, [], 0  # rows so far; the blocks converted together, their bytes
        again = self.csv_blocks(handle, label, inputs, outputs)
        for index, ((crc, rows), (line, block)) in enumerate(zip(blocks, again)):
            if zlib.crc32(block) != crc:  # what is converted is what was checked
                break
            group.append((line, block, rows))
            size += len(block)
            if size >= CSV_CONVERT or index == len(blocks) - 1:
                values = self.csv_group(label, group, inputs, outputs)
                X[i : i + len(values)], Y[i : i + len(values)] = values[:, :inputs], values[:, inputs:]
                i, group, size = i + len(values), [], 0
        if i != m or handle.read(1):
            self.fail(label, "changed while it was being read")
        return X, Y

    def csv_group(self, label, group, inputs, outputs):
        """The rows of consecutive blocks the first pass vouched for, (line, block, rows) each,
        converted at once; should NumPy's reader find otherwise, block by block (csv_block)."""
        texts = [_csv_text(block) for _, block, _ in group]
        values = _csv_converted(texts, sum(rows for *_, rows in group), inputs + outputs)
        if values is None:
            values = np.vstack([self.csv_block(label, block, line, inputs, outputs) for line, block, _ in group])
        return values

    def csv_blocks(self, handle, label, inputs, outputs):
        """(number of its first line, block) for the file's blocks of whole lines (csv_line_blocks);
        a line longer than any row can be is refused from its start, the lines before it first."""

        def too_long(before, line, start, at):
            self.csv_block(label, before, line, inputs, outputs)
            self.long_line(label, start, at, inputs, outputs)

        return csv_line_blocks(handle, inputs + outputs, 1, too_long)

    def long_line(self, label, start, line, inputs, outputs):
        """Refuses a line longer than any row can be from its start, never held whole."""
        width = inputs + outputs
        if start.count(b",") >= width:
            self.fail(
                label,
                f"line {line} has more than {width:,} values "
                f"({counted(inputs, 'input')} then {counted(outputs, 'target')})",
            )
        self.fail(label, f"line {line}: found a value of more than {MAX_CSV_VALUE} characters, expected a number")

    def csv_block(self, label, block, line, inputs, outputs):
        """The rows of `block` (whole lines, the first numbered `line`): a block the fast reader
        turns down is halved until the lines at fault are few, and those are read one by one."""
        rows = _csv_rows(block, inputs + outputs, outputs, self.loss)
        if rows is not None:
            return rows
        if block.count(b"\n") <= 16:
            return self.csv_lines(label, block, line, inputs, outputs)
        end = len(block) - 1  # its last newline: each half keeps at least one line
        half = block.find(b"\n", len(block) // 2, end) + 1 or block.rfind(b"\n", 0, end) + 1
        first = self.csv_block(label, block[:half], line, inputs, outputs)
        return np.vstack(
            [first, self.csv_block(label, block[half:], line + block.count(b"\n", 0, half), inputs, outputs)]
        )

    def csv_lines(self, label, block, line, inputs, outputs):
        """The rows of `block`, read line by line: fails at the first line that is not `inputs`
        then `outputs` plain decimal numbers."""
        width = inputs + outputs
        rows = []
        for line_no, raw in enumerate(block.split(b"\n"), start=line):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                self.fail(label, f"line {line_no} is not UTF-8 text")
            cells = text.split(",")
            if all(not cell.strip(CSV_BLANKS) for cell in cells):
                continue  # a blank line, or one of empty cells
            if len(cells) != width:
                self.fail(
                    label,
                    f"line {line_no} has {len(cells):,} values, expected {width:,} "
                    f"({counted(inputs, 'input')} then {counted(outputs, 'target')})",
                )
            values = []
            for column, cell in enumerate(cells, start=1):
                if len(cell) > MAX_CSV_VALUE:
                    self.fail(label, f"line {line_no}: {long_csv_value(cell)}")
                try:
                    value = csv_number(cell)
                except ValueError as err:
                    self.fail(label, f"line {line_no}: {err}")
                if value is None:
                    self.fail(label, f"line {line_no}: {not_a_csv_number(cell)}")
                values.append(value)
                if column > inputs and self.loss in TARGET_RULES and _target_fault(self.loss, value):
                    self.fail(
                        label,
                        f"line {line_no}, column {column}: found {value!r}, "
                        f"expected {TARGET_RULES[self.loss]} for loss {self.loss}",
                    )
            rows.append(values)
        return np.array(rows, dtype=np.float64).reshape(len(rows), width)

    def read_npz(self, handle, label, inputs, outputs, most, why):
        import zipfile  # only .npz data needs it; keeps start-up light
        import zlib

        count = _zip_members(handle)
        if count is not None and count > MAX_NPZ_MEMBERS:
            self.fail(
                label,
                f"holds {count:,} members, more than the limit of {MAX_NPZ_MEMBERS:,} "
                "(an .npz data file needs X and Y)",
            )
        try:
            archive = zipfile.ZipFile(handle)
        except (zipfile.BadZipFile, NotImplementedError, ValueError, EOFError, OverflowError) as err:
            self.fail(label, f"is not a valid .npz file ({err})")
        with archive:
            members = {info.filename: info for info in archive.infolist()}
            names = [info.filename for info in archive.infolist()]
            for key in ("X", "Y"):
                if names.count(f"{key}.npy") + names.count(key) > 1:  # a zip may hold two of one name
                    self.fail(label, f"holds {key} twice, expected one array {key}")
            total = sum(info.file_size for info in members.values())
            if total > MAX_DATA_FILE_BYTES:
                self.fail(label, f"unpacks to {total:,} bytes, more than the limit of {MAX_DATA_FILE_BYTES:,}")
            arrays = {}
            for key, cols in (("X", inputs), ("Y", outputs)):
                info = members.get(f"{key}.npy") or members.get(key)
                if info is None:
                    self.fail(label, f"has no array {key}, expected arrays X and Y")
                try:
                    arrays[key] = self.npz_array(archive, info, f"{label} {key}", cols, most, why)
                except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError) as err:
                    self.fail(f"{label} {key}", f"is damaged ({err})")
        X, Y = arrays["X"], arrays["Y"]
        if len(X) != len(Y):
            self.fail(f"{label} Y", f"found {len(Y)} rows, expected {len(X)} (one per row of X)")
        return X, Y

    def npz_array(self, archive, info, label, cols, most, why):
        """One member, checked from its .npy header (shape and dtype) before its data is read."""
        import zipfile

        if info.flag_bits & 0x1:
            self.fail(label, "is encrypted, expected a plain .npz file")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            self.fail(
                label,
                f"uses compression method {info.compress_type}, expected none or deflate "
                "(what numpy.savez and savez_compressed write)",
            )
        fmt = np.lib.format
        with archive.open(info) as member:
            try:
                version = fmt.read_magic(member)
                if version not in ((1, 0), (2, 0)):
                    raise ValueError(f"version {version}")
                read_header = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
                shape, fortran, dtype = read_header(member)
            except ValueError as err:
                self.fail(label, f"is not a NumPy array (.npy): {err}")
            if dtype.kind not in "biuf" or dtype.itemsize > 8:
                self.fail(label, f"found {dtype.name} values, expected {NPZ_DTYPES}")
            if len(shape) != 2 or shape[1] != cols:
                self.fail(label, f"found shape {shape}, expected (m, {cols})")
            if shape[0] == 0:
                self.fail(label, "is empty, expected at least one sample")
            if shape[0] > most:
                self.fail(label, f"found {shape[0]:,} samples, more than the limit of {most:,}{why}")
            if info.file_size < member.tell() + shape[0] * cols * dtype.itemsize:
                self.fail(label, f"is truncated: its header declares {shape[0]:,} × {cols:,} {dtype.name} values")
        with archive.open(info) as member:
            a = fmt.read_array(member, allow_pickle=False)
        if dtype.kind in "iu" and a.size and (a.min() < -(2**53) or a.max() > 2**53):
            self.fail(label, "holds whole numbers beyond ±2**53, which float64 does not hold exactly")
        a = np.asarray(a, dtype=np.float64)
        if not np.all(np.isfinite(a)):
            self.fail(label, "holds a non-finite number, expected finite numbers")
        return a

    def check_targets(self, loss, layers, Y, data_file):
        """The loss's rule for targets (TARGET_RULES). ce's rows need not sum to 1: its gradient is
        δ = scale·(ŷ·Σy − y) whatever they sum to (README), and checking the sums took every
        number converted before a refusal."""
        label = "data.file" if data_file else "data.Y"
        if loss in TARGET_RULES:
            bad = np.argwhere(_target_fault(loss, Y))
            if len(bad):
                i, k = bad[0]
                self.fail(
                    f"{label}[{i}][{k}]", f"found {float(Y[i, k])!r}, expected {TARGET_RULES[loss]} for loss {loss}"
                )


def _target_fault(loss: str, y):
    """Whether target(s) y break the loss's rule (TARGET_RULES); a CSV file's are decided from
    their text as they are scanned (_csv_targets)."""
    return (y < 0) | (y > 1) if loss == "bce" else y < 0


class ArrayFileError(Exception):
    """An .npz file of named float64 arrays that cannot be read as one, said in one line."""


def read_arrays(path: str | os.PathLike, shapes: dict[str, tuple[int, ...]]) -> dict[str, np.ndarray]:
    """The float64 arrays of an .npz file (as numpy.savez writes it) whose members are among
    `shapes` (name → shape); those it holds, checked as declared before any is read: only a
    regular file, no more bytes than the shapes need, only those names, float64, each shape
    as given, no pickle. Raises ArrayFileError for anything else."""
    import zipfile  # only .npz files need it; keeps start-up light
    import zlib

    limit = 4096 + sum(4096 + 8 * math.prod(shape) for shape in shapes.values())
    try:
        handle = open_regular(path, limit)
    except FileRefused as err:
        raise ArrayFileError(str(err)) from None
    except OSError as err:
        raise ArrayFileError(f"cannot be read ({err.strerror or err})") from None
    with handle:
        size = os.fstat(handle.fileno()).st_size
        try:
            _check_zip_directory(handle, size, shapes)
            with zipfile.ZipFile(handle) as archive:
                return _read_members(archive, size, shapes)
        except (
            zipfile.BadZipFile,
            zlib.error,
            EOFError,
            ValueError,
            OSError,
            NotImplementedError,
            RuntimeError,
        ) as err:
            raise ArrayFileError(f"is not a valid .npz file ({str(err)[:80]})") from None


def _check_zip_directory(handle, size: int, shapes: dict) -> None:
    """Refuse a zip whose directory holds more members than `shapes` before zipfile reads it
    (a directory of many small members takes seconds and hundreds of MiB to read)."""
    tail = min(size, 22 + 65535 + 20)  # the end record, its comment, a zip64 locator before it
    handle.seek(size - tail)
    data = handle.read(tail)
    at = data.rfind(b"PK\x05\x06")
    if at < 0 or len(data) - at < 22:
        raise ArrayFileError("is not a valid .npz file (no zip end record)")
    members, directory = struct.unpack_from("<HI", data, at + 10)
    if members > len(shapes) or directory > 256 * len(shapes) or data[max(at - 20, 0) : at].startswith(b"PK\x06\x07"):
        raise ArrayFileError(f"holds more members than {', '.join(shapes)}")


def _read_members(archive, size: int, shapes: dict) -> dict[str, np.ndarray]:
    from zipfile import ZIP_STORED

    arrays = {}
    for info in archive.infolist():
        name = info.filename.removesuffix(".npy")
        if name not in shapes or not info.filename.endswith(".npy") or name in arrays:
            shown = info.filename if len(info.filename) <= 40 else info.filename[:39] + "…"
            raise ArrayFileError(f"holds {json.dumps(shown)[1:-1]}, expected only {', '.join(shapes)}")
        if info.compress_type != ZIP_STORED:
            raise ArrayFileError(f"{name}: compressed, expected the plain members numpy.savez writes")
        if info.file_size > size:
            raise ArrayFileError(f"{name}: claims more bytes than the file holds")
        with archive.open(info) as member:
            version = np.lib.format.read_magic(member)
            if version not in ((1, 0), (2, 0)):
                raise ArrayFileError(f"{name}: .npy version {version}, expected 1.0 or 2.0")
            fmt = np.lib.format
            shape, _, dtype = (fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0)(member)
            if dtype.kind != "f" or dtype.itemsize != 8:
                raise ArrayFileError(f"{name}: found {'object' if dtype.hasobject else dtype} values, expected float64")
            if shape != tuple(shapes[name]):
                raise ArrayFileError(f"{name}: found shape {shape}, expected {tuple(shapes[name])}")
            if 8 * math.prod(shape) > info.file_size:
                raise ArrayFileError(f"{name}: holds fewer bytes than its shape {shape} needs")
        with archive.open(info) as member:
            value = np.lib.format.read_array(member, allow_pickle=False)
            if member.read(1):  # also reaches the end, where zipfile checks the CRC
                raise ArrayFileError(f"{name}: holds more bytes than its shape {shape} needs")
        arrays[name] = np.asarray(value, dtype=np.float64, order="C")  # native byte order
    return arrays


# ---------------------------------------------------------------------------------------------
# Writing


def _toml_number(x: float) -> str:
    return repr(float(x))  # the shortest text that reads back as the same float64


def _toml_list(values) -> str:
    return "[" + ", ".join(_toml_number(x) for x in values) + "]"


def _toml_matrix(rows) -> str:
    return "[" + ", ".join(_toml_list(row) for row in rows) + "]"


def dumps(network: Network, path: str | os.PathLike | None = None, params_file: str | None = None) -> str:
    """The network as a network file, with its current parameters (or naming params_file, the
    .npz of them written beside it). A data file is referred to relative to `path` (where the
    text will be written), so the file opens again anywhere."""
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
    if network.l2:
        out.append(f"l2 = {_toml_number(network.l2)}")
    if network.batch_size:
        out.append(f"batch_size = {network.batch_size}")
    if network.optimizer != Settings():
        settings = network.optimizer
        out += ["", "[optimizer]", f"name = {json.dumps(settings.name)}"]
        for key in settings.optimizer.keys:
            value = getattr(settings, key)
            out.append(f"{key} = {'true' if value is True else 'false' if value is False else _toml_number(value)}")
    state = network.optimizer_state
    # where the optimizer was (and so which mini-batch comes next): a saved network goes on exactly
    if state is not None and (state.arrays or (state.t and network.batch_size)):
        for name, value in state.arrays.items():
            if not np.all(np.isfinite(value)):
                raise ValueError(
                    f"the optimizer's {name} holds a non-finite number; a network file needs finite numbers"
                )
        out += ["", "[optimizer.state]", f"t = {state.t}"]
        if params_file is not None:
            out.append(f"file = {json.dumps(params_file, ensure_ascii=False)}")
        else:
            for name, value in state.arrays.items():
                out.append(f"{json.dumps(name)} = {_toml_matrix(value) if value.ndim == 2 else _toml_list(value)}")
    for layer in network.layers:
        out += ["", "[[layers]]", f"units = {layer.units}", f"activation = {json.dumps(layer.activation)}"]
    out += ["", "[params]"]
    if params_file is not None:
        out.append(f"file = {json.dumps(params_file, ensure_ascii=False)}")
    else:
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


def params_path(network: Network, path: str | os.PathLike) -> Path | None:
    """Where save() writes the parameters of a network of more than INLINE_PARAMS: NAME.params.npz
    beside the network file; None when they go in it."""
    if sum(value.size for value in network.params.values()) <= INLINE_PARAMS:
        return None
    return Path(path).parent / f"{Path(path).stem}.params.npz"


def _naming(path: Path, write, *args) -> None:
    """write(*args); an OSError it raises names `path` first: it is not the file the user named."""
    try:
        write(*args)
    except OSError as err:
        raise OSError(err.errno, f"{shown(path.name)}: {err.strerror or err}") from None


def check_save(network: Network, path: str | os.PathLike) -> None:
    """Raise the OSError save() would for a target it cannot write (files.check_target), before
    long work whose result would then be lost."""
    apart = params_path(network, path)
    if apart is not None:
        _naming(apart, check_target, apart)
    check_target(path)


def save(network: Network, path: str | os.PathLike) -> None:
    """Write the network file atomically (temp file + rename); the parameters of a network of
    more than INLINE_PARAMS go to NAME.params.npz beside it (params_path), written first so that
    the network file never names a missing one. Raises OSError or ValueError (nothing written
    then); an OSError of the parameters' file names it."""
    apart = params_path(network, path)
    text = dumps(network, path, apart and apart.name)  # refuses non-finite parameters before anything is written
    if apart is not None:
        arrays = {name: np.asarray(value, dtype=np.float64) for name, value in network.params.items()}
        if network.optimizer_state is not None:  # the optimizer's moving arrays beside the parameters
            arrays.update({name: np.asarray(v, dtype=np.float64) for name, v in network.optimizer_state.arrays.items()})
        _naming(apart, write_atomic_stream, apart, lambda handle: np.savez(handle, **arrays))
    write_atomic(path, text)
