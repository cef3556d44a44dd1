"""Writing files (trace --output, train --save, the app's Ctrl+S and x): the mode of a file kept,
the umask honoured, read-only and special files refused in one line with nothing written, and
the app's terminal restored and its session kept when a signal ends it."""

import fcntl
import json
import os
import re
import select
import signal
import socket
import stat
import struct
import subprocess
import sys
import termios
import time

import pytest

from tui.app import BackpropApp
from tui.cli import main
from tui.screens.prompts import SavePrompt

SIZE = (140, 45)
LONG = "a" * 300 + ".toml"  # NAME_MAX is 255 bytes on Linux and macOS
# Both commands that write a file, each with where the path goes.
WRITERS = [("trace", "xor", "--output"), ("train", "xor", "-n", "3", "--save")]


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def leftovers(folder) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def refused(err: str, *words: str) -> bool:
    """One line on stderr, naming the problem."""
    lines = err.strip().splitlines()
    return (
        len(lines) == 1
        and lines[0].startswith("backprop-tui: error: cannot")
        and "Traceback" not in err
        and all(w in err for w in words)
    )


# -- what the file gets ---------------------------------------------------------------------------


@pytest.mark.parametrize("command", WRITERS, ids=["trace", "train"])
@pytest.mark.parametrize("kept", [0o600, 0o640, 0o604])
def test_an_existing_file_keeps_its_mode(tmp_path, capsys, command, kept):
    target = tmp_path / "out.toml"
    target.write_text("old")
    target.chmod(kept)
    status, _, err = run(capsys, *command, str(target))
    assert status == 0, err
    assert target.read_text() != "old" and mode(target) == kept


@pytest.mark.parametrize("command", WRITERS, ids=["trace", "train"])
@pytest.mark.parametrize("umask,expected", [(0o077, 0o600), (0o022, 0o644), (0o027, 0o640)])
def test_a_new_file_follows_the_umask(tmp_path, capsys, command, umask, expected):
    target = tmp_path / "new.toml"
    old = os.umask(umask)
    try:
        status, _, err = run(capsys, *command, str(target))
    finally:
        os.umask(old)
    assert status == 0, err
    assert mode(target) == expected


@pytest.mark.parametrize("command", WRITERS, ids=["trace", "train"])
def test_through_a_symlink_the_file_it_names_is_written_and_the_link_kept(tmp_path, capsys, command):
    real = tmp_path / "real.toml"
    real.write_text("old")
    real.chmod(0o600)
    link = tmp_path / "link.toml"
    link.symlink_to(real)
    status, _, err = run(capsys, *command, str(link))
    assert status == 0, err
    assert link.is_symlink() and real.read_text() != "old" and mode(real) == 0o600


# -- what is refused ------------------------------------------------------------------------------


@pytest.mark.parametrize("command", WRITERS, ids=["trace", "train"])
def test_a_read_only_file_is_refused_and_kept(tmp_path, capsys, command):
    target = tmp_path / "kept.toml"
    target.write_text("old")
    target.chmod(0o444)
    status, _, err = run(capsys, *command, str(target))
    assert status == 2 and refused(err, str(target), "read-only"), err
    assert target.read_text() == "old" and mode(target) == 0o444 and not leftovers(tmp_path)


def special_file(kind: str, tmp_path):
    """A file that is not a regular file, and what the one-line refusal calls it."""
    if kind == "socket":
        with socket.socket(socket.AF_UNIX) as server:
            server.bind(str(tmp_path / "sock"))  # the socket file stays
        return tmp_path / "sock", "a socket, not a regular file"
    if kind == "device":
        return "/dev/null", "a device, not a regular file"
    if kind == "link to a device":
        (tmp_path / "null").symlink_to("/dev/null")
        return tmp_path / "null", "a device, not a regular file"
    (tmp_path / "folder").mkdir()
    return tmp_path / "folder", "it is a folder"


@pytest.mark.parametrize("command", WRITERS, ids=["trace", "train"])
@pytest.mark.parametrize("kind", ["socket", "device", "link to a device", "folder"])
def test_a_special_file_is_refused_and_never_opened(tmp_path, capsys, command, kind):
    target, words = special_file(kind, tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    status, _, err = run(capsys, *command, str(target))
    assert status == 2 and refused(err, str(target), words), err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.parametrize("command", WRITERS, ids=["trace", "train"])
def test_a_fifo_is_refused_without_blocking(tmp_path, command):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    proc = subprocess.run(
        [sys.executable, "-c", "from tui.cli import entry; entry()", *command, str(fifo)],
        capture_output=True,
        text=True,
        timeout=60,
    )  # today: blocks for ever on open()
    assert proc.returncode == 2 and refused(proc.stderr, str(fifo), "a named pipe (FIFO), not a regular file"), (
        proc.stderr
    )
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and not leftovers(tmp_path)


@pytest.mark.parametrize("command", WRITERS, ids=["trace", "train"])
@pytest.mark.parametrize("empty", ["", "  "])
def test_an_empty_path_is_refused_before_anything_runs(capsys, command, empty):
    with pytest.raises(SystemExit) as stopped:
        main([*command, empty])
    out, err = capsys.readouterr()
    assert stopped.value.code == 2 and out == ""  # nothing trained, nothing traced
    assert f"argument {command[-1]}" in err and f"found {empty!r}, expected a file name" in err


@pytest.mark.parametrize("command", WRITERS, ids=["trace", "train"])
def test_a_name_longer_than_the_system_allows_or_a_missing_folder(tmp_path, capsys, command):
    status, _, err = run(capsys, *command, str(tmp_path / LONG))
    assert status == 2 and refused(err, "File name too long", "characters)"), err
    assert len(err) < 200  # not the whole name: one line in a terminal
    status, _, err = run(capsys, *command, str(tmp_path / "no" / "such" / "out.toml"))
    assert status == 2 and refused(err, "no/such/out.toml", "its folder does not exist"), err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", WRITERS, ids=["trace", "train"])
@pytest.mark.parametrize("ending", ["/", "/.", "/.."])
def test_a_path_ending_in_a_slash_names_a_folder(tmp_path, capsys, command, ending):
    status, _, err = run(capsys, *command, str(tmp_path / "nope") + ending)
    assert status == 2 and refused(err, f"nope{ending}: it ends in {ending}, so it names a folder, not a file"), err
    assert list(tmp_path.iterdir()) == []


WIDE = """\
inputs = 400
loss = "half_mse"
learning_rate = 0.1

[[layers]]
units = 300
activation = "sigmoid"

[data]
X = [[{}]]
Y = [{}]
""".format(", ".join(["0.5"] * 400), ", ".join(["0.5"] * 300).join("[]"))


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_the_parameters_file_beside_a_network_is_named_when_it_is_the_problem(tmp_path, capsys, kind):
    (tmp_path / "wide.toml").write_text(WIDE)  # 120,300 parameters: they go to out.params.npz
    beside = tmp_path / "out.params.npz"
    os.mkfifo(beside) if kind == "fifo" else beside.mkdir()
    problem = "it is a named pipe (FIFO), not a regular file" if kind == "fifo" else "it is a folder"
    argv = ["train", str(tmp_path / "wide.toml"), "-n", "2", "--save", str(tmp_path / "out.toml")]
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == "" and refused(err, f"out.toml: out.params.npz: {problem}"), err
    from engine.network import load, save  # also when it appears only once the training is done

    with pytest.raises(OSError, match=f"^\\[Errno \\d+\\] out.params.npz: {re.escape(problem)}$"):
        save(load(tmp_path / "wide.toml"), tmp_path / "out.toml")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.params.npz", "wide.toml"]


# -- the app's Ctrl+S and x -----------------------------------------------------------------------


async def write_from_the_app(pilot, key: str, path: str) -> None:
    """Ctrl+S or x, the path typed over the default, Enter (twice if it asks to overwrite)."""
    app = pilot.app
    await pilot.press(key)
    assert isinstance(app.screen, SavePrompt)
    app.screen.query_one("#save-path").value = ""
    await pilot.press(*path, "enter")
    if isinstance(app.screen, SavePrompt):  # "exists: Enter again to overwrite it"
        await pilot.press("enter")
    await pilot.pause()


def last_notification(app) -> str:
    return list(app._notifications)[-1].message


@pytest.mark.parametrize("key,verb", [("ctrl+s", "save"), ("x", "write")])
async def test_the_app_reports_a_long_name_or_a_missing_folder_and_runs_on(tmp_path, monkeypatch, key, verb):
    monkeypatch.chdir(tmp_path)
    app = BackpropApp("xor")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await write_from_the_app(pilot, key, LONG)
        assert app.is_running and app._exception is None
        message = last_notification(app)
        assert message.startswith(f"Cannot {verb} aaaa") and "File name too long" in message
        assert len(message) < 200 and "\n" not in message
        await write_from_the_app(pilot, key, "no/such/out.toml")
        assert f"Cannot {verb} no/such/out.toml: its folder does not exist" in last_notification(app)
        await write_from_the_app(pilot, key, "nope/")
        assert f"Cannot {verb} nope/: it ends in /, so it names a folder, not a file" in last_notification(app)
        await pilot.press("n")
        assert app.is_running and app.stepper.cursor == 2
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("key", ["ctrl+s", "x"])
async def test_the_app_refuses_a_fifo_and_a_read_only_file(tmp_path, monkeypatch, key):
    monkeypatch.chdir(tmp_path)
    os.mkfifo("pipe")
    reader = os.open("pipe", os.O_RDONLY | os.O_NONBLOCK)  # today's write into the pipe does not block then
    (tmp_path / "kept.toml").write_text("old")
    (tmp_path / "kept.toml").chmod(0o444)
    app = BackpropApp("xor")
    try:
        async with app.run_test(size=SIZE) as pilot:
            await write_from_the_app(pilot, key, "pipe")
            assert "pipe: it is a named pipe (FIFO), not a regular file" in last_notification(app)
            await write_from_the_app(pilot, key, "kept.toml")
            assert "kept.toml: the file is read-only" in last_notification(app)
            assert app.is_running
        assert os.read(reader, 1 << 20) == b""  # nothing went into the pipe
    finally:
        os.close(reader)
    assert (tmp_path / "kept.toml").read_text() == "old" and not leftovers(tmp_path)


# -- signals --------------------------------------------------------------------------------------


def read_pty(master: int, output: bytearray, until, timeout: float = 60) -> None:
    """Keep reading the app's terminal (a full one would stall it) until until() or the timeout."""
    deadline = time.monotonic() + timeout
    while not until() and time.monotonic() < deadline:
        if select.select([master], [], [], 0.1)[0]:
            try:
                output += os.read(master, 1 << 16)
            except OSError:  # EIO: nobody has the terminal open any more
                return


def app_in_a_pty(tmp_path) -> tuple[subprocess.Popen, int, int]:
    """The app on xor in a new pseudo-terminal of SIZE (not its controlling terminal: closing it
    sends no SIGHUP), its session in tmp_path: the process and the terminal's two ends."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path), "TERM": "xterm-256color"}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from tui.cli import entry; entry()", "xor"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    return proc, master, slave


def session_cursor(tmp_path) -> int | None:
    """The cursor in the window's own session-W.json, once there is one."""
    found = list((tmp_path / "backprop-tui").glob("session-*.json"))
    return json.loads(found[0].read_text())["cursor"] if found else None


def step_twice(master: int, output: bytearray, tmp_path, training: bool) -> None:
    """Two steps, which the session follows; then, if training, a long training run started."""
    read_pty(master, output, lambda: session_cursor(tmp_path) is not None and b"\x1b[?1000h" in output)
    os.write(master, b"nn")
    read_pty(master, output, lambda: session_cursor(tmp_path) == 2)
    if training:  # the session is written when training ends: here, when the app ends
        os.write(master, b"t")
        read_pty(master, output, lambda: b"Iterations to run" in output)
        os.write(master, b"1000000\r")
        # some iterations done (a loaded machine may show 0/1,000,000 first)
        read_pty(master, output, lambda: re.search(rb"training [1-9][0-9,]*/1,000,000", output) is not None)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, None], ids=["SIGTERM", "SIGHUP", "q"])
@pytest.mark.parametrize("training", [False, True], ids=["stepping", "training"])
def test_a_signal_restores_the_terminal_and_keeps_the_session(tmp_path, signum, training):
    """A kill, a closed terminal or q: the terminal comes back and the session keeps the place,
    and a training run's finished iterations (the run stops first; it once raced the exit)."""
    from tui.session import load_place

    proc, master, slave = app_in_a_pty(tmp_path)
    output = bytearray()
    try:
        step_twice(master, output, tmp_path, training)
        assert termios.tcgetattr(slave)[3] & termios.ECHO == 0  # the app has the terminal
        drawn = len(output)
        if signum is None:
            os.write(master, b"q")
        else:
            proc.send_signal(signum)
        read_pty(master, output, lambda: proc.poll() is not None)
        status = proc.wait(timeout=60)
        read_pty(master, output, lambda: False, timeout=0.5)  # what is still in the terminal
        lflag = termios.tcgetattr(slave)[3]
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
        os.close(slave)
    after = bytes(output[drawn:])
    assert status == (0 if signum is None else 128 + signum), after[-500:]
    assert b"Traceback" not in output
    for on in (b"\x1b[?1049h", b"\x1b[?1000h", b"\x1b[?1003h"):  # the alternate screen, mouse reporting
        off = on[:-1] + b"l"
        assert off in after and output.rfind(on) < output.rfind(off)
    assert lflag & termios.ECHO and lflag & termios.ICANON  # echo and line editing back
    place = load_place(tmp_path / "backprop-tui")
    if training:
        assert place.iteration > 0 and place.cursor == 0 and len(place.losses) == place.iteration
    else:
        assert (place.iteration, place.cursor) == (0, 2)


@pytest.mark.parametrize(
    "signals, training",
    [((), False), ((), True), ((signal.SIGTERM, signal.SIGCONT), True), ((signal.SIGHUP, signal.SIGCONT), False)],
    ids=["nothing", "nothing-training", "SIGTERM-SIGCONT-training", "SIGHUP-SIGCONT"],
)
def test_a_terminal_that_is_gone_ends_the_app_and_keeps_the_session(tmp_path, signals, training):
    """The window closed (the terminal hung up, no SIGHUP sent: a tmux pane killed under `timeout`),
    then perhaps timeout's SIGTERM and SIGCONT: the app ends within seconds, its session kept. It
    once blocked for ever on writing to the dead terminal, deaf to SIGTERM, while its input thread
    read end-of-file in a busy loop, and a SIGCONT started a second input thread that outlived it."""
    from tui.session import load_place

    proc, master, slave = app_in_a_pty(tmp_path)
    try:
        step_twice(master, bytearray(), tmp_path, training)
        os.close(master)  # the window closes: the terminal hangs up
        time.sleep(0.5)
        for signum in signals:
            proc.send_signal(signum)
        status = proc.wait(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(slave)
    # ended by the hang-up (as by a SIGHUP) or by the signal, which may find the app saved and gone
    assert status in {128 + signal.SIGHUP} | {s for signum in signals[:1] for s in (128 + signum, -signum)}
    place = load_place(tmp_path / "backprop-tui")
    if training:
        assert place.iteration > 0 and place.cursor == 0 and len(place.losses) == place.iteration
    else:
        assert (place.iteration, place.cursor) == (0, 2)


@pytest.mark.parametrize("target", ["read-only", "missing folder", "fifo"])
def test_train_refuses_a_target_it_cannot_write_before_training(tmp_path, monkeypatch, capsys, target):
    """A typo in --save must not cost the training: the target is checked first."""
    import engine.training

    path = {"read-only": tmp_path / "ro.toml", "missing folder": tmp_path / "no" / "x.toml", "fifo": tmp_path / "pipe"}[
        target
    ]
    if target == "read-only":
        path.write_text("kept")
        path.chmod(0o444)
    elif target == "fifo":
        os.mkfifo(path)
    trained = []
    monkeypatch.setattr(engine.training, "train", lambda *a, **k: trained.append(1))
    assert main(["train", "xor", "-n", "5", "--save", str(path)]) == 2
    err = capsys.readouterr().err
    assert trained == [] and "cannot save" in err and err.count("\n") == 1


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_signal_while_trace_writes_its_output_leaves_nothing_half_written(tmp_path, signum):
    """Outside the app, SIGTERM and SIGHUP unwind like Ctrl+C: the temporary file is removed."""
    out = tmp_path / "trace.json"
    command = [sys.executable, "-c", "from tui.cli import entry; entry()"]
    proc = subprocess.Popen(
        [*command, "trace", "regression", "-n", "1000", "--format", "json", "--output", str(out)],
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".trace.json.*.tmp")):  # derived; now it writes, for a second or two
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.02)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signum, err.decode()
    assert list(tmp_path.iterdir()) == [] and b"Traceback" not in err


def test_trace_output_dash_is_standard_output(tmp_path, monkeypatch, capsys):
    from tui.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["trace", "xor", "--output", "-"]) == 0
    assert capsys.readouterr().out.startswith("XOR 2-2-1: ") and list(tmp_path.iterdir()) == []
