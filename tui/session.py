"""The learner's place, kept on disk as it changes, so quitting or a killed terminal loses
nothing: `backprop-tui --resume` reopens the newest place a window had.

The folder ($XDG_DATA_HOME/backprop-tui, else ~/.local/share/backprop-tui) holds each app
window's place under the window's own id W (8 hex digits), so two windows never mix theirs:
- session-W.lock: open and locked (flock) while the window runs: a window whose lock can be
  taken is no longer running;
- network-W-N.toml: the N-th network the window opened, with its initial parameters (in
  network-W-N.params.npz beside it for a large network, as save() writes any network file)
  and its data in network-W-N.data.npz (the session never depends on the data file);
- place-W-N.npz: the parameters the current iteration started from, the optimizer's state
  it started from (t and the moving arrays by id, "m:W2"; a file without them, from before
  the optimizers, starts the optimizer afresh) and the loss history (none at iteration 1,
  which starts from the network's parameters and state);
- session-W.json: iteration, step, sample, view and switches, naming the two files above.
Every file but session-W.json is written once under a name never used again, and
session-W.json last (each through a temporary file and a rename), so a session-W.json always
names the files of one place, whatever moment a kill comes at. When a window has kept its
first place and when it ends, the files of windows no longer running are deleted, except the
newest place (the one --resume opens). sessions.lock serialises that tidying with windows
starting. No Textual here; no pickle.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import secrets
import stat
import time
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from engine.files import FileRefused, printable, read_regular, write_atomic, write_atomic_stream
from engine.network import (
    MAX_DATA_FILE_BYTES,
    MAX_FILE_BYTES,
    ArrayFileError,
    Network,
    NetworkError,
    loads,
    read_arrays,
    save,
)
from engine.optimizers import State, state_shapes
from engine.stepper import Stepper

FORMAT = "backprop-tui session"
VERSION = 2
# The view's switches and their defaults: explanations, the v names, the common mistake.
OPTIONS = {"explain": True, "v_names": False, "mistake": False}
MAX_STATE_BYTES = 2**16  # a session-W.json is a few hundred bytes

_ID = r"[0-9a-f]{8}"
_STATE = re.compile(rf"session-({_ID})\.json")
_OWNED = re.compile(rf"(?:session|network|place)-({_ID})[.-]")  # any file of window W
_TEMPORARY = re.compile(r"\.(.+)\.[^.]+\.tmp")  # write_atomic's .NAME.XXXXXXXX.tmp
_VERSION_1 = re.compile(r"session\.json|network\.toml|params-\d+-\d+\.npz")  # one place for every window
# What reading a damaged file of a place can raise besides NetworkError and SessionError.
_DAMAGED = (OSError, ValueError, EOFError, RecursionError, zipfile.BadZipFile, zlib.error, NotImplementedError)


class SessionError(Exception):
    """A session that cannot be resumed: missing, damaged or foreign, said in one line."""


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
    state: State | None = None  # the optimizer's at P_k (None: the network's own)

    def stepper(self) -> Stepper:
        stepper = Stepper(self.network)
        stepper.restore(self.iteration, self.params, self.losses, self.sample, self.cursor, self.state)
        return stepper


class SessionWriter:
    """One window's place: save() on every change, close() when the window ends."""

    def __init__(self, where: Path | None = None):
        self.where = where or folder()
        self.id = secrets.token_hex(4)
        self._lock: int | None = None  # session-W.lock, open and locked while the window runs
        self._count = 0  # names written so far: each file gets a new one
        self._network: Network | None = None
        self._network_file = ""
        self._params: dict | None = None  # the P_k last written (kept: identity is the test)
        self._params_file: str | None = None
        self._data_file: str | None = None  # the network's own data file, absolute

    def save(self, stepper: Stepper, focus: int, digits: int, options: dict[str, bool] | None = None) -> None:
        """Write what changed. Raises OSError (read-only folder, disk full) or ValueError (data
        too large to keep) for the caller."""
        starting = self._lock is None
        if starting:
            self._start()
        done_with = []
        if stepper.network is not self._network:
            done_with += _network_files(self._network_file) if self._network_file else []
            self._network_file = self._write_network(stepper.network)
            self._network, self._params, self._data_file = stepper.network, None, _data_file(stepper.network)
        if stepper.start_params is not self._params:
            done_with += [self._params_file] if self._params_file else []
            self._params_file = self._write_params(stepper) if stepper.iteration else None
            self._params = stepper.start_params
        state = {
            "format": FORMAT,
            "version": VERSION,
            "network": self._network_file,
            "params": self._params_file,
            "data_file": self._data_file,
            "iteration": stepper.iteration,
            "cursor": stepper.cursor,
            "sample": stepper.sample,
            "focus": focus,
            "digits": digits,
            "options": {**OPTIONS, **(options or {})},
        }
        write_atomic(self.where / f"session-{self.id}.json", json.dumps(state) + "\n")
        _stamp(self.where / f"session-{self.id}.json")
        for name in done_with:  # only once session-W.json names the new files
            (self.where / name).unlink(missing_ok=True)
        if starting:
            with contextlib.suppress(OSError):  # a file it cannot delete stays for the next window
                tidy(self.where, own=self.id)

    def close(self) -> None:
        """The window ends: its place becomes the newest (--resume reopens the window closed
        last), the places of windows no longer running are deleted, then it unlocks."""
        if self._lock is None:
            return
        try:
            with contextlib.suppress(FileNotFoundError):  # (none if its first place could not be written)
                _stamp(self.where / f"session-{self.id}.json")  # the window ended last: its place is the newest
            tidy(self.where, own=self.id, ending=True)
        except OSError:
            pass  # a read-only folder: the next window tidies
        finally:
            os.close(self._lock)
            self._lock = None

    def _start(self) -> None:
        self.where.mkdir(parents=True, exist_ok=True)
        with _folder_locked(self.where):  # no window tidies while this one takes its lock
            fd = os.open(self.where / f"session-{self.id}.lock", os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._lock = fd

    def _name(self, kind: str, suffix: str) -> str:
        self._count += 1
        return f"{kind}-{self.id}-{self._count}{suffix}"

    def _write_network(self, network: Network) -> str:
        toml = self._name("network", ".toml")
        data = _network_files(toml)[1]
        if network.X.nbytes + network.Y.nbytes > MAX_DATA_FILE_BYTES - 2**16:
            raise ValueError(
                f"its data take {network.X.nbytes + network.Y.nbytes:,} bytes, more than a data "
                f"file may ({MAX_DATA_FILE_BYTES:,})"
            )
        write_atomic_stream(self.where / data, lambda handle: np.savez(handle, X=network.X, Y=network.Y))
        save(replace(network, source=str(self.where / toml), data_file=data), self.where / toml)
        return toml

    def _write_params(self, stepper: Stepper) -> str:
        name = self._name("place", ".npz")
        arrays = {k: np.asarray(v, dtype=np.float64) for k, v in stepper.start_params.items()}
        state = stepper.start_state  # the optimizer's, with the parameters it goes with
        arrays |= {k: np.asarray(v, dtype=np.float64) for k, v in state.arrays.items()}
        arrays["t"] = np.array([state.t], dtype=np.float64)
        losses = np.array(stepper.losses, dtype=np.float64)
        write_atomic_stream(self.where / name, lambda handle: np.savez(handle, losses=losses, **arrays))
        return name


def _network_files(toml: str) -> list[str]:
    """A session's network file and the data and parameters files beside it."""
    stem = toml.removesuffix(".toml")
    return [toml, f"{stem}.data.npz", f"{stem}.params.npz"]


def _data_file(network: Network) -> str | None:
    """The network's own data file (absolute), for what is saved from a resumed session."""
    if network.data_file is None:
        return None
    return str((Path(network.source).parent / network.data_file).resolve())


# -- tidying ------------------------------------------------------------------------------------


@contextlib.contextmanager
def _folder_locked(where: Path):
    fd = os.open(where / "sessions.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _owner(name: str) -> str | None:
    """The window a file of the folder belongs to ("1" for version 1's), None if no window's."""
    temporary = _TEMPORARY.fullmatch(name)
    base = temporary.group(1) if temporary else name
    if _VERSION_1.fullmatch(base):
        return "1"
    owned = _OWNED.match(base)
    return owned.group(1) if owned else None


def _lock_if_ended(where: Path, window: str) -> tuple[bool, int | None]:
    """(True, its lock or None) if the window no longer runs; (False, None) if it does."""
    try:
        fd = os.open(where / f"session-{window}.lock", os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return True, None  # no lock (or not one of ours): nothing runs there
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return False, None
    except OSError:
        pass
    return True, fd


def tidy(where: Path, own: str | None = None, ending: bool = False) -> None:
    """Delete the files of windows no longer running, their .tmp files and version 1's, except
    the newest place; never a running window's. `own` (this window) is left alone unless ending."""
    with _folder_locked(where):
        windows: dict[str, list[str]] = {}
        for entry in os.scandir(where):
            window = _owner(entry.name)
            if window is not None:
                windows.setdefault(window, []).append(entry.name)
        newest = _newest(where)
        for window, files in windows.items():
            if window == own and not ending:
                continue
            ended, lock = (True, None) if window == own else _lock_if_ended(where, window)
            if not ended:
                continue
            keep = _place_files(where, window) if newest and window == newest[0] else set()
            for name in files:
                if name not in keep:
                    (where / name).unlink(missing_ok=True)
            if lock is not None:
                os.close(lock)


def _place_files(where: Path, window: str) -> set[str]:
    """The files window's place needs (none if its session-W.json cannot be read)."""
    try:
        state = _read_state(where / f"session-{window}.json")
        network, params = _names(state, window)
    except SessionError:
        return set()
    return {f"session-{window}.json", *_network_files(network), *([params] if params else [])}


def _stamp(path: Path) -> None:
    """The time of the last change, to the nanosecond: the kernel stamps a file with a coarse
    clock (a few ms), so two windows writing within one tick would tie for the newest."""
    now = time.time_ns()
    os.utime(path, ns=(now, now))


def _newest(where: Path) -> tuple[str, int] | None:
    """(window, time) of the newest session-W.json, None if there is none."""
    try:
        found = [
            (entry.stat(follow_symlinks=False).st_mtime_ns, match.group(1))
            for entry in os.scandir(where)
            if (match := _STATE.fullmatch(entry.name))
        ]
    except FileNotFoundError:
        return None
    if not found:
        return None
    time, window = max(found)
    return window, time


# -- reading ------------------------------------------------------------------------------------


def load_place(where: Path | None = None) -> Place:
    """The newest place a window kept; SessionError (one line) if there is none or it is damaged."""
    where = where or folder()
    try:
        for _ in range(3):
            newest = _newest(where)
            if newest is None:
                raise SessionError(f"no saved session in {_clean(str(where), 100)} (one is kept while the app runs)")
            try:
                return _load(where, newest[0])
            except SessionError:
                if _newest(where) == newest:
                    raise
                # Its window moved on while it was read (and deleted what it no longer needs): again.
    except OSError as err:
        raise SessionError(f"cannot read {_clean(str(where), 100)} ({err.strerror or err})") from None
    raise SessionError("the sessions change faster than they can be read")


def _load(where: Path, window: str) -> Place:
    path = where / f"session-{window}.json"
    state = _read_state(path)
    network_file, params_file = _names(state, window)
    toml, data, network_params = _network_files(network_file)
    for name in (toml, data, params_file, network_params):
        if name and (name != network_params or os.path.lexists(where / name)):
            _regular(where / name)  # never follow a link, nor open a FIFO or a device
    try:
        text = _read_regular_file(where / toml, MAX_FILE_BYTES).decode("utf-8")
        network = loads(text, source=str(where / toml), base=where)
    except NetworkError as err:
        raise SessionError(f"its network: {_clean(str(err), 200)}") from None
    except _DAMAGED as err:
        raise SessionError(f"{toml}: cannot be read as a network ({_clean(str(err), 80)})") from None
    original = state.get("data_file")  # a later save refers to it while it is there, else carries the data
    kept = isinstance(original, str) and original.lower().endswith((".csv", ".npz")) and os.path.isfile(original)
    network = replace(network, data_file=original if kept else None)
    iteration = _whole(state, "iteration", 0, 10**12)
    optimizer = None
    if params_file is None:
        if iteration:
            raise SessionError(f"{path.name}: params: found null, expected a file for iteration {iteration + 1}")
        params, losses = network.params, []
    else:
        shapes = {name: value.shape for name, value in network.params.items()}
        moving = state_shapes(network.optimizer, shapes, network.frozen)
        try:
            arrays = read_arrays(where / params_file, {**shapes, "losses": (iteration,), "t": (1,), **moving})
        except ArrayFileError as err:
            raise SessionError(f"{params_file}: {err}") from None
        expected = [*shapes, "losses", *(["t", *moving] if "t" in arrays else [])]  # no t: saved before optimizers
        missing = [name for name in expected if name not in arrays]
        if missing:
            raise SessionError(f"{params_file}: {', '.join(missing)} missing")
        params, losses = {name: arrays[name] for name in shapes}, arrays["losses"].tolist()
        if "t" in arrays:
            t = float(arrays["t"][0])
            if not (t.is_integer() and 0 <= t <= 10**12):
                raise SessionError(f"{params_file}: t: found {t!r}, expected a whole number from 0")
            optimizer = State(int(t), {k: arrays[k] for k in moving})
    sample = state.get("sample")
    if sample is not None:
        sample = _whole(state, "sample", 0, network.samples - 1)
    options = state.get("options", {})
    if not isinstance(options, dict) or any(not isinstance(options.get(k, v), bool) for k, v in OPTIONS.items()):
        raise SessionError(
            f"{path.name}: options: found {_shown(options)}, expected true or false for {', '.join(OPTIONS)}"
        )
    return Place(
        network,
        params,
        losses,
        iteration,
        _whole(state, "cursor", 0, 10**9),
        sample,
        _whole(state, "focus", 0, network.samples - 1),
        _whole(state, "digits", 1, 16),
        {k: options.get(k, v) for k, v in OPTIONS.items()},
        optimizer,
    )


def _read_state(path: Path) -> dict:
    try:
        state = json.loads(_read_regular_file(path, MAX_STATE_BYTES))
    except RecursionError:  # arrays nested thousands deep
        raise SessionError(f"{path.name}: cannot be read as a session (nested too deeply)") from None
    except ValueError as err:  # JSONDecodeError, bad UTF-8, a number of 5,000 digits
        raise SessionError(f"{path.name}: cannot be read as a session ({_clean(str(err), 80)})") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise SessionError(f"{path.name}: not a backprop-tui session")
    if state.get("version") != VERSION:
        raise SessionError(
            f"{path.name}: session version {_shown(state.get('version'))}, this backprop-tui reads {VERSION}"
        )
    return state


def _names(state: dict, window: str) -> tuple[str, str | None]:
    """The network and parameters files a session-W.json names: files of window W only."""
    network, params = state.get("network"), state.get("params")
    if not isinstance(network, str) or not re.fullmatch(rf"network-{window}-\d+\.toml", network):
        raise SessionError(f"session-{window}.json: network: found {_shown(network)}, expected network-{window}-N.toml")
    if params is not None and (not isinstance(params, str) or not re.fullmatch(rf"place-{window}-\d+\.npz", params)):
        raise SessionError(f"session-{window}.json: params: found {_shown(params)}, expected place-{window}-N.npz")
    return network, params


def _whole(state: dict, key: str, lo: int, hi: int) -> int:
    value = state.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise SessionError(f"session: {key}: found {_shown(value)}, expected a whole number from {lo} to {hi}")
    return value


def _shown(value, width: int = 40) -> str:
    """A value from a session file as a message shows it: its repr, short."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**width:
        return f"a number of more than {width} digits"
    return _clean(repr(value), width)


def _clean(text: str, width: int) -> str:
    """Text for a one-line message: no control character or escape sequence raw, short."""
    return printable(text, width)


def _regular(path: Path) -> None:
    try:
        mode = os.lstat(path).st_mode
    except OSError as err:
        raise SessionError(f"{path.name}: cannot be read ({err.strerror or err})") from None
    if not stat.S_ISREG(mode):
        raise SessionError(f"{path.name}: is not a regular file")


def _read_regular_file(path: Path, limit: int) -> bytes:
    """The bytes of path if it is a regular file (not a link, FIFO or device) of at most limit
    bytes, counted as they are read."""
    _regular(path)  # a link is refused too: a place's files are the window's own
    try:
        return read_regular(path, limit)
    except FileRefused as err:
        raise SessionError(f"{path.name}: {err}") from None
    except OSError as err:
        raise SessionError(f"{path.name}: cannot be read ({err.strerror or err})") from None
