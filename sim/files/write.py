"""Writing files whole: a temporary file next to the target, renamed over it.

``os.replace`` is atomic on POSIX and Windows, so a reader (or a run resumed
after a crash) sees the old file or the new one, never half of one. The
temporary file is created private (``mkstemp`` gives mode 0600) and opened up
to ``0666`` less the umask before the rename, so a result file has the same
mode as any file the user creates (0644 with the usual umask 022).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable

__all__ = ["replace_atomically", "write_bytes", "write_text"]


def _file_mode() -> int:
    """0666 less the process umask (what ``open()`` would give a new file)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def replace_atomically(path, write: Callable[[str], None]) -> Path:
    """Call ``write(tmp)`` on a temporary path beside ``path``, then rename it to ``path``.

    The temporary file keeps ``path``'s suffix, so writers that choose a format by
    suffix (YAML or JSON, CSV or Parquet) still do.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    os.close(fd)
    try:
        os.chmod(tmp, _file_mode())
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_bytes(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; return ``path``."""
    return replace_atomically(path, lambda tmp: Path(tmp).write_bytes(data))


def write_text(path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; return ``path``."""
    return write_bytes(path, text.encode("utf-8"))
