"""Pools (``kind: pool``): shared, passive resources of ``size`` units, and the
:class:`Pooled` mixin of a service that ``uses`` them (docs/reference/model.md).

A service's execution takes a server, then one unit of each pool in ``uses`` order,
then does its work; it gives the units back when the execution ends (after its sync
calls, when it makes any). While it waits for a unit it holds its server: those
server-seconds are counted in the service's ``held``, as waiting on calls is. A
freed unit goes to the longest waiter (FIFO); a waiter still waiting after the
pool's ``timeout`` fails with cause ``pool_timeout`` and frees its server and the
units it had already taken.
"""

from __future__ import annotations

from collections import deque

from sim.engine.calls import Calls
from sim.engine.events import Call
from sim.engine.message import fail
from sim.metrics.stats import SampleStats

__all__ = ["Pool", "Pooled"]


class _Waiter:
    """One execution waiting for a unit: its service, message, the index of the pool
    in the service's ``uses``, since when (s), and whether it still waits."""

    __slots__ = ("user", "msg", "i", "since", "live")

    def __init__(self, user, msg, i: int, since: float) -> None:
        self.user, self.msg, self.i, self.since, self.live = user, msg, i, since, True


class Pool:
    """The runtime of one pool: ``size`` units, a FIFO of waiters, and its figures
    (units in use integrated over time, waits, timeouts, acquisitions)."""

    def __init__(self, env, name: str, size: int, timeout: float | None) -> None:
        self.env = env
        self.name = name
        self.size = size
        self.timeout = timeout
        self.used = 0
        self.waiters: deque = deque()
        self.wait = SampleStats()
        self._wait_buf = self.wait.buf
        self.reset(0.0)

    def reset(self, now: float) -> None:
        """Start the figures afresh at ``now`` (end of warm-up)."""
        self.span = -self.used * now
        self.area = 0.0
        self.timed_out = 0
        self.acquisitions = 0
        self.wait.reset()

    def close(self, now: float) -> None:
        self.area = self.span + self.used * now
        self.wait.flush()

    def acquire(self, user, msg, i: int) -> bool:
        """A unit for ``msg`` of ``user`` now (True), or a place in the line (False:
        ``user.granted(msg, i)`` or ``user.starved(msg, i)`` follows)."""
        now = self.env._now
        if self.used < self.size:
            self.used += 1
            self.span -= now
            self.acquisitions += 1
            self._wait_buf.append(0.0)
            return True
        waiter = _Waiter(user, msg, i, now)
        self.waiters.append(waiter)
        if self.timeout is not None:
            Call(self.env, self.timeout, self._expire, waiter)
        return False

    def release(self) -> None:
        """A unit comes back: to the longest waiter, or to the pool."""
        waiters = self.waiters
        now = self.env._now
        while waiters:
            waiter = waiters.popleft()
            if waiter.live:
                waiter.live = False
                self.acquisitions += 1
                waited = now - waiter.since
                self._wait_buf.append(waited)
                waiter.msg.waited += waited
                waiter.user.granted(waiter.msg, waiter.i)
                return
        self.used -= 1
        self.span += now

    def _expire(self, event) -> None:
        waiter = event._value
        if not waiter.live:
            return
        waiter.live = False
        self.waiters.remove(waiter)
        self.timed_out += 1
        waiter.user.starved(waiter.msg, waiter.i)

    def waiting(self) -> int:
        return len(self.waiters)

    def raw(self) -> dict:
        return {"kind": "pool", "size": self.size, "area": self.area, "wait": self.wait,
                "timed_out": self.timed_out, "acquisitions": self.acquisitions}


class Pooled:
    """Mixin for a service with ``uses`` (see the module docstring): ``pools`` are its
    :class:`Pool` s in ``uses`` order; ``waiting`` counts its servers held waiting for
    a unit, ``pool_span`` accounts their server-seconds as ``busy_span`` does."""

    pools: tuple = ()
    waiting = 0

    def reset(self, now: float) -> None:
        super().reset(now)
        self.pool_span = -self.waiting * now

    def close(self, now: float) -> None:
        super().close(now)
        calls = self.held_area if isinstance(self, Calls) else 0.0
        self.held_area = calls + self.pool_span + self.waiting * now

    def begin(self, msg, source) -> None:
        """Service.begin with the work started once the units are held (Service inlines
        its work, one call less per message: benchmarks/throughput.py W1 and W2)."""
        self._take_server(msg, source)
        self._acquire(msg, 0)

    def _continue(self, msg, take, now: float) -> None:
        """Service._continue with the work started once the units are held."""
        if take is not self._own_take:
            self.arrivals += 1
            msg.t = now
            self._wait_buf.append(0.0)
        self._acquire(msg, 0)

    def _acquire(self, msg, i: int) -> None:
        """Take the units of ``pools[i:]`` in order, then do the work."""
        pools = self.pools
        while i < len(pools):
            if not pools[i].acquire(self, msg, i):
                self.waiting += 1
                self.pool_span -= self.env._now
                return
            i += 1
        super()._work(msg)

    def granted(self, msg, i: int) -> None:
        """Pool ``i`` handed ``msg`` a unit: go on with the next ones."""
        self.waiting -= 1
        self.pool_span += self.env._now
        self._acquire(msg, i + 1)

    def starved(self, msg, i: int) -> None:
        """Pool ``i`` timed out: give back the units taken and fail the execution."""
        now = self.env._now
        self.waiting -= 1
        self.pool_span += now
        for pool in self.pools[:i]:
            pool.release()
        self.completed += 1
        self._sojourn_buf.append(now - msg.t)
        if msg.rcpt is None:
            fail(msg, "pool_timeout")
        else:
            msg.rcpt.lost(msg, "pool_timeout")
        self._next(now)

    def _free(self) -> None:
        for pool in reversed(self.pools):
            pool.release()

    def _done(self, event) -> None:
        if not isinstance(self, Calls):  # a caller frees them when its calls are over
            self._free()
        super()._done(event)

    def _end(self, msg) -> None:
        self._free()
        super()._end(msg)

    def abandon(self, ex, cause: str) -> None:
        self._free()
        super().abandon(ex, cause)
