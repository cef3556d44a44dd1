"""What refusing a hostile file costs: each case below is written into benchmarks/.data/refusals/
and run as `backprop-tui trace FILE` in a fresh process; prints its exit status, wall time, CPU
time (user and system: about the wall time of an idle machine, while other processes share the
cores) and peak RSS. The promise (README, Promises): every file within the size limits is
refused in under 2 s and 512 MiB, but a `ce` data file wrong only in the sums of its targets,
which are checked once its numbers are converted.

    python benchmarks/refusals.py [CASE ...]

Reported, never asserted. The processes run with an 8 GiB address-space cap and a 120 s timeout,
so a case that would take more is shown as killed rather than taking the machine down.
"""

from __future__ import annotations

import io
import math
import os
import resource
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data" / "refusals"
CLI = [shutil.which("backprop-tui") or sys.executable] + (
    [] if shutil.which("backprop-tui") else ["-c", "from tui.cli import entry; entry()"]
)
HEADER = """\
name = "hostile"
inputs = {inputs}
loss = "{loss}"
learning_rate = 0.5

[[layers]]
units = {outputs}
activation = "{activation}"

"""
MiB = 2**20
CSV_BYTES = 128 * MiB  # the limit of a CSV data file: each CSV case fills it


def fill(line: bytes | str, last: bytes | str = b"") -> bytes:
    """As many copies of `line` as fit the CSV limit with `last` after them."""
    line, last = (x.encode() if isinstance(x, str) else x for x in (line, last))
    return line * ((CSV_BYTES - len(last)) // len(line)) + last


def network(inputs: int, data: str, loss="half_mse", outputs=1, activation="sigmoid") -> str:
    return HEADER.format(inputs=inputs, loss=loss, outputs=outputs, activation=activation) + "[data]\n" + data


def halfway(digits: str, exponent: int) -> str:
    """A number of 99 characters that float() rounds slowly (5 µs or more): halfway between two
    float64 values near digits × 10^exponent, cut after its 93rd digit."""
    from decimal import Decimal, localcontext

    value = float(f"{digits}e{exponent}")
    with localcontext() as context:
        context.prec = 1200
        text = format(Decimal(value) + Decimal(math.ulp(value)) / 2, "e")
    mantissa, power = text.split("e")
    mantissa = mantissa.replace(".", "")[:93]
    return f"{mantissa[0]}.{mantissa[1:]}e{int(power)}"


def npy(shape, dtype="<f8", payload=b"") -> bytes:
    """A .npy member whose header declares shape and dtype, followed by payload."""
    header = f"{{'descr': '{dtype}', 'fortran_order': False, 'shape': {tuple(shape)}, }}"
    header += " " * (63 - (len(header) + 10) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode() + payload


def write_cases(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    cases = {}

    def case(name, text_or_bytes, data_name=None, data=None):
        if data_name is not None:
            (folder / data_name).write_bytes(data)
        path = folder / f"{name}.toml"
        path.write_bytes(text_or_bytes.encode() if isinstance(text_or_bytes, str) else text_or_bytes)
        cases[name] = path

    case("toml-dotted-key-60KB", "a" + ".a" * 30_000 + " = 1\n")
    case("toml-dotted-key-200KB", "a" + ".a" * 100_000 + " = 1\n")
    case("toml-nested-900", "a = " + "[" * 900 + "]" * 900 + "\n")
    case("toml-15.7M-rows-60MiB", network(1, "Y = [[0]]\nX = [" + "[0]," * 15_700_000 + "]\n"))
    case("toml-30M-values-60MiB", network(2, "Y = [[0]]\nX = [[" + "0," * 30_000_000 + "]]\n"))
    case("toml-1M-keys-16MiB", "".join(f"k{i} = 1\n" for i in range(1_000_000)))
    row = "[" + ", ".join(["0.123456"] * 1000) + "],"
    case(
        "toml-floats-then-a-bad-key-60MiB",
        network(1000, "Y = [[0]]\nX = [" + row * 6_000 + "]\n").replace('name = "hostile"', 'nmae = "hostile"'),
    )
    case(
        "csv-100000-inputs-128MiB",
        network(100_000, 'file = "wide.csv"\n'),
        "wide.csv",
        fill("0," * 100_000 + "0\n"),
    )
    case("csv-22M-rows-128MiB", network(2, 'file = "long.csv"\n'), "long.csv", fill(b"0,0,0\n"))
    case(
        "csv-valid-then-bad-cell-128MiB",
        network(999, 'file = "late.csv"\n'),
        "late.csv",
        fill("0.1234567890," * 999 + "0\n", b"0,x\n"),
    )
    case(
        "csv-carriage-returns-then-bad-cell-128MiB",
        network(999, 'file = "cr.csv"\n'),
        "cr.csv",
        fill("0.123456789\r," * 999 + "0\n", b"0,x\n"),
    )
    case("toml-large-array-then-a-bad-number-60MiB", network(1000, "Y = [[0]]\nX = [" + row * 6_000 + "[1.2.3]]\n"))
    case("toml-large-array-then-a-short-row-60MiB", network(1000, "Y = [[0]]\nX = [" + row * 6_000 + "[1]]\n"))
    case(
        "toml-large-x-then-a-bad-y-60MiB",
        network(1000, "X = [" + row * 6_000 + "]\nY = [" + "[0]," * 6_000 + "[0, 1]]\n"),
    )
    signed = "[" + ", ".join(["+1_0"] * 1000) + "],"
    case(
        "toml-signed-numbers-then-a-bad-number-54MiB", network(1000, "Y = [[0]]\nX = [" + signed * 9_000 + "[1.2.3]]\n")
    )
    case(
        "csv-valid-then-a-bad-number-128MiB",
        network(999, 'file = "grammar.csv"\n'),
        "grammar.csv",
        fill("0.1234567890," * 999 + "0\n", "0," * 998 + "1..2,0\n"),
    )
    case(
        "csv-dense-tokens-then-bad-cell-128MiB",
        network(999, 'file = "dense.csv"\n'),
        "dense.csv",
        fill("-.5e-5," * 999 + "0\n", b"0,x\n"),
    )
    case(
        "csv-large-exponents-then-bad-cell-128MiB",
        network(999, 'file = "exponents.csv"\n'),
        "exponents.csv",
        fill("1.5e300," * 999 + "0\n", b"0,x\n"),
    )
    # cells near float64's limits (one that may overflow, one below the smallest normal) and many
    # columns of long numbers, bad in their last cell
    for name, cell, columns in (
        ("csv-float-limit-then-bad-cell-128MiB", "1.79769e308", 20),
        ("csv-subnormals-then-bad-cell-128MiB", "9.99999e-324", 20),
        ("csv-200-columns-then-bad-cell-128MiB", "0.1234567890", 200),
    ):
        line = ",".join([cell] * columns) + "\n"
        case(
            name,
            network(columns - 1, f'file = "{name}.csv"\n'),
            f"{name}.csv",
            fill(line, line[: -len(cell) - 1] + "1_0\n"),
        )
    # targets outside the loss's rule, in the last row of numbers that are slow to convert
    slow = halfway("8.98", 307)
    case(
        "csv-bce-target-8.98e307-last-128MiB",
        network(9, 'file = "bce.csv"\n', loss="bce"),
        "bce.csv",
        fill(",".join([slow] * 9 + [halfway("0.5", 0)]) + "\n", ",".join([slow] * 10) + "\n"),
    )
    # near-limit numbers written in many ways, bad in their last cell
    forms = ["1797693.1e+302", "1.79769e+0308", "0.000179769e312", "-17976931.348623157E301", "1.7976931348623157e308"]
    line = ",".join(forms * 4) + "\n"
    case(
        "csv-mixed-near-limit-forms-then-bad-cell-128MiB",
        network(19, 'file = "forms.csv"\n'),
        "forms.csv",
        fill(line, line[: -len(forms[-1]) - 1] + "1_0\n"),
    )
    case(
        "toml-1e308-rows-then-nan-64MiB",
        network(
            1000, "Y = [[0]]\nX = [" + ("[" + "1e308," * 999 + "1e308],") * 10_600 + "[" + "1e308," * 999 + "nan]]\n"
        ),
    )
    # one row a line (valid: loads): the line breaks inside a large array are not the text tomllib
    # reads, nor 60 MiB of them before a bad key
    case(
        "toml-600000-rows-one-a-line",
        network(1, "X = [\n" + "[0.5],\n" * 600_000 + "]\nY = [\n" + "[1],\n" * 600_000 + "]\n"),
    )
    case(
        "toml-60MiB-of-line-breaks-in-an-array-then-a-bad-key",
        network(1, "Y = [[0]]\nX = [[0]," + "\n" * 60 * MiB + "]\nbad key = 1\n"),
    )
    case("toml-512KiB-of-small-arrays", network(1, "".join(f"k{i} = [{'[0],' * 200}]\n" for i in range(600))))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for i in range(1_000_000):
            archive.writestr(f"{i}", b"")
    case("npz-1M-members", network(2, 'file = "members.npz"\n'), "members.npz", buffer.getvalue())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("X.npy", npy((20_000, 1000), "<f8", np.zeros(20_000_000).tobytes()))
        archive.writestr("Y.npy", npy((20_000, 1), "<f8", np.full(20_000, np.nan).tobytes()))
    case("npz-160MB-of-float64-then-nan", network(1000, 'file = "nan.npz"\n'), "nan.npz", buffer.getvalue())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("X.npy", npy((134_000_000, 2), "|u1", bytes(268_000_000)))
        archive.writestr("Y.npy", npy((1, 1), "<f8", bytes(8)))
    case("npz-uint8-256MiB-unpacked", network(2, 'file = "bomb.npz"\n'), "bomb.npz", buffer.getvalue())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("X.npy", npy((10**12, 2), "<f8", bytes(16)))
        archive.writestr("Y.npy", npy((10**12, 1), "<f8", bytes(8)))
    case("npz-header-10^12-rows", network(2, 'file = "claims.npz"\n'), "claims.npz", buffer.getvalue())
    (folder / "zero.toml").unlink(missing_ok=True)
    (folder / "zero.toml").symlink_to("/dev/zero")
    cases["symlink-to-dev-zero"] = folder / "zero.toml"
    (folder / "urandom.csv").unlink(missing_ok=True)
    (folder / "urandom.csv").symlink_to("/dev/urandom")
    case("data-file-symlink-to-dev-urandom", network(2, 'file = "urandom.csv"\n'))
    fifo = folder / "fifo.toml"
    fifo.unlink(missing_ok=True)
    os.mkfifo(fifo)
    cases["fifo"] = fifo
    return cases


def limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (8 * 2**30, 8 * 2**30))


def measure(path: Path) -> tuple[str, float, float, float, str]:
    start = time.perf_counter()
    proc = subprocess.Popen(
        CLI + ["trace", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=limit_memory,
        env={**os.environ, "XDG_DATA_HOME": str(DATA / "home")},
    )
    try:
        err = proc.communicate(timeout=120)[1]
        status = str(proc.returncode)
    except subprocess.TimeoutExpired:
        proc.kill()
        err = proc.communicate()[1]
        status = "killed after 120 s"
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # this process's one child
    rss = usage.ru_maxrss / 1024
    lines = err.decode("utf-8", "replace").strip().splitlines()
    return status, seconds, usage.ru_utime + usage.ru_stime, rss, (lines[-1] if lines else "")[:110]


def main() -> None:
    wanted = sys.argv[1:]
    cases = write_cases(DATA)
    print("| case | exit | seconds | CPU seconds | peak RSS (MiB) | last line of stderr |\n|---|---|---|---|---|---|")
    for name, path in cases.items():
        if wanted and name not in wanted:
            continue
        # RUSAGE_CHILDREN keeps the maximum over all children: measure each case in its own process.
        out = subprocess.run([sys.executable, __file__, "--one", str(path)], capture_output=True, text=True).stdout
        print(f"| {name} | {out.strip()} |", flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        status, seconds, cpu, rss, last = measure(Path(sys.argv[2]))
        print(f"{status} | {seconds:.2f} | {cpu:.2f} | {rss:.0f} | {last.replace('|', '/')}")
    else:
        main()
