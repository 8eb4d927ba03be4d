"""From an experiment file to validated models, one per point (``load_experiment``).

Each point's model is the experiment's model with, in order, the ``run:``
settings (as ``run.<key>`` overrides), the ``set:`` overrides and the point's
own values applied, then validated, once, when the point is about to run: the
design is streamed, never held whole. Before anything runs, the *probe*
points are validated (point 0 and, for a grid, the first point holding each
value of each key; for samples, the points holding each dimension's extremes),
so an unknown dotted path or a bad value is refused at load, naming the
section, the point and the key; their models are kept for the run. A point
whose combination of values is refused only later stops the sweep there with
the same message.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import ExperimentError, ModelError, nearest
from sim.experiments.spec import (RUN_KEYS, check_mapping, check_top, fail, parse_design,
                                  read_source)

if TYPE_CHECKING:  # annotations only: a plan reads metric_names without networkx
    import networkx as nx

__all__ = ["Experiment", "load_experiment", "metric_names", "metric_values", "UNHASHED"]

UNHASHED = ("run.replications", "run.engine")
"""Settings outside the fingerprint: more replications extend a finished sweep, and the
engine (SimPy or the compiled kernel, on the same random streams) changes no point, so
a sweep resumed on the other engine keeps what it finished."""


@dataclass(frozen=True)
class Experiment:
    """A validated experiment.

    Attributes
    ----------
    name, description : str
    label : str
        How messages name the experiment (its file, or "experiment").
    design : {"grid", "samples", "single"}
    params : tuple of str
        The swept dotted keys, in file order (the parameter columns).
    points : sequence of dict
        ``{dotted key: value}`` of each point, in design order: a lazy sequence
        (see :mod:`sim.experiments.design`).
    run : dict
        The ``run:`` settings; ``overrides``: the ``set:`` overrides.
    metrics : tuple of str
        The flattened metric names kept (every metric when ``metrics:`` is absent).
    out : Path
        The result store folder.
    fingerprint : str
        SHA-256 of everything that determines the numbers: the model's content,
        the run settings but the replication count and the engine, the design.
    models : sequence of Model
        The validated model of each point, validated when asked for (probe
        points are kept from the load; others are validated at each access).
    """

    name: str
    description: str
    label: str
    design: str
    params: tuple[str, ...]
    points: Sequence[dict]
    run: dict
    overrides: dict
    metrics: tuple[str, ...]
    out: Path
    fingerprint: str
    models: Sequence = field(repr=False, compare=False)

    def replications(self, point: int, model=None) -> int:
        """Replications of ``point`` (its model's ``run.replications``); known without
        validating the point unless ``run.replications`` is swept."""
        if model is not None:
            return model.run.replications
        if "run.replications" in self.params:
            return self.models[point].run.replications
        return self.models[0].run.replications

    def iter_tasks(self) -> Iterator[tuple[int, int]]:
        """Every (point, replication), point-major, lazily."""
        for p in range(len(self.points)):
            yield from ((p, r) for r in range(self.replications(p)))

    def tasks(self) -> list[tuple[int, int]]:
        """Every (point, replication), point-major (a list: see :meth:`iter_tasks`)."""
        return list(self.iter_tasks())

    def task_count(self) -> int | None:
        """Tasks in all, or None when ``run.replications`` is swept (unknown in advance)."""
        if "run.replications" in self.params:
            return None
        return len(self.points) * self.replications(0)


def load_experiment(source: str | Path | Mapping, *, run: Mapping | None = None,
                    overrides: Mapping | None = None,
                    base_dir: str | Path | None = None) -> Experiment:
    """Read and validate an experiment file (or a dict of the same shape).

    Parameters
    ----------
    source : str, Path or mapping
        The experiment file (YAML), or its content as a dict.
    run : mapping, optional
        Run settings that win over the file's ``run:`` (``duration``, ``warmup``,
        ``replications``, ``seed``, ``series``, ``engine``).
    overrides : mapping, optional
        Dotted model overrides applied after the file's ``set:``.
    base_dir : str or Path, optional
        For a dict: the folder that relative ``model`` and ``out`` paths start
        from (default: the current directory).

    Raises
    ------
    ExperimentError
        One message naming the key (and the point) of the first mistake.
    """
    data, base, label, stem = read_source(source, base_dir)
    name = check_top(data, label, stem)
    run_cfg = _run_settings(check_mapping(data.get("run"), label, "run", allowed=RUN_KEYS),
                            label)
    run_cfg.update(_run_settings(check_mapping(run, "run settings", "run", allowed=RUN_KEYS),
                                 "run settings", unset=True))
    fixed = {} if data.get("scenario") is None else {"scenario": data["scenario"]}
    fixed.update(check_mapping(data.get("set"), label, "set"))
    fixed.update(check_mapping(overrides, "overrides", "set"))
    design = parse_design(data, label)
    for key in design.params:
        if key in fixed:
            raise fail(label, f"is both fixed in 'set' and swept in '{design.kind}': keep one",
                       key=key)
    graph, model_text = _model_graph(data["model"], base, label)
    run_keys = {f"run.{k}": v for k, v in run_cfg.items()}
    common = {**run_keys, **fixed}
    base_graph = _applied(graph, common, label)
    _check_keys(base_graph, design[0], label, design.kind)
    models = PointModels(base_graph, design, label)
    try:
        models.probe()
    except ExperimentError:
        _blame_base(graph, run_keys, fixed, label)   # a broken model, run or set first
        raise
    hashed = {k: v for k, v in common.items() if k not in UNHASHED}
    return Experiment(
        name=name, description=str(data.get("description", "")), label=label,
        design=design.kind, params=design.params, points=design, run=run_cfg,
        overrides=fixed, metrics=_kept_metrics(data.get("metrics"), models[0], design.params,
                                               label),
        out=base / data.get("out", f"results/{name}"),
        fingerprint=_fingerprint(model_text, hashed, design.describe()), models=models)


class PointModels(Sequence):
    """The validated model of each point of a design, validated on access.

    The probe points' models (:meth:`probe`) are kept; any other point is
    validated each time it is asked for (the runner asks once per point).
    """

    def __init__(self, graph: nx.DiGraph, design, label: str) -> None:
        self.graph, self.design, self.label = graph, design, label
        self._kept: dict[int, Any] = {}

    def __len__(self) -> int:
        return len(self.design)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if index in self._kept:
            return self._kept[index]
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._validate(index)

    def probe(self) -> None:
        """Validate and keep the design's probe points (in point order)."""
        for index in self.design.probes():
            self._kept[index] = self._validate(index)

    def _validate(self, index: int):
        from sim.model import apply_overrides, validate

        point = self.design[index]
        shown = ", ".join(f"{k}={v!r}" for k, v in point.items())
        try:
            return validate(apply_overrides(self.graph, point))
        except ModelError as exc:
            raise ExperimentError(f"{self.label}: {self.design.kind} point {index} "
                                  f"({shown}): {_text(exc)}") from None


def _applied(graph: nx.DiGraph, values: Mapping, label: str) -> nx.DiGraph:
    """``graph`` with the run settings and ``set:`` applied (paths checked, values later)."""
    from sim.model import apply_overrides

    try:
        return apply_overrides(graph, values)
    except ModelError as exc:     # run keys are plain settings: only set paths can fail
        raise ExperimentError(f"{label}: set: {_text(exc)}") from None


def _blame_base(graph: nx.DiGraph, run_keys: Mapping, fixed: Mapping, label: str) -> None:
    """When a probe point fails: refuse the model, ``run:`` or ``set:`` if the fault is
    theirs (as if no point were applied), else let the point's message stand."""
    from sim.model import apply_overrides, validate

    try:
        validate(graph)
    except ModelError as exc:
        raise fail(label, f"is not a valid model: {_text(exc)}", key="model") from None
    for where, values in (("run", run_keys), ("set", {**run_keys, **fixed})):
        try:
            validate(apply_overrides(graph, values))
        except ModelError as exc:
            raise ExperimentError(f"{label}: {where}: {_text(exc)}") from None


def _run_settings(values: dict, label: str, unset: bool = False) -> dict:
    """``values`` checked by the one validator of run settings (typed: seconds as
    floats, counts as ints); ``unset``: a None value means "not given"."""
    from sim.model.settings import check_settings

    try:
        return check_settings(values, unset=unset)
    except ModelError as exc:
        raise ExperimentError(f"{label}: run: {_text(exc)}") from None


def _model_graph(spec: Any, base: Path, label: str) -> tuple[nx.DiGraph, str]:
    """The experiment's model graph and its content as text (for the fingerprint)."""
    from sim.model import from_dict, load

    if not isinstance(spec, Mapping) and (not isinstance(spec, str) or not spec):
        raise fail(label, f"must be a model file path or a mapping (got {spec!r})",
                   key="model")
    path = None if isinstance(spec, Mapping) else base / spec
    if path is not None and not path.is_file():
        raise fail(label, f"names no file: {path} does not exist (paths are relative to "
                   "the experiment file)", key="model")
    try:
        if path is None:
            graph, text = from_dict(spec, base_dir=base), json.dumps(spec, sort_keys=True,
                                                                     default=repr)
        else:
            graph, text = load(path), path.read_text(encoding="utf-8")
        return graph, text
    except ModelError as exc:
        raise fail(label, f"is not a valid model: {_text(exc)}", key="model") from None


def _text(exc: ModelError) -> str:
    """A model error's message without the leading ``model: `` (the context says it)."""
    return str(exc).removeprefix("model: ")


def _check_keys(graph: nx.DiGraph, first: dict, label: str, design: str) -> None:
    """Each swept key alone, so a misspelt path is reported by its section and key."""
    from sim.model import apply_overrides

    for key, value in first.items():
        try:
            apply_overrides(graph, {key: value})
        except ModelError as exc:
            raise ExperimentError(f"{label}: {design}: {key!r}: {_text(exc)}") from None


def metric_values(summary: Mapping) -> dict[str, Any]:
    """The numeric metrics of one result dict, flattened (``requests.latency.p99``...)."""
    from sim.metrics.result import flatten

    blocks = {"requests": summary["requests"], "nodes": summary["nodes"]}
    if "edges" in summary:  # call edges (models with calls)
        blocks["edges"] = summary["edges"]
    if "classes" in summary:  # per request class (classes.read.latency.p99)
        blocks["classes"] = summary["classes"]
    if "scenario" in summary:  # a model with scenario: (scenario.recovery)
        blocks["scenario"] = {k: v for k, v in summary["scenario"].items() if k != "steps"}
    flat = flatten(blocks)
    return {k: v for k, v in flat.items() if not isinstance(v, str)}


def metric_names(model) -> list[str]:
    """Every flattened numeric metric name a replication of ``model`` reports, from the
    result schema (nothing is simulated)."""
    from sim.metrics.schema import metric_paths

    return metric_paths(model)


def _kept_metrics(spec: Any, model, params: tuple[str, ...], label: str) -> tuple[str, ...]:
    """The metric names matched by ``metrics:`` (shell patterns; all when absent)."""
    names = [n for n in metric_names(model) if n not in params]
    if spec is None:
        return tuple(names)
    if not isinstance(spec, list) or not spec:
        raise fail(label, f"must be a non-empty list of metric names (got {spec!r})",
                   key="metrics")
    kept: list[str] = []
    for pattern in spec:
        if not isinstance(pattern, str):
            raise fail(label, f"must be metric names as strings (got {pattern!r})",
                       key="metrics")
        found = [n for n in names if fnmatch.fnmatchcase(n, pattern)]
        if not found:
            raise fail(label, "matches no metric of the model, e.g. requests.latency.p99 or "
                       "nodes.<node>.utilization", key=f"metrics: {pattern}",
                       suggestion=nearest(pattern, names))
        kept.extend(n for n in found if n not in kept)
    return tuple(kept)


def _fingerprint(model_text: str, common: dict, design: dict) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        release = version("asyncsim")
    except PackageNotFoundError:
        release = "unknown"
    content = {"asyncsim": release, "model": model_text, "common": common, "design": design}
    text = json.dumps(content, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
