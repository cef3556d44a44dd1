"""The learner's place, kept on disk as it changes, so quitting or a killed terminal loses
nothing: `backprop-tui --resume` reopens exactly there.

The folder ($XDG_DATA_HOME/backprop-tui, else ~/.local/share/backprop-tui) holds
- network.toml: the network with its initial parameters (written when a network is opened);
- params-N.npz: the parameters the current iteration started from and the loss history
  (written when the iteration changes);
- session.json: iteration, step, sample and view, naming the two files above (written on
  every change, a few hundred bytes).
Each file is written to a temporary name and renamed, and session.json last, so a kill at
any moment leaves a consistent session. No Textual here; no pickle (np.load refuses it).
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.files import write_atomic, write_atomic_bytes
from engine.network import Network, NetworkError, dumps, load
from engine.stepper import Stepper

FORMAT = "backprop-tui session"
VERSION = 1
# The view's switches and their defaults: explanations, seed 2's v names, the common mistake.
OPTIONS = {"explain": True, "v_names": False, "mistake": False}


class SessionError(Exception):
    """A session that cannot be resumed: missing, corrupt or foreign, said in one line."""


def folder() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "backprop-tui"


@dataclass
class Place:
    """Where the learner was: everything needed to rebuild the screen."""

    network: Network
    params: dict[str, np.ndarray]  # P_k
    losses: list[float]
    iteration: int
    cursor: int
    sample: int | None
    focus: int
    digits: int
    options: dict[str, bool] = field(default_factory=lambda: dict(OPTIONS))  # see OPTIONS

    def stepper(self) -> Stepper:
        stepper = Stepper(self.network)
        stepper.restore(self.iteration, self.params, self.losses, self.sample, self.cursor)
        return stepper


class SessionWriter:
    def __init__(self, where: Path | None = None):
        self.where = where or folder()
        self._network: Network | None = None
        self._params: dict | None = None  # the P_k last written (kept: identity is the test)
        self._params_file = ""
        self._count = 0

    def save(self, stepper: Stepper, focus: int, digits: int, options: dict[str, bool] | None = None) -> None:
        """Write what changed. Raises OSError (read-only folder, disk full) for the caller."""
        self.where.mkdir(parents=True, exist_ok=True)
        if stepper.network is not self._network:
            write_atomic(self.where / "network.toml", dumps(stepper.network, self.where / "network.toml"))
            self._network = stepper.network
        if stepper.start_params is not self._params or self._count == 0:
            self._count += 1
            name = f"params-{os.getpid()}-{self._count}.npz"
            buffer = io.BytesIO()
            np.savez(buffer, losses=np.array(stepper.losses, dtype=np.float64),
                     **{k: np.asarray(v, dtype=np.float64) for k, v in stepper.start_params.items()})
            write_atomic_bytes(self.where / name, buffer.getvalue())
            old, self._params_file, self._params = self._params_file, name, stepper.start_params
        else:
            old = None
        state = {"format": FORMAT, "version": VERSION, "network": "network.toml", "params": self._params_file,
                 "iteration": stepper.iteration, "cursor": stepper.cursor, "sample": stepper.sample,
                 "focus": focus, "digits": digits, "options": {**OPTIONS, **(options or {})}}
        write_atomic(self.where / "session.json", json.dumps(state) + "\n")
        if old:  # only once session.json names the new file
            (self.where / old).unlink(missing_ok=True)


def load_place(where: Path | None = None) -> Place:
    where = where or folder()
    path = where / "session.json"
    if not path.exists():
        raise SessionError(f"no saved session in {where} (one is kept while the app runs)")
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise SessionError(f"{path}: cannot be read as a session ({err})") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise SessionError(f"{path}: not a backprop-tui session")
    if state.get("version") != VERSION:
        raise SessionError(f"{path}: session version {state.get('version')!r}, this backprop-tui reads {VERSION}")
    try:
        network = load(where / _name(state, "network"))
    except NetworkError as err:
        raise SessionError(f"the session's network: {err}") from None
    params, losses = _read_params(where / _name(state, "params"), network)
    iteration = _whole(state, "iteration", 0, 10**12)
    if len(losses) != iteration:
        raise SessionError(f"{path}: {len(losses)} losses for iteration {iteration + 1}")
    sample = state.get("sample")
    if sample is not None:
        sample = _whole(state, "sample", 0, network.samples - 1)
    options = state.get("options", {})  # absent in sessions kept before the options existed
    if not isinstance(options, dict) or any(not isinstance(options.get(k, v), bool) for k, v in OPTIONS.items()):
        raise SessionError(f"session.json: options: found {options!r}, expected true or false for "
                           f"{', '.join(OPTIONS)}")
    place = Place(network, params, list(losses), iteration, _whole(state, "cursor", 0, 10**9), sample,
                  _whole(state, "focus", 0, network.samples - 1), _whole(state, "digits", 1, 16),
                  {k: options.get(k, v) for k, v in OPTIONS.items()})
    return place


def _name(state: dict, key: str) -> str:
    value = state.get(key)
    if not isinstance(value, str) or not value or "/" in value or "\\" in value or value.startswith("."):
        raise SessionError(f"session.json: {key}: found {value!r}, expected a file name in the session folder")
    return value


def _whole(state: dict, key: str, lo: int, hi: int) -> int:
    value = state.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise SessionError(f"session.json: {key}: found {value!r}, expected a whole number from {lo} to {hi}")
    return value


def _read_params(path: Path, network: Network) -> tuple[dict[str, np.ndarray], np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {k: archive[k] for k in archive.files}
    except (OSError, ValueError, EOFError) as err:
        raise SessionError(f"{path}: cannot be read ({err})") from None
    params = {}
    for name, value in network.params.items():
        if name not in arrays or arrays[name].shape != value.shape or arrays[name].dtype != np.float64:
            raise SessionError(f"{path}: {name} is missing or not a {value.shape} float64 array")
        params[name] = arrays[name]
    losses = arrays.get("losses")
    if losses is None or losses.ndim != 1 or losses.dtype != np.float64:
        raise SessionError(f"{path}: losses is missing or not a list of numbers")
    return params, losses
