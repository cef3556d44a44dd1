"""The command line: every command's output, files and exit status."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from engine import __version__
from engine.network import load
from engine.presets import names, resolve
from engine.training import evaluate, train
from tui.cli import main


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_presets(capsys):
    status, out, _ = run(capsys, "presets")
    assert status == 0
    assert [line.split()[0] for line in out.splitlines()] == names()


def test_version_and_help():
    for flag, words in (("--version", f"backprop-tui {__version__}"), ("--help", "examples:")):
        proc = subprocess.run(
            [sys.executable, "-c", "from tui.cli import entry; entry()", flag], capture_output=True, text=True
        )
        assert proc.returncode == 0 and words in proc.stdout


@pytest.mark.parametrize("preset", names())
def test_trace_json_follows_the_format(capsys, preset):
    status, out, _ = run(capsys, "trace", preset, "--iterations", "2", "--format", "json")
    assert status == 0
    doc = json.loads(out)
    net = resolve(preset)
    assert doc["network"] == {
        "name": net.name,
        "inputs": net.inputs,
        "loss": net.loss,
        "reduction": net.reduction,
        "learning_rate": net.learning_rate,
        "frozen": list(net.frozen),
        "layers": [{"units": l.units, "activation": l.activation} for l in net.layers],
    }
    assert set(doc["initial_params"]) == set(net.params)
    assert len(doc["iterations"]) == 2
    first = doc["iterations"][0]
    step = first["steps"][0]
    for key in ("index", "phase", "layer", "symbol", "formula", "latex", "reads", "writes", "value"):
        assert key in step
    assert step["writes"] == "z1" and step["reads"] == ["W1", "x", "b1"]
    assert {s["phase"] for s in first["steps"]} == {"forward", "loss", "backward", "update"}
    fast = train(net, 2)
    assert [it["loss"] for it in doc["iterations"]] == fast.losses
    for name, value in doc["iterations"][1]["params"].items():
        assert np.array_equal(np.array(value), fast.params[name])  # exact: JSON floats round-trip


def test_trace_json_of_the_worked_example(capsys):
    _, out, _ = run(capsys, "trace", "two-outputs", "--format", "json")
    doc = json.loads(out)
    assert doc["iterations"][0]["steps"][0]["value"] == [[pytest.approx(0.3775), pytest.approx(0.3925)]]
    assert doc["iterations"][0]["steps"][0]["formula"] == "z₁ = W₁x + b₁"
    assert doc["iterations"][0]["steps"][0]["latex"] == "z_{1} = W_{1} x + b_{1}"


def test_trace_text_and_sample(capsys):
    status, out, _ = run(capsys, "trace", "regression", "--sample", "2")
    assert status == 0
    assert "sample 2 of 0–3" in out and "z₁ = W₁x + b₁" in out  # numbered from 0, as in the app
    assert "of 4" not in out
    assert "z₁ = [[0.2, -0.1, 0.4, 0.1], [-0.3, 0.2, 0.1, 0.5], [0.1, 0.3, -0.2, 0.2]] · [2, -1, 0.5, 0]" in out
    status, _, err = run(capsys, "trace", "regression", "--sample", "4")
    assert status == 2 and "numbered 0 to 3" in err


def test_trace_markdown_to_a_file(capsys, tmp_path):
    target = tmp_path / "xor.md"
    status, out, err = run(capsys, "trace", "xor", "--format", "markdown", "--output", str(target))
    assert status == 0 and out == "" and str(target) in err
    text = target.read_text()
    assert text.startswith("# XOR 2-2-1") and "### Forward pass" in text and "### Backward pass" in text
    assert "$$Z_{1} = X W_{1}^\\top + b_{1}$$" in text


def test_trace_output_to_an_unwritable_place(capsys, tmp_path):
    status, _, err = run(capsys, "trace", "xor", "--output", str(tmp_path / "no" / "such" / "dir.txt"))
    assert status == 2 and "cannot write" in err and "Traceback" not in err


def test_train_prints_the_final_loss_and_saves_a_file_that_opens_to_the_same_numbers(capsys, tmp_path):
    target = tmp_path / "trained.toml"
    status, out, _ = run(capsys, "train", "xor", "--iterations", "300", "--save", str(target))
    assert status == 0
    net = resolve("xor")
    fast = train(net, 300)
    final = evaluate(net, fast.params)
    assert out.startswith("loss after 300 iterations: ") and f"{final:.6g}" in out
    again = load(target)
    for name in fast.params:
        np.testing.assert_array_equal(again.params[name], fast.params[name])
    assert again.name == net.name and again.learning_rate == net.learning_rate
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_train_save_failure_leaves_no_file(capsys, tmp_path):
    (tmp_path / "ro").mkdir()
    status, _, err = run(capsys, "train", "xor", "-n", "3", "--save", str(tmp_path / "ro" / "missing" / "x.toml"))
    assert status == 2 and "cannot save" in err
    assert not list((tmp_path / "ro").iterdir())


def test_check_exit_status(capsys, monkeypatch):
    status, out, _ = run(capsys, "check", "two-outputs")
    assert status == 0 and "all 4 parameters agree" in out
    from engine import backprop

    original = backprop.bias_grad
    monkeypatch.setattr(backprop, "bias_grad", lambda d: original(d) + 1e-3)
    status, out, _ = run(capsys, "check", "xor")
    assert status == 1 and "FAIL" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["trace"],
        ["trace", "xor", "--format", "pdf"],
        ["train", "xor", "-n", "x"],
        ["trace", "xor", "--sample", "-1"],
        ["answer", "xor", "L", "X", "--sample", "x"],
        ["--bogus"],
    ],
)
def test_usage_errors_exit_2_without_a_traceback(argv):
    proc = subprocess.run(
        [sys.executable, "-c", "from tui.cli import entry; entry()", *argv], capture_output=True, text=True
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "error:" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1  # one line, no usage block


def test_the_installed_command_runs():
    proc = subprocess.run(["backprop-tui", "trace", "two-outputs", "--format", "json"], capture_output=True, text=True)
    assert proc.returncode == 0 and json.loads(proc.stdout)["iterations"][0]["loss"] == 0.2983711087600027


def test_a_terminal_without_unicode_gets_ascii_never_a_traceback():
    """PYTHONUTF8=0 LC_ALL=C: standard output encodes ASCII only. Text and Markdown fall back to
    ASCII names (∂ → d, δ → delta, subscripts → digits); JSON escapes, so it reads back the same."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONIOENCODING", "LANG", "LANGUAGE") and not k.startswith("LC_")
    }
    env.update(PYTHONUTF8="0", LC_ALL="C", PYTHONCOERCECLOCALE="0")

    def run_ascii(*argv):
        proc = subprocess.run(
            [sys.executable, "-c", "from tui.cli import entry; entry()", *argv],
            capture_output=True,
            env=env,
            timeout=120,
        )
        assert proc.returncode == 0 and b"Traceback" not in proc.stderr, proc.stderr.decode(errors="replace")
        return proc.stdout.decode("ascii")  # every byte is ASCII

    text = run_ascii("trace", "xor")
    assert "delta2 = dL/dA2 (.) dA2/dZ2" in text and "learning rate eta = 1" in text
    assert "dL/dW1 = delta1^T X" in text and "?" not in text
    markdown = run_ascii("trace", "two-outputs", "--format", "markdown", "--sample", "0")
    assert "$$\\delta_{2} = " in markdown
    doc = json.loads(run_ascii("trace", "two-outputs", "--format", "json"))
    utf8 = json.loads(
        subprocess.run(
            ["backprop-tui", "trace", "two-outputs", "--format", "json"],
            capture_output=True,
            text=True,
            encoding="utf-8",
        ).stdout
    )
    assert doc == utf8 and doc["iterations"][0]["steps"][0]["formula"] == "z₁ = W₁x + b₁"
    for argv in (["presets"], ["check", "xor"], ["--help"], ["check", "--help"], ["trace", "--help"]):
        run_ascii(*argv)


def test_check_prints_agreeing_values_with_the_digits_that_show_it(capsys):
    """regression's ∂L/∂W₂[1,1] is 0.1713125, a tie at 6 digits: both columns once rounded apart."""
    status, out, _ = run(capsys, "check", "regression")
    row = next(line for line in out.splitlines() if line.startswith("W2"))
    assert status == 0 and row.split()[-3:] == ["0.1713125", "0.1713125", "ok"]


def test_the_paths_written_are_echoed_escaped(capsys, tmp_path):
    for argv, verb in ((["trace", "xor", "-o"], "wrote"), (["train", "xor", "-n", "2", "--save"], "saved")):
        status, _, err = run(capsys, *argv, str(tmp_path / "a\x1b[31mb"))
        assert status == 0 and "\x1b" not in err and f"{verb} {tmp_path}/a\\x1b[31mb" in err


@pytest.mark.parametrize(
    "word", ["9" * 5000, "9" * 300, "x\x1b[2J" * 100], ids=["5000-digits", "300-digits", "escapes"]
)
@pytest.mark.parametrize("command", ["trace", "answer"])
def test_a_huge_or_hostile_number_is_cut_and_escaped(capsys, word, command):
    try:
        status = main([command, "xor", "--sample", word, *(["L", "X"] if command == "answer" else [])])
    except SystemExit as stopped:  # argparse's usage error
        status = stopped.code
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and len(err) < 400, err
    assert "…" in err and "\x1b" not in err and "sample" in err


def test_check_entries_covering_every_entry_is_a_full_check(capsys, monkeypatch):
    from engine import gradcheck

    monkeypatch.setattr(gradcheck, "loss_seconds", lambda network: 20.0)  # 9 entries: 6 minutes
    status, out, err = run(capsys, "check", "xor", "--entries", "9" * 23)
    assert status == 2 and out == "" and err.count("\n") == 1
    assert "--entries N covers all 9 entries, a full check: about" in err and "a smaller N: at most" in err
    assert "at most --entries 1 fits in 3 minutes" in err  # 4 entries: 160 s
    status, out, _ = run(capsys, "check", "xor", "--entries", "1")
    assert status == 0 and "(1 entries of each" in out
    monkeypatch.setattr(gradcheck, "loss_seconds", lambda network: 1e-4)
    status, out, _ = run(capsys, "check", "xor", "--entries", "9" * 23)
    assert status == 0 and out.splitlines()[-1] == "all 4 parameters agree within 1e-06"
