"""Measurements taken inside one fresh process (the runner starts one per sample).

    python benchmarks/probe.py startup APP NETWORK   ms from the start of this script to the
                                                     first idle frame under run_test(140 × 45)
    python benchmarks/probe.py keys APP NETWORK N    median ms of N step keys (press, then pause)
    python benchmarks/probe.py frames APP NETWORK N  median ms from a step key to the last frame it
                                                     paints (App._display wrapped)
    python benchmarks/probe.py rss APP NETWORK       peak RSS (KiB) after stepping one iteration
    python benchmarks/probe.py child-rss CMD ...     peak RSS (KiB) of a command

APP is `ours` (BackpropApp) or `bare` (Header, Footer, one Static; imports NumPy too).
"""

import time

START = time.perf_counter()

import asyncio  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

SIZE = (140, 45)


def make(app: str, network: str):
    if app == "ours":
        from tui.app import BackpropApp

        return BackpropApp(network)
    import numpy  # noqa: F401 - the bare app pays for NumPy too
    from textual.app import App
    from textual.widgets import Footer, Header, Static

    class Bare(App):
        BINDINGS = [("n", "bump", "Bump")]

        def compose(self):
            yield Header()
            yield Static("0", id="count")
            yield Footer()

        def action_bump(self):
            count = self.query_one("#count", Static)
            count.update(str(int(str(count.content)) + 1))

    return Bare()


async def startup(app: str, network: str) -> float:
    async with make(app, network).run_test(size=SIZE) as pilot:
        await pilot.pause()
        return (time.perf_counter() - START) * 1000


async def keys(app: str, network: str, n: int) -> float:
    async with make(app, network).run_test(size=SIZE) as pilot:
        await pilot.pause()
        times = []
        for _ in range(n):
            t = time.perf_counter()
            await pilot.press("n")
            await pilot.pause()
            times.append((time.perf_counter() - t) * 1000)
        return statistics.median(times)


async def frames(app: str, network: str, n: int) -> float:
    """Latency of a key as the learner sees it: from the key press to the last frame painted
    for it (the screen it settles on). Pilot's pause() waits in 20 ms slices, so press + pause
    counts slices; the frames do not."""
    the_app = make(app, network)
    painted: list[float] = []
    display = the_app._display  # Textual is pinned (8.2.8): this private hook is stable here

    def timed(screen, renderable):
        if renderable is not None:
            painted.append(time.perf_counter())
        return display(screen, renderable)

    the_app._display = timed
    async with the_app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        times = []
        for _ in range(n):
            painted.clear()
            t = time.perf_counter()
            await pilot.press("n")
            await pilot.pause(0.1)  # long enough for every frame of this key
            times.append((painted[-1] - t) * 1000 if painted else 0.0)
        return statistics.median(times)


async def rss(app: str, network: str) -> int:
    the_app = make(app, network)
    async with the_app.run_test(size=SIZE) as pilot:
        await pilot.press("i", "n", "i")
        await pilot.press(*["p"] * 10)
        await pilot.pause()
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


if __name__ == "__main__":
    what, *args = sys.argv[1:]
    if what == "child-rss":
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
        print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    elif what == "startup":
        print(asyncio.run(startup(*args)))
    elif what == "keys":
        print(asyncio.run(keys(args[0], args[1], int(args[2]))))
    elif what == "frames":
        print(asyncio.run(frames(args[0], args[1], int(args[2]))))
    else:
        print(asyncio.run(rss(*args)))
