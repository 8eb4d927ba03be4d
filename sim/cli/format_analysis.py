"""Text for output analysis: the ``analyze`` table, warm-up and precision lines."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim.cli.format import fmt

if TYPE_CHECKING:  # imported where used: a run's table needs no pandas
    import pandas as pd

__all__ = ["format_compare", "compare_document", "analysis_lines", "FLAG_ORDER"]

FLAG_ORDER = ("ok", "DIFFERS", "approx", "n/a")


def _header(attrs: dict) -> list[str]:
    lines = [f"model {attrs.get('model')}  seed {attrs.get('seed')}  replications "
             f"{attrs.get('replications')}  duration {fmt(attrs.get('duration'))} s  "
             f"warmup {fmt(attrs.get('warmup'))} s"]
    neck = attrs.get("bottleneck") or {}
    if neck.get("node") is not None:
        lines.append(f"bottleneck {neck['node']} (max throughput "
                     f"{fmt(neck.get('max_throughput'))} /s)")
    return lines + analysis_lines(attrs)


def _diff(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{100 * value:+.1f}%"


def _ci(value) -> str:
    text = fmt(value, 2)
    return "-" if text == "-" else f"±{text}"


def _notes(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """A footnote number per row (its formula, or why none applies) and the footnotes."""
    texts: dict[str, int] = {}
    refs = []
    for row in frame.itertuples(index=False):
        text = f"n/a: {row.reason}" if row.flag == "n/a" and row.reason else row.method
        if not text or (isinstance(text, float) and math.isnan(text)):
            refs.append("")
            continue
        refs.append(f"[{texts.setdefault(text, len(texts) + 1)}]")
    return refs, [f"[{n}] {text}" for text, n in texts.items()]


def format_compare(frame: pd.DataFrame) -> str:
    """The ``asyncsim analyze`` table: one line per node and metric, footnotes after.

    Parameters
    ----------
    frame : pandas.DataFrame
        What :func:`sim.experiments.compare.compare` returns.

    Returns
    -------
    str
    """
    import pandas as pd

    refs, notes = _notes(frame)
    shown = pd.DataFrame({
        "node": frame["node"], "metric": frame["metric"],
        "analytic": frame["analytic"].map(fmt), "simulated": frame["simulated"].map(fmt),
        "ci95": frame["ci95"].map(_ci), "diff": frame["rel_diff"].map(_diff),
        "flag": frame["flag"], "note": refs})
    counts = frame["flag"].value_counts()
    summary = ", ".join(f"{int(counts.get(f, 0))} {f}" for f in FLAG_ORDER)
    body = shown.to_string(index=False) if len(shown) else "(no figures)"
    return "\n".join(_header(frame.attrs) + [body, ""] + notes + [f"flags: {summary}"])


def _plain(value):
    """JSON-safe: NaN and infinities (an unstable node's analytic wait) become None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):
        return _plain(value.item())
    return value


def compare_document(frame: pd.DataFrame) -> dict:
    """The JSON of ``asyncsim analyze --format json``: run settings, flag counts, rows."""
    doc = {k: _plain(v) for k, v in frame.attrs.items() if not isinstance(v, dict)}
    doc.update({k: v for k, v in frame.attrs.items() if isinstance(v, dict)})
    counts = frame["flag"].value_counts()
    doc["flags"] = {f: int(counts.get(f, 0)) for f in FLAG_ORDER}
    doc["rows"] = [{k: _plain(v) for k, v in row.items()}
                   for row in frame.to_dict(orient="records")]
    return doc


def analysis_lines(result: dict) -> list[str]:
    """Lines on the automatic warm-up and the precision reached, when there are any.

    Parameters
    ----------
    result : dict
        A result dictionary (``Result.to_dict()``) or a compare frame's ``attrs``.
    """
    lines = []
    detection = result.get("warmup_detection") or {}
    if result.get("warmup_method"):
        line = (f"warmup auto ({result['warmup_method']}): {fmt(result.get('warmup'))} s, "
                f"{detection.get('truncated', '?')} of {detection.get('observations', '?')} "
                f"pilot requests deleted")
        if detection.get("reliable") is False:
            line += " (pilots may be too short to leave the transient: lengthen the run)"
        lines.append(line)
    precision = result.get("precision")
    if precision:
        verdict = "reached" if precision["reached"] else "NOT reached"
        lines.append(f"precision {fmt(precision['target'])} {verdict} after "
                     f"{precision['replications']} replications (cap "
                     f"{precision['max_replications']})")
        for name, status in precision["metrics"].items():
            lines.append(f"  {name}: {fmt(status['mean'])} ±{fmt(status['halfwidth'], 2)} "
                         f"(relative {fmt(status['relative'], 2)})")
    return lines
