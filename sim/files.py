"""Writing files whole and safely: atomic replacement, ordinary permissions, CSV cells
a spreadsheet will not run.

``os.replace`` is atomic on POSIX and Windows, so a reader (or a run resumed
after a crash) sees the old file or the new one, never half of one. The
temporary file is created private (``mkstemp`` gives mode 0600) and opened up
to ``0666`` less the umask before the rename, so a result file has the same
mode as any file the user creates (0644 with the usual umask 022).

A spreadsheet evaluates a CSV cell that starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return as a formula (CSV injection): node names come from
the model file, so every text cell the project writes to CSV passes through
:func:`safe_cell`, which prefixes such a cell with a single quote (OWASP's
advice). A cell that starts with quotes and then one of those characters gets
one more quote, so :func:`unsafe_cell` gives back the original text exactly.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable

__all__ = ["replace_atomically", "write_bytes", "write_text", "safe_cell", "unsafe_cell",
           "safe_frame", "unsafe_frame", "FORMULA_STARTS"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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


def _formula_like(text: str) -> bool:
    return text.lstrip("'").startswith(FORMULA_STARTS)


def safe_cell(value):
    """``value`` with a leading ``'`` when it is text a spreadsheet would evaluate.

    Examples
    --------
    >>> safe_cell("=1+1"), safe_cell("worker"), safe_cell(-2.5)
    ("'=1+1", 'worker', -2.5)
    """
    if isinstance(value, str) and _formula_like(value):
        return "'" + value
    return value


def unsafe_cell(value):
    """The inverse of :func:`safe_cell`, for reading the project's own CSV files back."""
    if isinstance(value, str) and value.startswith("'") and _formula_like(value):
        return value[1:]
    return value


def _is_text(dtype) -> bool:
    """Object or string columns (numbers, booleans and dates cannot hold a formula)."""
    return getattr(dtype, "kind", "O") not in "biufcmM"


def safe_frame(frame):
    """A copy of a pandas DataFrame whose text cells, index and column names pass
    through :func:`safe_cell` (numbers are left alone: ``-2.5`` stays a number)."""
    out = frame.copy()
    for name in out.columns:
        if _is_text(out[name].dtype):
            out[name] = out[name].map(safe_cell)
    out.index = out.index.map(safe_cell)
    out.columns = out.columns.map(safe_cell)
    return out


def unsafe_frame(frame):
    """The inverse of :func:`safe_frame` (column names and text cells), in place."""
    for name in frame.columns:
        if _is_text(frame[name].dtype):
            frame[name] = frame[name].map(unsafe_cell)
    frame.columns = frame.columns.map(unsafe_cell)
    return frame
