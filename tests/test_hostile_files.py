"""Reading untrusted files: every hostile network, CSV or NPZ file gets one clean line and exit
status 2, never a traceback, a hang, a terminal escape sequence or a huge value in the message,
and is refused before it costs much (README, Promises)."""

import io
import math
import os
import random
import resource
import subprocess
import sys
import tomllib
import warnings
import zipfile
from dataclasses import replace

import numpy as np
import pytest

from engine import network as netmod
from engine import tomldoc
from engine.network import NetworkError, load
from tui.cli import main

from .conftest import XOR_FILE

DATA_NET = XOR_FILE.split("[data]")[0] + '[data]\nfile = "{name}"\n'
TOO_LONG = "n" * 300  # longer than NAME_MAX (255)
MEMORY = 2**30  # address space of a refusing process: NumPy and OpenBLAS alone take ~200 MiB of it


def _limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def cli(*argv, timeout=60, cwd=None):
    """`backprop-tui ARGV` in a fresh process with a memory cap and a timeout (a hang fails)."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-c", "from tui.cli import entry; entry()", *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=_limit_memory,
        env=env,
        cwd=cwd,
    )


def assert_one_clean_line(err: str, status: int, expected_status: int = 2):
    assert status == expected_status, err
    assert "Traceback" not in err and "Warning" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("backprop-tui: error: "), err
    assert len(lines[0]) < 600, err
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in lines[0]), err


def refused(path) -> str:
    with pytest.raises(NetworkError) as caught:
        load(path)
    message = str(caught.value)
    assert "\n" not in message and len(message) < 600, message
    return message


def npy(shape, dtype="<f8", payload=b"") -> bytes:
    """A .npy file whose header declares shape and dtype, followed by payload."""
    header = f"{{'descr': '{dtype}', 'fortran_order': False, 'shape': {tuple(shape)}, }}"
    header += " " * (63 - (len(header) + 10) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode() + payload


def write_npz(path, members: dict[str, bytes], compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


# -- the reading helper ----------------------------------------------------------------------


def test_read_regular_reads_a_regular_file_and_refuses_everything_else(tmp_path):
    from engine.files import FileRefused, read_regular

    target = tmp_path / "f.txt"
    target.write_bytes(b"12345")
    assert read_regular(target, 5) == b"12345"
    with pytest.raises(FileRefused, match="larger than the limit of 4 bytes"):
        read_regular(target, 4)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for path, kind in ((fifo, "a FIFO"), (tmp_path, "a directory"), ("/dev/zero", "a character device")):
        with pytest.raises(FileRefused, match=f"is {kind}"):
            read_regular(path, 100)
    with pytest.raises(FileNotFoundError):
        read_regular(tmp_path / "absent", 100)


def test_read_regular_counts_the_bytes_read_not_the_size_reported():
    from engine.files import FileRefused, read_regular

    # /proc files are regular files that report a size of 0
    with pytest.raises(FileRefused, match="larger than the limit of 10 bytes"):
        read_regular("/proc/self/maps", 10)
    assert read_regular("/proc/self/maps", 2**20)


# -- special files (item 4) ------------------------------------------------------------------


def test_a_fifo_as_network_or_data_file_is_refused_at_once(tmp_path):
    os.mkfifo(tmp_path / "net.toml")
    proc = cli("trace", str(tmp_path / "net.toml"), timeout=20)
    assert_one_clean_line(proc.stderr, proc.returncode)
    assert "is a FIFO" in proc.stderr
    os.mkfifo(tmp_path / "d.csv")
    (tmp_path / "data.toml").write_text(DATA_NET.format(name="d.csv"))
    proc = cli("train", str(tmp_path / "data.toml"), timeout=20)
    assert_one_clean_line(proc.stderr, proc.returncode)
    assert "is a FIFO" in proc.stderr


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_symlink_to_a_device_is_refused_without_reading_it(tmp_path, device):
    (tmp_path / "net.toml").symlink_to(device)
    proc = cli("check", str(tmp_path / "net.toml"), timeout=20)
    assert_one_clean_line(proc.stderr, proc.returncode)
    assert "is a character device" in proc.stderr
    for suffix in (".csv", ".npz"):
        (tmp_path / f"d{suffix}").symlink_to(device)
        (tmp_path / "data.toml").write_text(DATA_NET.format(name=f"d{suffix}"))
        proc = cli("trace", str(tmp_path / "data.toml"), timeout=20)
        assert_one_clean_line(proc.stderr, proc.returncode)
        assert "is a character device" in proc.stderr


# -- tracebacks and huge values (item 2) -----------------------------------------------------


def _with(old, new):
    assert old in XOR_FILE
    return XOR_FILE.replace(old, new)


HOSTILE_TOML = [
    ("int-5000-digits", _with("seed = 1", "seed = " + "9" * 5000), "digits"),
    ("int-4000-digits", _with("seed = 1", "seed = " + "9" * 4000), "a whole number of 4,000 digits"),
    ("hex-int-100000-digits", _with("seed = 1", "seed = 0x" + "f" * 100_000), "digits"),
    (
        "rate-400-digits",
        _with("learning_rate = 0.5", "learning_rate = 1" + "0" * 400),
        "a whole number of 401 digits, expected a finite number > 0",
    ),
    ("X-400-digits", _with("[0, 1], [1, 0]", "[0, 1" + "0" * 400 + "], [1, 0]"), "data.X[1][1]: found a whole number"),
    ("nested-900", _with("seed = 1", "seed = " + "[" * 900 + "]" * 900), "nested"),
    ("nested-tables-900", _with("seed = 1", "seed = " + "{a = " * 900 + "1" + "}" * 900), "nested"),
    ("unknown-key-100000", _with("seed = 1", "seed = 1\n" + "k" * 100_000 + " = 1"), "unknown key"),
    ("loss-string-100000", _with('loss = "half_mse"', 'loss = "' + "l" * 100_000 + '"'), "expected one of"),
    ("data-file-100000", XOR_FILE.split("[data]")[0] + '[data]\nfile = "' + "d" * 100_000 + '.csv"\n', "data.file"),
    ("data-file-too-long", DATA_NET.format(name=TOO_LONG + ".csv"), "File name too long"),
    ("data-file-nul", DATA_NET.format(name="a\\u0000b.csv"), "a\\x00b.csv is not a file name"),
    ("name-escape", _with('name = "tiny"', 'name = "ti\\u001b[2Jny"'), "name: found a control character"),
    (
        "description-bell",
        _with('name = "tiny"', 'name = "tiny"\ndescription = "ring\\u0007"'),
        "description: found a control character",
    ),
    ("name-c1", _with('name = "tiny"', 'name = "csi\\u009b31m"'), "name: found a control character"),
    ("key-escape", _with("seed = 1", 'seed = 1\n"bad\\u001b]0;title\\u0007key" = 1'), "unknown key"),
    ("string-escape", _with('loss = "half_mse"', 'loss = "\\u001b[31mred"'), "expected one of"),
]


@pytest.mark.parametrize("text,words", [c[1:] for c in HOSTILE_TOML], ids=[c[0] for c in HOSTILE_TOML])
def test_hostile_network_files_get_one_clean_line(write_net, capsys, text, words):
    path = write_net(text)
    assert words in refused(path)
    assert main(["trace", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert_one_clean_line(err, 2)
    assert words in err


def test_control_characters_in_messages_are_escaped(write_net, capsys):
    path = write_net(_with("seed = 1", 'seed = 1\n"bad\\u001b[2J\\u009b\\u007fkey" = 1'))
    assert main(["trace", str(path)]) == 2
    assert "bad\\x1b[2J\\x9b\\x7fkey: unknown key" in capsys.readouterr().err
    named = path.parent / "we\x1b[31mird\x07.toml"
    named.write_text("x = ")
    assert main(["trace", str(named)]) == 2
    err = capsys.readouterr().err
    assert_one_clean_line(err, 2)
    assert "we\\x1b[31mird\\x07.toml: is not valid TOML" in err
    reordered = path.parent / "cat\u202egpj.toml"  # shown as "catjpg.toml" reversed, without the escape
    reordered.write_text("x = ")
    assert main(["trace", str(reordered)]) == 2
    assert "cat\\u202egpj.toml: is not valid TOML" in capsys.readouterr().err


def test_huge_values_are_cut_with_an_ellipsis(write_net):
    message = refused(write_net(_with("seed = 1", "seed = 1\n" + "k" * 100_000 + " = 1")))
    assert "k" * 30 + "…" in message and "k" * 100 not in message
    message = refused(write_net(_with("seed = 1", 'seed = "' + "s" * 100_000 + '"')))
    assert "…" in message and "s" * 100 not in message


@pytest.mark.parametrize("command", ["trace", "train", "check", None])
def test_a_network_name_longer_than_the_system_allows(capsys, tmp_path, command):
    for name in (TOO_LONG, TOO_LONG + ".toml", str(tmp_path / TOO_LONG) + ".toml"):
        assert main([name] if command is None else [command, name]) == 2
        err = capsys.readouterr().err
        assert_one_clean_line(err, 2)
        assert "File name too long" in err


async def test_the_open_prompt_with_a_name_longer_than_the_system_allows(tmp_path):
    from tui.app import BackpropApp

    app = BackpropApp("xor")
    async with app.run_test(size=(140, 45)) as pilot:
        for name in (TOO_LONG + ".toml", str(tmp_path / TOO_LONG)):
            await pilot.press("o", "tab")
            app.screen.query_one("#path").value = name
            await pilot.press("enter")
            await pilot.pause()
            assert app.is_running and app._exception is None
            assert app.network.name == "XOR 2-2-1"
            assert any("File name too long" in n.message for n in app._notifications)


def test_ctrl_c_while_a_file_loads(monkeypatch, capsys):
    import engine.presets

    def interrupted(name):
        raise KeyboardInterrupt

    monkeypatch.setattr(engine.presets, "resolve", interrupted)
    for argv in (["trace", "xor"], ["xor"]):
        try:
            assert main(argv) == 130
        except KeyboardInterrupt:
            pytest.fail("the interrupt escaped main()")
        err = capsys.readouterr().err
        assert "Traceback" not in err and err.strip() == "backprop-tui: interrupted"


# -- CSV -------------------------------------------------------------------------------------


def csv_net(tmp_path, content: bytes | str, inputs=2, name="d.csv"):
    (tmp_path / name).write_bytes(content.encode() if isinstance(content, str) else content)
    text = DATA_NET.format(name=name).replace("inputs = 2", f"inputs = {inputs}")
    (tmp_path / "net.toml").write_text(text)
    return tmp_path / "net.toml"


BAD_CSV = [
    ("cell-over-128Ki", "0,0,0\n0,1," + "1" * 140_000 + "\n", "line 2: found a value of 140,000 characters"),
    ("underscores", "0,0,0\n0,1,1_000\n", 'line 2: found "1_000", expected a number'),
    ("arabic-digit", "0,0,0\n0,\u0661,1\n", 'line 2: found "\u0661", expected a number'),
    ("fullwidth-digit", "0,0,0\n0,\uff11,1\n", 'line 2: found "\uff11", expected a number'),
    ("hex", "0,0,0\n0,0x1,1\n", 'line 2: found "0x1", expected a number'),
    ("nbsp", "0,0,0\n0,\u00a01,1\n", "line 2: found"),
    ("infinity", "0,0,0\n0,1,Infinity\n", "line 2: found a non-finite number"),
    ("nan", "0,0,0\nnan,1,1\n", "line 2: found a non-finite number"),
    ("overflow", "0,0,0\n0,1,1e999\n", "line 2: found a non-finite number"),
    ("escape", "0,0,0\n0,\x1b[2J,1\n", 'line 2: found "\\x1b[2J", expected a number'),
    ("quoted", '0,0,0\n0,"1",1\n', "line 2: found"),
    ("one-line-of-10M-values", "0," * 5_000_000 + "0\n", "line 1 has more than 3 values"),
]


@pytest.mark.parametrize("content,words", [c[1:] for c in BAD_CSV], ids=[c[0] for c in BAD_CSV])
def test_bad_csv_values(tmp_path, capsys, content, words):
    path = csv_net(tmp_path, content)
    assert words in refused(path)
    assert main(["trace", str(path)]) == 2
    assert_one_clean_line(capsys.readouterr().err, 2)


def test_csv_plain_decimal_notation_is_read_exactly(tmp_path):
    cells = ["0", "-0", "+1", "1.5", ".5", "5.", "-2.5e-3", "1E+5", " 7 ", "0.1", "123456789.123456789e-300"]
    rows = [f"{a},{b},{c}" for a, b, c in zip(cells, cells[1:] + cells[:1], cells[2:] + cells[:2])]
    net = load(csv_net(tmp_path, "\r\n".join(rows) + "\r\n\n , ,\n"))
    expected = np.array([[float(a), float(b), float(c)] for a, b, c in (r.split(",") for r in rows)])
    np.testing.assert_array_equal(np.hstack([net.X, net.Y]), expected)


def test_csv_rows_past_the_values_limit_are_refused_before_they_are_read(tmp_path):
    # 100,000 inputs: 200 samples fit 20,000,000 values; the 201st is refused, as in the 256 MiB case
    content = ("0," * 100_000 + "0\n") * 300
    proc = cli("trace", str(csv_net(tmp_path, content, inputs=100_000)))
    assert_one_clean_line(proc.stderr, proc.returncode)
    assert "more than the limit of 200 samples" in proc.stderr


@pytest.fixture
def converted(monkeypatch) -> list[int]:
    """The rows each call of np.loadtxt (the CSV reader's conversion) converts, as they come."""
    rows_converted = []
    loadtxt = np.loadtxt

    def counted(*args, **kwargs):
        rows = loadtxt(*args, **kwargs)
        rows_converted.append(len(rows))
        return rows

    monkeypatch.setattr(np, "loadtxt", counted)
    return rows_converted


def test_a_bad_last_line_is_found_before_the_lines_above_it_are_converted(tmp_path, monkeypatch, converted):
    # every block is checked before any is converted: only the bad block's good lines are
    monkeypatch.setattr(netmod, "CSV_BLOCK", 256)
    good = "0.5, -1e-3,+.25\r\n" * 2000
    for last, words in (
        ("0,x,1\n", 'line 2001: found "x"'),
        ("0,1\n", "line 2001 has 2 values"),
        ("0,1,1e999", "non-finite"),
    ):
        converted.clear()
        assert words in refused(csv_net(tmp_path, good + last))
        assert sum(converted) < 40, sum(converted)
    converted.clear()
    net = load(csv_net(tmp_path, good + "\n , ,\n" + "1,2,3"))
    assert net.X.shape == (2001, 2) and net.X[-1].tolist() == [1, 2] and net.X[0].tolist() == [0.5, -1e-3]


def test_numbers_with_large_exponents_are_converted_not_read_line_by_line(tmp_path, monkeypatch):
    monkeypatch.setattr(netmod, "CSV_BLOCK", 256)
    lines_read = []
    csv_lines = netmod._Parser.csv_lines

    def counted(self, label, block, *args):
        lines_read.append(block.count(b"\n"))
        return csv_lines(self, label, block, *args)

    monkeypatch.setattr(netmod._Parser, "csv_lines", counted)
    good = "1.5e300,-2E-300,12.5e+296\n" * 1000
    net = load(csv_net(tmp_path, good))
    assert net.X[-1].tolist() == [1.5e300, -2e-300] and net.Y[0, 0] == 12.5e296 and not lines_read
    assert "line 1001: found a non-finite number" in refused(csv_net(tmp_path, good + "1,2,1e309\n"))
    assert sum(lines_read) <= 16


def test_numbers_near_the_float_limit_are_checked_without_converting_them(tmp_path, monkeypatch, converted):
    # issue 11: 240 MB of 1.79769e308 bad in its last cell took 12.9 s to refuse, every block
    # converted to know whether its numbers pass 1e308; the scan decides that from their digits
    monkeypatch.setattr(netmod, "CSV_BLOCK", 256)
    good = "1.79769e308, 9.99999e-324,-0001797.6931348623157e0305\n" * 1000 + "12" * 45 + "e219,0e999,.0e-999\n"
    for last, words in (
        ("0,1,1_0\n", 'line 1002: found "1_0"'),
        ("0,1,1.8e308\n", "line 1002: found a non-finite number"),
        ("0,1,1e0000309\n", "line 1002: found a non-finite number"),
    ):
        converted.clear()
        assert words in refused(csv_net(tmp_path, good + last))
        assert sum(converted) < 40, sum(converted)
    converted.clear()
    net = load(csv_net(tmp_path, good))
    assert sum(converted) == 1001  # once each, after the whole file is checked
    assert net.X[0].tolist() == [1.79769e308, 9.99999e-324] and net.Y[0, 0] == -1.7976931348623157e308
    assert net.X[-1].tolist() == [float("12" * 45 + "e219"), 0] and net.Y[-1, 0] == 0


FLOAT_LIMITS = ((str(2**1024 - 2**970), 308), (str(int(np.finfo(np.float64).max)), 308))


def _number_near(rnd, bounds=FLOAT_LIMITS) -> str:
    """A plain decimal number whose first significant digit is near a bound's (or anywhere), its
    digits those of the bound or not, with leading zeros, a point or not, an exponent with
    leading zeros or none, signs and blanks: at most MAX_CSV_VALUE characters. A bound is its
    digits and the place of its first (10^308 for float64's limits)."""
    while True:
        bound, near = rnd.choice(bounds)
        k = rnd.randint(1, 95)
        digits = rnd.choice([bound[:k], str(int(bound[:k]) + rnd.choice([-1, 1])), str(rnd.randrange(10**k)), "0"])
        digits = "0" * rnd.choice([0, 0, 0, 1, 3, 40]) + digits + "0" * rnd.choice([0, 0, 2, 30])
        leading = len(digits) - len(digits.lstrip("0"))
        place = rnd.choice([near + rnd.randint(-2, 2)] * 8 + [rnd.randint(-400, 1200)])  # the first significant digit's
        point = rnd.randint(0, len(digits))
        if 0 <= place + 1 + leading <= len(digits) and rnd.random() < 0.3:
            point = place + 1 + leading  # no exponent needed
        exponent = place + 1 - point + leading
        mantissa = digits[:point] + "." + digits[point:] if rnd.random() < 0.8 or point in (0, len(digits)) else digits
        cell = rnd.choice(["", "-", "+"]) + mantissa
        if exponent or rnd.random() < 0.5:
            sign = "-" if exponent < 0 else rnd.choice(["", "+"])
            cell += rnd.choice("eE") + sign + "0" * rnd.choice([0, 0, 1, 4, 20]) + str(abs(exponent))
        cell = rnd.choice(["", " "]) + cell + rnd.choice(["", "\t"])
        if mantissa != "." and len(cell) <= netmod.MAX_CSV_VALUE:
            return cell


def test_the_csv_scan_knows_which_numbers_pass_float64s_range():
    """_csv_counted says numbers are finite exactly when float() does, near float64's limit too
    (2**1024 - 2**970 and above round to inf), decided from their digits, not converted."""
    rnd = random.Random(16)
    for _ in range(10_000):
        cells = [_number_near(rnd) for _ in range(rnd.choice([1, 1, 1, 3]))]
        found = netmod._csv_counted(netmod._csv_text((",".join(cells) + "\n").encode()), len(cells))
        assert found is not None and found[1] == all(math.isfinite(float(cell)) for cell in cells), cells


TARGET_BOUNDS = ((str((2**53 + 1) * 5**53), 0), ("1", 0), (str(5**1075), -324), ("5", -1))  # 1 + 2**-53, 2**-1075


def test_the_csv_scan_knows_which_targets_break_the_losss_rule():
    """_csv_counted says targets obey bce's 0 ≤ y ≤ 1 (ce's y ≥ 0) exactly when they do once
    float64 holds them, near the bounds too (1 + 2**-53 rounds to 1.0, -2**-1075 to -0.0),
    decided from their digits, not converted."""
    rnd = random.Random(17)
    for _ in range(10_000):
        cells = [_number_near(rnd, TARGET_BOUNDS) for _ in range(rnd.choice([1, 1, 1, 3]))]
        text = netmod._csv_text(("0," + ",".join(cells) + "\n").encode())
        values = np.array([float(cell) for cell in cells])
        for loss in ("bce", "ce"):
            found = netmod._csv_counted(text, len(cells) + 1, len(cells), loss)
            expected = np.isfinite(values).all() and not netmod._target_fault(loss, values).any()
            assert found is not None and found[1] == expected, (loss, cells)


def _loss_net(tmp_path, content, loss):
    path = csv_net(tmp_path, content, inputs=1)
    text = path.read_text().replace('loss = "half_mse"', f'loss = "{loss}"')
    if loss == "ce":
        text = text.replace('units = 1\nactivation = "sigmoid"', 'units = 2\nactivation = "softmax"')
    path.write_text(text)
    return path


def test_targets_outside_the_losss_rule_are_refused_before_the_file_is_converted(tmp_path, monkeypatch, converted):
    # issue 11: 268 MB of slow numbers whose last target was 8.98e307 (loss bce) took 17 s to
    # refuse: the targets were checked once every number was converted; the scan decides now
    monkeypatch.setattr(netmod, "CSV_BLOCK", 256)
    for loss, good, last, words in (
        ("bce", "0.5,1\n", "0.5,8.98e307\n", "line 1001, column 2: found 8.98e+307, expected a target from 0 to 1"),
        ("bce", "0.5,1.00000000000000011102230246251565404236316680908203125\n", "0,-3e-324\n", "found -5e-324"),
        (
            "bce",
            "0.5,-1e-400\n",
            "0,1.0000000000000001110223024625156540423631668090820312501\n",
            "found 1.0000000000000002",
        ),
        ("ce", "0.5,1,-0\n", "0.5,1.5,-1e-5\n", "line 1001, column 3: found -1e-05, expected targets >= 0 for loss ce"),
    ):
        converted.clear()
        assert words in refused(_loss_net(tmp_path, good * 1000 + last, loss))
        assert sum(converted) < 40, sum(converted)
        net = load(_loss_net(tmp_path, good * 1000, loss))  # what float64 rounds into the rule is taken
        assert net.Y.shape[0] == 1000 and ((net.Y >= 0) & (net.Y <= 1)).all()


def test_ce_rows_need_not_sum_to_1_so_a_file_of_them_is_never_converted_to_be_refused(tmp_path):
    # issue 11: a ce file wrong only in its last row's sum took the whole file converted to refuse
    # (128 MiB of slow numbers: 7 s). The loss's gradient is δ = scale·(ŷ·Σy − y) whatever the sums.
    content = "0.5,0.25,0.75\n" * 250 + "0.5,1,0.5\n"
    net = load(_loss_net(tmp_path, content, "ce"))
    assert net.Y.sum(axis=1)[-1] == 1.5
    from engine.training import classifies

    assert not classifies(net)  # no one-hot rows: no accuracy is claimed


def test_a_csv_file_that_changes_between_the_two_passes_is_refused(tmp_path, monkeypatch):
    csv_blocks = netmod._Parser.csv_blocks
    passes = []

    def changing(self, handle, *args):
        passes.append(1)
        for line, block in csv_blocks(self, handle, *args):
            yield line, block if len(passes) == 1 else block.replace(b"1", b"x")

    monkeypatch.setattr(netmod._Parser, "csv_blocks", changing)
    assert "changed while it was being read" in refused(csv_net(tmp_path, "0,1,1\n" * 10))


def test_a_block_of_form_feeds_is_not_taken_for_blank_lines(tmp_path, monkeypatch):
    monkeypatch.setattr(netmod, "CSV_BLOCK", 4)
    assert "line 2 has 1 values" in refused(csv_net(tmp_path, "0,0,0\n\x0c\n"))


# -- NPZ -------------------------------------------------------------------------------------


def npz_net(tmp_path, name="d.npz"):
    (tmp_path / "net.toml").write_text(DATA_NET.format(name=name))
    return tmp_path / "net.toml"


def _good_npz(path, compression=zipfile.ZIP_STORED):
    buffers = {}
    for key, array in (("X", np.array([[0.0, 0.0], [1.0, 1.0]])), ("Y", np.array([[0.0], [1.0]]))):
        out = io.BytesIO()
        np.lib.format.write_array(out, array)
        buffers[f"{key}.npy"] = out.getvalue()
    write_npz(path, buffers, compression)


def _patch(path, old: bytes, new: bytes, count=-1):
    raw = path.read_bytes()
    assert old in raw
    path.write_bytes(raw.replace(old, new, count))


@pytest.mark.parametrize(
    "names,key", [(("X.npy", "X.npy", "Y.npy"), "X"), (("X.npy", "Y.npy", "Y"), "Y"), (("X", "X", "Y.npy"), "X")]
)
def test_an_npz_holding_an_array_twice_is_refused(tmp_path, capsys, names, key):
    # issue 11: a zip may hold two members of one name (or X and X.npy); the last was used without a word
    arrays = {"X": npy((1, 2), "<f8", bytes(16)), "Y": npy((1, 1), "<f8", bytes(8))}
    with zipfile.ZipFile(tmp_path / "d.npz", "w") as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile's "Duplicate name"
        for name in names:
            archive.writestr(name, arrays[name[0]])
    assert f"holds {key} twice, expected one array {key}" in refused(npz_net(tmp_path))
    assert main(["trace", str(npz_net(tmp_path))]) == 2
    assert_one_clean_line(capsys.readouterr().err, 2)


def test_npz_with_a_bad_crc(tmp_path):
    _good_npz(tmp_path / "d.npz")
    _patch(tmp_path / "d.npz", np.float64(1.0).tobytes(), np.float64(2.0).tobytes(), 1)
    assert "is damaged (Bad CRC-32" in refused(npz_net(tmp_path))


def test_npz_with_an_encrypted_member(tmp_path):
    _good_npz(tmp_path / "d.npz")
    raw = bytearray((tmp_path / "d.npz").read_bytes())
    for signature, flags in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = -1
        while (at := raw.find(signature, at + 1)) >= 0:
            raw[at + flags] |= 1
    (tmp_path / "d.npz").write_bytes(bytes(raw))
    assert "encrypted" in refused(npz_net(tmp_path))


def test_npz_with_an_unknown_compression(tmp_path):
    _good_npz(tmp_path / "d.npz")
    raw = bytearray((tmp_path / "d.npz").read_bytes())
    for signature, method in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        at = -1
        while (at := raw.find(signature, at + 1)) >= 0:
            raw[at + method] = 99
    (tmp_path / "d.npz").write_bytes(bytes(raw))
    assert "compression method 99" in refused(npz_net(tmp_path))


@pytest.mark.parametrize(
    "members,words",
    [
        (
            {"X.npy": npy((10**12, 2), payload=bytes(16)), "Y.npy": npy((10**12, 1), payload=bytes(8))},
            "found 1,000,000,000,000 samples",
        ),
        ({"X.npy": b"hello world", "Y.npy": npy((1, 1), payload=bytes(8))}, "X: is not a NumPy array"),
        ({"X": b"hello world", "Y.npy": npy((1, 1), payload=bytes(8))}, "X: is not a NumPy array"),
        ({"X.npy": npy((2, 2), payload=bytes(8)), "Y.npy": npy((2, 1), payload=bytes(16))}, "X: is truncated"),
        ({"X.npy": npy((2, 2), "|O"), "Y.npy": npy((2, 1), payload=bytes(16))}, "found object values"),
        ({"X.npy": npy((1, 2), "<c16", bytes(32)), "Y.npy": npy((1, 1), payload=bytes(8))}, "found complex128 values"),
        (
            {"X.npy": npy((1, 2), "<f16", bytes(32)), "Y.npy": npy((1, 1), payload=bytes(8))},
            "found float128 values, expected",
        ),
        (
            {"X.npy": npy((1, 2), "<i8", np.array([2**53 + 1, 0]).tobytes()), "Y.npy": npy((1, 1), payload=bytes(8))},
            "which float64 does not hold exactly",
        ),
    ],
)
def test_hostile_npz_members(tmp_path, capsys, members, words):
    write_npz(tmp_path / "d.npz", members)
    path = npz_net(tmp_path)
    assert words in refused(path)
    assert main(["trace", str(path)]) == 2
    assert_one_clean_line(capsys.readouterr().err, 2)


def test_a_longdouble_overflow_is_refused_without_a_warning(tmp_path):
    np.savez(tmp_path / "d.npz", X=np.array([[np.longdouble("1e4000"), 0]], dtype=np.longdouble), Y=np.zeros((1, 1)))
    proc = cli("trace", str(npz_net(tmp_path)), timeout=30)
    assert_one_clean_line(proc.stderr, proc.returncode)
    assert "float128" in proc.stderr


def test_npz_integers_and_small_floats_are_read_exactly(tmp_path):
    X = np.array([[0, 2**53], [-(2**53), 7]], dtype=np.int64)
    np.savez_compressed(tmp_path / "d.npz", X=X, Y=np.array([[0.5], [0.25]], dtype=np.float16))
    net = load(npz_net(tmp_path))
    assert net.X.dtype == np.float64 and net.X.tolist() == [[0, 2**53], [-(2**53), 7]]
    assert net.Y.tolist() == [[0.5], [0.25]]


def test_an_npz_bomb_is_refused_from_its_header(tmp_path):
    # 256 KB that unpacks to 256 MiB of uint8: refused from the declared shape, never converted
    members = {"X.npy": npy((134_000_000, 2), "|u1", bytes(268_000_000)), "Y.npy": npy((1, 1), payload=bytes(8))}
    write_npz(tmp_path / "d.npz", members, zipfile.ZIP_DEFLATED)
    proc = cli("trace", str(npz_net(tmp_path)))
    assert_one_clean_line(proc.stderr, proc.returncode)
    assert "found 134,000,000 samples" in proc.stderr


# -- TOML cost (item 3) ----------------------------------------------------------------------


def test_a_key_of_30000_parts_is_refused_before_toml_reads_it(tmp_path):
    (tmp_path / "net.toml").write_text("a" + ".a" * 30_000 + " = 1\n")
    proc = cli("trace", str(tmp_path / "net.toml"))
    assert_one_clean_line(proc.stderr, proc.returncode)
    assert "parts" in proc.stderr


def test_a_toml_of_millions_of_rows_is_refused_before_toml_reads_it(tmp_path):
    text = XOR_FILE.split("[data]")[0] + "[data]\nY = [[0]]\nX = [" + "[0]," * 15_000_000 + "]\n"
    (tmp_path / "net.toml").write_text(text)
    proc = cli("trace", str(tmp_path / "net.toml"))
    assert_one_clean_line(proc.stderr, proc.returncode)
    assert "15,000,000 rows" in proc.stderr


def _one_row_a_line(rows: int, after: str = "") -> str:
    """The XOR network with `rows` samples, its X and Y written one row a line."""
    X = "".join(f"[{i % 7}, {-i / 8}],\n" for i in range(rows))
    return XOR_FILE.split("[data]")[0] + f"[data]\nX = [\n{X}]\nY = [\n" + "[1],\n" * rows + "]" + after


def test_large_arrays_written_one_row_a_line_load(write_net):
    # issue 11: the line breaks inside large arrays counted towards the 512 KiB of text besides
    # them, so 600,000 rows one a line were refused (tomllib reads the file)
    rows = 300_000  # 600,000 line breaks inside the arrays
    net = load(write_net(_one_row_a_line(rows, "\n")))
    assert net.X.shape == (rows, 2) and (net.Y == 1).all()
    assert net.X[1].tolist() == [1, -0.125] and net.X[-1].tolist() == [(rows - 1) % 7, -(rows - 1) / 8]


def test_errors_after_large_arrays_name_the_files_line_and_column(write_net, monkeypatch):
    # tomllib reads each large array as a placeholder without its line breaks (skipping them one
    # by one, tomllib took 4 s for 60 MiB of them): its messages are put back in the file's terms
    read = []
    loads = tomllib.loads
    monkeypatch.setattr(tomllib, "loads", lambda text: read.append(len(text)) or loads(text))
    text = _one_row_a_line(20_000)
    line = text.count("\n") + 1  # the line of Y's closing bracket
    for after, words in (
        (" junk\n", f"after a statement (at line {line}, column 3)"),
        ("\n\nbad key = 1\n", f"in a key/value pair (at line {line + 2}, column 5)"),
        ("\n" + "a." * 40 + "a = 1\n", f"line {line + 1}: a key of more than 32 parts"),
        ("\nk = 1\n\n\nk = 2\n", f"Cannot overwrite a value (at line {line + 4}, column 6)"),
    ):
        read.clear()
        assert words in refused(write_net(text + after))
        assert sum(read) < 1000, read


# -- the fast readers agree with the exact ones --------------------------------------------------


def test_the_csv_block_reader_accepts_exactly_what_the_line_reader_does():
    """_csv_rows (NumPy's C reader) may turn a block down, never accept one the line-by-line
    reader refuses, and reads the same numbers."""
    rnd = random.Random(11)
    alphabet = "0123456789+-.eE \t\r,x"
    parser = netmod._Parser("<test>", None)
    for _ in range(3000):
        cells = ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 6))) for _ in range(2)]
        block = (",".join(cells) + "\n").encode()
        fast = netmod._csv_rows(block, 2)
        try:
            slow = parser.csv_lines("d", block, 1, 1, 1)
        except NetworkError:
            slow = None
        if fast is not None:
            assert slow is not None and np.array_equal(fast, slow), block


def test_the_csv_scan_vouches_for_exactly_the_blocks_the_line_reader_accepts():
    """_csv_counted (no number converted) says yes exactly when the line reader accepts: its
    rows, and whether they are all finite."""
    rnd = random.Random(12)
    parser = netmod._Parser("<test>", None)
    alphabet, plain = "0123456789+-.eE \t\r,x\x0c", "0123456789+-.eE \t"
    for _ in range(5000):
        width = rnd.randint(1, 3)
        lines = []
        for _ in range(rnd.randint(1, 3)):
            count = rnd.choice([width, width, width, width + 1, max(width - 1, 1)])
            chars = alphabet if rnd.random() < 0.3 else plain
            size = rnd.choice([rnd.randint(0, 7)] * 9 + [rnd.randint(98, 102)])
            lines.append(",".join("".join(rnd.choice(chars) for _ in range(size)) for _ in range(count)))
        block = ("\n".join(lines) + rnd.choice(["\n", "", "\n\n"])).encode()
        checked = netmod._csv_counted(netmod._csv_text(block), width)
        try:
            accepted = len(parser.csv_lines("d", block, 1, width, 0))
        except NetworkError:
            accepted = None
        assert (checked[0] if checked and checked[1] else None) == accepted, block


def _materialised(value):
    if isinstance(value, tomldoc.Numbers):
        return [x for piece in value.pieces() for x in piece]
    if isinstance(value, dict):
        return {k: _materialised(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_materialised(v) for v in value]
    return value


def _same(a, b):
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


NUMBERS = [
    "0",
    "1",
    "-1",
    "+1",
    "1.5",
    "-0.0",
    "1e5",
    "1E-3",
    "1_000",
    "6.02e+23",
    "0.1",
    "2e400",
    "123456789012345678901234567890",
    "inf",
    "-inf",
    "+nan",
    "nan",
    "-nan",
    "0e0",
    "1e05",
    "00",
    "01",
    ".5",
    "5.",
    "1__0",
    "_1",
    "1_",
    "++1",
    "1e",
    "e1",
    "1.2.3",
    "1-1",
    "",
    "1 2",
    "+",
    "1_e5",
    "infa",
    "1.e5",
    "-01",
    "+0",
]
ARRAYS = [
    "[1, 2]",
    "[[1, 2], [3, 4]]",
    "[ [0,0] ,\n [1,1], ]",
    "[1_0, +2, -3.5e-1, inf]",
    "[]",
    "[[]]",
    "[0x10]",
    "[1, # c\n 2]",
    "[[1], [2, [3]]]",
    '[1, "a"]',
    "[1,,2]",
    "[[1] [2]]",
    "[1\r2]",
    "[\n]",
    "[[1,2],\n]",
    "[,1]",
]
STRINGS = [
    '"a = [1, 2]"',
    "'b = [3]'",
    '"""m = [1,\n2]\n"""',
    "'''l = [1]\n'''",
    '"q\\" = [1]"',
    '"""x""""',
    "'''y'''''",
    '"\\u0041 = [9]"',
    '""',
    '"#x = [1]"',
    '"""open = [1]',
]


def _random_array(rnd):
    def ws():
        return rnd.choice(["", " ", "\t", "\n", " \n ", "\r\n", "\r"]) if rnd.random() < 0.3 else ""

    def row(k):
        items = [ws() + rnd.choice(NUMBERS if rnd.random() < 0.2 else NUMBERS[:20]) + ws() for _ in range(k)]
        sep = "," if rnd.random() < 0.97 else rnd.choice([",,", "", " "])
        return "[" + sep.join(items) + ("," + ws() if rnd.random() < 0.2 else "") + "]"

    if rnd.random() < 0.4:
        return row(rnd.randint(0, 6))
    sep = "," if rnd.random() < 0.95 else rnd.choice([",,", "", " "])
    rows = (sep + ws()).join(row(rnd.randint(0, 4)) for _ in range(rnd.randint(1, 5)))
    return "[" + ws() + rows + ("," if rnd.random() < 0.2 else "") + ws() + "]"


def _random_document(rnd):
    lines = []
    for i in range(rnd.randint(1, 6)):
        r = rnd.random()
        if r < 0.1:
            lines.append("# c = " + rnd.choice(ARRAYS).replace("\n", " "))
        elif r < 0.2:
            lines.append(rnd.choice([f"[t{i}]", "[[a]]", f"[t.u{i}]"]))
        else:
            value = rnd.choice(
                [
                    _random_array(rnd),
                    rnd.choice(ARRAYS),
                    rnd.choice(STRINGS),
                    "{ k = " + _random_array(rnd).replace("\n", " ").replace("\r", "") + " }",
                ]
            )
            lines.append(f"k{i} = {value}" + rnd.choice(["", "  # = [1]", ' # "x"']))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("piece", [1, 7, 2**20])
def test_large_arrays_read_apart_give_what_tomllib_gives(monkeypatch, piece):
    """Every array counts as large here, and pieces are tiny: the same document, or both refuse."""
    monkeypatch.setattr(tomldoc, "LARGE", 1)
    monkeypatch.setattr(tomldoc, "PIECE", piece)
    rnd = random.Random(piece)
    for _ in range(3000):
        text = _random_document(rnd)
        try:
            expected = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            expected = None
        try:
            found = _materialised(tomldoc.parse(text.encode()))
        except (tomldoc.TomlError, tomldoc.ArrayError):
            found = None
        assert (expected is None) == (found is None) and (found is None or _same(expected, found)), text


def test_a_piece_vouched_for_reads_as_rows_of_finite_numbers(monkeypatch):
    """tomldoc._vouched (no number converted) says yes only for a piece that reads into what the
    network takes: numbers, finite, rows of `width` given one. Pieces are tiny: most are cut."""
    monkeypatch.setattr(tomldoc, "LARGE", 1)
    monkeypatch.setattr(tomldoc, "PIECE", 5)
    rnd = random.Random(14)
    vouched = 0
    for _ in range(3000):
        try:
            doc = tomldoc.parse(_random_document(rnd).encode())
        except tomldoc.TomlError:
            continue
        arrays = [v for v in doc.values() if isinstance(v, tomldoc.Numbers)]
        for array, width in ((a, w) for a in arrays for w in (None, 1, 2, 3)):
            try:
                for _, text, at, plain, last in array.texts(width):
                    if not tomldoc._vouched(text if plain else array.as_json(text, at), array.levels, width, last):
                        continue
                    vouched += 1
                    elements = array.read(text, at, plain, last)
                    if width is not None:
                        assert all(isinstance(row, list) and len(row) == width for row in elements), text
                    assert np.isfinite(np.array(elements, dtype=np.float64)).all(), text
            except (tomldoc.ArrayError, tomldoc.LongRow):
                continue
    assert vouched > 1000


def _toml_number_near_the_limit(rnd) -> str:
    """A TOML decimal number with an exponent, its first digit near 10^308 (or anywhere), its digits
    those of float64's limits or not."""
    bound = rnd.choice(FLOAT_LIMITS)[0]
    k = rnd.randint(1, 60)
    digits = rnd.choice([bound[:k], str(int(bound[:k]) + rnd.choice([-1, 1])), str(rnd.randrange(1, 10**k))])
    point = rnd.randint(1, len(digits))
    mantissa = digits[:point] + ("." + digits[point:] if point < len(digits) else "")
    exponent = rnd.choice([308 - (point - 1) + rnd.randint(-2, 1)] * 8 + [rnd.randint(-400, 1200)])
    sign = "-" if exponent < 0 else rnd.choice(["", "+"])
    return (
        rnd.choice(["", "-", "+"])
        + mantissa
        + rnd.choice("eE")
        + sign
        + "0" * rnd.choice([0, 0, 1, 20])
        + str(abs(exponent))
    )


def test_the_toml_scan_knows_which_numbers_pass_float64s_range(monkeypatch):
    """tomldoc._vouched says a piece is finite exactly when float() does, near float64's limit too,
    decided from its digits (floattext, as the CSV scan does), not converted."""
    monkeypatch.setattr(tomldoc, "LARGE", 1)
    rnd = random.Random(18)
    for _ in range(5_000):
        cells = [_toml_number_near_the_limit(rnd) for _ in range(rnd.choice([1, 1, 3]))]
        array = tomldoc.parse(("x = [" + ", ".join(cells) + "]\n").encode())["x"]
        [(_, text, at, plain, last)] = list(array.texts())
        vouched = tomldoc._vouched(text if plain else array.as_json(text, at), 1, None, last)
        assert vouched == all(math.isfinite(float(cell)) for cell in cells), cells


@pytest.fixture
def pieces(monkeypatch):
    """The pieces of large arrays (64 characters each here) whose numbers are read, in order."""
    monkeypatch.setattr(tomldoc, "PIECE", 64)
    read, pieces = tomldoc.Numbers.read, []

    def counted(self, text, *args):
        pieces.append(text)
        return read(self, text, *args)

    monkeypatch.setattr(tomldoc.Numbers, "read", counted)
    return pieces


def test_numbers_near_the_float_limit_in_a_large_array_are_checked_without_reading_them(write_net, pieces):
    # issue 11: 64 MiB of rows of 1e308 with nan last took 6 s to refuse: a piece with an exponent
    # of three digits was read to know whether it is finite; the scan decides from the digits
    rows = "[1e308, -1.7976931348623157E+308], [0.000179769e312, 179769313486231570e0291],\n" * 500
    for last, words in (
        ("[1, nan]", "data.X[1000][1]: found nan, expected a finite number"),
        ("[-inf, 1]", "data.X[1000][0]: found -inf, expected a finite number"),
        ("[1.7976931348623159e308, 0]", "data.X[1000][0]: found inf, expected a finite number"),
    ):
        pieces.clear()
        assert words in refused(write_net(_large_x(rows + last)))
        assert len(pieces) <= 2, len(pieces)
    net = load(write_net(_large_x(rows + "[3, 4]")))
    assert net.X[0].tolist() == [1e308, -1.7976931348623157e308] and net.X[1, 1] == 179769313486231570e291


def _large_x(rows: str, y: str = "") -> str:
    count = rows.count("[")
    return XOR_FILE.split("[data]")[0] + f"[data]\nX = [{rows}]\nY = {y or '[' + '[0], ' * count + ']'}\n"


def test_a_large_array_bad_at_its_end_is_refused_before_the_rows_above_it_are_read(write_net, pieces):
    # each piece is vouched for without reading a number; only the last, in doubt, is read
    rows = "[0.5, -1e-3], [+1_0, 2E+2],\n" * 500
    for last, words in (
        ("[1.2.3, 0]", "data.X: is not valid TOML (expected numbers separated by commas at line 516, column 4)"),
        ("[1]", "data.X[1000]: found 1 numbers, expected 2"),
        ("[1e999, 0]", "data.X[1000][0]: found inf, expected a finite number"),
        ("[1, nan]", "data.X[1000][1]: found nan, expected a finite number"),
    ):
        pieces.clear()
        assert words in refused(write_net(_large_x(rows + last)))
        assert len(pieces) <= 2, len(pieces)
    pieces.clear()
    bad_y = "[" + "[0], " * 1000 + "[0, 1]]"
    assert "data.Y[1000]: found 2 numbers, expected 1" in refused(write_net(_large_x(rows + "[0, 0]", bad_y)))
    assert len(pieces) <= 2, len(pieces)  # X is not converted before Y is checked
    net = load(write_net(_large_x(rows + "[3, 4]")))
    assert net.X.shape == (1001, 2) and net.X[1].tolist() == [10, 200] and net.X[-1].tolist() == [3, 4]


def test_a_network_file_with_large_arrays_reads_back_exactly(write_net, large_network):
    net = load(large_network)
    rng = np.random.default_rng(5)
    params = {k: rng.standard_normal(v.shape) * 10.0 ** rng.integers(-300, 300, v.shape) for k, v in net.params.items()}
    inline = replace(net.with_params(params), data_file=None)
    again = load(write_net(netmod.dumps(inline)))
    for name, value in params.items():
        np.testing.assert_array_equal(again.params[name], value)
    np.testing.assert_array_equal(again.X, net.X)
    np.testing.assert_array_equal(again.Y, net.Y)
