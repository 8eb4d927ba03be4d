"""Routing policies: plain functions that build a node's ``send(msg, producer)``.

``send`` returns True only when the message was held back by a blocking queue
(the producer must wait). Each factory receives the successors' runtimes (with
``arrive(msg, producer)`` and ``load()``), the edge probabilities and a uniform
stream ``u()`` on [0, 1).
"""

from __future__ import annotations

import itertools
from bisect import bisect_right

from sim.engine.keys import owner_table
from sim.engine.message import Join, Quorum, finish

__all__ = ["make_send", "POLICIES", "PARAMETERS"]


def _probabilistic(targets, probs, u):
    if len(targets) == 1:
        return targets[0].arrive
    arrives = [t.arrive for t in targets]
    cum = list(itertools.accumulate(probs))
    cum[-1] = 1.0 + 1e-12
    last = len(arrives) - 1

    def send(msg, producer=None):
        return arrives[min(bisect_right(cum, u()), last)](msg, producer)

    return send


def _random(targets, probs, u):
    arrives = [t.arrive for t in targets]
    k = len(arrives)

    def send(msg, producer=None):
        return arrives[int(u() * k)](msg, producer)

    return send


def _round_robin(targets, probs, u):
    turn = itertools.cycle([t.arrive for t in targets])

    def send(msg, producer=None):
        return next(turn)(msg, producer)

    return send


def _least_loaded(targets, probs, u):
    """Join the shortest queue; ties broken uniformly at random."""
    def send(msg, producer=None):
        loads = [t.load() for t in targets]
        low = min(loads)
        best = [i for i, x in enumerate(loads) if x == low]
        i = best[int(u() * len(best))] if len(best) > 1 else best[0]
        return targets[i].arrive(msg, producer)

    return send


def _power_of_two(targets, probs, u):
    """The less loaded of two successors drawn at random without replacement."""
    k = len(targets)

    def send(msg, producer=None):
        i = int(u() * k)
        j = int(u() * (k - 1))
        j += j >= i
        a, b = targets[i], targets[j]
        la, lb = a.load(), b.load()
        if la == lb:
            pick = a if u() < 0.5 else b
        else:
            pick = a if la < lb else b
        return pick.arrive(msg, producer)

    return send if k > 1 else targets[0].arrive


def _broadcast(targets, probs, u, quorum=None, nested=False):
    """A copy to every successor; the attempt completes when every copy has, or when
    ``quorum`` of them have. With ``nested`` (the model has quorums) a fork under a
    quorum's copy joins on its own before counting as one copy of the quorum."""
    first, rest = targets[0].arrive, [t.arrive for t in targets[1:]]
    extra = len(rest)
    if quorum is not None:
        return _quorum(first, rest, quorum)

    def send(msg, producer=None):
        join = msg.join
        if join is None:
            join = msg.join = Join()
        elif nested and join.quorum:
            join = msg.join = Join(join)
        join.live += extra
        for arrive in rest:
            arrive(msg.copy(), None)
        return first(msg, producer)

    return send


def _quorum(first, rest, need: int):
    """A copy to every successor, joined by a :class:`Quorum` of ``need``."""
    extra = len(rest)

    def send(msg, producer=None):
        join = msg.join = Quorum(need, msg.join)
        join.live += extra
        for arrive in rest:
            arrive(msg.copy(), None)
        return first(msg, producer)

    return send


def _consistent_hash(targets, probs, u, *, names, replicas, key_count):
    """Each key to the successor owning it on a hash ring with ``replicas`` virtual
    nodes per successor (Karger et al., STOC 1997; sim.model.keyspace.ring_owner):
    the owner of every key is tabled once here, so a message costs one list lookup.
    Validation ensures every message arriving here has a key."""
    arrives = [t.arrive for t in targets]
    owner = [arrives[i] for i in owner_table(key_count, names, replicas)]

    def send(msg, producer=None):
        return owner[msg.key](msg, producer)

    return send


POLICIES = {
    "probabilistic": _probabilistic,
    "random": _random,
    "round_robin": _round_robin,
    "least_loaded": _least_loaded,
    "power_of_two": _power_of_two,
    "broadcast": _broadcast,
    "consistent_hash": _consistent_hash,
}

PARAMETERS: dict[str, tuple[str, ...]] = {
    "consistent_hash": ("names", "replicas", "key_count"),
    "broadcast": ("quorum", "nested")}
"""The settings a policy's factory takes by keyword, beyond targets, probs and u:
``names`` (the successors' names, in edge order), ``replicas`` (the node's key) and
``key_count`` (the model's); a broadcast's ``quorum`` and ``nested``."""


def make_send(policy: str, targets: list, probs: list[float], u, where: str = "node",
              **params) -> callable:
    """The ``send`` function of a node with routing ``policy`` to ``targets``;
    ``params`` may hold any policy's :data:`PARAMETERS`; the policy takes its own
    (a missing one keeps the factory's default). An unknown policy is a ValueError naming ``where``, never another policy.
    """
    try:
        factory = POLICIES[policy]
    except KeyError:
        raise ValueError(f"{where}: unknown routing {policy!r} "
                         f"(known: {', '.join(POLICIES)})") from None
    if not targets:
        return finish
    return factory(targets, probs, u,
                   **{k: params[k] for k in PARAMETERS.get(policy, ()) if k in params})
