"""Python's cyclic collector while the app runs.

A full collection walks every object alive, and Textual's start-up leaves ~50 ms of them, so
some keys stalled for a collection. None runs while the app starts; once it is ready, what is
alive then lives as long as the app and is frozen out of the collector's sight (a full
collection: ~5 ms), until the app ends. A key allocates thousands of short-lived objects (the
panels' texts and strips): at Python's threshold of 700 the youngest generation was collected
about 10 times a key (~3 ms); at 10,000, once every few keys (~1 ms a key all told)."""

from __future__ import annotations

import gc

_before = gc.get_threshold()


def starting() -> None:
    gc.disable()


def ready() -> None:
    gc.freeze()
    gc.set_threshold(10_000, *_before[1:])
    gc.enable()


def ended() -> None:
    gc.unfreeze()
    gc.set_threshold(*_before)
    gc.enable()
