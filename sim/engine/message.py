"""What flows through the engine: one copy of one attempt of a request.

Plain slotted objects, allocated once per message (and once per request when the
sender retries or times out); no dicts on the hot path.
"""

from __future__ import annotations

__all__ = ["Msg", "Join", "Request", "PENDING", "DONE", "FAILED"]

PENDING, DONE, FAILED = 0, 1, 2


class Join:
    """Shared by the copies of one attempt after a broadcast (fork-join)."""

    __slots__ = ("live", "failed")

    def __init__(self) -> None:
        self.live = 1
        self.failed = False


class Request:
    """State shared by the attempts of one request (only for senders that time out or retry).

    ``current`` is the number of the attempt not yet resolved (0 when none is):
    an attempt is resolved once, by its completion, its failure or its timeout.
    """

    __slots__ = ("born", "counted", "state", "current", "sent", "last_backoff")

    def __init__(self, born: float, counted: bool) -> None:
        self.born = born
        self.counted = counted
        self.state = PENDING
        self.current = 0
        self.sent = 0
        self.last_backoff = 0.0


class Msg:
    """One copy of one attempt.

    ``src`` is the sender (it resolves attempts), ``req`` its Request or None for a
    sender without timeout or retry, ``born`` the request's first departure (s),
    ``attempt`` the attempt number from 1, ``prio`` its priority (lower first),
    ``t`` the time it arrived where it is now (s), ``join`` its fork-join state.
    """

    __slots__ = ("src", "req", "born", "attempt", "prio", "t", "join")

    def __init__(self, src, req, born: float, attempt: int, prio: int, t: float,
                 join: Join | None = None) -> None:
        self.src = src
        self.req = req
        self.born = born
        self.attempt = attempt
        self.prio = prio
        self.t = t
        self.join = join

    def copy(self) -> "Msg":
        return Msg(self.src, self.req, self.born, self.attempt, self.prio, self.t, self.join)


def finish(msg: Msg) -> None:
    """A copy left a sink: the attempt completes when its last live copy does."""
    join = msg.join
    if join is not None:
        join.live -= 1
        if join.live or join.failed:
            return
    msg.src.complete(msg)


def fail(msg: Msg, cause: str) -> None:
    """A copy was lost (``cause``: rejected, dropped, expired, error, crash): the attempt fails."""
    join = msg.join
    if join is not None:
        join.live -= 1
        if join.failed:
            return
        join.failed = True
    msg.src.fail(msg, cause)
