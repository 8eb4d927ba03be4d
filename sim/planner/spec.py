"""Plan files (docs/planning.md): read, check every key, and build the validated :class:`Plan`.

A plan is YAML (or a dict of the same shape)::

    name: request-reply-peak              # default: the file's stem
    description: ...
    model: ../models/request_reply.yaml   # relative to the plan file (or a mapping)
    set: {nodes.client.rate: 120}         # the load: the forecast peak
    run: {duration: 300, warmup: 30, replications: 3, seed: 1}
    confidence: 0.95                      # of every objective's interval
    max_replications: 12                  # added while an interval straddles a bound
    max_evaluations: 60                   # configurations simulated at most
    objectives:
      - requests.latency.p99 <= 0.8
      - requests.failed / requests.offered <= 0.001
      - nodes.worker.utilization <= 0.75
    variables:
      nodes.worker.servers: {min: 1, max: 64, step: 1, cost: 0.12}
      nodes.callback.servers: {min: 1, max: 8, cost: 0.05, monotone: true}
    saturation: {replications: 2, steps: 6}

A variable is *monotone* when more of it never breaks an objective: the
default for ``servers``, and false for every other key (a bigger queue or more
attempts trade failures for latency). Every mistake is one :class:`PlanError`
naming the key.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import ModelError, PlanError, describe, nearest
from sim.model.readers import read_spec_file
from sim.model.settings import RUN_KEYS
from sim.planner.objectives import Objective, parse_objective

__all__ = ["Plan", "Variable", "Saturation", "load_plan", "read_plan", "TOP_KEYS"]

TOP_KEYS = ("name", "description", "model", "set", "run", "objectives", "variables",
            "confidence", "max_replications", "max_evaluations", "saturation")
VARIABLE_KEYS = ("min", "max", "step", "cost", "monotone")
SATURATION_KEYS = ("replications", "steps", "max_multiplier")
MAX_GRID = 100_000
DEFAULT_REPLICATIONS = 3


@dataclass(frozen=True)
class Variable:
    """A decision variable: a dotted model key, its grid of values, its unit cost."""

    key: str
    values: tuple
    cost: float
    monotone: bool

    def label(self) -> str:
        """A short name for tables: ``worker.servers``."""
        parts = self.key.split(".")
        return ".".join(parts[1:]) if parts[0] == "nodes" and len(parts) > 2 else self.key


@dataclass(frozen=True)
class Saturation:
    """Settings of the saturation search (a bisection on a load multiplier)."""

    replications: int = 2
    steps: int = 6
    max_multiplier: float | None = None


@dataclass(frozen=True)
class Plan:
    """A validated capacity plan.

    Attributes
    ----------
    name, description, label : str
        ``label`` names the plan in messages (its file, or "plan").
    graph : networkx.DiGraph or ModelGraph
        The model with the ``set:`` load applied (variables not yet): a
        ``networkx.DiGraph`` from :func:`load_plan`, a
        :class:`~sim.model.graph.ModelGraph` from :func:`read_plan`.
    model : Model
        The validated model of the first configuration (every variable at its
        lowest value): names, structure and run settings come from it.
    load : dict
        The ``set:`` overrides.
    run : dict
        ``duration``, ``warmup``, ``replications``, ``seed`` (plan over model);
        ``series`` and ``engine`` when given (``engine`` absent: the model's
        ``run.engine``, auto unless it says otherwise).
    objectives : tuple of Objective
    variables : tuple of Variable
    confidence : float
    max_replications, max_evaluations : int
    saturation : Saturation
    """

    name: str
    description: str
    label: str
    graph: Any = field(repr=False)
    model: Any = field(repr=False)
    load: dict
    run: dict
    objectives: tuple[Objective, ...]
    variables: tuple[Variable, ...]
    confidence: float = 0.95
    max_replications: int = 12
    max_evaluations: int = 60
    saturation: Saturation = field(default_factory=Saturation)
    configurator: Any = field(default=None, repr=False, compare=False)

    def overrides(self, index: tuple[int, ...]) -> dict:
        """``{dotted key: value}`` of the configuration at grid ``index``."""
        return {v.key: v.values[i] for v, i in zip(self.variables, index)}

    def cost(self, index: tuple[int, ...]) -> float:
        return float(sum(v.cost * v.values[i] for v, i in zip(self.variables, index)))

    def sure_replications(self) -> int:
        """The replications the plan runs whatever the search finds: one configuration's
        and the saturation search's. They all run in this process, which loads the
        compiled kernel once, so ``auto`` weighs them together (a lower bound: the
        search usually judges several configurations)."""
        return self.run["replications"] + self.saturation.steps * self.saturation.replications


def fail(label: str, message: str, key: str | None = None,
         suggestion: str | None = None) -> PlanError:
    """A PlanError ``"<label>: '<key>' <message> (did you mean ...?)"``."""
    return PlanError(describe(label, message, key, suggestion))


def _read(source: str | Path | Mapping, base_dir) -> tuple[dict, Path, str, str]:
    return read_spec_file(source, base_dir, "plan", PlanError,
                          "'model', 'objectives' and 'variables'")


def _mapping(value: Any, label: str, key: str, allowed: tuple | None = None) -> dict:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise fail(label, f"must be a mapping (got {value!r})", key)
    for name in value:
        if allowed is not None and name not in allowed:
            raise fail(label, f"has an unknown key {name!r}; allowed: {', '.join(allowed)}",
                       key, suggestion=nearest(str(name), allowed))
    return dict(value)


def _number(value: Any, label: str, key: str, *, integer: bool = False,
            low: float | None = None, high: float | None = None) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if ok and integer:
        ok = float(value).is_integer()
    if not ok or not math.isfinite(value) or (low is not None and value < low) \
            or (high is not None and value > high):
        kind = "an integer" if integer else "a finite number"
        span = "" if low is None else f" >= {low:g}" if high is None else \
            f" between {low:g} and {high:g}"
        raise fail(label, f"must be {kind}{span} (got {value!r})", key)
    return int(value) if integer else value


def _model_graph(spec: Any, base: Path, label: str, networkx: bool):
    """The graph of the plan's ``model`` (a file or a mapping): a ``networkx.DiGraph``,
    or with ``networkx`` false a ModelGraph (see :func:`read_plan`)."""
    from sim.model.load import from_dict, graph_from_dict, load, load_graph

    if isinstance(spec, Mapping):
        return (from_dict if networkx else graph_from_dict)(spec, base_dir=base)
    if not isinstance(spec, str) or not spec:
        raise fail(label, f"must be a model file path or a mapping (got {spec!r})", "model")
    path = base / spec
    if not path.is_file():
        raise fail(label, f"names no file: {spec} does not exist (paths are relative to the "
                   "plan file)", "model")
    return (load if networkx else load_graph)(path)


def _applied(graph, values: Mapping, label: str, key: str):
    """``graph`` with ``values`` applied (paths checked, values not yet); errors name ``key``."""
    from sim.model import apply_overrides

    try:
        return apply_overrides(graph, values)
    except ModelError as exc:
        raise PlanError(f"{label}: {key!r}: {str(exc).removeprefix('model: ')}") from None


def _run(data: dict, model, label: str) -> dict:
    """The plan's run settings over the model's, checked by the one validator of run
    settings; the planner adds its own needs (two replications for an interval,
    seconds of warm-up)."""
    from sim.model.settings import RunSettings, check_settings

    run = _mapping(data.get("run"), label, "run", RUN_KEYS)
    try:
        given = check_settings(run)
    except ModelError as exc:
        raise PlanError(f"{label}: {str(exc).removeprefix('model: ')}") from None
    out = {"duration": model.run.duration, "warmup": model.run.warmup,
           "replications": DEFAULT_REPLICATIONS, "seed": model.run.seed,
           **({} if model.run.series is None else {"series": model.run.series}),
           **({} if model.run.engine == "auto" else {"engine": model.run.engine}), **given}
    try:  # the series' interval count depends on the plan's duration and warm-up too
        RunSettings(**out)
    except ModelError as exc:
        raise PlanError(f"{label}: {str(exc).replace('series', 'run.series', 1)}") from None
    if out["replications"] < 2:
        raise fail(label, "must be at least 2: the planner needs a confidence interval "
                   f"(got {out['replications']!r})", "run.replications")
    if out["warmup"] == "auto":
        raise fail(label, "'auto' is not supported by the planner: give seconds",
                   "run.warmup")
    return out


def _grid(spec: dict, label: str, key: str) -> tuple:
    low = _number(spec.get("min"), label, f"variables.{key}.min")
    high = _number(spec.get("max"), label, f"variables.{key}.max")
    step = _number(spec.get("step", 1), label, f"variables.{key}.step")
    if high < low:
        raise fail(label, f"must be >= min ({low!r}) (got {high!r})", f"variables.{key}.max")
    if step <= 0:
        raise fail(label, f"must be positive (got {step!r})", f"variables.{key}.step")
    count = int(math.floor((high - low) / step + 1e-9)) + 1
    if count > MAX_GRID:
        raise fail(label, f"gives {count} values; at most {MAX_GRID}: raise the step",
                   f"variables.{key}")
    integer = all(isinstance(x, int) and not isinstance(x, bool) for x in (low, step))
    values = [low + i * step for i in range(count)]
    return tuple(int(v) for v in values) if integer else tuple(round(v, 12) for v in values)


def _variable(key: Any, spec: Any, graph, label: str) -> Variable:
    if not isinstance(key, str) or not key.startswith(("nodes.", "edges.")):
        raise fail(label, "must be a dotted model key such as nodes.worker.servers",
                   f"variables.{key}")
    spec = _mapping(spec, label, f"variables.{key}", VARIABLE_KEYS)
    for needed in ("min", "max"):
        if needed not in spec:
            raise fail(label, "is missing; give min and max (and cost)",
                       f"variables.{key}.{needed}")
    values = _grid(spec, label, key)
    _applied(graph, {key: values[0]}, label, f"variables.{key}")
    cost = _number(spec.get("cost", 0.0), label, f"variables.{key}.cost", low=0)
    monotone = spec.get("monotone", key.endswith(".servers"))
    if not isinstance(monotone, bool):
        raise fail(label, f"must be true or false (got {monotone!r})",
                   f"variables.{key}.monotone")
    return Variable(key=key, values=values, cost=float(cost), monotone=monotone)


def _variables(data: dict, graph, load: dict, label: str) -> tuple[Variable, ...]:
    spec = _mapping(data.get("variables"), label, "variables")
    if not spec:
        raise fail(label, "must name at least one decision variable, e.g. "
                   "nodes.worker.servers: {min: 1, max: 32, cost: 1}", "variables")
    for key in spec:
        if key in load:
            raise fail(label, "is both fixed in 'set' and a variable: keep one",
                       f"variables.{key}")
    return tuple(_variable(k, v, graph, label) for k, v in spec.items())


def _objectives(data: dict, model, label: str) -> tuple[Objective, ...]:
    spec = data.get("objectives")
    if isinstance(spec, str):
        spec = [spec]
    if not isinstance(spec, list) or not spec:
        raise fail(label, "must be a non-empty list such as ['requests.latency.p99 <= 0.5']",
                   "objectives")
    parsed = tuple(parse_objective(text, label=label, index=i) for i, text in enumerate(spec))
    from sim.experiments.build import metric_names

    names = metric_names(model)
    for i, objective in enumerate(parsed):
        for path in objective.paths:
            if path not in names:
                raise fail(label, f"names the unknown result path {path!r}; paths are "
                           "requests.<key> or nodes.<node>.<key> as in the result JSON",
                           f"objectives[{i}]", suggestion=nearest(path, names))
    return parsed


def _saturation(data: dict, label: str) -> Saturation:
    spec = _mapping(data.get("saturation"), label, "saturation", SATURATION_KEYS)
    reps = _number(spec.get("replications", 2), label, "saturation.replications",
                   integer=True, low=1)
    steps = _number(spec.get("steps", 6), label, "saturation.steps", integer=True, low=0,
                    high=30)
    top = spec.get("max_multiplier")
    if top is not None:
        top = _number(top, label, "saturation.max_multiplier", low=1)
    return Saturation(replications=reps, steps=steps, max_multiplier=top)


def load_plan(source: str | Path | Mapping, *, base_dir: str | Path | None = None) -> Plan:
    """Read and validate a plan file (or a dict of the same shape).

    Parameters
    ----------
    source : str, Path or mapping
        The plan file (YAML), or its content as a dict.
    base_dir : str or Path, optional
        For a dict: the folder a relative ``model`` path starts from (default:
        the current directory).

    Raises
    ------
    PlanError
        One message naming the key of the first mistake: unknown keys, a model
        that does not load, an unknown result path or operator in an objective,
        a variable that is not a model key, bad bounds or steps or costs.
    """
    return _load_plan(source, base_dir, networkx=True)


def read_plan(source: str | Path | Mapping, *, base_dir: str | Path | None = None) -> Plan:
    """:func:`load_plan` without networkx (what the command line uses): the same checks
    and the same Plan, whose ``graph`` is a :class:`~sim.model.graph.ModelGraph`
    (``graph.to_networkx()`` converts). Importing networkx costs about 0.09 s, a
    twentieth of ``asyncsim plan experiments/plan_request_reply.yaml``."""
    return _load_plan(source, base_dir, networkx=False)


def _load_plan(source, base_dir, *, networkx: bool) -> Plan:
    data, base, label, stem = _read(source, base_dir)
    for key in data:
        if key not in TOP_KEYS:
            raise fail(label, f"is not a plan key; allowed: {', '.join(TOP_KEYS)}", key,
                       suggestion=nearest(str(key), TOP_KEYS))
    if "model" not in data:
        raise fail(label, "is missing: name the model file (relative to the plan)", "model")
    try:
        raw = _model_graph(data["model"], base, label, networkx)
    except ModelError as exc:
        raise fail(label, f"is not a valid model: {str(exc).removeprefix('model: ')}",
                   "model") from None
    load = _mapping(data.get("set"), label, "set")
    try:
        graph = _applied(raw, load, label, "set")
        variables = _variables(data, graph, load, label)
        configurator = _configurator(raw, graph, variables, label)
    except PlanError:
        _check_model(raw, label)     # a broken model is named first, whatever else is
        raise
    model = configurator.validated(_config(variables, 0))
    run = _run(data, model, label)
    confidence = _number(data.get("confidence", 0.95), label, "confidence", low=0.5,
                         high=0.999)
    reps = _number(data.get("max_replications", max(12, run["replications"])), label,
                   "max_replications", integer=True, low=run["replications"])
    evals = _number(data.get("max_evaluations", 60), label, "max_evaluations", integer=True,
                    low=1)
    return Plan(name=str(data.get("name", stem)), description=str(data.get("description", "")),
                label=label, graph=graph, model=model, load=load, run=run,
                objectives=_objectives(data, model, label),
                variables=variables, confidence=confidence,
                max_replications=reps, max_evaluations=evals,
                saturation=_saturation(data, label), configurator=configurator)


def _check_model(raw, label: str) -> None:
    """Refuse ``raw`` naming 'model' when it does not validate on its own."""
    from sim.model import validate

    try:
        validate(raw)
    except ModelError as exc:
        raise fail(label, f"is not a valid model: {str(exc).removeprefix('model: ')}",
                   "model") from None


def _config(variables: tuple[Variable, ...], at: int) -> dict:
    """Every variable at its ``at``-th value (clamped to its grid)."""
    return {v.key: v.values[min(at, len(v.values) - 1) if at >= 0 else at] for v in variables}


def _configurator(raw, graph, variables: tuple[Variable, ...],
                  label: str):
    """The plan's Configurator, its variables checked at their first and last values
    (and second, when a step could break integrality): the only validations of a
    load, and the ends that let the variables be typed overrides."""
    from sim.planner.configure import Configurator

    configurator = Configurator(graph, label)
    ends = [_config(variables, 0), _config(variables, -1)]
    integral = all(isinstance(x, int) for v in variables for x in v.values)
    checks = ends + ([] if integral else [_config(variables, 1)])
    for config in checks:
        try:
            configurator.validated(config)
        except ModelError as exc:
            raise _blame(raw, graph, variables, exc, label) from None
    configurator.allow_typed([v.key for v in variables], (ends[0], ends[1]))
    return configurator


def _blame(raw, graph, variables: tuple[Variable, ...],
           exc: ModelError, label: str) -> PlanError:
    """The plan key to name for a configuration that does not validate: the model
    itself, a variable (alone at the ends of its range), or the ``set:`` load."""
    from sim.model import apply_overrides, validate

    def error(G) -> ModelError | None:
        try:
            validate(G)
        except ModelError as found:
            return found
        return None

    text = lambda e: str(e).removeprefix("model: ")  # noqa: E731
    found = error(raw)
    if found is not None:
        return fail(label, f"is not a valid model: {text(found)}", "model")
    in_set = error(graph)
    if in_set is not None and str(in_set) == str(exc):
        return PlanError(f"{label}: 'set': {text(in_set)}")
    for v in variables:
        for value in dict.fromkeys((v.values[0], v.values[min(1, len(v.values) - 1)],
                                    v.values[-1])):
            found = error(apply_overrides(graph, {v.key: value}))
            if found is not None:
                return PlanError(f"{label}: 'variables.{v.key}': {text(found)}")
    if in_set is not None:
        return PlanError(f"{label}: 'set': {text(in_set)}")
    return PlanError(f"{label}: the variables together do not give a valid model: "
                     f"{text(exc)}")
