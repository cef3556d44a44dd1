"""Python's cyclic collector while the app runs.

A full collection walks every object alive, and Textual's start-up leaves ~50 ms of them, so
some keys stalled for a collection. None runs while the app starts; once it is ready, what is
alive then lives as long as the app and is frozen out of the collector's sight (a full
collection: ~5 ms), until the app ends."""

from __future__ import annotations

import gc


def starting() -> None:
    gc.disable()


def ready() -> None:
    gc.freeze()
    gc.enable()


def ended() -> None:
    gc.unfreeze()
    gc.enable()
