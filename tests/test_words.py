"""Words a learner understands: the sources are named for what they are, each step's words are
about the very quantity it computes (in δ and in v notation), and the repository cites no
document it does not hold."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from engine import notation
from engine.derivation import derive
from engine.presets import names, resolve
from engine.quantities import Kind, Quantity

from .test_notation import softmax_network

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("the three-layer homework", "the dynamic-programming view", "the XOR walk-through")


def text_files(*places: str) -> list[Path]:
    files = []
    for place in places:
        path = ROOT / place
        candidates = [path] if path.is_file() else sorted(path.rglob("*")) if path.is_dir() else []
        files += [
            f
            for f in candidates
            if f.is_file()
            and f.suffix in (".py", ".md", ".toml", ".tcss", "")
            and "__pycache__" not in f.parts
            and f.name != "test_words.py"
        ]
    return files


def test_the_sources_are_named_for_what_they_are_never_seed_1_2_3():
    pattern = re.compile(r"seed ?[123]('s|:| learns| notation)|the seeds", re.IGNORECASE)
    found = [
        f"{f.relative_to(ROOT)}:{n}: {line.strip()}"
        for f in text_files("engine", "tui", "README.md", "docs")
        for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert not found, "\n".join(found)


def test_the_help_defines_the_three_sources_once():
    help_text = (ROOT / "tui" / "help.md").read_text(encoding="utf-8")
    definitions = help_text[help_text.index("## The sources") :].split("\n## ")[0]
    for source in SOURCES:
        assert definitions.count(f"**{source}") == 1, source
    assert "(v, d, t, g)" in definitions


def test_no_document_outside_the_repository_is_cited():
    found = [
        f"{f.relative_to(ROOT)}:{n}"
        for f in text_files("engine", "tui", "tests", "benchmarks", "docs", "README.md", ".ci", "pyproject.toml")
        for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), start=1)
        if "DESIGN.md" in line or "NETWORK_FORMAT.md" in line or "shared/" in line
    ]
    assert not found, found
    architecture = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    for topic in (
        "engine.network.load",
        "Stepper",
        "One engine, many views",
        "Canonical order",
        "one sample",
        "fast path",
        "Testing habits",
    ):
        assert topic.lower() in architecture.lower(), topic
    assert "docs/ARCHITECTURE.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def networks():
    return [resolve(name) for name in names()] + [softmax_network(3)]


@pytest.mark.parametrize("net", networks(), ids=lambda n: n.name)
@pytest.mark.parametrize("sample", [None, 0])
@pytest.mark.parametrize("v_names", [False, True])
def test_each_step_says_what_the_quantity_it_computes_is(net, sample, v_names):
    X, Y = (net.X, net.Y) if sample is None else (net.X[sample : sample + 1], net.Y[sample : sample + 1])
    for step in derive(net, net.params, X, Y).steps:
        said = step.words(v_names).explanation
        if step.kind in ("dL/da", "dW", "db"):  # ∂L/∂a₁, ∂L/∂W₂, ∂L/∂b₂: how the loss moves with a₁, W₂, b₂
            of = step.symbol.split("/∂")[1]  # a₁, W₂, b₂: the same in both notations
            assert said.startswith(
                f"How much the loss changes if each {'weight of ' if step.kind == 'dW' else ''}"
                f"{'bias of ' if step.kind == 'db' else ''}"
            ), said
            assert f" {of} " in said.split(":")[0] + " ", (of, said)
        if step.kind == "delta":  # δ₁ (v₁) = ∂L/∂z₁ (∂L/∂d₁)
            z = Quantity(Kind.Z, step.layer).symbol(step.column, v=v_names)
            assert said.startswith(f"How much the loss changes if {z} changes"), said
        if step.kind == "dL/da" and step.layer < net.depth:
            # ∂L/∂a of a hidden layer is neither δ nor v: it is the Σ(v·w) before the slope t(d)
            assert not re.search(r"(δ|v) sent|(δ|v)[₀-₉]* =", said), said
            assert Quantity(Kind.DELTA, step.layer + 1).symbol(step.column, v=v_names) in said
        if step.phase == "update":
            assert "small enough" in said and "loss goes down" not in said.replace("small enough", ""), said


def test_tmux_client_logs_are_ignored_and_not_in_the_repository():
    assert "tmux-client-*.log" in (ROOT / ".gitignore").read_text().splitlines()
    if (ROOT / ".git").exists() and shutil.which("git"):
        tracked = subprocess.run(
            ["git", "-C", str(ROOT), "ls-files", "tmux-client-*.log"], capture_output=True, text=True, check=True
        ).stdout
        assert tracked == ""


def test_counts_agree_with_their_nouns(tmp_path, capsys):
    from tui import cli

    assert notation.counted(1, "target") == "1 target" and notation.counted(1000, "target") == "1,000 targets"
    assert cli.main(["train", "xor", "--iterations", "1"]) == 0
    assert "loss after 1 iteration:" in capsys.readouterr().out
    assert cli.main(["trace", "two-outputs", "--sample", "1"]) != 0
    assert "the network has 1 sample, numbered 0\n" in capsys.readouterr().err
    data = tmp_path / "d.csv"
    data.write_text("1,2,3\n1,2\n")
    net = tmp_path / "n.toml"
    net.write_text(
        'name = "n"\ninputs = 2\nloss = "mse"\nlearning_rate = 0.5\n'
        '[[layers]]\nunits = 1\nactivation = "sigmoid"\n[data]\nfile = "d.csv"\n'
    )
    assert cli.main(["trace", str(net)]) != 0
    err = capsys.readouterr().err
    assert "(2 inputs then 1 target)" in err, err
