"""Files a run writes with ``--out DIR``: result.json, CSV tables, the model, a report."""

from __future__ import annotations

from pathlib import Path

from sim.files import safe_frame, write_text

__all__ = ["write_run_outputs"]


def write_run_outputs(result, model, out: Path, report: bool = True) -> list[Path]:
    """Write the run's files into ``out`` and, unless ``report`` is False, the report
    (``report.html``, ``report.md`` and its figures); returns their paths."""
    from sim.model import save

    out.mkdir(parents=True, exist_ok=True)
    files = {
        "result.json": result.to_json(),
        "nodes.csv": safe_frame(result.nodes_frame()).to_csv(),
        "replications.csv": safe_frame(result.replications_frame()).to_csv(index=False),
        "timeseries.csv": safe_frame(result.timeseries).to_csv(index=False),
    }
    for name, text in files.items():
        write_text(out / name, text)
    written = [out / name for name in files]
    if model.graph is not None:
        save(model.graph, out / "model.yaml")
        written.append(out / "model.yaml")
    if report:
        from sim.reports import write_report

        written += write_report(out)
    return written
