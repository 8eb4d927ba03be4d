"""The routing matrix of a model, stored sparse, and the two linear systems on it.

``P[i, j]`` is the mean number of messages node ``i`` passes to node ``j`` per
message it receives. A model of N nodes has about as many edges as nodes, so
``P`` is kept as one ``{j: P[i, j]}`` row per node: a dense N x N array would
need 3.2 GB at N = 20,000 (benchmarks/load_scaling.py).

Both systems are solved one strongly connected component at a time, in
topological order of the condensation (Tarjan 1972): a component without a
cycle is a single substitution, and a dense solve is needed only inside a
cycle, on that cycle's nodes. Time and memory are linear in the model's size
for acyclic models, and cubic only in the size of the largest cycle.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

__all__ = ["RoutingMatrix", "solve_visits", "solve_absorption"]


class RoutingMatrix:
    """Sparse ``P``: ``rows[i]`` maps ``j`` to ``P[i, j]`` (zero entries absent).

    ``P[i, j]`` reads an entry (0.0 when absent); ``names`` and ``index`` give
    the node of each row.
    """

    __slots__ = ("names", "index", "rows")

    def __init__(self, names: Sequence[str]) -> None:
        self.names = list(names)
        self.index = {n: i for i, n in enumerate(self.names)}
        self.rows: list[dict[int, float]] = [{} for _ in self.names]

    def add(self, i: int, j: int, value: float) -> None:
        if value:
            row = self.rows[i]
            row[j] = row.get(j, 0.0) + value

    def __getitem__(self, ij: tuple[int, int]) -> float:
        i, j = ij
        return self.rows[i].get(j, 0.0)

    def __len__(self) -> int:
        return len(self.names)

    def components(self) -> list[list[int]]:
        """Strongly connected components of the graph of nonzero entries, sources first.

        The order is that of ``networkx.topological_sort(networkx.condensation(g))``
        (its Tarjan variant and Kahn's generations, written out here so that
        ``asyncsim check`` does not import networkx, about 0.2 s of its start-up);
        a test holds the two equal.
        """
        adj = [list(row) for row in self.rows]
        sccs = _tarjan(adj)
        mapping = [0] * len(adj)
        for c, members in enumerate(sccs):
            for n in members:
                mapping[n] = c
        succ: list[dict[int, None]] = [{} for _ in sccs]
        for u, row in enumerate(adj):
            for v in row:
                if mapping[u] != mapping[v]:
                    succ[mapping[u]][mapping[v]] = None
        indegree = [0] * len(sccs)
        for row in succ:
            for c in row:
                indegree[c] += 1
        order, generation = [], [c for c, d in enumerate(indegree) if d == 0]
        while generation:
            order += generation
            following = []
            for c in generation:
                for child in succ[c]:
                    indegree[child] -= 1
                    if indegree[child] == 0:
                        following.append(child)
            generation = following
        return [sorted(sccs[c]) for c in order]


def _tarjan(adj: list[list[int]]) -> list[set[int]]:
    """Strongly connected components of the graph ``i -> adj[i]``, sinks first, in the
    order ``networkx.strongly_connected_components`` yields them (iterative Tarjan)."""
    preorder: dict[int, int] = {}
    lowlink: dict[int, int] = {}
    found: set[int] = set()
    stack: list[int] = []
    out: list[set[int]] = []
    count = 0
    neighbours = [iter(row) for row in adj]
    for source in range(len(adj)):
        if source in found:
            continue
        queue = [source]
        while queue:
            v = queue[-1]
            if v not in preorder:
                count += 1
                preorder[v] = count
            done = True
            for w in neighbours[v]:
                if w not in preorder:
                    queue.append(w)
                    done = False
                    break
            if done:
                lowlink[v] = preorder[v]
                for w in adj[v]:
                    if w not in found:
                        low = lowlink[w] if preorder[w] > preorder[v] else preorder[w]
                        lowlink[v] = min(lowlink[v], low)
                queue.pop()
                if lowlink[v] == preorder[v]:
                    scc = {v}
                    while stack and preorder[stack[-1]] > preorder[v]:
                        scc.add(stack.pop())
                    found.update(scc)
                    out.append(scc)
                else:
                    stack.append(v)
    return out


def _acyclic(P: RoutingMatrix, members: list[int]) -> bool:
    """Whether a component is one node that does not route to itself (no solve needed)."""
    return len(members) == 1 and members[0] not in P.rows[members[0]]


def _solve_cycle(P: RoutingMatrix, members: list[int], rhs: list[float],
                 transpose: bool) -> list[float]:
    """``x`` on one cyclic component: ``x = rhs + x P_CC`` (transpose) or
    ``x = rhs + P_CC x``, by a dense solve; raises numpy.linalg.LinAlgError when
    singular. numpy is imported here, so a model without cycles is solved without it
    (``asyncsim check`` does not import numpy)."""
    import numpy as np

    pos = {m: k for k, m in enumerate(members)}
    A = np.eye(len(members))
    for m in members:
        for j, w in P.rows[m].items():
            k = pos.get(j)
            if k is not None:
                if transpose:
                    A[k, pos[m]] -= w
                else:
                    A[pos[m], k] -= w
    return np.linalg.solve(A, np.array(rhs)).tolist()


def solve_visits(P: RoutingMatrix, start: int, order: list[list[int]]) -> list[float] | None:
    """Visits ``v`` (one per node, in ``P``'s order) solving ``v = e_start + v P``
    (traffic equations), or None when messages multiply without bound (a finite
    non-negative solution exists exactly when ``sum_k e P^k`` converges). ``order``:
    :meth:`RoutingMatrix.components`."""
    v = [0.0] * len(P)
    inflow = [0.0] * len(P)
    inflow[start] = 1.0
    for members in order:
        rhs = [inflow[m] for m in members]
        if not any(rhs):
            continue
        if _acyclic(P, members):
            x = rhs
        else:
            import numpy as np

            try:
                x = _solve_cycle(P, members, rhs, transpose=True)
            except np.linalg.LinAlgError:
                return None
        if not (all(math.isfinite(t) for t in x) and min(x) > -1e-9 and max(x) < 1e12):
            return None
        for m, vm in zip(members, x):
            v[m] = vm
            for j, w in P.rows[m].items():
                inflow[j] += vm * w
    return v


def solve_absorption(P: RoutingMatrix, b: np.ndarray, order: list[list[int]]) -> np.ndarray:
    """``g`` solving ``g = b + P g`` (first-step analysis: the probability that a
    message at each node is absorbed successfully); components sinks first."""
    import numpy as np

    g = np.zeros(len(P))
    for members in reversed(order):
        inside = set(members)
        rhs = [b[m] + sum(w * g[j] for j, w in P.rows[m].items() if j not in inside)
               for m in members]
        g[members] = rhs if _acyclic(P, members) else _solve_cycle(P, members, rhs,
                                                                  transpose=False)
    return g
