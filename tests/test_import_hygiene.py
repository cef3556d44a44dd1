"""The engine and the non-app commands never import Textual (harlequin's habit)."""

import json
import subprocess
import sys


def _modules_after(code: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys, json; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True, text=True, check=True,
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
        "import io, contextlib\n"
        "from tui.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    for argv in (['presets'], ['trace', 'xor'], ['train', 'xor', '-n', '5'], ['check', 'xor']):\n"
        "        main(argv)\n"
    )
    modules = _modules_after(code)
    assert "tui.cli" in modules
    assert not [m for m in modules if m.split(".")[0] == "textual"]
