"""How numbers and arrays are written: plain text for the screen and text exports, LaTeX for
Markdown. Large arrays are elided (⋯), so nothing ever writes 100,000 numbers."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import numpy as np

Format = Callable[[float], str]

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
EDGE = 3  # entries kept at each end of an elided axis


def counted(n: int, noun: str) -> str:
    """1 target, 2 targets, 1,000 targets."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def percent(share: float) -> str:
    """A share as the app and train write it: 0.973 → 97.3 %."""
    return f"{share * 100:.1f} %"


def sub(n: int) -> str:
    return str(n).translate(_SUBSCRIPTS)


def significant(digits: int = 6) -> Format:
    """Plain decimals or e-notation with `digits` significant digits (the export format)."""

    def fmt(x: float) -> str:
        x = float(x)
        if not math.isfinite(x):
            return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
        text = f"{x:.{digits}g}"
        return "0" if text == "-0" else text

    return fmt


def shortest(x: float) -> str:
    """The shortest text that reads back as the same float: a learning rate as the file gave
    it (0.5, 1e-300, 0.123456789), never rounded."""
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


def plus(terms: list[str]) -> str:
    """Terms added up, a negative one subtracted: '0.0000 − 0.0022', never '0.0000 + -0.0022'."""
    out = terms[0] if terms else ""
    for term in terms[1:]:
        out += f" − {term[1:]}" if term.startswith(("-", "−")) else f" + {term}"
    return out


def fixed(decimals: int = 4) -> Format:
    """A fixed number of decimals (the screen's format); tiny and huge values fall back to
    e-notation, so that 4e-7 never shows as a misleading 0.0000 nor 1e150 as 151 digits."""

    def fmt(x: float) -> str:
        x = float(x)
        if not math.isfinite(x):
            return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
        if x != 0 and abs(x) < 0.5 * 10.0**-decimals:
            return f"{x:.{max(decimals - 3, 1)}e}"
        if abs(x) >= 1e6:  # a diverging run: 1.2346e+153, never 154 digits
            return f"{x:.{decimals}e}"
        text = f"{x:.{decimals}f}"
        return text[1:] if text.startswith("-") and float(text) == 0 else text

    return fmt


def indices(n: int, limit: int) -> list[int | None]:
    """Which entries of an axis of length n to show, about `limit` of them; None marks the
    elision. Each end keeps at most limit // 2 entries (at least one), so the two ends never
    meet: an elided axis shows each entry once, and the ⋯ always stands for two or more."""
    edge = max(1, min(EDGE, limit // 2))
    if n <= max(limit, 2 * edge + 1):
        return list(range(n))
    return list(range(edge)) + [None] + list(range(n - edge, n))


def as_vector(a: np.ndarray, column: bool, per_sample: bool = True) -> np.ndarray | None:
    """A vector: a 1-D array, or in the single-sample view (column) the one sample's row
    (1 × n) of a quantity whose rows are the samples (per_sample: z, a, δ…; a parameter's
    rows are its units, so a 1 × n weight matrix stays a matrix)."""
    if a.ndim == 1:
        return a
    if column and per_sample and a.ndim == 2 and a.shape[0] == 1:
        return a[0]
    return None


def text(a, fmt: Format, column: bool = False, limit: int = 8, per_sample: bool = True) -> str:
    """column: the single-sample view (see as_vector)."""
    a = np.asarray(a)
    if a.ndim == 0:
        return fmt(a)
    if a.ndim == 3:
        if column and a.shape[0] == 1:
            return text(a[0], fmt, False, limit)
        return (
            "[" + ", ".join("…" if i is None else text(a[i], fmt, False, limit) for i in indices(a.shape[0], 2)) + "]"
        )
    vec = as_vector(a, column, per_sample)
    if vec is not None:
        return "[" + ", ".join("…" if i is None else fmt(vec[i]) for i in indices(len(vec), limit)) + "]"
    rows = []
    for i in indices(a.shape[0], limit):
        if i is None:
            rows.append("…")
        else:
            rows.append("[" + ", ".join("…" if j is None else fmt(a[i, j]) for j in indices(a.shape[1], limit)) + "]")
    return "[" + ", ".join(rows) + "]"


def latex_number(fmt: Format) -> Format:
    def lfmt(x: float) -> str:
        s = fmt(x)
        if "e" in s and s not in ("inf", "-inf"):
            mantissa, exponent = s.split("e")
            return f"{mantissa} \\times 10^{{{int(exponent)}}}"
        if s in ("inf", "-inf", "nan"):
            return {"inf": r"\infty", "-inf": r"-\infty", "nan": r"\mathrm{NaN}"}[s]
        return s

    return lfmt


def latex(a, fmt: Format, column: bool = False, limit: int = 8, per_sample: bool = True) -> str:
    """As text(); a vector is a column in the single-sample view, else a row."""
    lfmt = latex_number(fmt)
    a = np.asarray(a)
    if a.ndim == 0:
        return lfmt(a)
    if a.ndim == 3:
        if column and a.shape[0] == 1:
            return latex(a[0], fmt, False, limit)
        return (
            r"\left("
            + ",\\ ".join(r"\dots" if i is None else latex(a[i], fmt, False, limit) for i in indices(a.shape[0], 2))
            + r"\right)"
        )
    vec = as_vector(a, column, per_sample)
    if vec is not None:
        cells = [(r"\vdots" if column else r"\cdots") if i is None else lfmt(vec[i]) for i in indices(len(vec), limit)]
        sep = r" \\ " if column else " & "
        return r"\begin{bmatrix}" + sep.join(cells) + r"\end{bmatrix}"
    rows = []
    cols = indices(a.shape[1], limit)
    for i in indices(a.shape[0], limit):
        if i is None:
            rows.append(" & ".join(r"\vdots" if j is not None else r"\ddots" for j in cols))
        else:
            rows.append(" & ".join(r"\cdots" if j is None else lfmt(a[i, j]) for j in cols))
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"


# -- ASCII, for a terminal that cannot show Unicode ------------------------------------------------

_ASCII = str.maketrans(
    {
        **{chr(0x2080 + d): str(d) for d in range(10)},
        "ₖ": "k",
        "ᵢ": "i",
        "ᵀ": "^T ",
        "⁺": "^+",
        "²": "^2",
        "ℓ": "l",
        "∂": "d",
        "δ": "delta",
        "Σ": "sum ",
        "η": "eta",
        "σ": "sigma",
        "ε": "eps",
        "ŷ": "yhat",
        "½": "1/2",
        "−": "-",
        "·": "*",
        "⊙": "(.)",
        "×": "x",
        "←": "<-",
        "→": "->",
        "…": "...",
        "⋯": "...",
        "⋮": ":",
        "⋱": "...",
        "≤": "<=",
        "≥": ">=",
        "≈": "~",
        "∞": "inf",
        "⚠": "!",
        "✓": "ok",
        "✗": "x",
        "′": "'",
    }
)


def to_ascii(text: str) -> str:
    """The same text in ASCII names: ∂L/∂W₁ → dL/dW1, δ₂ → delta2; anything else left → ?."""
    text = re.sub(r"\^T (?=[\s,.)\]]|$)", "^T", text.translate(_ASCII))  # δ₁ᵀX → delta1^T X, [..]ᵀ → [..]^T
    return text.encode("ascii", "replace").decode("ascii")
