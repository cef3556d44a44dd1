"""`backprop-tui new CSV`: a CSV with a header read by the data files' rules, the columns asked
for or named, the network proposed from the targets, and its file written, never replacing one
unasked; bad CSVs and answers get one line."""

import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import engine.proposal as proposal
from engine.network import load
from engine.presets import resolve
from engine.proposal import CsvError, propose, read_table
from tui.cli import main

ROOT = Path(__file__).resolve().parent.parent
SPECIES = ("setosa", "versicolor", "virginica")


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def one_line(err: str, *words: str) -> bool:
    lines = err.strip().splitlines()
    return len(lines) == 1 and lines[0].startswith("backprop-tui: error: ") and all(w in err for w in words)


def iris_csv(path: Path) -> Path:
    """The iris preset's inputs under a header, its classes as species names: an iris-like CSV."""
    net = resolve("iris")
    rows = [
        ",".join(f"{x:g}" for x in x_row) + "," + SPECIES[int(y_row.argmax())] for x_row, y_row in zip(net.X, net.Y)
    ]
    path.write_text("sepal_length,sepal_width,petal_length,petal_width,species\n" + "\n".join(rows) + "\n")
    return path


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def network_line(out: str) -> dict:
    """The proposal's first line, `network  4-8-3: tanh (8), softmax (3); loss ce (mean); learning
    rate 0.5; seed 1`, read back."""
    match = re.search(
        r"^network  ([0-9-]+): (.*); loss (\w+) \((\w+)\); learning rate ([0-9.e-]+); seed (\d+)$", out, re.M
    )
    assert match, out
    sizes, layers, loss, reduction, rate, seed = match.groups()
    return {
        "sizes": [int(n) for n in sizes.split("-")],
        "layers": [(int(units), activation) for activation, units in re.findall(r"(\w+) \((\d+)\)", layers)],
        "loss": loss,
        "reduction": reduction,
        "learning_rate": float(rate),
        "seed": int(seed),
    }


def same_as_printed(out: str, path) -> None:
    """The network written is the one printed."""
    printed, net = network_line(out), load(path)
    assert printed == {
        "sizes": net.sizes,
        "layers": [(layer.units, layer.activation) for layer in net.layers],
        "loss": net.loss,
        "reduction": net.reduction,
        "learning_rate": net.learning_rate,
        "seed": net.seed,
    }


# -- what is proposed -----------------------------------------------------------------------------


def test_a_column_of_species_names_becomes_three_softmax_outputs(capsys, folder):
    """Iris with its species as text: one-hot targets, softmax and cross-entropy, the inputs
    standardised to the preset's very numbers: the network is the iris preset's."""
    iris_csv(folder / "flowers.csv")
    status, out, err = run(capsys, "new", "flowers.csv", "--targets", "species")
    assert status == 0, err
    net, preset = load(folder / "flowers.toml"), resolve("iris")
    assert [(layer.units, layer.activation) for layer in net.layers] == [(8, "tanh"), (3, "softmax")]
    assert (net.loss, net.learning_rate, net.seed) == ("ce", preset.learning_rate, preset.seed)
    assert np.array_equal(net.Y, preset.Y)  # the classes in sorted order: setosa, versicolor, virginica
    assert np.abs(net.X - preset.X).max() <= 1e-4  # standardised again, from 4-decimal inputs
    assert "standardised" in net.description and "setosa, versicolor, virginica" in net.description
    assert "targets  species, one-hot: 3 classes (setosa, versicolor, virginica)" in out
    assert "open it with: backprop-tui flowers.toml" in out
    same_as_printed(out, folder / "flowers.toml")


def test_the_written_file_opens_to_the_proposal_and_trains(capsys, folder):
    """The file holds exactly the proposal (data, drawn parameters), and `train` on it learns."""
    table = read_table(iris_csv(folder / "iris.csv"))
    proposed = propose(table, table.chosen("1-4"), table.chosen("5")).network
    assert run(capsys, "new", "iris.csv", "-t", "5", "-i", "1-4")[0] == 0
    net = load(folder / "iris.toml")
    assert np.array_equal(net.X, proposed.X) and np.array_equal(net.Y, proposed.Y)
    assert all(np.array_equal(net.params[k], proposed.params[k]) for k in proposed.params)
    status, out, _ = run(capsys, "train", "iris.toml", "-n", "100")
    after, before = map(float, re.search(r"loss after 100 iterations: (\S+) \(before: (\S+)\)", out).groups())
    assert status == 0 and after < before / 5
    assert "accuracy 97.3 % (146 of 150 samples)" in out  # as the iris preset, whose network it is


@pytest.mark.parametrize(
    "rows, expected, targets_line",
    [
        ("1,0\n2,1\n3,1\n4,0\n", "0 or 1", "y: 0 or 1"),
        ("1,no\n2,yes\n3,yes\n4,no\n", "two labels", 'y: 1 for "yes", 0 for "no"'),
    ],
    ids=["0/1", "two labels"],
)
def test_a_binary_target_gets_a_sigmoid_and_binary_cross_entropy(capsys, folder, rows, expected, targets_line):
    (folder / "b.csv").write_text("x,y\n" + rows)
    status, out, err = run(capsys, "new", "b.csv", "-t", "y")
    assert status == 0, err
    net = load(folder / "b.toml")
    assert (net.layers[-1], net.loss) == (proposal.Layer(1, "sigmoid"), "bce")
    assert net.Y.ravel().tolist() == [0, 1, 1, 0]
    assert f"targets  {targets_line}" in out
    same_as_printed(out, folder / "b.toml")


def test_one_hot_columns_get_a_softmax_and_other_0_1_columns_sigmoids(folder):
    (folder / "c.csv").write_text("x,a,b,c\n1,1,0,0\n2,0,1,0\n3,0,0,1\n4,1,0,0\n")
    table = read_table(folder / "c.csv")
    net = propose(table, table.chosen("x"), table.chosen("2-4")).network
    assert (net.layers[-1].units, net.layers[-1].activation, net.loss) == (3, "softmax", "ce")
    (folder / "m.csv").write_text("x,a,b\n1,1,1\n2,0,1\n3,0,0\n")  # several yes/no answers, not one class
    table = read_table(folder / "m.csv")
    net = propose(table, table.chosen("x"), table.chosen("a,b")).network
    assert (net.layers[-1].units, net.layers[-1].activation, net.loss) == (2, "sigmoid", "bce")


def test_a_real_valued_target_gets_a_regression_on_standardised_targets(capsys, folder):
    x = np.linspace(-3, 3, 40)
    rows = "".join(f"{a:.4f},{b:.4f},{1000 + 50 * np.sin(a) + b:.4f}\n" for a, b in zip(x, x[::-1] ** 2))
    (folder / "houses.csv").write_text("size,age,price\n" + rows)
    status, out, err = run(capsys, "new", "houses.csv", "-t", "price")
    assert status == 0, err
    net = load(folder / "houses.toml")
    assert (net.layers[-1].activation, net.loss) == ("identity", "mse")
    assert abs(net.Y.mean()) < 1e-4 and abs(net.Y.std() - 1) < 1e-3  # standardised, and said so
    said = f"price: mean {np.mean(1000 + 50 * np.sin(x) + x[::-1] ** 2):.6g}, standard deviation"
    assert said in net.description and said in out
    status, out, _ = run(capsys, "train", "houses.toml", "-n", "500")
    after, before = map(float, re.search(r"loss after 500 iterations: (\S+) \(before: (\S+)\)", out).groups())
    assert status == 0 and after < before / 10


def test_the_table_reads_numbers_exactly_as_a_data_file(folder):
    """One reader of values: the body of a headered CSV gives what the same lines give as a
    network's data file (blanks, CR, exponents, blank lines)."""
    body = "1, 2.5 ,-3e2\r\n\n.5,+7,1E-3\n,,\n-0,4.,12\n"
    (folder / "t.csv").write_text("a,b,c\n" + body)
    (folder / "data.csv").write_text(body)
    (folder / "n.toml").write_text(
        'inputs = 2\nloss = "mse"\nlearning_rate = 0.1\n[[layers]]\nunits = 1\nactivation = "identity"\n'
        '[data]\nfile = "data.csv"\n'
    )
    net = load(folder / "n.toml")
    assert np.array_equal(read_table(folder / "t.csv").values, np.hstack([net.X, net.Y]))


def test_large_data_goes_to_a_csv_beside_the_network_file(capsys, folder, monkeypatch):
    monkeypatch.setattr(proposal, "INLINE_PARAMS", 10)  # any table larger than 10 values
    iris_csv(folder / "iris.csv")
    status, out, err = run(capsys, "new", "iris.csv", "-t", "species")
    assert status == 0, err
    assert "wrote iris.toml and the data beside it, iris.data.csv" in out
    assert 'file = "iris.data.csv"' in (folder / "iris.toml").read_text()
    net, inline = load(folder / "iris.toml"), resolve("iris")
    assert net.X.shape == (150, 4) and np.array_equal(net.Y, inline.Y)
    # an existing data file is never replaced unasked, either
    (folder / "iris.toml").unlink()
    status, _, err = run(capsys, "new", "iris.csv", "-t", "species")
    assert status == 2 and one_line(err, "iris.data.csv exists", "--output")
    assert not (folder / "iris.toml").exists()
    (folder / "iris.data.csv").write_text("precious\n")  # naming the network file does not name it
    status, _, err = run(capsys, "new", "iris.csv", "-t", "species", "-o", "iris.toml")
    assert status == 2 and one_line(err, "iris.data.csv exists (the data of iris.toml would go there)")
    assert (folder / "iris.data.csv").read_text() == "precious\n"


# -- the questions --------------------------------------------------------------------------------


class _Terminal:
    def isatty(self) -> bool:
        return True


def answering(monkeypatch, *answers):
    """Standard input a terminal where `answers` are typed in turn (then Ctrl+D)."""
    typed = iter(answers)
    asked = []

    def fake_input(prompt=""):
        asked.append(prompt)
        try:
            return next(typed)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr(sys, "stdin", _Terminal())
    monkeypatch.setattr("builtins.input", fake_input)
    return asked


def test_it_asks_for_targets_and_inputs_and_asks_again_after_a_bad_answer(capsys, folder, monkeypatch):
    iris_csv(folder / "iris.csv")
    asked = answering(monkeypatch, "species,1", "9", "nothing", "", "species", "1,3")
    status, out, err = run(capsys, "new", "iris.csv")
    assert status == 0, err
    assert "  5  species       3 labels: setosa, versicolor, virginica" in out
    assert "  1  sepal_length  numbers from" in out
    reasons = [line for line in out.splitlines() if line.startswith("  ") and not line[2:3].isdigit()]
    assert reasons == [
        '  column 5 ("species") holds labels, so it is the only target (one output for each of its classes)',
        '  found "9", but the columns are numbered 1 to 5',
        '  no column is named "nothing" (give names, or numbers from 1 to 5, comma-separated)',
        '  column 5 ("species") is chosen as a target, so it cannot be an input too',
    ]
    assert [p.split(" ")[0] for p in asked] == ["Targets,"] * 4 + ["Inputs"] * 2
    assert "(Enter: 1-4, the other columns of numbers)" in asked[-1]
    net = load(folder / "iris.toml")  # Enter took the last column as targets
    assert net.inputs == 2 and net.layers[-1].units == 3
    assert 'left out column 2 ("sepal_width"), column 4 ("petal_width")' in out
    same_as_printed(out, folder / "iris.toml")


def test_ctrl_d_at_a_question_writes_nothing(capsys, folder, monkeypatch):
    iris_csv(folder / "iris.csv")
    answering(monkeypatch, "species")  # then Ctrl+D at the inputs
    status, _, err = run(capsys, "new", "iris.csv")
    assert status == 1 and err.strip() == "backprop-tui: nothing written"
    assert sorted(p.name for p in folder.iterdir()) == ["iris.csv"]


def test_with_targets_named_nothing_is_asked(capsys, folder, monkeypatch):
    iris_csv(folder / "iris.csv")
    asked = answering(monkeypatch)
    status, out, _ = run(capsys, "new", "iris.csv", "--targets", "species")
    assert status == 0 and asked == [] and load(folder / "iris.toml").inputs == 4


def test_without_a_terminal_it_needs_targets(capsys, folder):
    iris_csv(folder / "iris.csv")
    status, out, err = run(capsys, "new", "iris.csv")  # pytest's standard input is no terminal
    assert status == 2 and out == ""
    assert one_line(err, "run it in a terminal, or give --targets")
    status, _, err = run(capsys, "new", "iris.csv", "--inputs", "1-4")
    assert status == 2 and one_line(err, "--targets")
    assert sorted(p.name for p in folder.iterdir()) == ["iris.csv"]


def _read_until(master: int, output: bytearray, text: bytes, proc, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while text not in output and proc.poll() is None and time.monotonic() < deadline:
        if select.select([master], [], [], 0.1)[0]:
            try:
                output += os.read(master, 1 << 16)
            except OSError:
                return


@pytest.mark.parametrize("ending", ["answers", "ctrl-c"])
def test_the_questions_in_a_real_terminal(folder, ending):
    """In a pseudo-terminal: the columns, the questions answered (Enter takes the default), the
    network written; or Ctrl+C (SIGINT) at a question: one line, status 130, nothing written."""
    iris_csv(folder / "iris.csv")
    master, slave = os.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-c", "from tui.cli import entry; entry()", "new", "iris.csv"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        start_new_session=True,
    )
    output = bytearray()
    try:
        _read_until(master, output, b"Enter: 5): ", proc)
        os.write(master, b"\r")  # Enter: the last column, species
        _read_until(master, output, b"Inputs (Enter: 1-4", proc)
        if ending == "answers":
            os.write(master, b"\r")
        else:
            # Ctrl+C: SIGINT, as a terminal sends it to its own process, once the process waits for the
            # answer (a signal between the prompt and the read would only be seen at the next signal)
            time.sleep(0.5)
            proc.send_signal(signal.SIGINT)
        _read_until(master, output, b"backprop-tui iris.toml" if ending == "answers" else b"interrupted", proc)
        status = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
        os.close(slave)
    assert b"Traceback" not in output
    if ending == "answers":
        assert status == 0, output.decode(errors="replace")
        assert load(folder / "iris.toml").sizes == [4, 8, 3]
    else:
        assert status == 130 and b"backprop-tui: interrupted" in output
        assert sorted(p.name for p in folder.iterdir()) == ["iris.csv"]


# -- refusals -------------------------------------------------------------------------------------


BAD = [
    ("empty", b"", [], "is empty, expected a header line"),
    ("no header", b"1,2,3\n4,5,6\n", [], "line 1 holds numbers over columns of numbers, expected a header"),
    ("headless iris", b"5.1,3.5,setosa\n4.9,3,versicolor\n", [], "line 1 holds numbers"),
    ("only a header", b"a,b\n", [], "has no rows under its header"),
    ("ragged", b"a,b,c\n1,2,3\n4,5\n", [], "line 3 has 2 values, expected 3"),
    ("text in an input", b"a,b,c\n1,x,3\n4,5,6\n", ["-i", "a,b"], 'line 3: found the number "5" among labels'),
    (
        "labels as an input",
        b"a,b,c\n1,x,3\n4,y,6\n",
        ["-i", "b"],
        'column 2 ("b") holds labels (x, y), expected numbers',
    ),
    ("an empty value", b"a,b,c\n1,,3\n4,5,6\n", ["-i", "a,b"], 'line 2: found "", expected a number'),
    ("huge cell", b"a,b,c\n1,2," + b"9" * 500 + b"\n", [], "line 2: found a value of 500 characters"),
    ("huge line", b"a,b,c\n1,2," + b"9" * 3_000_000 + b"\n", [], "line 2 is longer than any row can be"),
    ("not UTF-8", b"a,b,c\n1,\xff,3\n", [], "line 2 is not UTF-8 text"),
    ("nan target", b"a,b,c\n1,2,nan\n4,5,6\n", [], 'column 3 ("c") cannot be a target: line 2: found a non-finite'),
    ("one label", b"a,b,c\n1,2,x\n4,5,x\n", [], 'column 3 ("c") holds one label only ("x")'),
    ("no such column", b"a,b,c\n1,2,3\n", ["-t", "d"], 'no column is named "d"'),
    ("column 99", b"a,b,c\n1,2,3\n", ["-t", "99"], 'found "99", but the columns are numbered 1 to 3'),
    ("digits past Python's limit", b"a,b,c\n1,2,3\n", ["-t", "9" * 5000], "no column is named"),
    ("two same names", b"a,a,c\n1,2,3\n", ["-t", "a"], '"a" names columns 1, 2: give the number of one'),
    ("escape in a name", b"a,\x1b[31mb,c\n1,x,3\n4,5,6\n", ["-i", "2"], 'column 2 ("\\x1b[31mb") cannot be an input'),
]


@pytest.mark.parametrize("name, content, flags, message", BAD, ids=[b[0] for b in BAD])
def test_a_bad_csv_or_choice_gets_one_line_and_writes_nothing(capsys, folder, name, content, flags, message):
    (folder / "d.csv").write_bytes(content)
    status, out, err = run(capsys, "new", "d.csv", *(flags if "-t" in flags else ["-t", "c", *flags]))
    assert status == 2 and out == "" and one_line(err, "d.csv: ", message), err
    assert "\x1b" not in err and "Traceback" not in err
    assert sorted(p.name for p in folder.iterdir()) == ["d.csv"]


def test_a_fifo_or_a_device_is_refused_without_being_read(capsys, folder):
    os.mkfifo(folder / "pipe.csv")
    status, _, err = run(capsys, "new", "pipe.csv", "-t", "1")  # would wait forever if opened for reading
    assert status == 2 and one_line(err, "pipe.csv: is a FIFO (named pipe), not a regular file")
    status, _, err = run(capsys, "new", "/dev/zero", "-t", "1")
    assert status == 2 and one_line(err, "/dev/zero: is a character device")


def test_rows_past_the_limit_are_refused_as_they_are_met(folder, monkeypatch):
    monkeypatch.setattr(proposal, "MAX_SAMPLES", 3)
    (folder / "d.csv").write_text("a,b\n" + "1,2\n" * 4)
    with pytest.raises(CsvError, match="has more than the limit of 3 rows"):
        read_table(folder / "d.csv")


def test_lines_with_text_stop_at_their_limit_as_they_are_met(folder, monkeypatch):
    """Such lines go through Python, ~2-5 µs a value: at the data limit a refusal at the last line
    would take a minute (README, Promises: 2 s)."""
    monkeypatch.setattr(proposal, "MAX_TEXT_VALUES", 8)
    (folder / "d.csv").write_text("a,label\n" + "1,x\n2,y\n" * 2 + "3,z\n")
    with pytest.raises(CsvError, match="line 6: more than 8 values on lines with text"):
        read_table(folder / "d.csv")
    (folder / "n.csv").write_text("a,b\n" + "1,2\n" * 20)  # numbers only: read at C speed, no such limit
    assert read_table(folder / "n.csv").rows == 20


# -- never replacing a file unasked ---------------------------------------------------------------


def test_an_existing_output_is_replaced_only_when_named(capsys, folder):
    iris_csv(folder / "iris.csv")
    (folder / "iris.toml").write_text("mine")
    status, out, err = run(capsys, "new", "iris.csv", "-t", "species")
    assert status == 2 and out == "" and one_line(err, "iris.toml exists: name it with --output to replace it")
    assert (folder / "iris.toml").read_text() == "mine"
    os.chmod(folder / "iris.toml", 0o640)
    status, out, err = run(capsys, "new", "iris.csv", "-t", "species", "--output", "iris.toml")
    assert status == 0, err
    assert load(folder / "iris.toml").sizes == [4, 8, 3] and os.stat(folder / "iris.toml").st_mode & 0o777 == 0o640


def test_the_csv_read_is_never_the_file_written(capsys, folder):
    iris_csv(folder / "iris.csv")
    status, _, err = run(capsys, "new", "iris.csv", "-t", "species", "--output", "iris.csv")
    assert status == 2 and one_line(err, "cannot write iris.csv: it is the CSV file read")
    assert (folder / "iris.csv").read_text().startswith("sepal_length,")


def test_output_dash_is_no_file_name(capsys, folder):
    iris_csv(folder / "iris.csv")
    status, _, err = run(capsys, "new", "iris.csv", "-t", "species", "--output", "-")
    assert status == 2 and one_line(err, "give --output a file name, not -")
    assert sorted(p.name for p in folder.iterdir()) == ["iris.csv"]


def test_an_unwritable_output_is_refused_before_any_question(capsys, folder, monkeypatch):
    iris_csv(folder / "iris.csv")
    asked = answering(monkeypatch, "species", "")
    status, _, err = run(capsys, "new", "iris.csv", "--output", "no/such/folder.toml")
    assert status == 2 and asked == [] and one_line(err, "cannot write no/such/folder.toml: its folder does not exist")


# -- in the app: o with a CSV, then the editor -------------------------------------------------------


async def test_the_app_opens_a_csv_through_the_proposal_and_the_editor(folder):
    from tui.app import BackpropApp
    from tui.screens.edit import EditScreen
    from tui.screens.fromcsv import CsvScreen

    csv = iris_csv(folder / "flowers.csv")
    app = BackpropApp("xor")
    async with app.run_test(size=(100, 36)) as pilot:
        before = app.network
        await pilot.press("o", *str(csv), "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CsvScreen)
        screen.query_one("#targets").value = "nosuch"
        await pilot.pause()
        assert "no column is named" in str(screen.query_one("#csv-proposal").render())
        await pilot.press("enter")
        assert app.screen is screen  # nothing proposed: nothing to edit
        screen.query_one("#targets").value = "species"
        await pilot.pause()
        assert "network  4-8-3" in str(screen.query_one("#csv-proposal").render())
        await pilot.press("enter")
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, EditScreen)
        assert "opened as proposed" in str(editor.query_one("#edit-summary").render())
        assert editor.focused is editor.query("Input").first()  # Enter applies at once (nothing had focus)
        editor.query_one("#learning_rate").value = "0.25"
        await pilot.pause()
        await pilot.click("#apply")
        await pilot.pause()
        await pilot.pause()
        iris = resolve("iris")
        assert app.network.learning_rate == 0.25 and app.network.sizes == [4, 8, 3]
        np.testing.assert_array_equal(app.network.X, iris.X)  # the preset's very inputs, standardised
        np.testing.assert_array_equal(app.network.Y, iris.Y)
        for name, value in iris.params.items():  # only η changed: the proposal's parameters, the preset's
            np.testing.assert_array_equal(app.network.params[name], value)
        await pilot.press("p")
        await pilot.pause()
        assert app.network is before  # p at its start returns


def test_a_csv_given_as_a_network_says_how_to_make_one(capsys, folder):
    iris_csv(folder / "iris.csv")
    for command in (["train"], ["trace"], []):
        status, out, err = run(capsys, *command, "iris.csv")
        assert status == 2 and one_line(err, "iris.csv: is a CSV file, not a network file", "backprop-tui new")
