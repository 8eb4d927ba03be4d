"""Routing policies: plain functions that build a node's ``send(msg, producer)``.

``send`` returns True only when the message was held back by a blocking queue
(the producer must wait). Each factory receives the successors' runtimes (with
``arrive(msg, producer)`` and ``load()``), the edge probabilities and a uniform
stream ``u()`` on [0, 1).
"""

from __future__ import annotations

import itertools
from bisect import bisect_right

from sim.engine.message import Join, Quorum, finish

__all__ = ["make_send", "POLICIES"]


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


POLICIES = {
    "probabilistic": _probabilistic,
    "random": _random,
    "round_robin": _round_robin,
    "least_loaded": _least_loaded,
    "power_of_two": _power_of_two,
    "broadcast": _broadcast,
}


def make_send(policy: str, targets: list, probs: list[float], u, where: str = "node",
              **params) -> callable:
    """The ``send`` function of a node with routing ``policy`` to ``targets``.

    ``params`` are the policy's own settings (broadcast: ``quorum``, ``nested``).
    An unknown policy is a ValueError naming ``where``, never another policy.
    """
    try:
        factory = POLICIES[policy]
    except KeyError:
        raise ValueError(f"{where}: unknown routing {policy!r} "
                         f"(known: {', '.join(POLICIES)})") from None
    if not targets:
        return finish
    return factory(targets, probs, u, **params)
