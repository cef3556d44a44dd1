"""Matrix expressions: the closed forms the project writes and the answers a learner types are
the same trees, so an answer copied from the screen reads back as what was printed.

One tree, three writings (`write(node, style)`): "answer" (ASCII, what `backprop-tui answer`
takes: `delta2.T @ A1`), "unicode" (the screen: `δ₂ᵀA₁`) and "latex". `parse` reads every one
of the first two, with a parser written for it: no eval, no attribute but `.T`, the text's
length and its nesting bounded. `evaluate` computes a tree on 2-D arrays and says which
operation's shapes do not fit.

Names are the quantity ids of engine/quantities.py ("W2", "z1", "delta2", "x", "y",
"dL/dW2") plus "m" (the number of samples) and "eta" (the learning rate); the letters are
read case-insensitively (X or x, Z1 or z1, δ₂ for delta2, v₂ for delta2 and d₂ for z2 in the
dynamic-programming view's names).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import numpy as np

from .quantities import Kind, Quantity

MAX_LENGTH = 2_000  # characters of an expression
MAX_DEPTH = 60  # nesting of an expression
MAX_VALUES = 10_000_000  # numbers in any intermediate result

# -- the tree ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Name:
    ref: str  # a quantity id ("W2", "x", "delta1", "dL/dW2"), "m" or "eta"


@dataclass(frozen=True)
class Neg:
    arg: object


@dataclass(frozen=True)
class Bin:
    # "+", "-", "*" (element-wise), "/", "@" (matrix product), "juxt" (written side by side, as
    # on screen: the matrix product where the shapes allow it, else element-wise: XW₁ᵀ, Y ln A₃)
    op: str
    left: object
    right: object


@dataclass(frozen=True)
class T:
    arg: object  # the transpose


@dataclass(frozen=True)
class Pow:
    arg: object
    power: float


@dataclass(frozen=True)
class Positive:
    arg: object  # 𝟙(arg > 0): 1 where arg > 0, else 0


@dataclass(frozen=True)
class Call:
    fn: str  # sigmoid, relu, tanh, softmax, exp, log
    arg: object


@dataclass(frozen=True)
class Sum:
    arg: object
    # 0: over the rows (the samples of a batch), 1: along each row, None: all; "i" and "k" (Σᵢ, Σₖ
    # as the screen writes them): over the samples and over the units, whichever axis they are on
    axis: int | str | None


@dataclass(frozen=True)
class Deriv:
    """t(d_l) of the dynamic-programming view: layer l's activation derivative at z_l, which
    `expanded` writes out (𝟙(z₂ > 0), a₁ ⊙ (1 − a₁), …); element-wise activations only."""

    layer: int
    expanded: object


@dataclass(frozen=True)
class Part:
    """A part of a closed form that is a quantity of its own (δ₂ inside ∂L/∂W₂): evaluated and
    written as `arg`, and marked when the writer is asked to light that quantity."""

    ref: str
    arg: object


LIT, UNLIT = "\x0e", "\x0f"  # around a lit part in write()'s text (never in an expression)


# Functions besides the activations (each activation's name, symbol and rule are its object's in
# engine/functions.py, so a new activation is known here by itself).
def _diag(value: np.ndarray) -> np.ndarray:
    """diag(a): one sample's vector as the diagonal of a matrix (softmax's Jacobian, diag(a) − aaᵀ)."""
    if value.ndim == 2 and 1 in value.shape:
        return np.diagflat(value)
    raise ShapeError(f"diag(…) takes one sample's vector, not a {shape_text(value)} matrix")


_MATH = {
    "exp": ("exp", r"\exp", np.exp),
    "log": ("ln", r"\ln", np.log),
    "diag": ("diag", r"\operatorname{diag}", _diag),
}


def _activations() -> dict:
    from .functions import ACTIVATIONS  # functions.py builds its closed forms from this module

    return ACTIVATIONS


def _symbol(fn: str, latex: bool) -> str:
    base, prime = fn.removesuffix("'"), "'" if fn.endswith("'") else ""
    if base in _MATH:
        return _MATH[base][1 if latex else 0] + prime
    act = _activations().get(base)
    return (act.latex if latex else act.symbol) + prime if act else fn


def add(a, b):
    return Bin("+", a, b)


def minus(a, b):
    return Bin("-", a, b)


def times(a, b):
    return Bin("*", a, b)


def over(a, b):
    return Bin("/", a, b)


def matmul(a, b):
    return Bin("@", a, b)


# -- errors --------------------------------------------------------------------------------------


class ExpressionError(ValueError):
    """Text that is not an expression, an unknown name, or more than the limits allow."""


class ShapeError(ValueError):
    """An operation whose operands' shapes do not fit; the message names both and, where one
    exists, the transpose that would fit."""


# -- evaluating ----------------------------------------------------------------------------------


def shape_text(a: np.ndarray) -> str:
    """3×2, or "a number" for a 0-d value."""
    return "×".join(str(n) for n in a.shape) if a.ndim else "a number"


def _per_sample(a: np.ndarray, b: np.ndarray) -> bool:
    """Rows times a Jacobian per sample (softmax's ∂A/∂Z in a batch): each row by its own matrix."""
    return a.ndim == 2 and b.ndim == 3 and a.shape[0] == b.shape[0] and a.shape[1] == b.shape[1]


def _fits(op: str, a: np.ndarray, b: np.ndarray) -> bool:
    if op == "@":
        return (a.ndim == 2 and b.ndim == 2 and a.shape[1] == b.shape[0]) or _per_sample(a, b)
    try:
        np.broadcast_shapes(a.shape, b.shape)
        return True
    except ValueError:
        return False


def _mismatch(op: str, node: Bin, a: np.ndarray, b: np.ndarray, names) -> ShapeError:
    what = "a matrix product" if op == "@" else {"+": "a sum", "-": "a difference"}.get(op, "an element-wise product")
    left, right = (write(part, "answer", names) for part in (node.left, node.right))
    flipped = (part.arg if isinstance(part, T) else T(part) for part in (node.left, node.right))  # Wᵀᵀ is W
    left_t, right_t = (write(part, "answer", names) for part in flipped)
    fitting = [
        f"{words} (gives {shape_text(np.empty(_result(op, x, y)))})"
        for words, x, y in (
            (f"{left_t} and {right}", a.T, b),
            (f"{left} and {right_t}", a, b.T),
            (f"{left_t} and {right_t}", a.T, b.T),
        )
        if _fits(op, x, y)
    ]
    hint = f"; transposing would fit: {', or '.join(fitting)}" if fitting else ""
    return ShapeError(f"the shapes do not fit in {what}: {left} is {shape_text(a)}, {right} is {shape_text(b)}{hint}")


def _result(op: str, a: np.ndarray, b: np.ndarray) -> tuple[int, ...]:
    if op == "@":
        return (a.shape[0], b.shape[2]) if _per_sample(a, b) else (a.shape[0], b.shape[1])
    return np.broadcast_shapes(a.shape, b.shape)


def evaluate(node, env: dict[str, np.ndarray | float], names=None) -> np.ndarray:
    """The value of the tree, names looked up in env (2-D arrays; "m" and "eta" numbers).
    Raises ShapeError when an operation's shapes do not fit (its operands written with `names`),
    ExpressionError when a result would hold more than MAX_VALUES numbers."""
    with np.errstate(all="ignore"):
        return np.asarray(_eval(node, env, names or Names()), dtype=np.float64)


def sum_axis(axis: int | str | None, column: bool) -> int | None:
    """The array axis of a Sum: Σᵢ runs over the samples (the rows of a batch, the one column of
    one sample), Σₖ over the units (a batch's columns, one sample's rows)."""
    if axis == "i":
        return 1 if column else 0
    if axis == "k":
        return 0 if column else 1
    return axis


def _eval(node, env, names):
    if isinstance(node, Num):
        return np.float64(node.value)
    if isinstance(node, Name):
        return env[node.ref]
    if isinstance(node, Neg):
        return -_eval(node.arg, env, names)
    if isinstance(node, T):
        value = np.asarray(_eval(node.arg, env, names))
        return value.T
    if isinstance(node, Pow):
        return np.asarray(_eval(node.arg, env, names)) ** node.power
    if isinstance(node, Positive):
        return (np.asarray(_eval(node.arg, env, names)) > 0).astype(np.float64)
    if isinstance(node, Part):
        return _eval(node.arg, env, names)
    if isinstance(node, Deriv):  # the layer's ∂a/∂z, element-wise
        value = env[Quantity(Kind.DA_DZ, node.layer).id]
        if value.ndim != 2:
            raise ShapeError(f"t(d{node.layer}) is a Jacobian per sample here (softmax), not element-wise")
        return value
    if isinstance(node, Sum):
        value = np.asarray(_eval(node.arg, env, names))
        axis = sum_axis(node.axis, column=env.get("m") == 1)
        if axis is None or value.ndim < 2:
            return np.sum(value)
        return np.sum(value, axis=axis, keepdims=True)
    if isinstance(node, Call):
        value = np.asarray(_eval(node.arg, env, names), dtype=np.float64)
        base = node.fn.removesuffix("'")
        if base in _MATH:
            return _MATH[base][2](value)
        act = _activations()[base]
        column = env.get("m") == 1 and value.ndim == 2 and value.shape[1] == 1  # one sample's column
        rows = value.T if column else value  # the rule works on rows of samples (softmax per row)
        a = act.f(rows)
        if node.fn == "softmax'":  # a Jacobian per sample, diag(a) − aaᵀ: one sample's is a matrix
            jacobians = a[:, :, None] * np.eye(a.shape[1]) - a[:, :, None] * a[:, None, :]
            return jacobians[0] if column else jacobians
        out = act.df(rows, a) if node.fn.endswith("'") else a  # f'(z): element-wise activations only
        return out.T if column else out
    a, b = np.asarray(_eval(node.left, env, names)), np.asarray(_eval(node.right, env, names))
    op = node.op
    if op == "juxt":
        op = "@" if _fits("@", a, b) or not _fits("*", a, b) else "*"
    if op == "@" and (a.ndim == 0 or b.ndim == 0):
        return a * b  # a number "times" a matrix, as a learner writes 2(ŷ − y)
    if not _fits(op, a, b):
        raise _mismatch(op, node, a, b, names)
    shape = _result(op, a, b)
    if int(np.prod(shape)) > MAX_VALUES:  # refused before it is made: X @ X.T of a large batch
        raise ExpressionError(f"the expression builds a {'×'.join(map(str, shape))} matrix: too large to judge")
    if op == "@" and _per_sample(a, b):
        return np.einsum("ik,ikj->ij", a, b)
    return {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "@": np.matmul}[op](a, b)


# -- writing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Names:
    """How names are written: one sample (column vectors, small letters) or a batch (capitals
    for what has a row per sample), and δ or the dynamic-programming view's v names."""

    column: bool = False
    v: bool = False

    def answer(self, ref: str) -> str:
        if ref in ("m", "eta", "l2"):
            return ref
        q = Quantity.parse(ref)
        if q is None or q.kind in (Kind.DL_DA, Kind.DA_DZ, Kind.DL_DW, Kind.DL_DB, Kind.LOSS, Kind.W, Kind.B):
            return ref
        if q.kind is Kind.DELTA:
            return ref
        return ref if self.column else ref.upper()  # X, Y, Z1, A1 in a batch

    def symbol(self, ref: str, latex: bool) -> str:
        if ref == "m":
            return "m"
        if ref == "eta":
            return r"\eta" if latex else "η"
        if ref == "l2":  # the network file's l2, λ
            return r"\lambda" if latex else "λ"
        q = Quantity.parse(ref)
        return q.symbol(self.column, latex, self.v and not latex) if q else ref


_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "@": 2, "juxt": 2}


def _prec(node, style: str = "answer") -> int:
    if isinstance(node, Part):
        return _prec(node.arg, style)
    if isinstance(node, Bin):
        if style in ("unicode", "latex") and node.op == "*" and isinstance(node.left, Num):
            return 3  # 2(ŷ − y): a number written against what it multiplies binds tightest
        return _PRECEDENCE[node.op]
    if isinstance(node, Neg):
        return 3
    if isinstance(node, T | Pow):
        return 4
    if isinstance(node, Num) and node.value < 0:
        return 3
    return 5


def number(x: float) -> str:
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


def write(node, style: str = "answer", names: Names = Names(), lit: frozenset[str] = frozenset()) -> str:
    """The tree as text: style "answer" (ASCII, `backprop-tui answer`'s syntax), "unicode"
    (the screen) or "latex". Every "answer" and "unicode" text parses back to the same value.
    lit: quantity ids whose parts (and names) are written between LIT and UNLIT."""
    return _write(node, style, names, 0, lit)


def _group(text: str, style: str) -> str:
    if style == "latex":
        return rf"\left({text}\right)"
    if style == "unicode" and "(" in text and "[" not in text:
        return f"[{text}]"  # [(W₃ᵀδ₃) ⊙ 𝟙(z₂ > 0)]a₁ᵀ, as the homework's answers are written
    return f"({text})"


def _write(node, style, names, depth, lit=frozenset()) -> str:
    latex, uni = style == "latex", style == "unicode"

    def sub_(child, least: int, right: bool = False) -> str:
        if isinstance(child, Deriv) and child.expanded is not None and not (names.v and not latex):
            child = Part(Quantity(Kind.DA_DZ, child.layer).id, child.expanded)  # bracketed as what it is
        text = _write(child, style, names, depth + 1, lit)
        inner = child
        while isinstance(inner, Part):  # a marked part is bracketed as what it holds
            inner = inner.arg
        p = _prec(inner, style)
        if p < least or (right and p == least and isinstance(inner, Bin)):
            return _group(text, style)
        if isinstance(node, Bin) and isinstance(inner, Bin) and p == _PRECEDENCE[node.op] == 2 and inner.op != node.op:
            if not isinstance(inner.left, Num):  # (δ₃W₃) ⊙ 𝟙(z₂ > 0): never ⊙ and a product unbracketed
                return _group(text, style)
        return text

    if isinstance(node, Part):
        text = _write(node.arg, style, names, depth, lit)
        return f"{LIT}{text}{UNLIT}" if node.ref in lit else text
    if isinstance(node, Num):
        return number(node.value)
    if isinstance(node, Name):
        text = names.symbol(node.ref, latex) if (latex or uni) else names.answer(node.ref)
        return f"{LIT}{text}{UNLIT}" if node.ref in lit else text
    if isinstance(node, Neg):
        return ("-" if not uni else "−") + sub_(node.arg, 3)
    if isinstance(node, T):
        return sub_(node.arg, 5) + (r"^\top" if latex else "ᵀ" if uni else ".T")
    if isinstance(node, Pow):
        power = number(node.power)
        if uni and power == "2":
            return sub_(node.arg, 5) + "²"
        return sub_(node.arg, 5) + (f"^{{{power}}}" if latex else f"**{power}")
    if isinstance(node, Positive):
        inner = _write(node.arg, style, names, depth + 1, lit)
        if latex:
            return rf"\mathbb{{1}}[{inner} > 0]"
        return f"𝟙({inner} > 0)" if uni else f"({inner} > 0)"
    if isinstance(node, Deriv):
        if node.expanded is None or (names.v and not latex):
            d = Quantity(Kind.Z, node.layer).symbol(names.column, latex, v=True) if uni else f"d{node.layer}"
            text = f"t({d})"
        else:
            text = _write(node.expanded, style, names, depth, lit)
        return f"{LIT}{text}{UNLIT}" if Quantity(Kind.DA_DZ, node.layer).id in lit else text
    if isinstance(node, Call):
        inner = _write(node.arg, style, names, depth + 1, lit)
        if latex:
            return rf"{_symbol(node.fn, latex=True)}\left({inner}\right)"
        return f"{_symbol(node.fn, latex=False) if uni else node.fn}({inner})"
    if isinstance(node, Sum):
        inner = _write(node.arg, style, names, depth + 1, lit)
        if latex:
            index = {0: "_i", 1: "_k", "i": "_i", "k": "_k", None: ""}[node.axis]
            return rf"\sum{index} \left({inner}\right)"
        if uni:
            return {0: "Σᵢ", 1: "Σₖ", "i": "Σᵢ", "k": "Σₖ", None: "Σ"}[node.axis] + f"({inner})"
        axis = sum_axis(node.axis, names.column)
        return f"sum({inner}, {axis})" if axis is not None else f"sum({inner})"
    # Bin
    op = node.op
    left = sub_(node.left, _PRECEDENCE[op])
    right = sub_(node.right, _PRECEDENCE[op], right=True)
    if latex:
        if op == "/":
            top, bottom = (_write(part, style, names, depth + 1, lit) for part in (node.left, node.right))
            return rf"\frac{{{top}}}{{{bottom}}}"
        symbol = {"+": " + ", "-": " - ", "*": r" \odot ", "@": " ", "juxt": " "}[op]
        if (op == "*" and isinstance(node.left, Num)) or op in ("@", "juxt"):  # W_3^T \cdot 2(a_3 - y)
            symbol = r" \cdot " if right.lstrip(LIT)[:1] in "0123456789." else " "
        return left + symbol + right
    if uni:
        if op in ("@", "juxt") or (op == "*" and isinstance(node.left, Num)):  # W₁x, 2(ŷ − y); 2·3
            return left + ("·" if right.lstrip(LIT)[:1] in "0123456789." else "") + right
        return left + {"+": " + ", "-": " − ", "*": " ⊙ ", "/": "/"}[op] + right
    return left + {"+": " + ", "-": " - ", "*": "*", "/": "/", "@": " @ ", "juxt": " "}[op] + right


# -- reading -------------------------------------------------------------------------------------

_SUBSCRIPT_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<dadz>[d∂][aA][0-9₀-₉]+/[d∂][zZ][0-9₀-₉]+)            # da2/dz2, ∂A₂/∂Z₂
  | (?P<grad>(?:dL/d|∂L/∂)[WwBbAa][0-9₀-₉]+)                 # dL/dW2, ∂L/∂b₁, dL/da2
  | (?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
  | (?P<sum>Σ[ᵢₖ]?)
  | (?P<name>[A-Za-z_α-ωΑ-ΡΤ-ΩŷŶ][A-Za-z_α-ωΑ-ΡΤ-ΩŷŶ\u0302]*[0-9₀-₉]*'?[ᵢₖ]?)   # δ₃ᵢ: a sample's index
  | (?P<op>\*\*|\.T|[-+*/@^()\[\],>·⊙×−ᵀ²𝟙½])
    """,
    re.VERBOSE,
)
_AXES = {"Σ": None, "Σᵢ": "i", "Σₖ": "k"}
_OTHER_WORDS = {"delta", "eta", "lr", "yhat", "gw", "gb", "lambda"}


@cache
def _function_words() -> dict[str, str]:
    """Every word that names a function, lower case, to its name: each activation by its name
    and its symbol (σ, ReLU, id), exp, log and ln, sum, and t (the dynamic-programming view's f')."""
    words = {"exp": "exp", "log": "log", "ln": "log", "diag": "diag", "sum": "sum", "t": "t"}
    for name, act in _activations().items():
        words[name] = words[act.symbol.lower()] = name
    return words


_LAYER_NAMES = {
    "w": Kind.W,
    "b": Kind.B,
    "z": Kind.Z,
    "d": Kind.Z,  # the dynamic-programming view's d = Σxw + b
    "a": Kind.A,
    "delta": Kind.DELTA,
    "δ": Kind.DELTA,
    "v": Kind.DELTA,  # its v
    "gw": Kind.DL_DW,  # its g = v·x
    "gb": Kind.DL_DB,
}


def parse(text: str, depth_layers: int) -> object:
    """The tree of an expression in the answer syntax or the screen's Unicode (see README,
    "Typed answers"). depth_layers: the network's number of layers (names past it are
    unknown). Raises ExpressionError for anything that is not such an expression."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is longer than {MAX_LENGTH:,} characters")
    tokens = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise ExpressionError(f"unexpected {text[pos]!r} at character {pos + 1}")
        pos = match.end()
        kind = match.lastgroup
        if kind == "name":
            tokens += [("name", part) for part in _letters(match.group())]
        elif kind != "space":
            tokens.append((kind, match.group()))
    return _Parser(tokens, depth_layers).parse()


def _letters(text: str) -> list[str]:
    """A word of one-letter names written together, as on screen (XW₁ is X then W₁), split
    into them; any other word whole (delta2, sigmoid, foo: unknown names are said whole)."""
    match = re.fullmatch(r"([^0-9₀-₉']+)(.*)", text)
    word, tail = match[1], match[2]
    if len(word) < 2 or word.lower() in _function_words() or word.lower() in _OTHER_WORDS:
        return [text]
    letters = list(word)
    alone = ("x", "y", "m", "η", "ŷ", "λ")  # names without a layer
    if all(letter.lower() in alone for letter in letters[:-1]) and (
        letters[-1].lower() in alone or (letters[-1].lower() in _LAYER_NAMES and tail[:1].isdigit())
    ):
        return letters[:-1] + [letters[-1] + tail]
    return [text]


class _Parser:
    def __init__(self, tokens, layers):
        self.tokens, self.i, self.layers, self.depth = tokens, 0, layers, 0

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else (None, None)

    def take(self, value=None):
        kind, text = self.peek()
        if kind is None or (value is not None and text != value):
            wanted = f"{value!r}" if value else "more"
            raise ExpressionError(f"expected {wanted} {'at the end' if kind is None else f'before {text!r}'}")
        self.i += 1
        return kind, text

    def nested(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(f"the expression is nested more than {MAX_DEPTH} deep")

    def parse(self):
        if not self.tokens:
            raise ExpressionError("the expression is empty")
        node = self.compare()
        if self.i < len(self.tokens):
            raise ExpressionError(f"unexpected {self.tokens[self.i][1]!r}")
        return node

    def compare(self):
        node = self.additive()
        if self.peek()[1] == ">":
            self.take()
            zero = self.additive()
            if zero != Num(0.0):
                raise ExpressionError("a comparison is written (expression > 0)")
            return Positive(node)
        return node

    def additive(self):
        node = self.product()
        while self.peek()[1] in ("+", "-", "−"):
            op = "+" if self.take()[1] == "+" else "-"
            node = Bin(op, node, self.product())
        return node

    def product(self):
        node = self.unary()
        while True:
            kind, text = self.peek()
            if text in ("*", "⊙", "×", "/", "@", "·"):
                self.take()
                op = {"⊙": "*", "×": "*", "·": "@"}.get(text, text)
                node = self.product_of(op, node, self.unary())
            elif kind in ("name", "number", "grad", "dadz", "sum") or text in ("(", "[", "𝟙", "½"):
                node = self.product_of("juxt", node, self.unary())  # juxtaposed: W₁x, 2(ŷ − y), δ₂a₁ᵀ
            else:
                return node

    @staticmethod
    def product_of(op, left, right):
        """A matrix product with a number in it is the number times the matrix: 2(ŷ − y)."""
        if op in ("@", "juxt") and isinstance(right, Num):
            left, right = right, left  # W₃ᵀ · 2 is 2W₃ᵀ
        if op in ("@", "juxt") and isinstance(left, Num):
            op = "*"
        return Bin(op, left, right)

    def unary(self):
        if self.peek()[1] in ("-", "−"):
            self.take()
            self.nested()
            node = Neg(self.unary())
            self.depth -= 1
            return node
        if self.peek()[1] == "+":
            self.take()
            return self.unary()
        return self.postfix()

    def postfix(self):
        node = self.atom()
        kind, text = self.peek()
        if isinstance(node, Num) and (kind in ("name", "grad", "dadz", "sum") or text in ("(", "[", "𝟙", "½")):
            return Bin("*", node, self.postfix())  # 2(ŷ − y): the number and what it multiplies, first
        while True:
            text = self.peek()[1]
            if text in (".T", "ᵀ"):
                self.take()
                node = T(node)
            elif text == "²":
                self.take()
                node = Pow(node, 2.0)
            elif text in ("**", "^"):
                self.take()
                negative = self.peek()[1] in ("-", "−")
                if negative:
                    self.take()
                kind, number = self.take()
                if kind != "number":
                    raise ExpressionError("a power is a number: (expression)**2")
                node = Pow(node, -float(number) if negative else float(number))
            else:
                return node

    def group(self, closing: str):
        self.nested()
        node = self.compare()
        self.take(closing)
        self.depth -= 1
        return node

    def atom(self):
        kind, text = self.take()
        if kind == "number":
            return Num(float(text))
        if text == "½":  # the screen's ½(a − y)²
            return Num(0.5)
        if text in ("(", "["):
            return self.group(")" if text == "(" else "]")
        if text == "𝟙":
            opening = self.take()[1]
            if opening not in ("(", "["):
                raise ExpressionError("𝟙 is written 𝟙(z > 0)")
            inner = self.group(")" if opening == "(" else "]")
            if not isinstance(inner, Positive):
                raise ExpressionError("𝟙 is written 𝟙(z > 0)")
            return inner
        if kind == "sum":  # Σₖ yₖ ln aₖ sums the product, as in print: the operand runs to a + or −
            self.nested()
            node = Sum(self.product(), _AXES[text])
            self.depth -= 1
            return node
        if kind == "grad":
            return Name(self.quantity(text))
        if kind == "dadz":
            layers = re.findall(r"[0-9]+", text.translate(_SUBSCRIPT_DIGITS))
            if layers[0] != layers[1]:
                raise ExpressionError(f"unknown name {text!r}: ∂aₗ/∂zₗ is one layer's")
            self.known(int(layers[0]), text)
            return Name(Quantity(Kind.DA_DZ, int(layers[0])).id)
        if kind == "name":
            return self.name(text)
        raise ExpressionError(f"unexpected {text!r}")

    def quantity(self, text: str) -> str:
        plain = text.translate(_SUBSCRIPT_DIGITS).replace("∂", "d")
        match = re.fullmatch(r"dL/d([A-Za-z])([0-9]+)", plain)
        letter, layer = match[1], int(match[2])
        ref = Quantity({"w": Kind.DL_DW, "b": Kind.DL_DB, "a": Kind.DL_DA}[letter.lower()], layer).id
        self.known(layer, text)
        return ref

    def known(self, layer: int, text: str):
        if not 1 <= layer <= self.layers:
            raise ExpressionError(f"unknown name {text!r}: the network has layers 1 to {self.layers}")

    def name(self, text: str):
        plain = text.translate(_SUBSCRIPT_DIGITS).rstrip("ᵢₖ")  # δ₃ᵢ is δ₃ (a sample's row of it)
        prime = plain.endswith("'")
        match = re.fullmatch(r"([^0-9']+)([0-9]*)'?", plain)
        word, digits = match[1].lower(), match[2]
        if prime or word in _function_words():
            if digits:
                raise ExpressionError(f"unknown name {text!r}")
            return self.function(word, text, prime)
        named = self.single(word, digits)
        if named is None:
            raise ExpressionError(f"unknown name {text!r}")
        return named

    def single(self, word: str, digits: str):
        """The name `word` with its layer `digits`, or None if it is none."""
        if word + digits == "l2":  # the network file's key for λ
            return Name("l2")
        if digits:
            kind = _LAYER_NAMES.get(word)
            if kind is None:
                return None
            self.known(int(digits), word + digits)
            return Name(Quantity(kind, int(digits)).id)
        if word in ("x", "y", "m", "eta", "η", "lr"):
            return Name({"η": "eta", "lr": "eta"}.get(word, word))
        if word in ("λ", "lambda"):
            return Name("l2")
        if word in ("ŷ", "yhat", "y\u0302"):
            return Name(Quantity(Kind.A, self.layers).id)
        if word == "l":  # the loss, as the left side of "L = …"
            return Name(Quantity(Kind.LOSS).id)
        return None

    def function(self, word: str, text: str, prime: bool = False):
        word = _function_words().get(word, word)
        act = _activations().get(word)
        if prime and act is None:
            raise ExpressionError(f"{text}: a derivative is written relu'(z), σ'(z), tanh'(z), softmax'(z) or id'(z)")
        if self.peek()[1] not in ("(", "["):  # ln A₃: a function of the one factor after it
            if word in ("sum", "t"):
                raise ExpressionError(f"{text} is written with parentheses: {text}(…)")
            self.nested()
            node = Call(word + "'" if prime else word, self.postfix())
            self.depth -= 1
            return node
        opening = self.take()[1]
        self.nested()
        arg = self.compare()
        axis = None
        if word == "sum" and self.peek()[1] == ",":
            self.take()
            kind, number = self.take()
            if number not in ("0", "1"):
                raise ExpressionError("sum(expression, 0) sums over the rows, sum(expression, 1) along them")
            axis = int(number)
        self.take(")" if opening == "(" else "]")
        self.depth -= 1
        if word == "sum":
            return Sum(arg, axis)
        if word == "t":
            named = Quantity.parse(arg.ref) if isinstance(arg, Name) else None
            if named is None or named.kind is not Kind.Z:
                raise ExpressionError("t is the activation's derivative at one layer's d: t(d2)")
            return Deriv(named.layer, None)  # evaluated as the layer's ∂a/∂z
        return Call(word + "'" if prime else word, arg)
