"""Shared helpers: build models from plain dicts, compare simulation with theory."""

from __future__ import annotations


import pytest

from sim.engine import simulate
from sim.model import from_dict, validate


def make_model(nodes: dict, edges: list, *, name: str = "test", duration: float = 1000.0,
               warmup: float = 0.0, replications: int = 1, seed: int = 1):
    """A validated Model from the same structure as a YAML file."""
    data = {"name": name, "nodes": nodes, "edges": edges,
            "run": {"duration": duration, "warmup": warmup, "replications": replications,
                    "seed": seed}}
    return validate(from_dict(data))


ENGINE: str | None = None
"""The engine :func:`run_model` asks for (None: the model's, ``auto``); the validation
suite sets it to run every theory test on both engines (tests/validation/conftest.py)."""


def run_model(nodes: dict, edges: list, **run) -> dict:
    """Simulate and return the result dictionary (on :data:`ENGINE`; a model the compiled
    kernel does not cover is skipped there, with the reason)."""
    from sim.errors import ModelError

    model = make_model(nodes, edges, **run)
    try:
        return simulate(model, engine=ENGINE).to_dict()
    except ModelError as exc:
        if ENGINE == "compiled" and "the compiled engine cannot run" in str(exc):
            pytest.skip(f"not covered by the compiled kernel: {exc}")
        raise


def pick(d: dict, path: str):
    for part in path.split("."):
        d = d[part]
    return d


def assert_agrees(result: dict, path: str, expected: float, *, rel_floor: float = 0.01,
                  max_rel_halfwidth: float = 0.08) -> None:
    """Simulated mean at ``path`` within 2.5 CI half-widths (+ a small floor) of theory.

    The CI comes from the replications; requiring it to be narrow (``max_rel_halfwidth``)
    keeps the test able to fail. 2.5 half-widths of a 95% CI is about 3.2 standard
    errors: a correct simulator fails it about once in a thousand runs (fixed seeds make
    it deterministic anyway).
    """
    value = pick(result, path)
    half = pick(result["ci95"], path)
    assert half is not None, f"{path}: no CI (needs replications >= 2)"
    assert half <= max_rel_halfwidth * abs(expected), (
        f"{path}: CI half-width {half:.4g} too wide for a meaningful check of {expected:.4g}")
    tol = 2.5 * half + rel_floor * abs(expected)
    assert abs(value - expected) <= tol, (
        f"{path}: simulated {value:.5g} vs theory {expected:.5g} (tolerance {tol:.3g})")


@pytest.fixture
def model_factory():
    return make_model


@pytest.fixture
def validations(monkeypatch):
    """Count calls of sim.model's validate, however it is imported: ``count["n"]``."""
    import sys

    import sim.model

    module = sys.modules["sim.model.validate"]
    real = module.validate
    count = {"n": 0}

    def counted(G):
        count["n"] += 1
        return real(G)

    monkeypatch.setattr(module, "validate", counted)
    monkeypatch.setattr(sim.model, "validate", counted)
    return count


def pytest_sessionstart(session):
    """Compile the compiled engine's kernel once, in this process, before any test: the
    machine code is then on disk (numba's cache), and the processes tests start (the
    console script, sweep workers) load it instead of each compiling it (about 40 s
    in a fresh checkout)."""
    import importlib.util

    if importlib.util.find_spec("numba") is None:
        return
    from sim.engine.compiled.warm import warm

    warm()
