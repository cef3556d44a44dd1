"""Closed forms and typed answers (engine/closedform.py, engine/expr.py, engine/answer.py,
`backprop-tui answer`): every closed form the project writes is judged correct and equals the
derivation's value; the textbook slips get their diagnosis; hostile text gets exit status 2."""

import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import expr
from engine.answer import AnswerError, Judge, quantity_named
from engine.closedform import ClosedForms
from engine.derivation import derive
from engine.presets import names, resolve
from engine.quantities import Kind, Quantity
from tests.nets import networks
from tui.cli import main

KINDS = (Kind.LOSS, Kind.Z, Kind.A, Kind.DL_DA, Kind.DA_DZ, Kind.DELTA, Kind.DL_DW, Kind.DL_DB)


def quantities(network):
    for kind in KINDS:
        for l in [None] if kind is Kind.LOSS else range(1, network.depth + 1):
            q = Quantity(kind, l)
            if kind is Kind.DA_DZ and network.layers[l - 1].activation == "softmax":
                continue  # a Jacobian per sample: no matrix expression (the judge says so)
            yield q


def every_form_is_correct(network, sample):
    judge = Judge(network, sample)
    judged = 0
    for q in quantities(network):
        for simplified in (True, False):
            for style in ("answer", "unicode"):
                text = judge.closed_form(q, style, simplified)
                verdict = judge.judge(q, text)
                assert verdict.correct, f"{network.name} sample={sample} {q.id}: {text}\n{verdict.message}"
                judged += 1
    return judged


@pytest.mark.parametrize("preset", names())
@pytest.mark.parametrize("sample", [None, 0])
def test_every_closed_form_of_every_preset_is_judged_correct(preset, sample):
    assert every_form_is_correct(resolve(preset), sample) > 40


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks(), st.booleans())
def test_every_closed_form_of_random_networks_is_judged_correct(network, one_sample):
    """Every activation, loss and reduction, softmax included, batch and one sample."""
    every_form_is_correct(network, 0 if one_sample else None)


def test_a_closed_form_evaluates_to_the_derivations_gradient():
    """Independently of the judge: the homework's six answers, evaluated, are derive's gradients."""
    net = resolve("regression")
    iteration = derive(net, net.params, net.X, net.Y)
    judge = Judge(net, draws=0)
    for form in ClosedForms(net, column=False).parameters():
        value = expr.evaluate(form.tree, judge.envs[0])
        name = form.quantity.parameter.id
        assert np.allclose(value.reshape(iteration.grads[name].shape), iteration.grads[name], rtol=1e-12, atol=0)


def test_the_homeworks_answers_read_as_a_student_writes_them():
    """One sample, column vectors: ∂L/∂W₂ = [(W₃ᵀ · 2(ŷ − y)) ⊙ 𝟙(z₂ > 0)]a₁ᵀ, as the issue wrote it."""
    judge = Judge(resolve("regression"), 0)
    dW2 = Quantity(Kind.DL_DW, 2)
    assert judge.closed_form(dW2, "unicode") == "([W₃ᵀ·2(a₃ − y)] ⊙ 𝟙(z₂ > 0))a₁ᵀ"
    assert judge.judge(dW2, "[(W₃ᵀ · 2(ŷ − y)) ⊙ 𝟙[z₂ > 0]] a₁ᵀ").correct
    assert judge.judge(dW2, "((W3.T @ (2*(yhat - y))) * (z2 > 0)) @ a1.T").correct
    batch = Judge(resolve("classification"))
    assert batch.closed_form(Quantity(Kind.DL_DB, 3), "unicode") == "Σᵢ((A₃ − Y)/m)"
    assert "sigmoid + bce" in " ".join(batch.forms.of(Quantity(Kind.DELTA, 3)).notes)


# -- the textbook slips, each with its diagnosis --------------------------------------------------

SLIPS = [
    # (preset, sample, quantity, expression, words the diagnosis holds)
    ("regression", 0, "dL/dW2", "a1 @ ((W3.T @ (2*(a3 - y)))*(z2 > 0)).T", "transposed"),
    ("regression", 0, "dL/dW2", "((W3.T @ (2*(a3 - y)))*(z2 > 0)) @ a1", "transposing would fit"),
    # a one-row weight matrix is a matrix: its gradient transposed is not an orientation of it
    ("xor", 1, "dL/dW2", "a1 @ delta2", "transposed"),
    ("regression", None, "dL/dW3", "A2.T @ (2*(A3 - Y)/m)", "transposed"),
    ("regression", 0, "dL/dW2", "(W3.T @ (2*(a3 - y))) @ a1.T", "𝟙(z₂ > 0)"),
    ("regression", 0, "dL/dW2", "((W3.T @ (2*(y - a3)))*(z2 > 0)) @ a1.T", "−1"),
    ("regression", None, "dL/dW3", "(2*(A3 - Y)).T @ A2", "1/m of the mean is missing"),
    ("regression", None, "dL/dW3", "(2*(A3 - Y)/m/m).T @ A2", "1/m is there twice"),
    ("regression", None, "dL/dW3", "(A3 - Y).T @ A2 / m", "a factor 2 is missing"),
    ("xor", None, "dL/dW1", "((((A2 - Y)/m)*A2*(1 - A2)) @ W2).T @ X", "sigmoid's derivative"),
    ("two-outputs", 0, "delta1", "(W2 - eta*dL/dW2).T @ delta2 * a1*(1 - a1)", "common mistake"),
    ("regression", None, "delta3", "(A3 - Y)*2/m + 1", "differs most at δ₃"),
]


@pytest.mark.parametrize("preset, sample, quantity, text, words", SLIPS)
def test_a_textbook_slip_gets_its_diagnosis(preset, sample, quantity, text, words):
    net = resolve(preset)
    verdict = Judge(net, sample).judge(quantity_named(quantity, net), text)
    assert not verdict.correct
    assert words in verdict.message, verdict.message


def test_an_answer_right_only_at_these_parameters_is_caught():
    """A ReLU active for every sample here: leaving its 𝟙(z > 0) out is right by chance."""
    net = resolve("regression")
    params = dict(net.params, b1=net.params["b1"] + 10.0, b2=net.params["b2"] + 10.0)
    net = net.with_params(params)
    judge = Judge(net)
    delta1 = Quantity(Kind.DELTA, 1)
    assert (judge.envs[0]["z1"] > 0).all()
    verdict = judge.judge(delta1, "(((2*(A3 - Y)/m) @ W3)*(Z2 > 0)) @ W2")
    assert not verdict.correct
    assert "by chance" in verdict.message and "𝟙(Z₁ > 0) is 1" in verdict.message


# -- hostile text -----------------------------------------------------------------------------------

HOSTILE = [
    "__import__('os').system('true')",
    "X.__class__",
    "X.T.T.T.shape",
    "lambda: 1",
    "(" * 5000,
    "(" * 100 + "X" + ")" * 100,
    "-" * 1000 + "X",
    "X" + " @ X.T @ X" * 200,
    "𝟙(X)",
    "sum(X, 7)",
    "t(X)",
    "X ** Y",
    "\x1b[31mX",
    "",
    "W9",
    "delta3 @ ",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_refused_in_one_line_and_quickly(text, capsys):
    start = time.monotonic()
    status = main(["answer", "regression", "dL/dW3", text])
    assert time.monotonic() - start < 5
    out, err = capsys.readouterr()
    assert status in (1, 2), (status, out, err)
    assert "Traceback" not in out + err
    assert len((out + err).strip().splitlines()) == 1
    assert "\x1b" not in out + err


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("XYxymWbzad0123456789.T()[]+-*/@>,_ ᵀ⊙·σδ₁₂₃𝟙Σᵢₖ")), max_size=60))
def test_the_parser_refuses_or_reads_any_text(text):
    """Anything parses to a tree or raises ExpressionError; whatever parses evaluates or says
    which shapes do not fit."""
    judge = _REGRESSION_JUDGE
    try:
        judge.judge(Quantity(Kind.DL_DW, 3), text)
    except AnswerError:
        pass


_REGRESSION_JUDGE = Judge(resolve("regression"), draws=1)


def test_the_command_line(capsys):
    assert main(["answer", "regression", "dL/dW3", "delta3.T @ A2"]) == 0
    assert capsys.readouterr().out == "correct\n"
    assert main(["answer", "regression", "dL/dW3", "(2*(A3 - Y)).T @ A2"]) == 1
    assert capsys.readouterr().out.startswith("wrong: m = 4 times too large")
    assert main(["answer", "regression", "--show", "dL/dW2", "--sample", "0"]) == 0
    shown = capsys.readouterr().out.strip()
    assert main(["answer", "regression", "dL/dW2", shown, "--sample", "0"]) == 0
    assert main(["answer", "regression", "dL/dW7", "X"]) == 2
    assert "unknown quantity" in capsys.readouterr().err
    assert main(["answer", "regression", "delta2", "delta2"]) == 2
    assert "itself" in capsys.readouterr().err
    assert main(["answer", "classification", "da3/dz3", "A3*(1 - A3)"]) == 0
    assert main(["answer", "regression", "dL/dW3", "X", "--sample", "9"]) == 2


def test_show_prints_what_answer_reads_back_for_every_quantity():
    """--show's text, copied back, is judged correct (through a real process: the shell's view)."""
    for q in ("L", "dL/dW1", "dL/db2", "delta1", "dL/da2", "z2", "a3"):
        shown = subprocess.run(
            [sys.executable, "-c", "from tui.cli import entry; entry()", "answer", "classification", "--show", q],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        done = subprocess.run(
            [sys.executable, "-c", "from tui.cli import entry; entry()", "answer", "classification", q, shown],
            capture_output=True,
            text=True,
        )
        assert (done.returncode, done.stdout) == (0, "correct\n"), (q, shown, done.stderr)


def test_the_readmes_six_gradients_are_the_closed_forms():
    """README, "Typed answers": both tables are what --show prints, and every cell is correct."""
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    section = readme[readme.index("### Typed answers") : readme.index("## Presets")]
    tables = re.split(r"and the batch", section)
    assert len(tables) == 2
    for table, sample in zip(tables, (0, None)):
        rows = re.findall(r"^\| `(dL/d[Wb]\d)` \| `([^`]+)` \| `([^`]+)` \|$", table, re.M)
        assert len(rows) == 6
        for preset, column in (("regression", 1), ("classification", 2)):
            net = resolve(preset)
            judge = Judge(net, sample)
            for row in rows:
                assert row[column] == judge.closed_form(quantity_named(row[0], net))


def test_the_markdown_worked_solution_has_a_closed_form_per_parameter():
    """Each parameter's closed form in LaTeX (KaTeX checks it: tests/test_latex.py) and in the
    answer syntax, which is judged correct."""
    from engine.export import run_trace, to_markdown

    for preset in names():
        net = resolve(preset)
        for sample in (None, 0):
            markdown = to_markdown(run_trace(net, 1, sample))
            section = markdown[markdown.index("## Closed forms") : markdown.index("## Iteration 1")]
            answers = re.findall(r"syntax: `([^`]+)`", section)
            assert section.count("$$") == 2 * len(answers) == 2 * len(net.params)
            judge = Judge(net, sample, draws=1)
            order = [Quantity(k, l) for l in range(net.depth, 0, -1) for k in (Kind.DL_DW, Kind.DL_DB)]
            for quantity, text in zip(order, answers):
                assert judge.judge(quantity, text).correct


@pytest.mark.parametrize("preset", names())
@pytest.mark.parametrize("sample", [None, 0])
def test_every_formula_the_step_panel_prints_is_judged_correct(preset, sample):
    """Copied from the screen whole ("∂A₂/∂Z₂ = ReLU'(Z₂) = (Z₂ > 0)", "L = (1/m) Σᵢ (A₃ − Y)²",
    "W₂ ← W₂ − η ∂L/∂W₂"): every side of it is judged right."""
    net = resolve(preset)
    judge = Judge(net, sample, draws=2)
    X, Y = (net.X, net.Y) if sample is None else (net.X[sample : sample + 1], net.Y[sample : sample + 1])
    judged = 0
    for step in derive(net, net.params, X, Y).steps:
        quantity, updated = Quantity.parse(step.writes), step.phase == "update"
        if judge.unanswerable(quantity, updated):
            continue
        verdict = judge.judge(quantity, step.formula, updated)
        assert verdict.correct, f"{step.formula}: {verdict.message}"
        judged += 1
    assert judged >= 15


OVERFLOWS = ["1e999", "exp(1000)", "-exp(1000)", "1/0", "W3*1e300*1e300", "log(0)", "9" * 400]


@pytest.mark.parametrize("text", OVERFLOWS)
def test_an_expression_that_overflows_is_never_right(text):
    net = resolve("regression")
    verdict = Judge(net, draws=1).judge(quantity_named("dL/dW3", net), text)
    assert not verdict.correct


def test_unknown_words_are_named_whole():
    net = resolve("regression")
    for text, word in [("foo", "foo"), ("mean(A3)", "mean"), ("gelu(Z1)", "gelu")]:
        with pytest.raises(AnswerError, match=f"unknown name '{word}'"):
            Judge(net, draws=0).judge(quantity_named("z1", net), text)
