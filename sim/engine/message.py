"""What flows through the engine: one copy of one attempt of a request.

Plain slotted objects, allocated once per message (and once per request when the
sender retries or times out); no dicts on the hot path.
"""

from __future__ import annotations

__all__ = ["Msg", "Join", "Quorum", "Request", "PENDING", "DONE", "FAILED"]

PENDING, DONE, FAILED = 0, 1, 2


class Join:
    """Shared by the copies of one attempt after a broadcast (fork-join).

    ``parent`` is the :class:`Quorum` the fork happened under, or None: when every
    copy has completed, the join counts as one completed copy of its parent.
    """

    __slots__ = ("live", "failed", "work", "parent")
    quorum = False

    def __init__(self, parent=None) -> None:
        self.live = 1
        self.failed = False
        self.work = 0.0
        self.parent = parent


class Quorum(Join):
    """The copies sent by a broadcast with ``quorum: need``: the attempt goes on when
    ``need`` of them have completed, and fails once fewer than ``need`` can; copies
    finishing after that are wasted work. Nested under ``parent`` when the message
    was already a copy of an earlier broadcast."""

    __slots__ = ("need", "done", "resolved")
    quorum = True

    def __init__(self, need: int, parent=None) -> None:
        super().__init__(parent)
        self.need = need
        self.done = 0
        self.resolved = False

    def finished(self, msg: "Msg") -> None:
        self.live -= 1
        if self.resolved or self.failed:
            msg.src.waste(msg.born, msg.work)
            return
        self.work += msg.work
        self.done += 1
        if self.done >= self.need:
            self.resolved = True
            msg.work = self.work
            _up(msg, self.parent)

    def lost(self, msg: "Msg", cause: str) -> None:
        """A copy failed (its work already counted as wasted)."""
        self.live -= 1
        if self.resolved or self.failed or self.done + self.live >= self.need:
            return
        self.failed = True
        msg.src.waste(msg.born, self.work)
        msg.join = self.parent
        if self.parent is None:
            msg.src.fail(msg, cause)
        else:
            msg.work = 0.0
            fail(msg, cause)


def _up(msg: "Msg", parent) -> None:
    """A join resolved: one completed copy of its parent, or the attempt completes."""
    msg.join = parent
    if parent is None:
        msg.src.complete(msg)
    else:
        finish(msg)


class Request:
    """State shared by the attempts of one request (only for senders that time out or retry).

    ``current`` is the number of the attempt not yet resolved (0 when none is):
    an attempt is resolved once, by its completion, its failure or its timeout.
    """

    __slots__ = ("born", "counted", "state", "current", "sent", "last_backoff", "seen", "rid",
                 "traced", "key")

    def __init__(self, born: float, counted: bool) -> None:
        self.key = None
        self.rid = 0
        self.traced = False
        self.born = born
        self.counted = counted
        self.state = PENDING
        self.current = 0
        self.sent = 0
        self.last_backoff = 0.0
        self.seen = None


class Msg:
    """One copy of one attempt.

    ``src`` is the sender (it resolves attempts), ``req`` its Request or None for a
    sender without timeout or retry, ``born`` the request's first departure (s),
    ``attempt`` the attempt number from 1, ``prio`` its priority (lower first),
    ``t`` the time it arrived where it is now (s), ``join`` its fork-join state,
    ``work`` the service time spent on this copy so far (s), ``waited`` the time it
    spent waiting in buffers and for pool units so far (s), ``rcpt`` the broker
    receipt a consumer must acknowledge (at-least-once or partitioned queues), ``key``
    the request's key (an int below the model's key count) or None.
    ``cls`` is its request class: set only in a model that names classes (its
    sender's ``send`` stamps it, sim.engine.classes), never read elsewhere, so a
    model without classes pays nothing for it (benchmarks/throughput.py, W1).
    """

    __slots__ = ("src", "req", "born", "attempt", "prio", "t", "join", "work", "waited",
                 "rcpt", "cls", "key")

    def __init__(self, src, req, born: float, attempt: int, prio: int, t: float,
                 join: Join | None = None) -> None:
        self.src = src
        self.req = req
        self.born = born
        self.attempt = attempt
        self.prio = prio
        self.t = t
        self.join = join
        self.work = 0.0
        self.waited = 0.0
        self.rcpt = None
        self.key = None

    def copy(self) -> "Msg":
        """Another copy of the same attempt (a broadcast branch or a redelivery)."""
        twin = Msg(self.src, self.req, self.born, self.attempt, self.prio, self.t, self.join)
        twin.work = self.work
        cls = getattr(self, "cls", None)
        if cls is not None:
            twin.cls = cls
        twin.key = self.key
        twin.waited = self.waited
        return twin


def finish(msg: Msg, producer=None) -> None:
    """A copy left a sink: the attempt completes when its last live copy does.

    Its signature is a node's ``send``, so a sink's ``send`` is this function.
    """
    join = msg.join
    if join is not None:
        if join.quorum:
            join.finished(msg)
            return
        join.live -= 1
        join.work += msg.work
        if join.failed:
            msg.src.waste(msg.born, msg.work)
            return
        if join.live:
            return
        msg.work = join.work
        if join.parent is not None:
            _up(msg, join.parent)
            return
    msg.src.complete(msg)


def fail(msg: Msg, cause: str) -> None:
    """A copy was lost (``cause``: rejected, dropped, expired, error, crash,
    max_receives): its attempt fails, and the service time spent on it was wasted."""
    join = msg.join
    msg.src.waste(msg.born, msg.work)
    if join is not None:
        if join.quorum:
            join.lost(msg, cause)
            return
        join.live -= 1
        if join.failed:
            return
        join.failed = True
        msg.src.waste(msg.born, join.work)
        if join.parent is not None:
            msg.join, msg.work = join.parent, 0.0
            fail(msg, cause)
            return
    msg.src.fail(msg, cause)
