"""A model whose topology is a matrix of routing probabilities."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import ModelError
from sim.model.load import from_dict

if TYPE_CHECKING:  # imported where used: sim.model is imported by every command
    import networkx as nx
    import numpy as np

__all__ = ["from_adjacency"]

_TOLERANCE = 1e-9  # the same tolerance validate allows on a node's p's


def from_adjacency(matrix: Any, nodes: Sequence[tuple[str, Mapping]], *, name: str = "model",
                   run: Mapping | None = None, description: str = "",
                   base_dir: str | Path | None = None) -> nx.DiGraph:
    """A graph from routing probabilities: ``matrix[i][j]`` is the chance that a message
    leaving node ``i`` goes to node ``j``.

    Parameters
    ----------
    matrix : array_like, shape (n, n)
        Row ``i`` is node ``i``'s out-edges; each row sums to 1, or to 0 for a sink.
    nodes : sequence of (name, attributes)
        The ``n`` nodes in matrix order, with their model-format keys.
    name, run, description, base_dir
        As in a model file.

    Returns
    -------
    networkx.DiGraph
        The graph ``from_dict`` builds from the equivalent edge list: nonzero entries in
        row-major order, with ``p`` on each, except on a node's only edge when its
        entry is 1.
    """
    names = [node_name for node_name, _ in nodes]
    if len(set(names)) != len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise ModelError("is defined twice in the node list", node=twice)
    rows = _square(matrix, len(names))
    edges: list[list[Any]] = []
    for i, row in enumerate(rows):
        _check_row(row, names[i])
        targets = [(names[j], float(p)) for j, p in enumerate(row) if p != 0]
        if len(targets) == 1 and targets[0][1] == 1.0:
            edges.append([names[i], targets[0][0]])
        else:
            edges.extend([names[i], target, p] for target, p in targets)
    data = {"name": name, "description": description, "run": dict(run or {}),
            "nodes": {node_name: dict(attrs) for node_name, attrs in nodes}, "edges": edges}
    return from_dict(data, base_dir=base_dir)


def _square(matrix: Any, n: int) -> np.ndarray:
    import numpy as np

    try:
        rows = np.asarray(matrix, dtype=float)
    except (TypeError, ValueError):
        raise ModelError("must be a square matrix of numbers (ragged or not numeric)",
                         key="matrix") from None
    if rows.ndim != 2 or rows.shape[0] != rows.shape[1]:
        raise ModelError("must be a square matrix", key="matrix", value=rows.shape)
    if rows.shape[0] != n:
        raise ModelError(f"has {rows.shape[0]} rows, but {n} nodes are given", key="matrix")
    return rows


def _check_row(row: np.ndarray, node: str) -> None:
    bad = [p for p in row if not (math.isfinite(p) and p >= 0)]
    if bad:
        raise ModelError("must hold probabilities >= 0 in its matrix row", node=node,
                         key="p", value=float(bad[0]))
    total = float(row.sum())
    if total != 0 and abs(total - 1) > _TOLERANCE:
        raise ModelError("must sum to 1 along its matrix row (or to 0 for a sink)", node=node,
                         key="p", value=total)
