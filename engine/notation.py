"""How numbers and arrays are written: plain text for the screen and text exports, LaTeX for
Markdown. Large arrays are elided (⋯), so nothing ever writes 100,000 numbers."""

from __future__ import annotations

import math
import re
from typing import Callable

import numpy as np

Format = Callable[[float], str]

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
EDGE = 3  # entries kept at each end of an elided axis


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
    """Which entries of an axis of length n to show; None marks the elision."""
    if n <= limit:
        return list(range(n))
    return list(range(EDGE)) + [None] + list(range(n - EDGE, n))


def as_vector(a: np.ndarray, column: bool) -> np.ndarray | None:
    """A one-sample row (1 × n) written as a vector in the single-sample view."""
    if a.ndim == 1:
        return a
    if column and a.ndim == 2 and a.shape[0] == 1:
        return a[0]
    return None


def text(a, fmt: Format, column: bool = False, limit: int = 8) -> str:
    a = np.asarray(a)
    if a.ndim == 0:
        return fmt(a)
    if a.ndim == 3:
        if column and a.shape[0] == 1:
            return text(a[0], fmt, False, limit)
        return "[" + ", ".join("…" if i is None else text(a[i], fmt, False, limit)
                               for i in indices(a.shape[0], 2)) + "]"
    vec = as_vector(a, column)
    if vec is not None:
        return "[" + ", ".join("…" if i is None else fmt(vec[i]) for i in indices(len(vec), limit)) + "]"
    rows = []
    for i in indices(a.shape[0], limit):
        if i is None:
            rows.append("…")
        else:
            rows.append("[" + ", ".join("…" if j is None else fmt(a[i, j])
                                        for j in indices(a.shape[1], limit)) + "]")
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


def latex(a, fmt: Format, column: bool = False, limit: int = 8) -> str:
    lfmt = latex_number(fmt)
    a = np.asarray(a)
    if a.ndim == 0:
        return lfmt(a)
    if a.ndim == 3:
        if column and a.shape[0] == 1:
            return latex(a[0], fmt, False, limit)
        return r"\left(" + ",\\ ".join(r"\dots" if i is None else latex(a[i], fmt, False, limit)
                                       for i in indices(a.shape[0], 2)) + r"\right)"
    vec = as_vector(a, column)
    if vec is not None:
        cells = [r"\vdots" if i is None else lfmt(vec[i]) for i in indices(len(vec), limit)]
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


# -- seed 2's notation ---------------------------------------------------------------------------

_SUBS = "₀₁₂₃₄₅₆₇₈₉"
_CELL = r"(?:\[[^\]]*\])?"
_V_RULES = [
    # ∂aₗ/∂zₗ (a cell or a whole layer) → t(dₗ): seed 2 calls the activation's derivative t
    (re.compile(rf"∂([aA])([{_SUBS}]+)({_CELL})/∂([zZ])([{_SUBS}]+)({_CELL})"),
     lambda m: f"t({'d' if m[4] == 'z' else 'D'}{m[5]}{m[6]})"),
    (re.compile(rf"∂L/∂([Wb])([{_SUBS}]+)"), lambda m: f"g{m[1]}{m[2]}"),  # g = v·x
    (re.compile(rf"(?<![A-Za-z])([zZ])(?=[{_SUBS}])"), lambda m: "d" if m[1] == "z" else "D"),  # the dot product
    (re.compile("δ"), lambda m: "v"),
    (re.compile(r"(?<![A-Za-z])f'\("), lambda m: "t("),
]


def v_notation(text: str) -> str:
    """Text in seed 2's "dynamic programming" names: v for δ, d for z (d = Σxw + b), t for the
    activation's derivative f', g for a gradient ∂L/∂w (g = v·x)."""
    for pattern, replacement in _V_RULES:
        text = pattern.sub(replacement, text)
    return text
