"""Layer L2: model files and graphs -> a validated, typed :class:`Model` (docs/reference/model.md).

``load`` / ``from_dict`` / ``from_adjacency`` build a ``networkx.DiGraph`` whose
attributes are the model format's keys; ``apply_overrides`` changes keys by dotted path
(``--set``); ``validate`` checks everything docs/reference/model.md lists and returns frozen specs.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sim.model.load import from_dict, load, load_graph, save, to_dict
from sim.model.spec import Model
from sim.model.validate import validate

__all__ = ["load", "from_dict", "to_dict", "save", "from_adjacency", "apply_overrides",
           "parse_set", "validate", "load_model", "read_model", "Model"]

# imported at first use (PEP 562): reading and checking a model without --set needs neither
_HOME_OF = {"from_adjacency": "sim.model.adjacency", "apply_overrides": "sim.model.overrides",
            "parse_set": "sim.model.overrides"}


def __getattr__(name: str):
    module = _HOME_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'sim.model' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def load_model(path: str | Path,
               overrides: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None) -> Model:
    """Read, override (dotted paths, as ``--set``) and validate a model file."""
    G = load(path)
    if overrides:
        from sim.model.overrides import apply_overrides

        G = apply_overrides(G, overrides)
    return validate(G)


def read_model(path: str | Path,
               overrides: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None) -> Model:
    """:func:`load_model` without networkx (what the command line uses): the same
    checks and typed specs, but the Model's ``graph`` is a
    :class:`~sim.model.graph.ModelGraph` (``graph.to_networkx()`` converts it)."""
    G = load_graph(path)
    if overrides:
        from sim.model.overrides import apply_overrides

        G = apply_overrides(G, overrides)
    return validate(G)
