"""Layer L6: figures and self-contained reports of runs, sweeps and plans (docs/planning.md).

>>> from sim.reports import write_report
>>> write_report("results/run1")          # doctest: +SKIP
[PosixPath('results/run1/report.html'), PosixPath('results/run1/report.md'), ...]

``write_report(folder)`` reads a result folder (``result.json``, a sweep's
``summary.csv``, or ``plan.json``, with ``model.yaml``) and writes
``report.html`` (figures embedded, no external resource) and ``report.md``
(figures as PNG files next to it). Nothing is simulated. The figure
functions of :mod:`sim.reports.figures` take a DataFrame and an optional
matplotlib Axes and return the Axes. matplotlib is imported by this package
only; ``import sim`` does not import it.
"""

from sim.reports.data import ReportData, read_folder
from sim.reports.render import render_html, render_markdown, write_report

__all__ = ["write_report", "read_folder", "ReportData", "render_html", "render_markdown"]
