"""Every LaTeX string the project writes (the Markdown worked solutions and the JSON trace's
`latex`) renders in KaTeX's strict mode, checked by KaTeX itself under Node.

KaTeX is found in $KATEX_DIR or in .katex/ at the top of the checkout, where
`npm install --prefix .katex katex` puts it (.ci/run does). The LaTeX of a worked solution is
always in δ notation; the symbol table's v names have LaTeX of their own, checked here too."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from engine.export import run_trace, to_json, to_markdown
from engine.functions import ACTIVATIONS
from engine.network import load, loads
from engine.presets import names, resolve
from engine.presets import path as preset_path
from engine.quantities import Kind, Quantity

from .test_gradients import ce_nearly_one
from .test_notation import softmax_network

ROOT = Path(__file__).resolve().parent.parent
KATEX = Path(os.environ.get("KATEX_DIR", ROOT / ".katex")) / "node_modules" / "katex"
NODE = shutil.which("node")

RENDER = """
const katex = require(process.argv[1]);
const strings = JSON.parse(require("fs").readFileSync(0, "utf8"));
const errors = [];
for (const s of strings) {
  try { katex.renderToString(s, {displayMode: true, throwOnError: true, strict: "error"}); }
  catch (e) { errors.push([s, String(e.message)]); }
}
process.stdout.write(JSON.stringify(errors));
"""


def katex_errors(strings: list[str]) -> list[tuple[str, str]]:
    if NODE is None:
        pytest.skip("node is not installed: KaTeX cannot render the LaTeX (apt-get install nodejs)")
    if not KATEX.is_dir():
        pytest.skip(f"KaTeX is not installed in {KATEX.parent.parent}: `npm install --prefix .katex katex`")
    done = subprocess.run(
        [NODE, "-e", RENDER, str(KATEX)],
        input=json.dumps(strings),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout)


def latex_of(trace) -> list[str]:
    """Every LaTeX string of a trace: the Markdown's $$…$$ and $…$, and the JSON's `latex`."""
    markdown = to_markdown(trace)
    display = re.findall(r"\$\$(.+?)\$\$", markdown)
    inline = re.findall(r"(?<!\$)\$([^$]+)\$(?!\$)", re.sub(r"\$\$.+?\$\$", "", markdown))
    steps = [s["latex"] for it in json.loads(to_json(trace))["iterations"] for s in it["steps"]]
    assert display and steps
    return display + inline + steps


def networks():
    """(network, iterations): every preset, a softmax + ce batch, targets summing to 1 only
    nearly, xor with each hidden activation, tiny and huge numbers (e-notation), a learning rate
    of 1e-300, and a run that diverges at iteration 78 (∞, NaN)."""
    nets = [
        (net, 2)
        for net in [resolve(name) for name in names()] + [softmax_network(3), softmax_network(7), ce_nearly_one()]
    ]
    text = preset_path("xor").read_text()
    nets += [
        (loads(text.replace('activation = "sigmoid"', f'activation = "{name}"', 1), name), 1)
        for name in ACTIVATIONS
        if name != "softmax"
    ]
    nets.append((loads(re.sub("learning_rate = .*", "learning_rate = 1e-300", text), "tiny η"), 1))
    nets.append(
        (
            loads(
                text.replace("X = [[0, 0], [0, 1], [1, 0], [1, 1]]", "X = [[1e-9, 0], [0, 3e12], [1, 0], [1, 1]]"),
                "wide range",
            ),
            2,
        )
    )
    exploding = preset_path("regression").read_text().replace("learning_rate = 0.05", "learning_rate = 50.0")
    nets.append((loads(exploding, "exploding"), 80))
    # issue 16: every optimizer (examples/), weight decay coupled and decoupled, l2, mini-batches
    nets += [(load(path), 2) for path in sorted((ROOT / "examples").glob("*.toml"))]
    for table in ('name = "adam"\nweight_decay = 0.1', 'name = "sgd"\nmomentum = 0.5\nweight_decay = 1e-5'):
        nets.append(
            (loads(text.replace("seed = 3", f"seed = 3\nl2 = 0.01\nbatch_size = 3\n\n[optimizer]\n{table}\n")), 3)
        )
    return nets


def test_every_latex_string_renders_in_katex_strict_mode():
    strings = []
    for net, iterations in networks():
        for sample in (None, 0):
            strings += latex_of(run_trace(net, iterations, sample))
    strings = list(dict.fromkeys(strings))
    assert any(r"\infty" in s or "NaN" in s for s in strings)  # the diverged run is in
    assert any(r"\times 10^{-300}" in s for s in strings)
    errors = katex_errors(strings)
    assert not errors, "\n".join(f"{message}\n    in {s[:300]}" for s, message in errors[:10])


def test_every_symbol_renders_in_katex_strict_mode():
    """The symbol table's LaTeX, the dynamic-programming view's names (v, d, t(d), g) too."""
    quantities = [Quantity(kind, None if "{l}" not in kind.value else 2) for kind in Kind]
    strings = [q.symbol(column, latex=True, v=v) for q in quantities for column in (True, False) for v in (True, False)]
    errors = katex_errors(list(dict.fromkeys(strings)))
    assert not errors, errors


def test_katex_refuses_what_it_should():
    """The renderer is really strict: a double subscript, as `\\ln A_{1}_k` was, fails."""
    errors = katex_errors([r"\ln A_{1}_k", r"a_{1} = 0.5"])
    assert [s for s, _ in errors] == [r"\ln A_{1}_k"]


def test_numbers_in_latex_are_never_python_reprs():
    net = loads(re.sub("learning_rate = .*", "learning_rate = 1e-300", preset_path("xor").read_text()), "tiny η")
    markdown = to_markdown(run_trace(net))
    maths = " ".join(re.findall(r"\$\$(.+?)\$\$", markdown))
    assert r"1 \times 10^{-300} \cdot" in maths
    assert not re.search(r"\d[eE][-+]?\d", maths)  # never 1e-300, 1.5e-07 inside the maths
    update = next(s for s in run_trace(net).iterations[0].steps if s.phase == "update")
    assert update.template.count("1e-300") == 1  # the text keeps the shortest exact form
