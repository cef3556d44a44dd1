"""The words of a derivation's steps in both notations: the δ names and the dynamic-programming
view's v names (v for δ, d for z, t(d) for ∂a/∂z, g for ∂L/∂W).

A step's text is written once, with a placeholder for each quantity it names (`name`), and
rendered per notation by looking each placeholder up in the one symbol table, `Quantity.symbol`:
renaming is a lookup, never a rewrite of text already rendered."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .notation import sub
from .quantities import Kind, Quantity

_PLACEHOLDER = re.compile("⟨([^⟩]*)⟩")
DELTA = "⟨delta⟩"  # δ itself, of no layer: v in the dynamic-programming view


def name(quantity: Quantity) -> str:
    """The placeholder of a quantity in text to render: ⟨z1⟩."""
    return f"⟨{quantity.id}⟩"


def render(text: str, *, column: bool, v: bool) -> str:
    """Text with each placeholder replaced by its quantity's symbol in one notation."""
    return _PLACEHOLDER.sub(lambda m: _symbol(m[1], column=column, v=v), text)


def _symbol(id: str, *, column: bool, v: bool) -> str:
    quantity = Quantity.parse(id)
    if quantity is None:  # DELTA: the table's δ₁ without its layer
        return Quantity(Kind.DELTA, 1).symbol(column, v=v).removesuffix(sub(1))
    return quantity.symbol(column, v=v)


@dataclass(frozen=True)
class Words:
    """A step's text in one notation (derivation.Step says what each field is)."""

    symbol: str
    formula: str
    explanation: str
    convention: str
    chain_target: str
    chain: tuple[tuple[str, str | None], ...]  # (symbol, id of the value or None)

    def rendered(self, *, column: bool, v: bool) -> Words:
        """The text with every placeholder looked up in one notation."""

        def look_up(text: str) -> str:
            return render(text, column=column, v=v)

        return Words(
            *map(look_up, (self.symbol, self.formula, self.explanation, self.convention, self.chain_target)),
            tuple((look_up(factor), value) for factor, value in self.chain),
        )
