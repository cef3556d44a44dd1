"""The quiz: the learner types each scalar of the next step before it is revealed.

An answer counts when it is within 1e-3 relative or 1e-4 absolute of the value; a wrong answer
is told the right one and the earlier values it came from (engine.scalar)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .derivation import Step
from .quantities import Kind, Quantity

RELATIVE, ABSOLUTE = 1e-3, 1e-4


def parse_answer(text: str) -> float:
    """A number as a learner types it: '-0.25', '−0.25', '.25', '1e-3', '2/3'. ValueError if not."""
    cleaned = text.strip().replace("−", "-").replace("–", "-").replace(" ", "")
    if not cleaned:
        raise ValueError("type a number")
    try:
        if "/" in cleaned:
            top, bottom = cleaned.split("/", 1)
            return float(top) / float(bottom)
        return float(cleaned)
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"{text.strip()!r} is not a number (examples: 0.25, -1.5e-3, 2/3)") from None


def close_enough(answer: float, value: float) -> bool:
    if not math.isfinite(value):
        return answer == value or (math.isnan(answer) and math.isnan(value))
    return abs(answer - value) <= max(ABSOLUTE, RELATIVE * abs(value))


@dataclass
class Score:
    right: int = 0
    wrong: int = 0
    revealed: int = 0  # asked to see the value instead of answering

    @property
    def asked(self) -> int:
        return self.right + self.wrong

    def __str__(self) -> str:
        text = f"{self.right} right of {self.asked}"
        return text + (f", {self.revealed} revealed" if self.revealed else "")


def origins(step: Step, steps: list[Step], *, v: bool = False) -> list[str]:
    """Where the quantities a step reads came from: 'δ₂ (step 7)', 'W₂ (a parameter)', 'y (the
    data)', 'm(W₂) (the optimizer's state)'; v: in the dynamic-programming view's names ('v₂ (step 7)')."""
    out = []
    for name in step.reads:
        writer = next((s for s in reversed(steps[: step.index]) if s.writes == name), None)
        if writer is not None:
            out.append(f"{writer.words(v).symbol} (step {writer.index + 1})")
        else:
            quantity = Quantity.parse(name)
            where = (
                "the data"
                if quantity.kind in (Kind.X, Kind.Y)
                else "a parameter"
                if quantity.kind in (Kind.W, Kind.B)
                else "the optimizer's state"
            )
            out.append(f"{quantity.symbol(step.column, v=v)} ({where})")
    return out
