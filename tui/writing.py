"""The files the app writes when asked: a worked solution (x), the network with its current
parameters (Ctrl+S) and a screenshot, each written atomically. They raise OSError (saving,
also ValueError) for the app to report; the session kept on every change is tui/session.py."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from engine.files import write_atomic
from engine.network import Network, save
from engine.stepper import Stepper


def slug(name: str) -> str:
    """A network's name as a file name: "XOR 2-2-1" → "xor-2-2-1"."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "network"


def export_iteration(network: Network, stepper: Stepper, path: str) -> None:
    """The iteration on screen as a Markdown worked solution, for the rows it walks."""
    from engine.export import run_trace, to_markdown  # imported when first used: faster start-up

    trace = run_trace(
        network, 1, stepper.sample, params=stepper.start_params, first=stepper.iteration + 1, state=stepper.start_state
    )
    write_atomic(path, to_markdown(trace))


def save_network(network: Network, stepper: Stepper, path: str) -> bool:
    """The network file with the parameters and the optimizer's state on screen, so that it goes
    on training exactly; in the middle of an update, those the iteration started from (some
    parameters updated and others not go on nowhere). Returns whether it saved those."""
    params, state, midway = stepper.settled()
    save(network.with_params(params, state), path)
    return midway


def screenshot_path(
    name: str, filename: str | None = None, path: str | None = None, time_format: str | None = None
) -> Path:
    """Where Textual's "Screenshot" command writes: the Downloads folder when it exists (Textual
    failed when there was none), else the current folder."""
    from platformdirs import user_downloads_path  # Textual's own choice of Downloads

    folder = Path(path) if path else user_downloads_path()
    folder = folder if folder.is_dir() else Path.cwd()
    stamp = datetime.now().strftime(time_format or "%Y-%m-%d-%H%M%S")
    return folder / (filename or f"{slug(name)}-{stamp}.svg")
