"""Hedged requests on a sender (``hedge: {after: T}``).

When an attempt has had no reply ``after`` seconds after it was sent, one more copy
of it is sent (Dean & Barroso, "The Tail at Scale", CACM 2013). The first copy to
complete completes the attempt; a copy completing after its request was resolved
is wasted work (``hedge_wasted_work``), not a duplicate; the attempt fails only when
its last live copy fails. A subclass chosen at build time, so senders without
``hedge`` pay nothing.
"""

from __future__ import annotations

from sim.engine.events import Call
from sim.engine.message import PENDING, Msg, Request
from sim.engine.sender import Sender

__all__ = ["HedgingSender"]


class HedgingSender(Sender):
    """A sender whose attempts get one more copy after ``spec.hedge`` seconds."""

    def __init__(self, env, spec, **kwargs) -> None:
        super().__init__(env, spec, **kwargs)
        self.after = spec.hedge
        self.simple = False
        self.copies: dict = {}      # (request, attempt) -> live copies, once hedged

    def reset(self, now: float) -> None:
        super().reset(now)
        self.hedges = 0
        self.hedge_wasted = 0.0

    def _attempt(self, req: Request) -> None:
        super()._attempt(req)
        Call(self.env, self.after, self._hedge, (req, req.sent))

    def _hedge(self, event) -> None:
        req, attempt = event._value
        if req.state != PENDING or req.current != attempt:
            return
        if req.counted:
            self.hedges += 1
        self.copies[(req, attempt)] = 2
        now = self.env._now
        if self.send(Msg(self, req, req.born, attempt, self.prio, now), self):
            self.blocked += 1

    def hedge_copies(self, msg: Msg) -> int:
        """Live copies of ``msg``'s attempt once hedged (0 when it never was); read by
        the trace, which writes a hedged attempt's row only when its last copy ends."""
        return self.copies.get((msg.req, msg.attempt), 0)

    def _settled_copy(self, msg: Msg) -> int | None:
        """One copy of a hedged attempt resolved: the copies still live, or None
        when the attempt was never hedged."""
        key = (msg.req, msg.attempt)
        live = self.copies.get(key)
        if live is None:
            return None
        if live > 1:
            self.copies[key] = live - 1
        else:
            del self.copies[key]
        return live - 1

    def complete(self, msg: Msg) -> None:
        req = msg.req
        if self._settled_copy(msg) is not None and req.state != PENDING:
            self.waste(req.born, msg.work)
            if req.born >= self.warmup:
                self.hedge_wasted += msg.work
            return
        super().complete(msg)

    def fail(self, msg: Msg, cause: str) -> None:
        if self._settled_copy(msg):
            return   # the other copy may still complete the attempt
        super().fail(msg, cause)

    @property
    def extras(self) -> dict:
        out = super().extras
        out.update(hedges=self.hedges, hedge_wasted_work=self.hedge_wasted)
        return out
