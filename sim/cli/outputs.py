"""Files a run writes with ``--out DIR``: result.json, CSV tables, the model, a report."""

from __future__ import annotations

import contextlib
from pathlib import Path

from sim.errors import SimError
from sim.files import safe_frame, write_text

__all__ = ["write_run_outputs", "OutputError", "check_out_dir", "check_out_file", "writing"]


class OutputError(SimError):
    """An output path that cannot be written (exit 2, one line)."""


def check_out_dir(path: str | Path | None, flag: str = "--out") -> Path | None:
    """``path`` as a folder to write into (created later when missing), refused before
    any work when it names an existing file or lies under one."""
    if path is None:
        return None
    path = Path(path)
    for place in (path, *path.parents):
        if place.exists() and not place.is_dir():
            what = "names an existing file" if place == path else f"lies under the file {place}"
            raise OutputError(f"{flag} {path} {what}: give a folder (it is created when "
                              "missing)")
        if place.exists():
            break
    return path


def check_out_file(path: str | Path | None, flag: str) -> Path | None:
    """``path`` as a file to write, refused before any work when it is a folder or lies
    under a file."""
    if path is None:
        return None
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{flag} {path} is a folder: give a file name")
    check_out_dir(path.parent, flag)
    return path


@contextlib.contextmanager
def writing(path: str | Path):
    """Report an OSError while writing ``path`` as one line (exit 2), e.g.
    ``cannot write trace.csv: No space left on device``."""
    try:
        yield
    except OSError as exc:
        name = exc.filename if exc.filename is not None else path
        raise OutputError(f"cannot write {name}: {exc.strerror or exc}") from None


def write_run_outputs(result, model, out: Path, report: bool = True,
                      trace_rows: Path | None = None) -> list[Path]:
    """Write the run's files into ``out`` and, unless ``report`` is False, the report
    (``report.html``, ``report.md`` and its figures); returns their paths.
    ``trace_rows`` (a CSV or Parquet trace) adds ``trace_sample.csv``: a few requests'
    rows, drawn as the report's waterfall."""
    check_out_dir(out)
    with writing(out):
        return _write(result, model, out, report, trace_rows)


def _write(result, model, out: Path, report: bool, trace_rows: Path | None = None) -> list[Path]:
    from sim.model import save

    out.mkdir(parents=True, exist_ok=True)
    files = {
        "result.json": result.to_json(),
        "nodes.csv": safe_frame(result.nodes_frame()).to_csv(),
        "replications.csv": safe_frame(result.replications_frame()).to_csv(index=False),
        "timeseries.csv": safe_frame(result.timeseries).to_csv(index=False),
        "requests_series.csv": result.requests_series.to_csv(index=False),
    }
    for name, text in files.items():
        write_text(out / name, text)
    written = [out / name for name in files]
    if model.graph is not None:
        save(model.graph, out / "model.yaml")
        written.append(out / "model.yaml")
    if trace_rows is not None:
        from sim.interchange.sample import write_sample

        written.append(write_sample(trace_rows, out))
    if report:
        from sim.reports import write_report

        written += write_report(out)
    return written
