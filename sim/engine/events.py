"""The one kind of event the engine schedules on its hot path.

``Call(env, delay, callback, value)`` is a SimPy event that fires after ``delay``
seconds and calls ``callback(event)`` with ``event._value == value``. It is a
``simpy.events.Event`` subclass (the documented way to extend SimPy) whose
constructor inlines ``Event.__init__``, the callback list and
``Environment.schedule``, as ``simpy.events.Timeout`` itself inlines
``Event.__init__`` "for performance reasons": it saves two Python calls per event,
about 12% of the run time of W1 in benchmarks/throughput.py.
"""

from __future__ import annotations

from heapq import heappush

from simpy.events import NORMAL, Event

__all__ = ["Call"]


class Call(Event):
    """An event at ``env.now + delay`` calling ``callback`` (``value`` as its value)."""

    def __init__(self, env, delay: float, callback, value=None) -> None:
        self.env = env
        self.callbacks = [callback]
        self._value = value
        self._ok = True
        heappush(env._queue, (env._now + delay, NORMAL, next(env._eid), self))
