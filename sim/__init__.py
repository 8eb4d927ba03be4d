"""asyncsim: simulate and size asynchronous, message-driven systems.

>>> import sim
>>> model = sim.load("models/request_reply.yaml")      # doctest: +SKIP
>>> result = sim.simulate(model, duration=600)          # doctest: +SKIP
>>> result.to_dict()["requests"]["latency"]["p99"]      # doctest: +SKIP
"""

from __future__ import annotations

from sim.errors import (ConservationError, ExperimentError, InfeasiblePlan, ModelError,
                        PlanError, SimError)

__version__ = "0.1.0"

__all__ = [
    "load", "validate", "simulate", "analyze", "sweep", "plan", "Result",
    "SimError", "ModelError", "ExperimentError", "PlanError", "InfeasiblePlan",
    "ConservationError", "__version__",
]


def load(path, overrides=None):
    """Read a model file (YAML or JSON), apply dotted overrides, validate: a Model."""
    from sim.model import load_model

    return load_model(path, overrides)


def validate(graph):
    """Validate a ``networkx.DiGraph`` with the model format's keys into a Model."""
    from sim.model import validate as _validate

    return _validate(graph)


def _model(model, caller: str):
    """A validated Model from a Model, a ``networkx.DiGraph`` with the model's keys
    (as :func:`sim.model.from_dict` and :func:`sim.model.from_adjacency` build), or
    the path of a model file; anything else is refused with a :class:`SimError`."""
    import os

    from sim.model import Model

    if isinstance(model, Model):
        return model
    if isinstance(model, (str, os.PathLike)):
        return load(model)
    import networkx as nx

    if isinstance(model, nx.DiGraph):
        return validate(model)
    raise SimError(f"{caller}() takes a Model (sim.load), a networkx.DiGraph with the model's "
                   f"keys (sim.model.from_dict, from_adjacency) or a model file path, "
                   f"not {type(model).__module__}.{type(model).__qualname__}")


def simulate(model, **settings):
    """Simulate a Model, a ``networkx.DiGraph`` (validated first) or a model file;
    see :func:`sim.engine.simulate`."""
    from sim.engine import simulate as _simulate

    return _simulate(_model(model, "simulate"), **settings)


def analyze(model):
    """Analytic figures of a Model, a ``networkx.DiGraph`` (validated first) or a model
    file; see :func:`sim.analytic.analyze`."""
    from sim.analytic import analyze as _analyze

    return _analyze(_model(model, "analyze"))


def sweep(experiment, **options):
    """Run a parameter sweep; see :func:`sim.experiments.sweep`."""
    from sim.experiments import sweep as _sweep

    return _sweep(experiment, **options)


def plan(plan_file, **options):
    """Find the cheapest configuration meeting the SLOs; see :func:`sim.planner.plan`.

    With ``out=DIR`` the report is written there too, as ``asyncsim plan --out`` does.
    """
    from sim.planner import plan as _plan

    result = _plan(plan_file, **options)
    if options.get("out"):
        from sim.reports import write_report

        write_report(options["out"])
    return result


def __getattr__(name):
    if name == "Result":
        from sim.metrics.result import Result

        return Result
    raise AttributeError(name)
