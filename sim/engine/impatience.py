"""Balking at a buffer (``balk: [[n, p], ...]``): an arrival that sees too many
waiting may refuse to join.

A mixin chosen when the model is built (:func:`sim.engine.delivery.make_buffer`), so a
buffer without ``balk`` pays nothing; its ``put`` may refuse an arrival before the
buffer sees it. (Reneging, ``ttl`` as a distribution, is
:class:`sim.engine.delivery.PatienceBuffer`.)
"""

from __future__ import annotations

from bisect import bisect_right

from sim.engine.message import Msg, fail

__all__ = ["Balking", "balking_class"]


class Balking:
    """An arrival finding n or more messages waiting is refused with probability p
    (the entry with the largest n not above the number waiting); ``balked`` counts
    them (part of ``dropped``). ``balk_uniform`` draws on [0, 1)."""

    balk_uniform = None

    def __init__(self, env, name: str, spec, *args) -> None:
        super().__init__(env, name, spec, *args)
        self.balk_at = tuple(n for n, _p in spec.balk)
        self.balk_p = tuple(p for _n, p in spec.balk)
        self.balk_first = self.balk_at[0]

    def reset(self, now: float) -> None:
        super().reset(now)
        self.balked = 0

    def put(self, msg: Msg, producer=None, arrived: float | None = None) -> bool:
        n = self.n
        if n >= self.balk_first:
            p = self.balk_p[bisect_right(self.balk_at, n) - 1]
            if p >= 1.0 or self.balk_uniform() < p:
                self.arrivals += 1
                self.dropped += 1
                self.balked += 1
                fail(msg, "balked")
                return False
        return super().put(msg, producer, arrived)

    arrive = put


_CLASSES: dict = {}


def balking_class(base: type) -> type:
    """``base`` (a Buffer class) with balking (built once per base)."""
    if base not in _CLASSES:
        _CLASSES[base] = type(base.__name__, (Balking, base), {})
    return _CLASSES[base]
