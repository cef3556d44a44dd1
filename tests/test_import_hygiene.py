"""The engine and the non-app commands never import Textual (harlequin's habit): what is loaded at
run time. The layers in the source are import-linter's contracts (pyproject.toml, `lint-imports`)."""

import json
import os
import subprocess
import sys
from pathlib import Path


def _modules_after(code: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys, json; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.splitlines()[-1])


def test_engine_does_not_import_textual():
    modules = _modules_after(
        "import engine, engine.network, engine.derivation, engine.stepper, engine.training, "
        "engine.export, engine.gradcheck, engine.presets"
    )
    assert "engine.stepper" in modules
    assert not [m for m in modules if m.split(".")[0] in ("textual", "rich")]


def test_cli_commands_do_not_import_textual():
    code = (
        "import io, contextlib, os, tempfile\n"
        "from tui.cli import main\n"
        "os.chdir(tempfile.mkdtemp())\n"
        "open('d.csv', 'w').write('x,y\\n1,0\\n2,1\\n')\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    for argv in (['presets'], ['trace', 'xor'], ['train', 'xor', '-n', '5'], ['check', 'xor'],\n"
        "                 ['new', 'd.csv', '-t', 'y']):\n"
        "        assert main(argv) == 0\n"
    )
    modules = _modules_after(code)
    assert "tui.cli" in modules and "engine.proposal" in modules
    assert not [m for m in modules if m.split(".")[0] == "textual"]


def test_the_installed_project_has_every_module(tmp_path):
    """Every module of the checkout imports from the installed project, run outside the
    checkout: `pip install .` once left out tui.widgets and tui.screens, and the app could not
    open (the tests, run inside the checkout, did not notice)."""
    root = Path(__file__).resolve().parent.parent
    names = sorted(
        ".".join(p.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
        for top in ("engine", "tui")
        for p in (root / top).rglob("*.py")
    )
    assert "tui.widgets.panels" in names and "tui.screens.quiz" in names
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import importlib, sys\nfor name in sys.argv[1:]: importlib.import_module(name)",
            *names,
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
