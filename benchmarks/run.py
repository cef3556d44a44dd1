"""The benchmark runner: each measure side by side with its baseline, alternating A B A B,
medians of --rounds (default 5) fresh processes each. Prints a Markdown table and the machine.

    python benchmarks/run.py [--rounds N]

Budgets (issue 5) are reported, never asserted: this is not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from large import write_large_network, write_tall_network  # benchmarks/large.py, beside this file

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"
PY = sys.executable
PROBE = [PY, str(HERE / "probe.py")]
HAND = [PY, str(HERE / "handwritten.py")]
CLI = [shutil.which("backprop-tui") or PY] + (
    [] if shutil.which("backprop-tui") else ["-c", "from tui.cli import entry; entry()"]
)


def wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def printed(cmd: list[str]) -> float:
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1])


def side_by_side(a, b, rounds: int) -> tuple[float, float]:
    """Medians of a() and b(), taken alternately."""
    xs, ys = [], []
    for _ in range(rounds):
        xs.append(a())
        ys.append(b())
    return statistics.median(xs), statistics.median(ys)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    large = str(write_large_network(DATA))
    tall = str(write_tall_network(DATA))
    csv = str(DATA / "samples.csv")
    rows = []

    def ratio(name, a, b, budget, unit):
        x, y = side_by_side(a, b, rounds)
        rows.append((name, f"{x:.3g} {unit}", f"{y:.3g} {unit}", f"{x / y:.2f}×", f"≤ {budget}×", x / y <= budget))

    def diff(name, a, b, budget):
        x, y = side_by_side(a, b, rounds)
        rows.append((name, f"{x:.1f} ms", f"{y:.1f} ms", f"{x - y:+.1f} ms", f"≤ +{budget} ms", x - y <= budget))

    def trace(name, network, budget):
        """A JSON trace of one iteration written to a file, whole process."""
        cmd = CLI + ["trace", network, "--format", "json", "--output", str(DATA / "trace.json")]
        seconds = statistics.median(wall(cmd) for _ in range(rounds))
        rows.append((name, f"{seconds:.2f} s", "", "", f"< {budget} s", seconds < budget))

    ratio(
        "1. train xor, 20,000 iterations (whole process) vs hand-written NumPy",
        lambda: wall(CLI + ["train", "xor", "--iterations", "20000"]),
        lambda: wall(HAND + ["xor", "20000"]),
        1.3,
        "s",
    )
    for row, rule in (("1m", "momentum"), ("1a", "adam"), ("1w", "adamw"), ("1r", "rmsprop")):  # the optimizers
        example = str(HERE.parent / "examples" / f"xor-{rule}.toml")
        ratio(
            f"{row}. train xor with {rule} (examples/xor-{rule}.toml), 20,000 iterations vs hand-written",
            lambda example=example: wall(CLI + ["train", example, "--iterations", "20000"]),
            lambda rule=rule: wall(HAND + [f"xor-{rule}", "20000"]),
            1.3,
            "s",
        )
    ratio(
        "2. start-up to first idle frame, xor vs bare app",
        lambda: printed(PROBE + ["startup", "ours", "xor"]),
        lambda: printed(PROBE + ["startup", "bare", "-"]),
        1.5,
        "ms",
    )
    diff(
        "3. step key (n, pause), xor vs bare app",
        lambda: printed(PROBE + ["keys", "ours", "xor", "20"]),
        lambda: printed(PROBE + ["keys", "bare", "-", "20"]),
        25,
    )
    diff(
        "3′. step key to its last painted frame (App._display), xor vs bare app",
        lambda: printed(PROBE + ["frames", "ours", "xor", "20"]),
        lambda: printed(PROBE + ["frames", "bare", "-", "20"]),
        25,
    )
    ratio(
        "4a. start-up, 784-128-64-10 vs bare app",
        lambda: printed(PROBE + ["startup", "ours", large]),
        lambda: printed(PROBE + ["startup", "bare", "-"]),
        3,
        "ms",
    )
    diff(
        "4b. step key, 784-128-64-10 vs bare app",
        lambda: printed(PROBE + ["keys", "ours", large, "20"]),
        lambda: printed(PROBE + ["keys", "bare", "-", "20"]),
        50,
    )
    diff(
        "4b′. step key to its last painted frame, 784-128-64-10 vs bare app",
        lambda: printed(PROBE + ["frames", "ours", large, "20"]),
        lambda: printed(PROBE + ["frames", "bare", "-", "20"]),
        50,
    )
    trace("4c. trace one iteration of 784-128-64-10 (whole process)", large, 2)
    trace("4c′. trace one iteration of 20,000 samples × 20-20-10, 66 MB of short rows", tall, 5)
    ratio(
        "4d. peak RSS: the app vs train, 784-128-64-10",
        lambda: printed(PROBE + ["rss", "ours", large]) / 1024,
        lambda: printed(PROBE + ["child-rss", *CLI, "train", large, "-n", "20"]) / 1024,
        3,
        "MiB",
    )
    ratio(
        "5. peak RSS: train vs hand-written NumPy, 784-128-64-10",
        lambda: printed(PROBE + ["child-rss", *CLI, "train", large, "-n", "20"]) / 1024,
        lambda: printed(PROBE + ["child-rss", *HAND, "large", "20", csv]) / 1024,
        1.5,
        "MiB",
    )

    print("| measure | backprop-tui | baseline | result | budget | within |")
    print("|---|---|---|---|---|---|")
    for name, ours, base, result, budget, ok in rows:
        print(f"| {name} | {ours} | {base} | {result} | {budget} | {'yes' if ok else '**no**'} |")
    print(
        f"\nMachine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
        f"NumPy {np.__version__}; {rounds} rounds each, medians."
    )


if __name__ == "__main__":
    main()
