"""Writing files so that a failure never leaves a half-written one behind, and reading only
regular files, up to a limit."""

from __future__ import annotations

import errno
import io
import os
import secrets
import stat
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def _mode_to_keep(target: Path) -> int | None:
    """The permissions of the regular file at target (None: there is none); refuses a file the
    user cannot or should not write, and anything that is not a regular file."""
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return None
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, "it is a folder")
    if not stat.S_ISREG(info.st_mode):  # never opened: a FIFO would block, a device take the bytes
        kind = (
            "a named pipe (FIFO)"
            if stat.S_ISFIFO(info.st_mode)
            else "a socket"
            if stat.S_ISSOCK(info.st_mode)
            else "a device"
        )
        raise OSError(errno.EINVAL, f"it is {kind}, not a regular file")
    # no write bit at all: read-only on purpose, also for root (whom os.access always lets write)
    if not os.access(target, os.W_OK) or not info.st_mode & 0o222:
        raise PermissionError(errno.EACCES, "the file is read-only")
    return stat.S_IMODE(info.st_mode) & 0o777  # never carry set-user-ID onto a file we own


def shown(path: str | os.PathLike) -> str:
    """A path for a one-line message: a long one keeps its start and end, and says its length;
    control characters escaped (printable), so a name never sends an escape sequence."""
    text = os.fspath(path)
    return printable(text if len(text) <= 120 else f"{text[:70]}…{text[-40:]} ({len(text):,} characters)")


def write_atomic(path: str | os.PathLike, text: str) -> None:
    """Write text to path through a temporary file in the same folder and a rename.

    Either the whole new file is there afterwards, or the old one (or none) is untouched.
    Only a regular file the user may write is replaced, keeping its mode (through a symlink,
    the file it names); a new file gets the umask's mode, as open() would give it. Raises
    OSError (read-only file, a FIFO or device, missing folder, disk full, ...) for the
    caller to report with its strerror.
    """
    write_atomic_bytes(path, text.encode("utf-8"))


def write_atomic_bytes(path: str | os.PathLike, data: bytes) -> None:
    """write_atomic for bytes."""
    write_atomic_stream(path, lambda handle: handle.write(data))


def _target(path: str | os.PathLike) -> Path:
    """The file a write replaces: through a symlink, the file it names. A path ending in / (or
    /. or /..) names a folder: refused, as realpath() would drop the / and make it a file."""
    text = os.fspath(path)
    for ending in (os.sep, os.sep + ".", os.sep + ".."):
        if text.endswith(ending):
            raise IsADirectoryError(errno.EISDIR, f"it ends in {ending}, so it names a folder, not a file")
    try:
        return Path(os.path.realpath(path))
    except ValueError:  # a NUL in the name
        raise OSError(errno.EINVAL, "a file name cannot hold a NUL character") from None


def check_target(path: str | os.PathLike) -> None:
    """Raise the OSError a write to path would (read-only, not a regular file, no such folder,
    a name too long), before long work whose result would then be lost."""
    target = _target(path)
    _mode_to_keep(target)
    if not os.path.isdir(target.parent):
        raise FileNotFoundError(errno.ENOENT, "its folder does not exist")


def write_atomic_stream(path: str | os.PathLike, write: Callable[[BinaryIO], None]) -> None:
    """write_atomic for what is written piece by piece: write(handle) fills the temporary file
    (a large NPZ or JSON trace is never held whole in memory), then it is renamed into place."""
    target = _target(path)
    mode = _mode_to_keep(target)
    tmp = target.with_name(f".{target.name[:50]}.{secrets.token_hex(4)}.tmp")  # short: a long name still fits
    try:
        # O_EXCL: a new file, never one that is there (nor a symlink); 0o666 as open() gives, less the umask
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else 0o600)
    except FileNotFoundError:
        raise FileNotFoundError(errno.ENOENT, "its folder does not exist") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            if mode is not None:
                os.fchmod(handle.fileno(), mode)
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# ---------------------------------------------------------------------------------------------
# Reading


class FileRefused(OSError):
    """A file open_regular will not read. str() says why, as words that follow the file's name:
    "is a FIFO (named pipe), not a regular file", "is larger than the limit of 1,024 bytes"."""


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class _Limited(io.RawIOBase):
    """A regular file's descriptor that raises FileRefused when a read reaches past `limit` bytes
    into the file: the limit holds on what is read, whatever size the file reports."""

    def __init__(self, fd: int, limit: int):
        self.fd, self.limit = fd, limit

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.fd

    def readinto(self, buffer) -> int:
        count = os.readv(self.fd, [buffer])
        if count and os.lseek(self.fd, 0, os.SEEK_CUR) > self.limit:
            raise FileRefused(f"is larger than the limit of {self.limit:,} bytes")
        return count

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return os.lseek(self.fd, offset, whence)

    def tell(self) -> int:
        return os.lseek(self.fd, 0, os.SEEK_CUR)

    def close(self) -> None:
        if not self.closed:
            os.close(self.fd)
        super().close()


def open_regular(path: str | os.PathLike, limit: int) -> io.BufferedReader:
    """Open `path` for reading (binary, buffered, seekable) if it is a regular file.

    The file is opened without blocking (a FIFO nobody writes to would wait forever) and it is
    the opened descriptor that is checked, so a symlink to /dev/zero, a FIFO, a socket or a
    directory is refused (FileRefused) before a byte is read. A file reporting more than
    `limit` bytes is refused at once; one that holds more than it reports (/proc) is refused by
    the read that passes the limit. Raises OSError: FileRefused, FileNotFoundError,
    PermissionError, OSError(ENAMETOOLONG), ...
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except ValueError:  # a NUL character, which no file name holds
        raise FileRefused("is not a file name (it holds a NUL character)") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = next((name for test, name in _KINDS if test(info.st_mode)), "a special file")
            raise FileRefused(f"is {kind}, not a regular file")
        if info.st_size > limit:
            raise FileRefused(f"is larger than the limit of {limit:,} bytes")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return io.BufferedReader(_Limited(fd, limit), buffer_size=2**20)


def read_regular(path: str | os.PathLike, limit: int) -> bytes:
    """The whole of the regular file at `path`, at most `limit` bytes of it (open_regular says
    what is refused; everything it raises is an OSError)."""
    with open_regular(path, limit) as handle:
        size = os.fstat(handle.fileno()).st_size
        data = handle.read(size + 1)  # in one piece when the size is true: one byte more finds the end
        if len(data) <= size:
            return data
        return data + handle.read()


_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0))}
_CONTROLS.update({c: f"\\u{c:04x}" for c in (0x2028, 0x2029)})  # line and paragraph separators
# bidirectional controls: they reorder what follows on screen (a name could show another name)
_CONTROLS.update({c: f"\\u{c:04x}" for c in (0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))})


def printable(text: str, limit: int | None = None) -> str:
    """Text from a file or a path as a message may show it on one line: control characters
    (C0, DEL, C1) escaped as \\xNN, so no escape sequence reaches a terminal, and the Unicode line
    separators and bidirectional controls as \\uNNNN; cut in the middle with an ellipsis past
    `limit` characters, so no huge value is shown whole."""
    if limit is not None and len(text) > limit:
        head = (limit - 1) // 2
        text = text[:head] + "…" + text[len(text) - (limit - 1 - head) :]
    return text.translate(_CONTROLS)


def quoted(text: str, limit: int = 40) -> str:
    """printable(text, limit) in double quotes."""
    return f'"{printable(text, limit)}"'
