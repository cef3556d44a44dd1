"""`backprop-tui serve`: its one-line refusals, the shell command it runs for each browser, and the
app served for real into headless Chromium (skipped, with the reason, without Chromium,
textual-serve, Playwright or pyte; README, "Tests")."""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tui.cli import main
from tui.serve import app_command


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def one_line_error(err: str) -> str:
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_a_bad_network_is_refused_before_the_server_starts(capsys, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[[layers]]\nunits = -1\n")
    with socket.socket() as taken:  # a port in use: the server would not start either way
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        for network in (str(bad), str(tmp_path / "missing.toml"), "no-such-preset"):
            status, out, err = run(capsys, "serve", network, "--port", port)
            assert status == 2 and out == ""
            assert one_line_error(err).startswith(f"backprop-tui: error: {network}")


@pytest.mark.parametrize("port", ["0", "65536", "http", "-1"])
def test_a_port_out_of_range_is_refused(capsys, port):
    with pytest.raises(SystemExit) as stop:
        main(["serve", "xor", "--port", port])
    assert stop.value.code == 2
    assert "expected a port number from 1 to 65535" in one_line_error(capsys.readouterr().err)


def test_without_textual_serve_it_says_how_to_install_it(capsys, monkeypatch):
    for module in ("textual_serve", "textual_serve.server"):
        monkeypatch.setitem(sys.modules, module, None)  # as if not installed: import fails
    status, out, err = run(capsys, "serve", "xor")
    assert status == 2 and out == ""
    assert "pip install '.[serve]'" in one_line_error(err)


def test_a_port_in_use_an_unknown_host_and_every_address_are_refused(capsys):
    pytest.importorskip("textual_serve", reason="textual-serve is not installed (pip install '.[serve]')")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        status, out, err = run(capsys, "serve", "xor", "--port", port)
        assert status == 2 and out == ""
        assert f"cannot serve on http://127.0.0.1:{port}: " in one_line_error(err) and "--port" in err
    for host in ("no-such-host.invalid", "0.0.0.0", "::"):
        status, out, err = run(capsys, "serve", "xor", "--host", host, "--port", "8000")
        assert status == 2 and out == ""
        assert "--host" in one_line_error(err) or "cannot serve on" in err


def test_the_app_command_never_lets_the_shell_read_the_network(tmp_path):
    """The command textual-serve hands to /bin/sh, run by /bin/sh: a path with spaces, quotes and
    shell syntax reaches the app as one word (here a file that does not exist, so the app says so
    and ends without a terminal), and nothing in it runs."""
    network = "it's a; touch pwned1 $(touch pwned2) `touch pwned3` -net.toml"  # in tmp_path, the app's folder
    proc = subprocess.run(["/bin/sh", "-c", app_command(network)], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == f"backprop-tui: error: {network}: no such file\n"
    assert sorted(os.listdir(tmp_path)) == []
    # a name that is a command's, or starts with a dash, is NETWORK too (after `--`)
    for name in ("trace", "--help"):
        proc = subprocess.run(["/bin/sh", "-c", app_command(name)], capture_output=True, text=True, cwd=tmp_path)
        assert (proc.returncode, proc.stdout) == (2, "")
        assert proc.stderr.startswith(f"backprop-tui: error: {name}: no such file, and no preset of that name")


def _browser_test_needs() -> str | None:
    """Why the browser test cannot run here, or None."""
    if shutil.which("chromium") is None:
        return "no Chromium (Debian: apt-get install chromium; README, 'Tests')"
    for module, package in (("textual_serve", "textual-serve"), ("playwright", "playwright"), ("pyte", "pyte")):
        try:
            __import__(module)
        except ImportError:
            return f"{package} is not installed (pip install '.[test]')"
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _children(pid: int) -> set[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return {int(p) for p in path.read_text().split()} if path.exists() else set()


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended
    except (FileNotFoundError, IndexError):
        return False


def _wait(until, what: str, seconds: float = 60.0, poll=lambda: time.sleep(0.1)):
    deadline = time.monotonic() + seconds
    while not (found := until()):
        assert time.monotonic() < deadline, f"waited {seconds:.0f} s for {what}"
        poll()
    return found


STEP = re.compile(r"step (\d+)/(\d+)")


@pytest.mark.skipif(_browser_test_needs() is not None, reason=str(_browser_test_needs()))
def test_serve_in_a_real_browser_steps_on_n(tmp_path):
    """`backprop-tui serve xor` opened in headless Chromium: the app's terminal draws the header at
    step 0, `n` pressed in the page moves it to step 1. The screen is read from what the page's
    terminal receives (xterm.js draws on a canvas), replayed into a terminal emulator (pyte); the app
    process of the page ends with the server."""
    import pyte
    from playwright.sync_api import sync_playwright

    port = _free_port()
    log = tmp_path / "serve.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            [sys.executable, "-c", "from tui.cli import entry; entry()", "serve", "xor", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    address = f"http://127.0.0.1:{port}"
    apps: set[int] = set()
    try:
        _wait(lambda: f"Serving xor at {address} " in log.read_text() or server.poll() is not None, "the server")
        assert server.poll() is None, log.read_text()
        assert log.read_text().splitlines()[0].startswith(f"Serving xor at {address} : open it in a browser")

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=shutil.which("chromium"),
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                ],
            )
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                # only the server: the page's web font is fetched from the internet, which a test never waits for
                page.route(lambda url: not url.startswith(address), lambda route: route.abort())
                screens = []

                def on_websocket(ws):
                    size = parse_qs(urlsplit(ws.url).query)
                    screen = pyte.Screen(int(size["width"][0]), int(size["height"][0]))
                    stream = pyte.ByteStream(screen)
                    screens.append(screen)
                    # binary frames: the app's output; text frames: textual-serve's own messages
                    ws.on("framereceived", lambda data: isinstance(data, bytes) and stream.feed(data))

                page.on("websocket", on_websocket)
                page.goto(address)

                def step():
                    found = screens and STEP.search(screens[0].display[0])
                    return found and (int(found[1]), int(found[2]))

                pause = lambda: page.wait_for_timeout(100)  # noqa: E731 (frames arrive while Playwright waits)
                before = _wait(step, "the app's header in the page", poll=pause)
                assert before[0] == 0 and "XOR" in screens[0].display[0], screens[0].display[0]
                apps = _children(server.pid)
                assert apps, "the page's app runs as a process of the server"

                page.locator(".xterm-helper-textarea").focus()  # where xterm.js takes the keyboard
                page.keyboard.press("n")
                after = _wait(lambda: step() != before and step(), "the step after n", poll=pause)
                assert after == (1, before[1]), screens[0].display[0]
                assert "forward" in screens[0].display[0]
            finally:
                browser.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()
    assert server.returncode == 0, log.read_text()
    _wait(lambda: not any(_running(pid) for pid in apps), "the app processes to end", seconds=30)


async def test_an_app_that_does_not_quit_is_killed_when_its_browser_leaves(monkeypatch):
    """A headless browser's flood of resizes kept an app busy after its browser left, and after the
    server: an orphan at full speed. stop() asks it to quit, then kills it after GRACE seconds."""
    pytest.importorskip("textual_serve")
    import asyncio

    from textual_serve.download_manager import DownloadManager

    from tui import serve

    monkeypatch.setattr(serve, "GRACE", 0.5)
    service_class = serve.bounded_app_service()

    async def nothing(*args):
        return None

    stubborn = "exec python3 -c 'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)'"
    service = service_class(
        stubborn, write_bytes=nothing, write_str=nothing, close=nothing, download_manager=DownloadManager()
    )
    await service.start(80, 24)
    process = service._process
    started = time.monotonic()
    await asyncio.wait_for(service.stop(), 10)  # textual-serve's own waits for the app to end, for ever
    await asyncio.wait_for(process.wait(), 5)
    assert process.returncode == -9 and time.monotonic() - started < 5
