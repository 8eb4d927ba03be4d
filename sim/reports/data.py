"""What a report is made of: the files of a result folder, read back into tables.

A folder holds one of three kinds of result (checked in this order):

``plan``   ``plan.json`` (``asyncsim plan --out``), with the chosen
           configuration's ``result.json``, ``timeseries.csv``, ``model.yaml``;
``sweep``  ``summary.csv`` (or ``runs.csv``) and ``manifest.json`` of a sweep;
``run``    ``result.json``, ``timeseries.csv``, ``model.yaml`` (``asyncsim run --out``).

Nothing is simulated: every figure comes from these files (and the model graph).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from sim.errors import SimError
from sim.metrics.result import get_path

__all__ = ["ReportData", "read_folder", "latency_frame", "utilization_frame", "slo_lines",
           "search_frame", "PERCENTILES"]

RESULT_KEYS = ("requests", "nodes")
PERCENTILES = ("p50", "p90", "p95", "p99")
_SLO = re.compile(r"^requests\.latency\.(mean|p\d+)$")


@dataclass
class ReportData:
    """The contents of a result folder.

    Attributes
    ----------
    kind : {"run", "sweep", "plan"}
    folder : Path
    title : str
    graph : networkx.DiGraph or None
        The model (``model.yaml``, or the graph given to :func:`read_folder`).
    result : dict or None
        The result (a run, or the plan's chosen configuration).
    timeseries : pandas.DataFrame or None
    requests_series : pandas.DataFrame or None
        The requests of each interval (``requests_series.csv`` of a run).
    markers : list of (float, str)
        Instants to mark on the figures over time (e.g. scenario steps), with labels.
    summary : pandas.DataFrame or None
        A sweep's per-point table (mean and ``.ci95`` columns).
    manifest : dict
        A sweep's ``manifest.json``.
    plan : dict or None
        ``plan.json``.
    """

    kind: str
    folder: Path
    title: str
    graph: nx.DiGraph | None = None
    result: dict | None = None
    timeseries: pd.DataFrame | None = None
    summary: pd.DataFrame | None = None
    requests_series: pd.DataFrame | None = None
    markers: list = field(default_factory=list)
    trace_sample: pd.DataFrame | None = None
    """A few traced requests' rows (``trace_sample.csv``), for the waterfall."""
    manifest: dict = field(default_factory=dict)
    plan: dict | None = None

    @property
    def description(self) -> str:
        if self.graph is not None:
            return str(self.graph.graph.get("description") or "")
        return ""


def _json(path: Path, want: str = "an object", keys: tuple[str, ...] = ()) -> dict:
    """A JSON object file the project wrote; a SimError naming the file and what was
    wanted when it does not parse, is not an object, or lacks an object under ``keys``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SimError(f"cannot read {path.name} in {path.parent}: {exc}") from None
    if not isinstance(data, dict):
        raise SimError(f"{path}: expected {want} (a JSON object), got "
                       f"{type(data).__name__} {_excerpt(data)}; write it again with --out")
    for key in keys:
        if not isinstance(data.get(key), dict):
            raise SimError(f"{path}: expected {want} with an object under {key!r}, got "
                           f"{_excerpt(data.get(key))}; write it again with --out")
    return data


def _excerpt(value: Any) -> str:
    text = json.dumps(value, default=repr)
    return text if len(text) <= 40 else text[:37] + "..."


def _graph(folder: Path, model: Any) -> nx.DiGraph | None:
    if model is not None:
        return model if isinstance(model, nx.DiGraph) else getattr(model, "graph", None)
    path = folder / "model.yaml"
    if not path.is_file():
        return None
    from sim.model import load

    return load(path)


def _csv(path: Path) -> pd.DataFrame | None:
    """A CSV file the project wrote, its quoted text cells restored (``sim.files``)."""
    if not path.is_file() or path.stat().st_size == 0:
        return None
    from sim.files import unsafe_frame

    try:
        return unsafe_frame(pd.read_csv(path))
    except (OSError, ValueError) as exc:   # pandas' parser errors are ValueErrors
        raise SimError(f"{path}: expected a CSV table as asyncsim writes it: "
                       f"{str(exc).splitlines()[0]}") from None


def read_folder(folder: str | Path, model: Any = None) -> ReportData:
    """Read a result folder (see the module notes).

    Parameters
    ----------
    folder : str or Path
    model : networkx.DiGraph or Model, optional
        The model to draw when the folder has no ``model.yaml`` (a sweep's).

    Raises
    ------
    SimError
        The folder holds none of the known result files, or one does not parse.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise SimError(f"{folder} is not a folder")
    graph = _graph(folder, model)
    if (folder / "plan.json").is_file():
        plan = _json(folder / "plan.json", "a plan's answer")
        result = _json(folder / "result.json", "a simulation result", RESULT_KEYS) \
            if (folder / "result.json").is_file() else None
        return ReportData("plan", folder, f"Capacity plan: {plan.get('plan', '')}", graph,
                          result, _csv(folder / "timeseries.csv"), plan=plan)
    summary = _csv(folder / "summary.csv")
    if summary is None and (folder / "runs.csv").is_file():
        summary = _summarize(folder)
    if summary is not None:
        manifest = _json(folder / "manifest.json", "a sweep's manifest") if (folder / "manifest.json").is_file() \
            else {}
        return ReportData("sweep", folder, f"Sweep: {manifest.get('experiment', folder.name)}",
                          graph, summary=summary, manifest=manifest)
    if (folder / "result.json").is_file():
        result = _json(folder / "result.json", "a simulation result", RESULT_KEYS)
        return ReportData("run", folder, f"Run: {result.get('model', '')}", graph, result,
                          _csv(folder / "timeseries.csv"),
                          requests_series=_csv(folder / "requests_series.csv"),
                          markers=scenario_markers(result),
                          trace_sample=_csv(folder / "trace_sample.csv"))
    raise SimError(f"{folder} holds no result to report on: expected plan.json, "
                   "summary.csv/runs.csv (a sweep) or result.json (a run)")


def scenario_markers(result: dict) -> list[tuple[float, str]]:
    """The instants a run's scenario changed something: each step's time (labelled
    with its change) and, for a step with ``for``, its end."""
    steps = (result.get("scenario") or {}).get("steps") or []
    out = []
    for step in steps:
        what = step.get("change", "")
        if step.get("node"):
            what = f"{what} {step['node']}"
        out.append((float(step["at"]), what))
        if step.get("for") is not None:
            out.append((float(step["at"]) + float(step["for"]), f"end of {what}"))
    return sorted(out)


def _summarize(folder: Path) -> pd.DataFrame:
    from sim.experiments.tables import summarize

    runs = _csv(folder / "runs.csv")
    manifest = folder / "manifest.json"
    params = _json(manifest, "a sweep's manifest").get("params", []) if manifest.is_file() else []
    return summarize(runs, [p for p in params if p in runs.columns])


def _run_latency(data: ReportData) -> pd.DataFrame:
    res = data.result or {}
    reps = res.get("replications") or 1
    duration = res.get("duration") or math.nan
    row = {"offered": get_path(res, "requests.offered") / reps / duration
           if get_path(res, "requests.offered") is not None else math.nan}
    for key in PERCENTILES:
        row[key] = get_path(res, f"requests.latency.{key}")
        row[f"{key}.ci95"] = get_path(res, f"ci95.requests.latency.{key}")
    return pd.DataFrame([row])


def _sweep_x(data: ReportData) -> tuple[pd.Series, str]:
    s = data.summary
    duration = get_path(data.manifest, "run.duration")
    if "requests.offered" in s and duration:
        return s["requests.offered"] / float(duration), "offered load (requests/s)"
    rates = [p for p in data.manifest.get("params", []) if p.endswith(".rate") and p in s]
    if len(rates) == 1:
        return s[rates[0]], rates[0]
    if "requests.throughput" in s:
        return s["requests.throughput"], "throughput (requests/s)"
    return pd.Series(range(len(s)), dtype=float), "point"


def _sweep_latency(data: ReportData) -> pd.DataFrame:
    s = data.summary
    x, label = _sweep_x(data)
    frame = pd.DataFrame({"offered": x.astype(float)})
    for key in PERCENTILES:
        col = f"requests.latency.{key}"
        frame[key] = s[col] if col in s else math.nan
        frame[f"{key}.ci95"] = s[f"{col}.ci95"] if f"{col}.ci95" in s else math.nan
    others = [p for p in data.manifest.get("params", []) if p in s and not p.endswith(".rate")]
    if others:
        frame["series"] = [", ".join(f"{k}={v}" for k, v in zip(others, row))
                           for row in s[others].astype(str).itertuples(index=False)]
    frame.attrs["xlabel"] = label
    return frame.sort_values("offered", kind="stable").reset_index(drop=True)


def _plan_latency(data: ReportData) -> pd.DataFrame:
    probes = get_path(data.plan, "saturation.probes") or []
    rows = []
    for p in probes:
        row = {"offered": p.get("rate"), "holds": p.get("holds")}
        for key in PERCENTILES:
            row[key] = get_path(p, f"latency.{key}")
            row[f"{key}.ci95"] = math.nan
        rows.append(row)
    if not rows:
        return _run_latency(data)
    return pd.DataFrame(rows).sort_values("offered").reset_index(drop=True)


def latency_frame(data: ReportData) -> pd.DataFrame:
    """Latency percentiles against offered load: columns ``offered``, ``p50`` ...
    ``p99``, ``<p>.ci95``, and ``series`` when a sweep varies more than the load."""
    frame = {"run": _run_latency, "sweep": _sweep_latency, "plan": _plan_latency}[data.kind](
        data)
    frame = frame.dropna(subset=["offered"]) if "offered" in frame else frame
    frame.attrs.setdefault("xlabel", "offered load (requests/s)")
    return frame


def utilization_frame(data: ReportData) -> pd.DataFrame:
    """Utilisation per service node: index ``node``, columns ``utilization``, ``ci95``.

    A sweep shows its most loaded point (the caption says which)."""
    rows = []
    if data.kind == "sweep":
        s = data.summary
        x, _ = _sweep_x(data)
        at = int(x.astype(float).fillna(-math.inf).to_numpy().argmax()) if len(s) else 0
        for col in s.columns:
            m = re.match(r"^nodes\.(.+)\.utilization$", col)
            if m and pd.notna(s[col].iloc[at]):
                ci = s.get(f"{col}.ci95")
                rows.append((m[1], float(s[col].iloc[at]),
                             float(ci.iloc[at]) if ci is not None else math.nan))
        frame = pd.DataFrame(rows, columns=["node", "utilization", "ci95"]).set_index("node")
        frame.attrs["point"] = int(s["point"].iloc[at]) if "point" in s and len(s) else None
        return frame
    res = data.result or {}
    for name, entry in (res.get("nodes") or {}).items():
        if isinstance(entry, dict) and entry.get("utilization") is not None:
            ci = get_path(res, "ci95.nodes")
            half = ci.get(name, {}).get("utilization") if isinstance(ci, dict) else None
            rows.append((name, float(entry["utilization"]),
                         math.nan if half is None else float(half)))
    return pd.DataFrame(rows, columns=["node", "utilization", "ci95"]).set_index("node")


def slo_lines(data: ReportData) -> list[tuple[str, float]]:
    """``(label, seconds)`` of the plan's latency objectives (SLO lines of the hockey stick)."""
    if not data.plan:
        return []
    out = []
    for text in data.plan.get("objectives", []):
        parts = text.split()
        if len(parts) == 3 and _SLO.match(parts[0]) and parts[1] == "<=":
            out.append((text, float(parts[2])))
    return out


def search_frame(data: ReportData) -> pd.DataFrame:
    """The plan's search path: ``step``, ``cost``, ``verdict``, ``binding``, ``config``."""
    rows = []
    for e in (data.plan or {}).get("search", []):
        config = ", ".join(f"{_short(k)}={v}" for k, v in e.get("config", {}).items())
        rows.append({"step": e.get("step"), "cost": e.get("cost"), "verdict": e.get("verdict"),
                     "binding": e.get("binding"), "replications": e.get("replications"),
                     "reason": e.get("reason"), "config": config})
    return pd.DataFrame(rows, columns=["step", "cost", "verdict", "binding", "replications",
                                       "reason", "config"])


def _short(key: str) -> str:
    parts = key.split(".")
    return ".".join(parts[1:]) if parts[0] == "nodes" and len(parts) > 2 else key
