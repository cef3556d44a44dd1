"""Network files: every rule of the network format (README), and every bad input with its own clear message."""

import os

import numpy as np
import pytest

from engine import network as netmod
from engine.network import NetworkError, dumps, load, loads
from tui.cli import main

from .conftest import XOR_FILE


def _with(replace_from: str, replace_to: str) -> str:
    assert replace_from in XOR_FILE
    return XOR_FILE.replace(replace_from, replace_to)


# (case id, file text, the key the message names, words the message holds)
BAD_FILES = [
    ("not-toml", "inputs = = 2", None, "not valid TOML"),
    ("typo-key", _with("learning_rate", "learning_rte"), "learning_rte", "unknown key"),
    ("unknown-layer-key", _with("units = 1\n", "units = 1\nsize = 3\n"), "layers[2].size", "unknown key"),
    ("unknown-data-key", _with("[data]\n", "[data]\nZ = 1\n"), "data.Z", "unknown key"),
    ("unknown-param", _with("[data]", "[params]\nW3 = [[1.0]]\n\n[data]"), "params.W3", "unknown key"),
    ("missing-inputs", _with("inputs = 2\n", ""), "inputs", "missing"),
    ("missing-loss", _with('loss = "half_mse"\n', ""), "loss", "missing"),
    ("missing-learning-rate", _with("learning_rate = 0.5\n", ""), "learning_rate", "missing"),
    ("missing-layers", XOR_FILE.split("[[layers]]")[0] + "[data]\nX = [[0, 0]]\nY = [[0]]\n", "layers", "missing"),
    ("missing-units", _with("units = 1\n", ""), "layers[2].units", "missing"),
    (
        "missing-activation",
        _with('units = 1\nactivation = "sigmoid"\n', "units = 1\n"),
        "layers[2].activation",
        "missing",
    ),
    ("missing-data", XOR_FILE.split("[data]")[0], "data", "missing"),
    ("missing-Y", _with("Y = [[0], [1], [1], [0]]\n", ""), "data.Y", "missing"),
    ("inputs-string", _with("inputs = 2", 'inputs = "2"'), "inputs", "expected a whole number"),
    ("inputs-float", _with("inputs = 2", "inputs = 2.0"), "inputs", "expected a whole number"),
    ("units-zero", _with("units = 1", "units = 0"), "layers[2].units", "from 1"),
    ("rate-string", _with("learning_rate = 0.5", 'learning_rate = "fast"'), "learning_rate", "number > 0"),
    ("rate-negative", _with("learning_rate = 0.5", "learning_rate = -0.1"), "learning_rate", "number > 0"),
    ("rate-nan", _with("learning_rate = 0.5", "learning_rate = nan"), "learning_rate", "finite"),
    ("seed-negative", _with("seed = 1", "seed = -1"), "seed", "whole number from 0"),
    ("name-number", "name = 3\n" + XOR_FILE.split("\n", 1)[1], "name", "expected a string"),
    ("bool-in-data", _with("[0, 1], [1, 0]", "[0, true], [1, 0]"), "data.X[1][1]", "expected a number"),
    (
        "unknown-activation",
        _with('activation = "sigmoid"\n\n[data]', 'activation = "sigmod"\n\n[data]'),
        "layers[2].activation",
        "sigmod",
    ),
    ("unknown-loss", _with('loss = "half_mse"', 'loss = "l2"'), "loss", "expected one of"),
    ("unknown-reduction", _with('loss = "half_mse"', 'loss = "half_mse"\nreduction = "avg"'), "reduction", "mean, sum"),
    ("W-rows", _with("[data]", "[params]\nW1 = [[1.0, 2.0]]\n\n[data]"), "params.W1", "2 rows of 2 numbers"),
    ("W-cols", _with("[data]", "[params]\nW1 = [[1.0], [2.0]]\n\n[data]"), "params.W1[0]", "found 1 numbers"),
    ("b-length", _with("[data]", "[params]\nb2 = [1.0, 2.0]\n\n[data]"), "params.b2", "1 numbers"),
    ("W-inf", _with("[data]", "[params]\nW2 = [[1.0, inf]]\n\n[data]"), "params.W2[0][1]", "finite"),
    ("X-nan", _with("[0, 1], [1, 0]", "[0, nan], [1, 0]"), "data.X[1][1]", "finite"),
    ("X-width", _with("[0, 1], [1, 0]", "[0, 1, 2], [1, 0]"), "data.X[1]", "expected 2"),
    ("Y-width", _with("Y = [[0], [1]", "Y = [[0, 1], [1]"), "data.Y[0]", "expected 1"),
    ("X-Y-lengths", _with("Y = [[0], [1], [1], [0]]", "Y = [[0], [1], [1]]"), "data.Y", "expected 4"),
    (
        "empty-batch",
        _with("X = [[0, 0], [0, 1], [1, 0], [1, 1]]\nY = [[0], [1], [1], [0]]", "X = []\nY = []"),
        "data.X",
        "at least one sample",
    ),
    (
        "bce-wrong-activation",
        _with('loss = "half_mse"', 'loss = "bce"').replace(
            'units = 1\nactivation = "sigmoid"', 'units = 1\nactivation = "tanh"'
        ),
        "layers[2].activation",
        "needs a sigmoid",
    ),
    (
        "bce-targets",
        _with('loss = "half_mse"', 'loss = "bce"').replace("[1], [0]]", "[2], [0]]"),
        "data.Y[2][0]",
        "found 2.0, expected a target from 0 to 1",
    ),
    ("ce-wrong-activation", _with('loss = "half_mse"', 'loss = "ce"'), "layers[2].activation", "needs a softmax"),
    (
        "ce-negative",
        _with('loss = "half_mse"', 'loss = "ce"')
        .replace('units = 1\nactivation = "sigmoid"', 'units = 2\nactivation = "softmax"')
        .replace("Y = [[0], [1], [1], [0]]", "Y = [[1, 0], [1.5, -0.5], [0, 1], [1, 0]]"),
        "data.Y[1][1]",
        "found -0.5, expected",
    ),
    (
        "softmax-hidden",
        _with('units = 2\nactivation = "sigmoid"', 'units = 2\nactivation = "softmax"'),
        "layers[1].activation",
        "last layer only",
    ),
    ("frozen-unknown", _with("seed = 1", 'seed = 1\nfrozen = ["b3"]'), "frozen[0]", "b3"),
    ("frozen-type", _with("seed = 1", 'seed = 1\nfrozen = "b1"'), "frozen", "list of parameter names"),
    ("too-wide", _with("units = 2\n", "units = 1000000\n"), "layers[1].units", "from 1 to 100,000"),
    (
        "too-many-params",
        _with("inputs = 2", "inputs = 100000").replace("units = 2\n", "units = 100000\n"),
        "layers",
        "more than the limit",
    ),
    (
        "too-many-layers",
        _with("[data]", "".join('[[layers]]\nunits = 1\nactivation = "sigmoid"\n' for _ in range(70)) + "[data]"),
        "layers",
        "more than the limit",
    ),
    (
        "layers-not-tables",
        XOR_FILE.split("[[layers]]")[0] + "layers = [1, 2]\n[data]\nX = [[0, 0]]\nY = [[0]]\n",
        "layers[1]",
        "expected a table",
    ),
]


@pytest.mark.parametrize("text,key,words", [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES])
def test_bad_file_names_key_and_problem(write_net, text, key, words):
    path = write_net(text)
    with pytest.raises(NetworkError) as caught:
        load(path)
    message = str(caught.value)
    assert message.startswith(str(path))
    assert "np." not in message and "float64" not in message  # never a NumPy repr
    if key is not None:
        assert caught.value.key == key
    assert words in message


@pytest.mark.parametrize("text,key,words", [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES])
def test_bad_file_on_the_command_line(write_net, capsys, text, key, words):
    path = write_net(text)
    for argv in (["trace", str(path)], ["train", str(path)], ["check", str(path)]):
        assert main(argv) == 2
        out, err = capsys.readouterr()
        assert out == ""
        lines = err.strip().splitlines()
        assert 1 <= len(lines) <= 2, err
        assert "Traceback" not in err and str(path) in err and words in err


def test_missing_file(tmp_path):
    with pytest.raises(NetworkError, match="no such file"):
        load(tmp_path / "absent.toml")


def test_directory(tmp_path):
    with pytest.raises(NetworkError, match="is a directory"):
        load(tmp_path)


def test_unreadable(write_net, monkeypatch):
    path = write_net()

    def refuse(path, limit):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(netmod, "read_regular", refuse)
    with pytest.raises(NetworkError, match="cannot be read .Permission denied"):
        load(path)


def test_not_utf8(tmp_path):
    path = tmp_path / "latin.toml"
    path.write_bytes('name = "caf\xe9"\n'.encode("latin-1"))
    with pytest.raises(NetworkError, match="not UTF-8"):
        load(path)


def test_file_too_large(write_net, monkeypatch):
    path = write_net()
    monkeypatch.setattr(netmod, "MAX_FILE_BYTES", 100)
    with pytest.raises(NetworkError, match="larger than the limit"):
        load(path)


def test_batch_too_large_checked_before_training(write_net, monkeypatch):
    monkeypatch.setattr(netmod, "MAX_VALUES", 7)  # 4 samples × 2 units = 8 values
    with pytest.raises(NetworkError, match="more than the limit"):
        load(write_net())


def test_softmax_limit_counts_the_softmax_layers_jacobian(write_net, monkeypatch):
    softmax = (
        XOR_FILE.replace('loss = "half_mse"', 'loss = "ce"')
        .replace('units = 1\nactivation = "sigmoid"', 'units = 2\nactivation = "softmax"')
        .replace("Y = [[0], [1], [1], [0]]", "Y = [[1, 0], [0, 1], [0, 1], [1, 0]]")
        .replace("inputs = 2", "inputs = 5")
        .replace("[0, 0], [0, 1], [1, 0], [1, 1]", "[0, 0, 0, 0, 0], [0, 1, 0, 0, 0], [1, 0, 0, 0, 0], [1, 1, 0, 0, 0]")
    )
    monkeypatch.setattr(netmod, "MAX_VALUES", 20)  # 4 samples × 5 inputs; the 2×2 Jacobians are smaller
    assert load(write_net(softmax)).samples == 4
    monkeypatch.setattr(netmod, "MAX_VALUES", 19)
    with pytest.raises(NetworkError, match="more than the limit"):
        load(write_net(softmax))


def test_a_good_file_reads_every_key(write_net):
    net = load(
        write_net(
            XOR_FILE.replace("seed = 1", 'seed = 1\nreduction = "sum"\nfrozen = ["b2"]\ndescription = "one line"')
        )
    )
    assert net.name == "tiny" and net.description == "one line" and net.reduction == "sum"
    assert net.frozen == ("b2",) and net.sizes == [2, 2, 1] and net.samples == 4
    assert net.X.dtype == np.float64 and net.X.shape == (4, 2) and net.Y.shape == (4, 1)


def test_name_defaults_to_the_file_stem(write_net):
    net = load(write_net(XOR_FILE.replace('name = "tiny"\n', ""), name="my-net.toml"))
    assert net.name == "my-net"


def test_initialisation_is_the_documented_scheme_and_reproducible(write_net):
    a, b = load(write_net()), load(write_net())
    rng = np.random.default_rng(1)
    W1 = rng.standard_normal((2, 2)) * np.sqrt(1 / 2)
    W2 = rng.standard_normal((1, 2)) * np.sqrt(1 / 2)
    np.testing.assert_array_equal(a.params["W1"], W1)
    np.testing.assert_array_equal(a.params["W2"], W2)
    np.testing.assert_array_equal(a.params["b1"], np.zeros(2))
    for name in a.params:
        np.testing.assert_array_equal(a.params[name], b.params[name])


def test_relu_layers_use_he_gain(write_net):
    net = load(write_net(XOR_FILE.replace('units = 2\nactivation = "sigmoid"', 'units = 2\nactivation = "relu"')))
    rng = np.random.default_rng(1)
    np.testing.assert_array_equal(net.params["W1"], rng.standard_normal((2, 2)) * np.sqrt(2 / 2))


def test_giving_one_parameter_does_not_change_another(write_net):
    given = load(write_net(XOR_FILE.replace("[data]", "[params]\nW1 = [[1.0, 2.0], [3.0, 4.0]]\n\n[data]")))
    drawn = load(write_net())
    np.testing.assert_array_equal(given.params["W1"], [[1, 2], [3, 4]])
    np.testing.assert_array_equal(given.params["W2"], drawn.params["W2"])


# -- data files --------------------------------------------------------------------------------

DATA_NET = XOR_FILE.split("[data]")[0] + '[data]\nfile = "{name}"\n'


def test_csv_data_file_relative_to_the_network_file(write_net, tmp_path, monkeypatch):
    sub = tmp_path / "data"
    sub.mkdir()
    (sub / "xor.csv").write_text("0,0,0\n0,1,1\n\n1,0,1\n1,1,0\n")
    path = write_net(DATA_NET.format(name="data/xor.csv"))
    monkeypatch.chdir("/")
    net = load(path)
    np.testing.assert_array_equal(net.X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(net.Y, [[0], [1], [1], [0]])


def test_npz_data_file(write_net, tmp_path):
    np.savez(tmp_path / "xor.npz", X=np.array([[0, 0], [1, 1]]), Y=np.array([[0.0], [1.0]]))
    net = load(write_net(DATA_NET.format(name="xor.npz")))
    np.testing.assert_array_equal(net.Y, [[0], [1]])


BAD_DATA = [
    ("missing", None, "does not exist"),
    ("bad-number", "0,0,0\n0,x,1\n", 'line 2: found "x"'),
    ("width", "0,0,0\n0,1\n", "line 2 has 2 values, expected 3"),
    ("empty", "\n\n", "no rows"),
    ("nan", "0,0,nan\n", "non-finite"),
    ("not-utf8", b"0,0,\xff\n", "not UTF-8"),
]


@pytest.mark.parametrize("content,words", [c[1:] for c in BAD_DATA], ids=[c[0] for c in BAD_DATA])
def test_bad_csv(write_net, tmp_path, content, words):
    if content is not None:
        target = tmp_path / "d.csv"
        target.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(NetworkError) as caught:
        load(write_net(DATA_NET.format(name="d.csv")))
    assert caught.value.key.startswith("data.file") and words in str(caught.value)


def test_npz_without_Y(write_net, tmp_path):
    np.savez(tmp_path / "d.npz", X=np.zeros((2, 2)))
    with pytest.raises(NetworkError, match="no array Y"):
        load(write_net(DATA_NET.format(name="d.npz")))


def test_npz_with_pickled_objects_is_refused(write_net, tmp_path):
    np.savez(tmp_path / "d.npz", X=np.array([[0, {}]], dtype=object), Y=np.zeros((1, 1)))
    with pytest.raises(NetworkError, match="found object values"):
        load(write_net(DATA_NET.format(name="d.npz")))


def test_npz_not_a_zip(write_net, tmp_path):
    (tmp_path / "d.npz").write_text("hello")
    with pytest.raises(NetworkError, match="not a valid .npz"):
        load(write_net(DATA_NET.format(name="d.npz")))


def test_data_file_size_limit_checked_before_reading(write_net, tmp_path, monkeypatch):
    (tmp_path / "d.csv").write_text("0,0,0\n" * 50)
    monkeypatch.setattr(netmod, "MAX_CSV_BYTES", 100)
    with pytest.raises(NetworkError, match="larger than the limit of 100 bytes"):
        load(write_net(DATA_NET.format(name="d.csv")))
    np.savez(tmp_path / "d.npz", X=np.zeros((50, 2)), Y=np.zeros((50, 1)))
    monkeypatch.setattr(netmod, "MAX_DATA_FILE_BYTES", 100)
    with pytest.raises(NetworkError, match="larger than the limit of 100 bytes"):
        load(write_net(DATA_NET.format(name="d.npz")))


def test_a_csv_file_over_128_mib_is_refused_before_a_byte_is_read(write_net, tmp_path):
    # every byte of a CSV file is scanned before one wrong at its end is refused: 128 MiB keeps that
    # under 2 s of CPU time (README, Promises); an .npz file may unpack to 256 MiB
    with open(tmp_path / "d.csv", "wb") as handle:
        handle.truncate(128 * 2**20 + 1)  # sparse: nothing written
    with pytest.raises(NetworkError, match="larger than the limit of 134,217,728 bytes"):
        load(write_net(DATA_NET.format(name="d.csv")))


def test_data_file_with_X_is_refused(write_net, tmp_path):
    with pytest.raises(NetworkError, match="either file or X and Y"):
        load(write_net(DATA_NET.format(name="d.csv") + "X = [[0, 0]]\n"))


# -- writing -----------------------------------------------------------------------------------


def test_dumps_round_trip_is_exact(write_net):
    net = load(write_net(XOR_FILE.replace("seed = 1", 'seed = 1\nfrozen = ["b1"]\ndescription = "d \\"q\\""')))
    params = {k: v + np.pi / 7 for k, v in net.params.items()}
    again = loads(dumps(net.with_params(params)))
    for k in params:
        np.testing.assert_array_equal(again.params[k], params[k])
    assert (again.name, again.description, again.frozen, again.seed) == (
        net.name,
        net.description,
        net.frozen,
        net.seed,
    )
    np.testing.assert_array_equal(again.X, net.X)


def test_dumps_refers_to_a_data_file_from_where_it_is_written(write_net, tmp_path):
    (tmp_path / "d.csv").write_text("0,0,0\n1,1,1\n")
    net = load(write_net(DATA_NET.format(name="d.csv")))
    out = tmp_path / "elsewhere"
    out.mkdir()
    netmod.save(net, out / "copy.toml")
    again = load(out / "copy.toml")
    np.testing.assert_array_equal(again.X, net.X)
    assert again.data_file == os.path.join("..", "d.csv")


def test_dumps_refuses_non_finite_parameters(write_net):
    net = load(write_net())
    with pytest.raises(ValueError, match="non-finite"):
        dumps(net.with_params({**net.params, "W1": np.full((2, 2), np.inf)}))
