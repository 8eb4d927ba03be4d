"""Keys in the analytic layer: the popularity of the keys that reach a node (the mix
of the keyed senders upstream, weighted by their rates) and the shares of
``routing: consistent_hash``.

Under the independent reference model with Poisson senders, the requests of key i
are a Poisson stream of rate ``Lambda p_i``; a successor owning a set K of keys
receives the union, a Poisson stream of rate ``Lambda sum_{i in K} p_i``: exact, not
a balancing approximation.
"""

from __future__ import annotations

import numpy as np

from sim.model.keyspace import ring_owner

__all__ = ["popularity", "hash_shares"]

_MEMO: dict = {}


def _reaching(model, name: str) -> list:
    """The keyed senders with a path (path or call edges) to ``name``."""
    succ: dict[str, list[str]] = {}
    for e in (*model.edges, *model.calls):
        succ.setdefault(e.source, []).append(e.target)
    out = []
    for s in model.senders:
        if s.keys is None:
            continue
        seen, todo = {s.name}, [s.name]
        while todo:
            n = todo.pop()
            for m in succ.get(n, ()):
                if m not in seen:
                    seen.add(m)
                    todo.append(m)
        if name in seen:
            out.append(s)
    return out


def _weight(sender) -> float:
    """Requests per second of an open sender; a closed one's clients (no rate known)."""
    rate = sender.mean_rate
    return float(rate) if rate is not None else float(sender.clients)


def popularity(model, name: str) -> tuple[np.ndarray, float]:
    """``(p, rate)``: the probability of each key (0 .. model.key_count - 1) among the
    requests that reach ``name``, and the keyed senders' request rate (1/s, before
    visits and losses). Memoised per model (the rows ask several times)."""
    memo = _MEMO.get((id(model), name))
    if memo is not None and memo[0] is model:
        return memo[1]
    p = np.zeros(model.key_count)
    rate = 0.0
    for s in _reaching(model, name):
        w = _weight(s)
        p[: s.keys.count] += w * s.keys.probabilities()
        rate += w
    answer = (p / p.sum() if rate > 0 else p, rate)
    if len(_MEMO) > 64:
        _MEMO.clear()
    _MEMO[(id(model), name)] = (model, answer)
    return answer


def hash_shares(model, spec) -> dict[str, float]:
    """The share of the requests reaching ``spec`` that each successor owns on its
    consistent-hash ring (sum of the probabilities of the keys it owns)."""
    edges = model.out_edges(spec.name)
    names = [e.target for e in edges]
    p, _ = popularity(model, spec.name)
    if not len(p) or p.sum() <= 0:
        return {n: 1.0 / len(names) for n in names}
    owners = ring_owner(np.arange(len(p)), names, spec.replicas)
    mass = np.bincount(owners, weights=p, minlength=len(names))
    return {n: float(mass[i]) for i, n in enumerate(names)}
