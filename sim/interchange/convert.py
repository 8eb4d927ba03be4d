"""Trace rows -> the viewer formats, chosen by the file's ending."""

from __future__ import annotations

from pathlib import Path

__all__ = ["CONVERTED", "converted_format", "convert"]

CONVERTED = {".perfetto.json": "perfetto", ".otlp.json": "otlp", ".jaeger.json": "jaeger",
             ".zipkin.json": "zipkin"}
"""File endings written by converting the trace rows after the run."""


def converted_format(path) -> str | None:
    """The format (``perfetto``, ``otlp``, ``jaeger``, ``zipkin``) when ``path`` ends in
    one of :data:`CONVERTED`, else None."""
    name = str(path).lower()
    return next((fmt for end, fmt in CONVERTED.items() if name.endswith(end)), None)


def convert(rows_path: str | Path, target: str | Path, kinds: dict[str, str]) -> int:
    """Write the rows of ``rows_path`` (CSV or Parquet) to ``target`` in the format its
    name ends with; returns the number of events or spans written."""
    fmt = converted_format(target)
    if fmt == "perfetto":
        from sim.interchange.perfetto import write_perfetto as write
    elif fmt == "otlp":
        from sim.interchange.otlp import write_otlp as write
    elif fmt == "jaeger":
        from sim.interchange.jaeger_zipkin import write_jaeger as write
    else:
        from sim.interchange.jaeger_zipkin import write_zipkin as write
    return write(rows_path, target, kinds)
