"""CSV cells a spreadsheet will not run.

A spreadsheet evaluates a CSV cell that starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return as a formula (CSV injection): node names come from
the model file, so every text cell the project writes to CSV passes through
:func:`safe_cell`, which prefixes such a cell with a single quote (OWASP's
advice). A cell that starts with quotes and then one of those characters gets
one more quote, so :func:`unsafe_cell` gives back the original text exactly.
"""

from __future__ import annotations

__all__ = ["safe_cell", "unsafe_cell", "safe_frame", "unsafe_frame", "FORMULA_STARTS"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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
