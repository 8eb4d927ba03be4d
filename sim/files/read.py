"""Reading a file whole, safely: a regular file of bounded size, as text.

:func:`read_text_file` refuses anything else with the reason
(:class:`UnreadableFile`), so that a model, distribution or trace file that is a
FIFO, a device such as ``/dev/zero``, a directory, a huge file, binary data or
text in another encoding gives one clear message instead of a hang, a
MemoryError or a decoding traceback.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["read_text_file", "UnreadableFile", "MAX_TEXT_BYTES"]

MAX_TEXT_BYTES = 256 * 2**20
"""Largest file :func:`read_text_file` reads: 256 MiB (a 20,000-node model is 2 MB)."""

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


class UnreadableFile(OSError):
    """A file that :func:`read_text_file` refuses; ``str()`` is the reason.

    The reason reads after "cannot read FILE: " ("a directory, not a regular file").
    An ``OSError``, so callers that already catch ``OSError`` report it too;
    ``kind`` is one of "missing", "not_regular", "too_large", "binary",
    "encoding", "os" for callers that word one case their own way.
    """

    def __init__(self, reason: str, path, kind: str) -> None:
        super().__init__(reason)
        self.strerror = reason
        self.filename = str(path)
        self.reason = reason
        self.kind = kind

    def __str__(self) -> str:
        return self.reason


def read_text_file(path, *, limit: int = MAX_TEXT_BYTES, encoding: str = "utf-8") -> str:
    """The text of ``path``, a regular file of at most ``limit`` bytes in ``encoding``.

    The file is opened without blocking (a FIFO with no writer would otherwise wait
    for ever) and checked with ``fstat`` on the open descriptor, so a symbolic link
    to a device is judged by what it points to. ``encoding`` is UTF-8 (or
    ``"utf-8-sig"`` to drop a leading byte-order mark). A NUL byte means binary
    data, not text.

    Raises
    ------
    UnreadableFile
        With the reason, a phrase to follow "cannot read FILE: ": missing, not a
        regular file (directory, FIFO, device, socket), larger than ``limit`` bytes,
        binary, or not valid ``encoding``.
    """
    path = Path(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise UnreadableFile("No such file or directory", path, "missing") from None
    except IsADirectoryError:
        raise UnreadableFile("a directory, not a regular file", path, "not_regular") from None
    except OSError as exc:
        raise UnreadableFile(str(exc.strerror or exc), path, "os") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            what = next((name for test, name in _KINDS if test(info.st_mode)), "not a file")
            raise UnreadableFile(f"{what}, not a regular file", path, "not_regular")
        if info.st_size > limit:
            raise UnreadableFile(f"{info.st_size:,} bytes, over the limit of {_mib(limit)} "
                                 "on a file read here", path, "too_large")
        data = _read(fd, limit + 1, path)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise UnreadableFile(f"over the limit of {_mib(limit)} on a file read here", path,
                             "too_large")
    return _decode(data, path, encoding)


def _read(fd: int, most: int, path: Path) -> bytes:
    """Up to ``most`` bytes from ``fd`` (a regular file: reads do not block)."""
    chunks, size = [], 0
    try:
        while size < most:
            chunk = os.read(fd, min(most - size, 2**24))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise UnreadableFile(str(exc.strerror or exc), path, "os") from None
    return b"".join(chunks)


def _decode(data: bytes, path: Path, encoding: str) -> str:
    nul = data.find(b"\0")
    if nul >= 0:
        raise UnreadableFile(f"binary data (a NUL byte at offset {nul}), not text",
                             path, "binary")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        name = "UTF-8" if encoding.lower().replace("_", "-").startswith("utf-8") else encoding
        raise UnreadableFile(f"not {name} text (byte 0x{data[exc.start]:02x} on line "
                             f"{line}); save it as {name}", path, "encoding") from None


def _mib(size: int) -> str:
    """``256 MiB`` for a whole number of MiB, else the bytes."""
    return f"{size // 2**20:,} MiB" if size % 2**20 == 0 and size else f"{size:,} bytes"
