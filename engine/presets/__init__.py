"""The presets: network files shipped inside the package, opened by name."""

from __future__ import annotations

import os
from pathlib import Path

from ..network import Network, NetworkError, load

FOLDER = Path(__file__).parent
ORDER = ("xor", "regression", "classification", "two-outputs")  # as `backprop-tui presets` lists them


def names() -> list[str]:
    found = {p.stem for p in FOLDER.glob("*.toml")}
    return [n for n in ORDER if n in found] + sorted(found - set(ORDER))


def path(name: str) -> Path:
    return FOLDER / f"{name}.toml"


def looks_like_path(name: str) -> bool:
    try:
        exists = Path(name).exists()
    except OSError:  # a name longer than the system allows: no preset either; load() says what is wrong
        exists = True
    return os.sep in name or "/" in name or name.endswith(".toml") or exists


def resolve(name_or_path: str) -> Network:
    """A preset by name, or a network file by path. Raises NetworkError."""
    if not looks_like_path(name_or_path):
        if name_or_path in names():
            return load(path(name_or_path))
        raise NetworkError(
            name_or_path, None, f"no such file, and no preset of that name (presets: {', '.join(names())})"
        )
    return load(name_or_path)
