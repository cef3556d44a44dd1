"""Sessions (issue 11, item 5; the README's Promises, "Sessions"): each window keeps its own
place, --resume opens the newest one a window really had, a damaged session gets one line and a
fresh start, and what no window needs any more is deleted."""

import json
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from engine.presets import resolve
from engine.stepper import Stepper
from tui import cli
from tui.session import SessionError, SessionWriter, load_place

from .test_large import WIDE, bounded


def stepped(network="xor", iterations=1, cursor=3) -> Stepper:
    """A Stepper `iterations` iterations in, `cursor` steps into the next."""
    stepper = Stepper(resolve(network) if isinstance(network, str) else network)
    for _ in range(iterations):
        stepper.finish_iteration()
        stepper.next()
    stepper.goto(cursor)
    return stepper


def keep(where: Path, stepper: Stepper, writer: SessionWriter | None = None) -> SessionWriter:
    writer = writer or SessionWriter(where)
    writer.save(stepper, 0, 4)
    return writer


def names(where: Path) -> set[str]:
    return {p.name for p in where.iterdir()}


def owners(where: Path) -> set[str]:
    """The windows whose files are in the folder."""
    return {m.group(1) for n in names(where) if (m := re.search(r"-([0-9a-f]{8})[.-]", n))}


@pytest.fixture
def opened(monkeypatch):
    """What the command line opens the app on, instead of opening it: (network, place, notice)."""
    calls = []
    monkeypatch.setattr(
        cli, "_open_app", lambda network=None, place=None, notice=None: calls.append((network, place, notice)) or 0
    )
    return calls


def assert_place_is(place, stepper: Stepper) -> None:
    assert place.network.name == stepper.network.name
    assert (place.iteration, place.cursor) == (stepper.iteration, stepper.cursor)
    for name, value in stepper.start_params.items():
        np.testing.assert_array_equal(place.params[name], value)
    assert place.losses == stepper.losses


# -- two windows --------------------------------------------------------------------------------


def test_two_windows_on_one_folder_keep_their_own_places(tmp_path):
    xor, regression = stepped("xor", 2), stepped("regression", 1)
    a = keep(tmp_path, xor)
    b = keep(tmp_path, regression)
    assert_place_is(load_place(tmp_path), regression)  # the newest: b's
    xor.finish_iteration()
    xor.next()
    keep(tmp_path, xor, a)  # a moves on: its own network with its own parameters
    assert_place_is(load_place(tmp_path), xor)
    regression.goto(5)
    keep(tmp_path, regression, b)
    assert_place_is(load_place(tmp_path), regression)
    a.close()
    b.close()
    assert_place_is(load_place(tmp_path), regression)  # the newest place is kept at the end
    assert not [n for n in names(tmp_path) if n.endswith(".lock") and n.startswith("session-")]


def test_a_live_windows_files_are_never_deleted(tmp_path):
    xor = stepped("xor", 1)
    a = keep(tmp_path, xor)
    mine = names(tmp_path)
    b = keep(tmp_path, stepped("regression", 2))
    b.close()  # b's place is the newest: kept; a's are a live window's
    assert mine <= names(tmp_path)
    c = keep(tmp_path, stepped("classification", 1))
    c.close()
    assert mine <= names(tmp_path)
    xor.next()
    keep(tmp_path, xor, a)
    a.close()  # now a's place is the newest, and no window runs: only it is left
    assert_place_is(load_place(tmp_path), xor)
    assert all(n.startswith(f"session-{a.id}") or f"-{a.id}-" in n or n == "sessions.lock" for n in names(tmp_path))


KILLED = textwrap.dedent("""\
    import os, sys
    from pathlib import Path
    from engine.presets import resolve
    from engine.stepper import Stepper
    from tui.session import SessionWriter
    where = Path(sys.argv[1])
    stepper = Stepper(resolve("regression"))
    stepper.finish_iteration(); stepper.next()
    writer = SessionWriter(where)
    writer.save(stepper, 0, 4)
    (where / f".place-{writer.id}-9.npz.k3j5h2x1.tmp").write_bytes(b"half")  # a write a kill cut short
    print(writer.id, flush=True)
    os._exit(9)  # killed: nothing tidied, the lock let go by the system
""")


def killed_window(where: Path) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", KILLED, str(where)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).parent.parent,
    )
    return proc.stdout.strip()


def test_a_killed_windows_place_is_resumed_then_tidied(tmp_path):
    dead = killed_window(tmp_path)
    assert f".place-{dead}-9.npz.k3j5h2x1.tmp" in names(tmp_path)
    place = load_place(tmp_path)
    assert place.network.name == resolve("regression").name and place.iteration == 1
    xor = stepped("xor", 1)
    a = keep(tmp_path, xor)  # a newer place: the dead window's files and its .tmp go
    assert not [n for n in names(tmp_path) if dead in n]
    a.close()
    assert_place_is(load_place(tmp_path), xor)


def test_only_the_newest_place_is_kept_and_the_window_closed_last_is_the_newest(tmp_path):
    xor = stepped("xor", 1)
    a = keep(tmp_path, xor)
    older = killed_window(tmp_path)
    time.sleep(0.01)
    newer = killed_window(tmp_path)
    assert owners(tmp_path) == {a.id, newer}  # the older went when the newer started; a runs
    assert load_place(tmp_path).network.name == resolve("regression").name  # the newer's
    a.close()  # a ends after the newer place was kept: a's is now the newest, and the only one
    assert owners(tmp_path) == {a.id} and older not in str(names(tmp_path))
    assert not [n for n in names(tmp_path) if n.endswith((".tmp", ".lock")) and n != "sessions.lock"]
    assert_place_is(load_place(tmp_path), xor)


def test_version_1_leftovers_are_deleted(tmp_path):
    for name in (
        "session.json",
        "network.toml",
        "params-4242-1.npz",
        "params-4242-7.npz",
        ".params-4242-8.npz.ab12cd34.tmp",
        "notes.txt",
    ):
        (tmp_path / name).write_text("x")
    keep(tmp_path, stepped()).close()
    assert {"session.json", "network.toml", "params-4242-1.npz", "notes.txt"} & names(tmp_path) == {"notes.txt"}


# -- what a place holds -------------------------------------------------------------------------


@pytest.fixture
def wide(tmp_path):
    rng = np.random.default_rng(1)
    data = tmp_path / "data"
    data.mkdir()
    np.savez(data / "wide.npz", X=rng.standard_normal((8, 300)), Y=rng.standard_normal((8, 10)))
    (data / "wide.toml").write_text(WIDE)
    return resolve(str(data / "wide.toml"))


def test_a_large_networks_place_is_compact_and_round_trips(tmp_path, wide):
    folder = tmp_path / "sessions"
    stepper = stepped(wide, 2, cursor=4)
    keep(folder, stepper).close()
    count = sum(v.size for v in wide.params.values())
    total = sum(p.stat().st_size for p in folder.iterdir())
    assert total < 8 * (2 * count + wide.X.size + wide.Y.size) + 10_000  # initial parameters, P_k, X and Y
    place = load_place(folder)
    assert_place_is(place, stepper)
    for name, value in wide.params.items():
        np.testing.assert_array_equal(place.network.params[name], value)


def test_a_session_whose_data_file_was_deleted_still_resumes(tmp_path, wide):
    folder = tmp_path / "sessions"
    stepper = stepped(wide, 1)
    keep(folder, stepper).close()
    data = Path(wide.source).parent / "wide.npz"
    assert Path(load_place(folder).network.source).parent / load_place(folder).network.data_file == data
    data.unlink()
    place = load_place(folder)
    assert_place_is(place, stepper)
    np.testing.assert_array_equal(place.network.X, wide.X)
    assert place.network.data_file is None  # saved from here, the network carries its data


def test_a_window_that_opens_another_network_keeps_only_the_new_ones_files(tmp_path):
    writer = keep(tmp_path, stepped("xor", 2))
    regression = stepped("regression", 1)
    keep(tmp_path, regression, writer)
    assert_place_is(load_place(tmp_path), regression)
    assert sorted(n for n in names(tmp_path) if n != "sessions.lock") == sorted(
        [
            f"session-{writer.id}.json",
            f"session-{writer.id}.lock",
            f"network-{writer.id}-3.toml",
            f"network-{writer.id}-3.data.npz",
            f"place-{writer.id}-4.npz",
        ]
    )


def test_iteration_1_needs_no_parameters_file(tmp_path):
    stepper = stepped("xor", 0, cursor=2)
    writer = keep(tmp_path, stepper)
    assert [n for n in names(tmp_path) if n.endswith(".npz")] == [f"network-{writer.id}-1.data.npz"]
    assert_place_is(load_place(tmp_path), stepper)


# -- damaged sessions ---------------------------------------------------------------------------


def _files(where: Path) -> dict[str, Path]:
    state = next(where.glob("session-*.json"))
    doc = json.loads(state.read_text())
    stem = doc["network"].removesuffix(".toml")
    return {
        "json": state,
        "toml": where / doc["network"],
        "data": where / f"{stem}.data.npz",
        "params": where / f"{stem}.params.npz",
        "place": where / doc["params"],
    }


def _edit(path: Path, change) -> None:
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


def _replace_with(path: Path, kind: str) -> None:
    path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "zero":
        path.symlink_to("/dev/zero")
    elif kind == "dir":
        path.mkdir()


def _flip(path: Path, at: int) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :])


DAMAGES = {
    "json-truncated": lambda f: f["json"].write_text(f["json"].read_text()[:40]),
    "json-nested-100000-deep": lambda f: f["json"].write_text("[" * 100_000 + "]" * 100_000),
    "json-5000-digit-number": lambda f: f["json"].write_text(
        f["json"].read_text().replace('"iteration": 2', '"iteration": ' + "9" * 5000)
    ),
    "json-4000-digit-number": lambda f: f["json"].write_text(
        f["json"].read_text().replace('"iteration": 2', '"iteration": ' + "9" * 4000)
    ),
    "json-10000-character-path": lambda f: _edit(f["json"], lambda d: d.update(network="n" * 10_000 + ".toml")),
    "json-path-outside": lambda f: _edit(f["json"], lambda d: d.update(network="../../etc/passwd")),
    "json-foreign": lambda f: f["json"].write_text('{"a": 1}'),
    "json-version-99": lambda f: _edit(f["json"], lambda d: d.update(version=99)),
    "json-fifo": lambda f: _replace_with(f["json"], "fifo"),
    "json-dev-zero": lambda f: _replace_with(f["json"], "zero"),
    "json-directory": lambda f: _replace_with(f["json"], "dir"),
    "toml-fifo": lambda f: _replace_with(f["toml"], "fifo"),
    "toml-dev-zero": lambda f: _replace_with(f["toml"], "zero"),
    "toml-truncated": lambda f: f["toml"].write_text(f["toml"].read_text()[:30]),
    "toml-nested": lambda f: f["toml"].write_text("x = " + "[" * 5000 + "]" * 5000),
    "toml-5000-digit-number": lambda f: f["toml"].write_text("x = " + "9" * 5000),
    "data-fifo": lambda f: _replace_with(f["data"], "fifo"),
    "data-dev-zero": lambda f: _replace_with(f["data"], "zero"),
    "data-truncated": lambda f: f["data"].write_bytes(f["data"].read_bytes()[:100]),
    "data-crc": lambda f: _flip(f["data"], 200),
    "data-deleted": lambda f: f["data"].unlink(),
    "params-fifo": lambda f: _replace_with(f["params"], "fifo"),
    "params-crc": lambda f: _flip(f["params"], 5000),
    "place-truncated": lambda f: f["place"].write_bytes(f["place"].read_bytes()[:300]),
    "place-crc": lambda f: _flip(f["place"], 5000),
    "place-fifo": lambda f: _replace_with(f["place"], "fifo"),
    "place-dev-zero": lambda f: _replace_with(f["place"], "zero"),
    "place-symlink": lambda f: (
        f["place"].rename(f["place"].with_name("elsewhere.npz")),
        f["place"].symlink_to(f["place"].with_name("elsewhere.npz")),
    ),
    "place-wrong-shapes": lambda f: np.savez(f["place"], W1=np.zeros((3, 3)), losses=np.zeros(2)),
    "place-losses-count": lambda f: _edit(f["json"], lambda d: d.update(iteration=1)),
    "place-claims-10^12-losses": lambda f: _edit(f["json"], lambda d: d.update(iteration=10**12)),
    "lock-fifo": lambda f: os.mkfifo(f["json"].with_suffix(".lock")),
}


@pytest.mark.parametrize("damage", DAMAGES, ids=list(DAMAGES))
def test_a_damaged_session_gets_one_line_and_a_fresh_start(tmp_path, wide, monkeypatch, capsys, opened, damage):
    folder = tmp_path / "backprop-tui"
    keep(folder, stepped(wide, 2)).close()
    DAMAGES[damage](_files(folder))
    if damage == "lock-fifo":  # not a place's file: the place still resumes
        assert bounded(lambda: load_place(folder)).iteration == 2
        return
    with pytest.raises(SessionError) as caught:
        bounded(lambda: load_place(folder))
    message = str(caught.value)
    assert "\n" not in message and len(message) < 300, message
    assert "recursion" not in message and "Python" not in message, message  # the learner's words
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert bounded(lambda: cli.main(["--resume"])) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("backprop-tui: cannot resume: ") and "xor" in err, err
    assert "Traceback" not in err
    ((network, place, notice),) = opened
    assert place is None and network.name == resolve("xor").name
    assert notice == err.removeprefix("backprop-tui: ").strip()  # the app says it too


def test_resume_without_a_session_opens_the_network_fresh(tmp_path, monkeypatch, capsys, opened):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert cli.main(["--resume", "regression"]) == 0
    err = capsys.readouterr().err
    assert "no saved session" in err and "regression" in err and err.count("\n") == 1
    assert opened[0][0].name == resolve("regression").name and opened[0][1] is None and "no saved" in opened[0][2]


def test_resume_opens_the_place(tmp_path, monkeypatch, capsys, opened):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    stepper = stepped("regression", 2)
    keep(tmp_path / "backprop-tui", stepper).close()
    assert cli.main(["--resume"]) == 0
    assert capsys.readouterr().err == ""
    assert_place_is(opened[0][1], stepper)


# -- two real app processes ---------------------------------------------------------------------


APP = textwrap.dedent("""\
    import asyncio, sys, time
    from pathlib import Path
    from tui.app import BackpropApp
    network, keys, wait_for, then_write = sys.argv[1], sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])

    async def main():
        app = BackpropApp(network, remember=True)
        async with app.run_test(size=(140, 45)) as pilot:
            await pilot.press(*keys.split(","))
            await pilot.pause()
            then_write.write_text(f"{app.stepper.iteration} {app.stepper.cursor}")
            while not wait_for.exists():
                await asyncio.sleep(0.05)
            await pilot.press("n")
            await pilot.pause()
            then_write.write_text(f"{app.stepper.iteration} {app.stepper.cursor}")

    asyncio.run(main())
""")


def test_two_app_processes_on_one_folder(tmp_path):
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path)}
    root = Path(__file__).parent.parent

    def start(network, keys, go, done):
        return subprocess.Popen(
            [sys.executable, "-c", APP, network, keys, str(tmp_path / go), str(tmp_path / done)], env=env, cwd=root
        )

    def wait(name):
        for _ in range(1200):
            if (tmp_path / name).exists():
                return
            time.sleep(0.05)
        raise AssertionError(f"{name} never came")

    a = start("xor", "i,n,i", "go-a", "a")
    wait("a")
    b = start("regression", "i,n", "go-b", "b")
    wait("b")
    (tmp_path / "go-a").touch()  # a steps while b runs, then ends
    assert a.wait(60) == 0
    place = load_place(tmp_path / "backprop-tui")
    assert place.network.name == resolve("xor").name
    assert (place.iteration, place.cursor) == tuple(map(int, (tmp_path / "a").read_text().split()))
    (tmp_path / "go-b").touch()
    assert b.wait(60) == 0
    place = load_place(tmp_path / "backprop-tui")
    assert place.network.name == resolve("regression").name
    assert (place.iteration, place.cursor) == tuple(map(int, (tmp_path / "b").read_text().split()))
    assert len(owners(tmp_path / "backprop-tui")) == 1  # b's place; a's went when b ended with a newer one
    assert not [n for n in names(tmp_path / "backprop-tui") if n.endswith(".lock") and n != "sessions.lock"]


async def test_the_app_shows_why_it_could_not_resume():
    from tui.app import BackpropApp

    app = BackpropApp("xor", notice="cannot resume: [b]x[/b]; opening xor fresh")
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.pause()
        assert [n.message for n in app._notifications] == ["cannot resume: [b]x[/b]; opening xor fresh"]


def test_fuzz_damaged_sessions_resume_or_say_one_line(tmp_path):
    """A seeded generator damages one file of a real place at a time (truncation, flipped
    bytes, junk, a spliced-in value): load_place returns a place or raises SessionError with one
    line, in bounded time; nothing else escapes."""
    import random
    import shutil

    good = tmp_path / "good"
    keep(good, stepped("regression", 2)).close()
    rng = random.Random(11)
    junk = [b"\x00" * 64, b"[" * 50_000, b"9" * 5000, b"\x1b[2J\x07", "\u2028é".encode(), b"nan", b"PK\x03\x04"]
    for case in range(60):
        where = tmp_path / f"case{case}"
        shutil.copytree(good, where)
        victim = rng.choice(sorted(p for p in where.iterdir() if not p.name.endswith(".lock")))
        data = bytearray(victim.read_bytes())
        how = rng.randrange(4)
        if how == 0:
            data = data[: rng.randrange(len(data))]
        elif how == 1:
            for _ in range(rng.randrange(1, 8)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        elif how == 2:
            at = rng.randrange(len(data))
            data[at:at] = rng.choice(junk)
        else:
            data = bytearray(rng.choice(junk))
        victim.write_bytes(bytes(data))
        try:
            bounded(lambda: load_place(where))  # noqa: B023 (called here, in this very iteration)
        except SessionError as err:
            assert "\n" not in str(err) and "\x1b" not in str(err) and len(str(err)) < 400, (case, victim.name)
