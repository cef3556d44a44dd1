"""Fuzzing the reading of network, CSV and NPZ files through the real command line: a fixed
seed draws malformed and hostile variants of the presets and of their data (deep nesting,
huge numbers, wrong types, control characters, binary junk, truncated and corrupted zips),
and every one must end as `backprop-tui trace` ending well: exit 0, 2 or 3, one line of error,
no traceback, within the time and memory a subprocess is given (README, Promises)."""

import io
import random
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from engine.presets import names
from engine.presets import path as preset_path

from .test_hostile_files import NUMBERS, cli

SEED = 20261123
CASES = 60  # of each kind: network files, CSV data, NPZ data

JUNK = [
    "9" * 5000,
    "0x" + "f" * 20_000,
    "1" + "0" * 400,
    "-" + "9" * 30,
    "1e999",
    "nan",
    "-inf",
    "1_000",
    "0b102",
    "[" * 900 + "]" * 900,
    "{a = " * 300 + "1" + "}" * 300,
    "a" + ".a" * 3000 + " = 1",
    '"\x1b[2J\x07"',
    '"\\u001b]0;owned\\u0007"',
    '"\\u009b31m"',
    "'''",
    '"""',
    "[[layers]]",
    "[data]",
    "[params]",
    "= [",
    "true",
    '"a"',
    "[]",
    "[[]]",
    "{}",
    "inputs = 2",
    "learning_rate = 1e308",
    'loss = "ce"',
    'activation = "softmax"',
    "units = 100000",
    'file = "/dev/zero"',
    'file = "' + "n" * 300 + '.csv"',
    "\x00",
    "\xff",
    "#",
    "\r",
    "\t",
]
CELLS = [
    "0",
    "1",
    "-1",
    "1e5",
    "1_000",
    "\u0661",
    "\uff11",
    "nan",
    "inf",
    "1e999",
    "0x1",
    " ",
    "",
    '"1"',
    "\x1b[2J",
    "1" * 200,
    ".",
    "-",
    "+.5",
    "5.",
    "\xa0",
    "\u2028",
    "\x00",
    "1,2",
    "9" * 400,
]


def _mutate_text(rnd, text: str) -> str:
    for _ in range(rnd.randint(1, 4)):
        at, length = rnd.randrange(len(text) + 1), rnd.randint(0, 40)
        op = rnd.random()
        values = [m.end() for m in re.finditer(r"= ", text)]
        if op < 0.3 and values:  # a value replaced: the file stays TOML often enough to reach the checks
            at = rnd.choice(values)
            end = text.find("\n", at)
            text = text[:at] + rnd.choice(JUNK) + (text[end:] if end >= 0 else "")
        elif op < 0.5:
            text = text[:at] + rnd.choice(JUNK) + text[at:]
        elif op < 0.6:
            text = text[:at] + text[at + length :]
        elif op < 0.75:
            text = text[:at] + text[at : at + length] * rnd.randint(2, 50) + text[at + length :]
        elif op < 0.85:
            text = text[:at]
        else:
            text = (
                text[:at]
                + "".join(chr(rnd.randrange(0x110000 if rnd.random() < 0.3 else 0x80)) for _ in range(length)).replace(
                    "\ud800", ""
                )
                + text[at:]
            )
    return text


def network_cases(rnd, folder):
    cases = []
    for i in range(CASES):
        text = preset_path(rnd.choice(names())).read_text(encoding="utf-8")
        if rnd.random() < 0.4:  # arrays large enough to be read apart (engine/tomldoc.py)
            text = (
                preset_path("xor").read_text(encoding="utf-8").split("[data]")[0]
                + "[data]\nX = ["
                + ", ".join(f"[{rnd.random()}, {rnd.choice(NUMBERS)}]" for _ in range(300))
                + "]\nY = "
                + repr([[0.5]] * 300)
                + "\n"
            )
        data = _mutate_text(rnd, text).encode("utf-8", "surrogatepass")
        if rnd.random() < 0.1:
            data = bytes(b ^ rnd.randrange(256) if rnd.random() < 0.01 else b for b in data)
        (folder / f"net{i}.toml").write_bytes(data)
        cases.append(folder / f"net{i}.toml")
    return cases


def _data_network(folder, i, name, inputs=2):
    text = preset_path("xor").read_text(encoding="utf-8").split("[data]")[0]
    (folder / f"data{i}.toml").write_text(text + f'[data]\nfile = "{name}"\n', encoding="utf-8")
    return folder / f"data{i}.toml"


def csv_cases(rnd, folder):
    cases = []
    for i in range(CASES):
        rows = [["0", "0", "0"], ["0", "1", "1"], ["1", "0", "1"], ["1", "1", "0"]] * rnd.randint(1, 3)
        for _ in range(rnd.randint(1, 3)):
            row = rnd.choice(rows)
            op = rnd.random()
            if op < 0.6 and row:
                row[rnd.randrange(len(row))] = rnd.choice(CELLS)
            elif op < 0.8 and row:
                row.append(rnd.choice(CELLS)) if rnd.random() < 0.5 else row.pop()
            else:
                rows.insert(rnd.randrange(len(rows)), [rnd.choice(CELLS) for _ in range(rnd.randint(0, 5))])
        data = "\n".join(",".join(row) for row in rows).encode("utf-8", "surrogatepass")
        if rnd.random() < 0.15:
            data = data[: rnd.randrange(len(data) + 1)] + bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 64)))
        if rnd.random() < 0.05:
            data = b"0,0,0\n" * rnd.choice([1_000_001, 300_000]) + data  # past, and within, the sample limit
        (folder / f"d{i}.csv").write_bytes(data)
        cases.append(_data_network(folder, i, f"d{i}.csv"))
    return cases


def _npz_bytes(rnd) -> bytes:
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=rnd.choice(["<f8", ">f4", "<i8", "|u1", "<f2", "|b1"]))
    Y = np.array([[0], [1], [1], [0]], dtype="<f8")
    buffer = io.BytesIO()
    compression = rnd.choice([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for key, array in (("X", X), ("Y", Y)):
            member = io.BytesIO()
            np.lib.format.write_array(member, array)
            archive.writestr(rnd.choice([f"{key}.npy"] * 8 + [key, f"{key}.NPY", "Z.npy"]), member.getvalue())
    return buffer.getvalue()


def npz_cases(rnd, folder):
    cases = []
    for i in range(CASES):
        data = bytearray(_npz_bytes(rnd))
        op = rnd.random()
        if op < 0.3:
            data = data[: rnd.randrange(len(data))]
        elif op < 0.6:
            for _ in range(rnd.randint(1, 8)):
                data[rnd.randrange(len(data))] = rnd.randrange(256)
        elif op < 0.85:  # the .npy header: its shape, its dtype
            raw = bytes(data)
            for old, new in rnd.sample(
                [
                    (b"(4, 2)", b"(1000000000000, 2)"),
                    (b"(4, 2)", b"(4, 2, 1)"),
                    (b"(4, 2)", b"(4,)"),
                    (b"'<f8'", b"'O'"),
                    (b"'<f8'", b"'<c16'"),
                    (b"'<f8'", b"'<f16'"),
                    (b"(4, 1)", b"(2, 1)"),
                    (b"False", b"True"),
                ],
                2,
            ):
                raw = raw.replace(old, new, 1)
            data = bytearray(raw)
        else:
            data = bytearray(bytes(rnd.randrange(256) for _ in range(rnd.randint(0, 300))))
        (folder / f"d{i}.npz").write_bytes(bytes(data))
        cases.append(_data_network(folder, i, f"d{i}.npz"))
    return cases


@pytest.mark.parametrize("kind", [network_cases, csv_cases, npz_cases], ids=["network", "csv", "npz"])
def test_hostile_files_through_the_command_line(tmp_path, kind):
    paths = kind(random.Random(f"{SEED}-{kind.__name__}"), tmp_path)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda p: cli("trace", str(p), timeout=60, cwd=tmp_path), paths))
    statuses = {}
    for path, proc in zip(paths, results):
        statuses[proc.returncode] = statuses.get(proc.returncode, 0) + 1
        where = f"{path.name}: {proc.stderr[-2000:]}"
        assert proc.returncode in (0, 2, 3), where
        assert "Traceback" not in proc.stderr and "Warning" not in proc.stderr, where
        assert not any(ord(c) < 0x20 and c != "\n" or 0x7F <= ord(c) < 0xA0 for c in proc.stderr), where
        if proc.returncode == 2:
            lines = proc.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("backprop-tui: error: ") and len(lines[0]) < 600, where
    assert statuses.get(2, 0) > len(paths) // 3, statuses  # the generator does make bad files
