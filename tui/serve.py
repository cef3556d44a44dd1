"""`backprop-tui serve`: the app in a browser, through textual-serve (the optional extra `serve`,
imported here only when serving, so every other command runs without it).
Each browser tab that opens the page gets an app process of its own, exactly `backprop-tui NETWORK`."""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import logging
import shlex
import socket
import sys

INSTALL = "pip install '.[serve]' in backprop-tui's folder"  # the version pinned in pyproject.toml


class ServeError(Exception):
    """Why the server cannot start, in one line."""


def app_command(network: str) -> str:
    """The shell command textual-serve runs for each browser: this Python's app on NETWORK, every
    word quoted (a path is never read by the shell), after `--` (a path may start with a dash or
    be named like a command), -P as the installed command (no module from the current folder)."""
    return "exec " + shlex.join([sys.executable, "-P", "-c", "from tui.cli import entry; entry()", "--", network])


def url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _unspecified(host: str) -> bool:
    try:
        return not host or ipaddress.ip_address(host).is_unspecified
    except ValueError:  # a name
        return False


def check_address(host: str, port: int) -> bool:
    """Raise ServeError when the server could not listen on host:port (the port in use, an address
    not this computer's, a name that resolves to nothing): one line before it starts, where aiohttp
    would print a traceback after. Return whether only this computer can connect (loopback)."""
    from engine.files import quoted

    where = url(host, port)
    if _unspecified(host):  # the page tells the browser to connect back to this address
        raise ServeError(
            f"--host {quoted(host)} means every address, not one a browser can open: give this computer's address "
            "on the network (e.g. --host 192.168.1.20)"
        )
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        for family, kind, proto, _, address in found:  # each, as aiohttp listens on each
            with socket.socket(family, kind, proto) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as asyncio's server does
                probe.bind(address)
    except OSError as err:  # socket.gaierror too
        hint = "; choose another with --port" if err.errno == errno.EADDRINUSE else ""
        raise ServeError(f"cannot serve on {where}: {err.strerror or err}{hint}") from None
    return all(ipaddress.ip_address(address[0].split("%")[0]).is_loopback for *_, address in found)


GRACE = 5.0  # seconds an app has to end after its browser left, before its process is killed


def bounded_app_service():
    """textual-serve's AppService whose stop() never leaves the app's process behind: it asks the
    app to quit, as textual-serve does, and kills the process if it has not ended after GRACE
    seconds (an app busy with a flood of a headless browser's resizes ran on at full speed after
    its browser left, and after the server: an orphan SIGTERM could not reach in time)."""
    from textual_serve.app_service import AppService

    class BoundedAppService(AppService):
        async def stop(self) -> None:
            process = self._process
            try:
                await asyncio.wait_for(super().stop(), GRACE)
            except TimeoutError:
                pass
            finally:  # also when the server's shutdown cancels the connection
                if process is not None and process.returncode is None:
                    process.kill()

    return BoundedAppService


def serve(network: str, host: str, port: int) -> None:
    """Serve `backprop-tui NETWORK` on host:port until Ctrl+C (or SIGTERM); NETWORK already checked."""
    try:
        import textual_serve.server
        from textual_serve.server import Server
    except ImportError:
        raise ServeError(f"serve needs textual-serve: {INSTALL}") from None
    from engine.files import shown

    local = check_address(host, port)
    where = url(host, port)
    reach = "in a browser on this computer" if local else "in a browser on any computer that reaches this address"

    class AppServer(Server):
        browsers: set[asyncio.Task] = set()  # the connections, each with its app process

        def initialize_logging(self) -> None:
            super().initialize_logging()
            logging.getLogger("aiohttp.access").setLevel(logging.WARNING)  # not a line per file a page loads

        async def on_startup(self, app) -> None:  # one line in place of textual-serve's logo
            print(f"Serving {shown(network)} at {where} : open it {reach}. Ctrl+C stops.", flush=True)

        async def handle_websocket(self, request):
            task = asyncio.current_task()
            self.browsers.add(task)
            try:
                return await super().handle_websocket(request)
            finally:
                self.browsers.discard(task)

        async def on_shutdown(self, app) -> None:
            # Ctrl+C ends each app now (textual-serve quits it when its connection is cancelled),
            # not when its browser leaves: aiohttp would wait a minute for an open page.
            for task in self.browsers:
                task.cancel()

    textual_serve.server.AppService = bounded_app_service()  # the name textual-serve's server creates them by
    server = AppServer(app_command(network), host=host, port=port, title=f"backprop-tui {network}", public_url=where)
    try:
        server.serve()
    except OSError as err:  # the port taken since check_address
        raise ServeError(f"cannot serve on {where}: {err.strerror or err}") from None
