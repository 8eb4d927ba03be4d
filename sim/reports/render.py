"""Rendering a report: a self-contained HTML page and a Markdown summary.

The HTML page embeds every figure as a base64 PNG and its CSS inline: no
script, no external link, nothing to fetch, so it opens offline and can be
mailed or published as one file. Every piece of text (node names, the model's
description, objectives) goes through :func:`html.escape`. The Markdown
summary refers to the figures as PNG files written next to it, and escapes the
same text: every Markdown punctuation character gets a backslash (so a node
named ``[x](javascript:alert(1))`` stays text, never a live link, and
``http://...`` in a name is not turned into a link), then HTML entities.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from sim.errors import SimError
from sim.reports.data import ReportData, latency_frame, search_frame, slo_lines, \
    utilization_frame
from sim.reports.classes import class_frame, class_latency, has_classes
from sim.reports.sections import Section, Table, build_sections

__all__ = ["draw_figures", "overview", "render_html", "render_markdown", "write_report",
           "FIGURES"]

MAIN_FILE = {"plan": "plan.json", "sweep": "summary.csv", "run": "result.json"}
FIGURES = ("latency", "queues", "requests", "utilization", "topology", "search", "classes",
           "waterfall")
CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2rem auto;
max-width:60rem;padding:0 1rem;color:#222;line-height:1.45}
h1{border-bottom:2px solid #ddd;padding-bottom:.3rem}h2{margin-top:2rem;color:#333}
table{border-collapse:collapse;margin:.8rem 0;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.25rem .6rem;text-align:left}
th{background:#f3f3f3}caption{caption-side:top;text-align:left;color:#555;padding:.3rem 0}
img{max-width:100%;height:auto;border:1px solid #eee}nav a{margin-right:1rem}
footer{margin-top:3rem;color:#777;font-size:.8rem}
"""


def draw_figures(data: ReportData) -> dict[str, bytes]:
    """Every figure of the report, as PNG bytes keyed by section."""
    from sim.reports import figures as fig

    util = utilization_frame(data)
    drawn = {
        "latency": fig.latency_vs_load(latency_frame(data), slo=slo_lines(data)),
        "queues": fig.queue_length(data.timeseries),
        "utilization": fig.utilization(util),
        "topology": fig.topology(data.graph, utilization=util["utilization"].to_dict()),
    }
    if data.requests_series is not None and not data.requests_series.empty:
        drawn["requests"] = fig.requests_over_time(data.requests_series,
                                                   markers=data.markers)
    if data.kind == "plan":
        drawn["search"] = fig.search_path(search_frame(data))
    if data.kind == "run" and has_classes(data.result):
        drawn["classes"] = class_latency(class_frame(data.result))
    if data.trace_sample is not None and not data.trace_sample.empty:
        from sim.reports.waterfall import waterfall

        drawn["waterfall"] = waterfall(data.trace_sample, node_kinds(data.graph))
    return {name: fig.to_png(ax) for name, ax in drawn.items()}


def node_kinds(graph) -> dict[str, str]:
    """Node name -> kind, from the model graph (empty without one)."""
    if graph is None:
        return {}
    return {str(n): str(a.get("kind", "")) for n, a in graph.nodes(data=True)}


def overview(data: ReportData):
    """The report's figures on one page (a matplotlib Figure), e.g. for a README image."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from sim.reports import figures as fig

    page = Figure(figsize=(14, 9), dpi=100, layout="constrained")
    FigureCanvasAgg(page)
    grid = page.subplots(2, 2)
    util = utilization_frame(data)
    fig.latency_vs_load(latency_frame(data), ax=grid[0, 0], slo=slo_lines(data))
    fig.topology(data.graph, ax=grid[0, 1], utilization=util["utilization"].to_dict())
    fig.utilization(util, ax=grid[1, 0])
    if data.kind == "plan":
        fig.search_path(search_frame(data), ax=grid[1, 1])
    else:
        fig.queue_length(data.timeseries, ax=grid[1, 1])
    page.suptitle(fig.literal(data.title), fontsize=15)
    return page


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _html_table(table: Table) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in table.columns)
    body = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>"
                   for row in table.rows)
    return (f"<table><caption>{_e(table.caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>")


def _html_section(section: Section, images: Mapping[str, bytes]) -> str:
    parts = [f'<section id="{_e(section.id)}">', f"<h2>{_e(section.title)}</h2>"]
    parts += [f"<p>{_e(p)}</p>" for p in section.paragraphs]
    parts += [_html_table(t) for t in section.tables]
    if section.figure and section.figure in images:
        data = base64.b64encode(images[section.figure]).decode("ascii")
        parts.append(f'<figure><img alt="{_e(section.title)}" '
                     f'src="data:image/png;base64,{data}"></figure>')
    parts.append("</section>")
    return "\n".join(parts)


def render_html(title: str, sections: Sequence[Section], images: Mapping[str, bytes]) -> str:
    """The self-contained HTML page."""
    nav = " ".join(f'<a href="#{_e(s.id)}">{_e(s.title)}</a>' for s in sections)
    body = "\n".join(_html_section(s, images) for s in sections)
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{_e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
            f"<h1>{_e(title)}</h1>\n<nav>{nav}</nav>\n{body}\n"
            f"<footer>Written by asyncsim from the files in this folder.</footer>\n"
            f"</body>\n</html>\n")


# Characters that make Markdown syntax inside a line: links and images ([ ] !),
# emphasis (* _ ~), code (`), table cells (|), headings (#), and the backslash
# itself. CommonMark lets any ASCII punctuation be escaped by a backslash.
_MD_SYNTAX = frozenset("\\`*_[]!|~#")
# GitHub turns bare URLs into links: break the scheme and the "www." it looks for.
_AUTOLINK = re.compile(r"(://|(?<![A-Za-z0-9])www\.)", re.IGNORECASE)


def _md(text: object) -> str:
    """Text for Markdown: no link, image, emphasis, HTML or table cell break in it."""
    flat = str(text).replace("\r", " ").replace("\n", " ")
    escaped = "".join("\\" + c if c in _MD_SYNTAX else c for c in flat)
    escaped = _AUTOLINK.sub(lambda m: m[0].replace(":", "\\:").replace(".", "\\."),
                            escaped)
    return html.escape(escaped, quote=False)


def _md_table(table: Table) -> list[str]:
    lines = [f"*{_md(table.caption)}*", "", "| " + " | ".join(_md(c) for c in table.columns)
             + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(_md(v) for v in row) + " |" for row in table.rows]
    return lines + [""]


def render_markdown(title: str, sections: Sequence[Section], files: Mapping[str, str]) -> str:
    """The Markdown summary; ``files`` maps a figure name to its PNG file name."""
    lines = [f"# {_md(title)}", ""]
    for s in sections:
        lines += [f"## {_md(s.title)}", ""]
        for p in s.paragraphs:
            lines += [_md(p), ""]
        for t in s.tables:
            lines += _md_table(t)
        if s.figure and s.figure in files:
            lines += [f"![{_md(s.title)}]({files[s.figure]})", ""]
    return "\n".join(lines)


def write_report(folder: str | Path, model=None) -> list[Path]:
    """Write ``report.html``, ``report.md`` and ``report-<figure>.png`` into ``folder``.

    Parameters
    ----------
    folder : str or Path
        A result folder of a run, a sweep or a plan (see :mod:`sim.reports.data`).
    model : networkx.DiGraph or Model, optional
        The model to draw when the folder has no ``model.yaml`` (a sweep's).

    Returns
    -------
    list of Path
        The files written.
    """
    from sim.reports.data import read_folder
    from sim.reports.io import write_bytes, write_text

    data = read_folder(folder, model)
    try:
        sections = build_sections(data)
        images = draw_figures(data)
    except (KeyError, TypeError, AttributeError, ValueError, IndexError) as exc:
        raise SimError(f"{Path(folder) / MAIN_FILE[data.kind]}: expected the file asyncsim "
                       f"writes for a {data.kind}, but it does not have that shape "
                       f"({type(exc).__name__}: {exc}); write it again with --out") from None
    out = Path(folder)
    files = {name: f"report-{name}.png" for name in images}
    written = [write_text(out / "report.html", render_html(data.title, sections, images)),
               write_text(out / "report.md", render_markdown(data.title, sections, files))]
    written += [write_bytes(out / files[name], png) for name, png in images.items()]
    return written
