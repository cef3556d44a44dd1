"""Large networks within the limits (issue 11, item 8; the README's Promises, "Large networks"):
compact parameter files, a streamed JSON trace, a gradient check that says what it costs, and a
first frame that does not wait for the session's files.

Moderately sized networks keep these fast; the 10 M-parameter case is measured by hand (README)."""

import json
import os
import threading
import zipfile

import numpy as np
import pytest

from engine import network as netmod
from engine.network import NetworkError, load, save
from tui.cli import main

# 300-400-10 on 8 samples: 124,410 parameters, more than save() writes inline.
WIDE = """\
name = "wide"
inputs = 300
loss = "mse"
learning_rate = 0.01
seed = 4

[[layers]]
units = 400
activation = "tanh"

[[layers]]
units = 10
activation = "identity"

[data]
file = "wide.npz"
"""


@pytest.fixture
def wide(tmp_path):
    rng = np.random.default_rng(1)
    np.savez(tmp_path / "wide.npz", X=rng.standard_normal((8, 300)), Y=rng.standard_normal((8, 10)))
    path = tmp_path / "wide.toml"
    path.write_text(WIDE)
    return path


def bounded(fn, seconds=20):
    """fn() in a thread: its result, or a failure when it does not return in time (a hang)."""
    out = {}

    def run():
        try:
            out["value"] = fn()
        except BaseException as err:  # noqa: BLE001 - handed to the test
            out["error"] = err

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    if "error" in out:
        raise out["error"]
    return out["value"]


# -- parameters in a file beside the network file ---------------------------------------------------


def test_a_large_network_is_saved_compactly_and_reopens_exactly(wide, tmp_path, capsys):
    net = load(wide)
    count = sum(v.size for v in net.params.values())
    assert count > netmod.INLINE_PARAMS
    assert main(["train", str(wide), "-n", "3", "--save", str(tmp_path / "out.toml")]) == 0
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["out.params.npz", "out.toml", "wide.npz", "wide.toml"]
    assert (tmp_path / "out.toml").stat().st_size < 2000
    assert (tmp_path / "out.params.npz").stat().st_size < 8 * count + 2000  # 8 bytes a parameter
    assert 'file = "out.params.npz"' in (tmp_path / "out.toml").read_text()
    again = load(tmp_path / "out.toml")
    trained = __import__("engine.training", fromlist=["train"]).train(net, 3).params
    for name, value in trained.items():
        np.testing.assert_array_equal(again.params[name], value)
        assert again.params[name].dtype == np.float64 and again.params[name].flags.writeable


def test_a_small_network_keeps_its_parameters_inline(write_net, tmp_path):
    save(load(write_net()), tmp_path / "small.toml")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.toml", "small.toml"]
    assert "W1 = [[" in (tmp_path / "small.toml").read_text()


def _params_file(tmp_path, wide, **arrays):
    """wide.toml naming p.npz, which holds `arrays` (default: the right ones)."""
    net = load(wide)
    np.savez(tmp_path / "p.npz", **(arrays or net.params))
    path = tmp_path / "named.toml"
    path.write_text(WIDE.replace("[data]", '[params]\nfile = "p.npz"\n\n[data]'))
    return path, net


def test_a_params_file_gives_the_parameters(wide, tmp_path):
    net = load(wide)
    given = {k: v + 0.5 for k, v in net.params.items()}
    path, _ = _params_file(tmp_path, wide, **given)
    again = load(path)
    for name, value in given.items():
        np.testing.assert_array_equal(again.params[name], value)


def _damage(kind, tmp_path, wide):
    net = load(wide)
    good = dict(net.params)
    if kind == "shape":
        return _params_file(tmp_path, wide, **{**good, "W2": np.zeros((10, 399))})[0]
    if kind == "huge-shape":  # declares 10^12 entries: refused from the header, nothing allocated
        path = _params_file(tmp_path, wide)[0]
        data = (tmp_path / "p.npz").read_bytes()
        data = data.replace(b"(400, 300), }" + b" " * 8, b"(1000000, 1000000), }", 1)  # the same length
        (tmp_path / "p.npz").write_bytes(data)
        return path
    if kind == "nan":
        return _params_file(tmp_path, wide, **{**good, "b1": np.full(400, np.nan)})[0]
    if kind == "ints":
        return _params_file(tmp_path, wide, **{**good, "b2": np.zeros(10, dtype=np.int64)})[0]
    if kind == "pickle":
        return _params_file(tmp_path, wide, **{**good, "b2": np.array([{"x": 1}] * 10, dtype=object)})[0]
    if kind == "unknown-member":
        del good["b2"]
        return _params_file(tmp_path, wide, **{**good, "W3": np.zeros((1, 1))})[0]
    if kind == "compressed":
        path = _params_file(tmp_path, wide)[0]
        np.savez_compressed(tmp_path / "p.npz", **good)
        return path
    path = _params_file(tmp_path, wide)[0]
    target = tmp_path / "p.npz"
    data = target.read_bytes()
    if kind == "truncated":
        target.write_bytes(data[: len(data) // 2])
    elif kind == "crc":
        at = data.index(b"\x93NUMPY") + 4000
        target.write_bytes(data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :])
    elif kind == "too-big":
        target.write_bytes(data + b"\0" * 200_000)
    elif kind == "many-members":
        with zipfile.ZipFile(target, "a") as archive:
            for i in range(50):
                archive.writestr(f"x{i}.npy", b"")
    elif kind == "fifo":
        target.unlink()
        os.mkfifo(target)
    elif kind == "dev-zero":
        target.unlink()
        target.symlink_to("/dev/zero")
    elif kind == "directory":
        target.unlink()
        target.mkdir()
    elif kind == "missing":
        target.unlink()
    return path


PARAMS_DAMAGES = [
    ("shape", "W2: found shape (10, 399), expected (10, 400)"),
    ("huge-shape", "W1: found shape (1000000, 1000000), expected (400, 300)"),
    ("nan", "b1: holds a non-finite number"),
    ("ints", "b2: found int64 values, expected float64"),
    ("pickle", "b2: found object values, expected float64"),
    ("unknown-member", "holds W3.npy, expected only W1, b1, W2, b2"),
    ("compressed", "compressed"),
    ("truncated", "not a valid .npz file"),
    ("crc", "not a valid .npz file"),
    ("too-big", "larger than the limit"),
    ("many-members", "more members than"),
    ("fifo", "not a regular file"),
    ("dev-zero", "not a regular file"),
    ("directory", "not a regular file"),
    ("missing", "No such file"),
]


@pytest.mark.parametrize("kind,words", PARAMS_DAMAGES, ids=[d[0] for d in PARAMS_DAMAGES])
def test_a_bad_params_file_gets_one_line_naming_it(tmp_path, wide, capsys, kind, words):
    path = _damage(kind, tmp_path, wide)
    with pytest.raises(NetworkError) as caught:
        bounded(lambda: load(path))
    message = str(caught.value)
    assert caught.value.key.startswith("params.file (p.npz)") and words in message, message
    assert "\n" not in message and len(message) < 300
    assert bounded(lambda: main(["trace", str(path)])) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_params_file_with_inline_params_is_refused(tmp_path, wide):
    path, _ = _params_file(tmp_path, wide)
    path.write_text(path.read_text().replace('file = "p.npz"', 'file = "p.npz"\nb2 = [0.0]'))
    with pytest.raises(NetworkError, match="params.b2: found together with params.file"):
        load(path)
    path.write_text(WIDE.replace("[data]", "[params]\nfile = 3\n\n[data]"))
    with pytest.raises(NetworkError, match="params.file: found 3, expected the path of a .npz file"):
        load(path)


# -- the JSON trace, streamed ---------------------------------------------------------------------


class Sink:
    """A stdout that keeps what is written and the size of the largest single write."""

    def __init__(self):
        self.parts, self.largest = [], 0

    def write(self, text):
        self.parts.append(text)
        self.largest = max(self.largest, len(text))
        return len(text)

    def flush(self):
        pass


def test_trace_json_is_written_piece_by_piece(wide, monkeypatch):
    from engine.export import network_summary, run_trace

    def plain(params):
        return {name: value.tolist() for name, value in params.items()}

    def written(chunk: int) -> tuple[str, int]:
        monkeypatch.setattr("engine.export._CHUNK", chunk)
        sink = Sink()
        monkeypatch.setattr("sys.stdout", sink)
        assert main(["trace", str(wide), "--format", "json", "-n", "2"]) == 0
        return "".join(sink.parts), sink.largest

    text, _ = written(1 << 20)  # each array in one piece
    pieced, largest = written(256)  # a 300-number row in pieces too
    assert pieced == text
    assert largest < 20_000 < len(text) // 100  # chunks, never the whole document
    trace = run_trace(load(wide), 2)
    doc = json.loads(text)
    assert doc["network"] == network_summary(trace.network) and doc["sample"] is None
    assert doc["initial_params"] == plain(trace.initial_params)
    for it, written in zip(trace.iterations, doc["iterations"]):
        assert written["params"] == plain(it.params_after) and written["grads"] == plain(it.grads)
        assert written["loss"] == it.loss
        assert [s["value"] for s in written["steps"]] == [
            s.value.tolist() if s.value.ndim else float(s.value) for s in it.steps
        ]


def test_trace_json_to_a_file_never_holds_the_document(wide, tmp_path):
    import tracemalloc

    target = tmp_path / "trace.json"
    tracemalloc.start()
    try:
        assert main(["trace", str(wide), "--format", "json", "--output", str(target)]) == 0
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # The trace's own arrays take 8 bytes a number; the document ~20 a number as text (and ~32
    # as Python lists): building it whole peaked at several times the file's size.
    assert peak < target.stat().st_size / 2, (peak, target.stat().st_size)
    assert json.loads(target.read_text())["iterations"][0]["loss"] > 0
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []


# -- the gradient check says what it costs ----------------------------------------------------------


def test_check_refuses_a_full_check_estimated_over_the_limit(wide, capsys, monkeypatch):
    from engine import gradcheck

    monkeypatch.setattr(gradcheck, "loss_seconds", lambda network: 0.2)  # as a 10 M-parameter network's 13 hours
    assert main(["check", str(wide)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert "a full check of 124,410 entries would take about" in err and "--entries N" in err
    assert main(["check", str(wide), "--entries", "3"]) == 0
    out, err = capsys.readouterr()
    assert "all 4 parameters agree within 1e-06 (3 entries of each, the largest gradient's among them)" in out


def test_check_says_how_long_before_starting(wide, capsys, monkeypatch):
    from engine import gradcheck

    monkeypatch.setattr(gradcheck, "loss_seconds", lambda network, params=None: 0.01)
    main(["check", str(wide), "--entries", "600"])  # 600 + 400 (b1) + 600 + 10 (b2) entries
    err = capsys.readouterr().err
    assert "checking 1,610 entries (2 loss evaluations of 10 ms each): about 32 s" in err


def test_a_sample_of_entries_holds_the_largest_gradient_and_is_the_same_every_time(wide):
    from engine.derivation import derive
    from engine.gradcheck import check, pick

    net = load(wide)
    grads = derive(net, net.params, net.X, net.Y).grads
    for grad in grads.values():
        chosen = pick(grad, 5)
        assert len(set(chosen)) == min(5, grad.size) and chosen == sorted(chosen)
        assert np.unravel_index(np.argmax(np.abs(grad)), grad.shape) in chosen
        assert pick(grad, 5) == chosen
    assert pick(grads["b2"], 50) == list(np.ndindex(10))  # fewer entries than asked: all
    first, again = check(net, entries=4), check(net, entries=4)
    assert first == again and all(r.ok and r.checked == min(4, net.params[r.name].size) for r in first)


def test_a_sampled_check_still_finds_a_wrong_gradient(monkeypatch, wide):
    from engine import backprop
    from engine.gradcheck import check

    original = backprop.weight_grad
    monkeypatch.setattr(backprop, "weight_grad", lambda d, a: 1.01 * original(d, a))
    assert [r.ok for r in check(load(wide), entries=2)] == [False, True, False, True]


async def test_the_apps_gradient_check_checks_a_sample_when_a_full_one_would_take_long(wide, monkeypatch):
    from textual.widgets import DataTable, Label, ProgressBar

    from engine import gradcheck
    from tui.app import BackpropApp
    from tui.screens.gradcheck import SAMPLE_ENTRIES, GradCheckScreen

    monkeypatch.setattr(gradcheck, "FULL_CHECK_SECONDS", 1e-6)
    app = BackpropApp(load(wide))
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.press("g")
        assert isinstance(app.screen, GradCheckScreen)
        await app.screen.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.query_one(DataTable).row_count == 4
        assert app.screen.query_one(ProgressBar).total == 3 * SAMPLE_ENTRIES + 10
        note = str(app.screen.query_one("#check-sample", Label).content)
        assert "A full check of 124,410 entries would take about" in note
        assert f"{SAMPLE_ENTRIES} entries of each parameter" in note


def test_a_params_file_may_give_some_parameters_and_the_rest_are_drawn(wide, tmp_path):
    net = load(wide)
    path, _ = _params_file(tmp_path, wide, W2=net.params["W2"] + 1.0)
    again = load(path)
    np.testing.assert_array_equal(again.params["W2"], net.params["W2"] + 1.0)
    for name in ("W1", "b1", "b2"):
        np.testing.assert_array_equal(again.params[name], net.params[name])


# -- the first frame ------------------------------------------------------------------------------


async def test_the_first_frame_comes_before_the_session_is_written(wide, tmp_path, monkeypatch):
    from tui.app import BackpropApp

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    app = BackpropApp(load(wide), remember=True)
    written_at_first_frame = []
    display = app._display

    def painted(screen, renderable):
        if renderable is not None and not written_at_first_frame:
            written_at_first_frame.append(list((tmp_path / "data").glob("backprop-tui/*")))
        return display(screen, renderable)

    app._display = painted
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.pause()
    assert written_at_first_frame == [[]]  # a 10 M-parameter network's files take a while to write
    assert len(list((tmp_path / "data" / "backprop-tui").glob("session-*.json"))) == 1


def test_check_refuses_a_sample_of_entries_estimated_over_the_limit_and_says_what_fits(wide, capsys, monkeypatch):
    """--entries one short of every entry once ran for days where the full check was refused."""
    from engine import gradcheck

    monkeypatch.setattr(gradcheck, "loss_seconds", lambda network: 0.5)  # a second an entry
    assert main(["check", str(wide), "--entries", "4000"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert "--entries 4,000 checks 8,410 entries: about 2 hours" in err
    assert "at most --entries 56 fits in 3 minutes" in err
    assert gradcheck.entry_count(load(wide), 56) <= 180 < gradcheck.entry_count(load(wide), 57)  # 1 s an entry
    assert main(["check", str(wide)]) == 2
    assert "at most --entries 56 fits in 3 minutes" in capsys.readouterr()[1]
