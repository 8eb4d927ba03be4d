"""A worker pool: ``servers`` identical servers pulling messages from its inputs.

Callbacks, not a process per message: ``begin`` schedules one SimPy event
whose callback ``_done`` routes the message on and pulls the next one, so a
message served costs one event (benchmarks/throughput.py, W1 and W2).
"""

from __future__ import annotations

from sim.engine.events import Call
from sim.engine.message import Msg, fail
from sim.metrics.stats import SampleStats

__all__ = ["Service"]


class Service:
    """Servers of one service node, fed by its own buffer and/or broker queues.

    Parameters
    ----------
    env : simpy.Environment
    name : str
    servers : int or float
        Number of servers (``math.inf`` for a delay station).
    draw : callable
        Returns one service time in seconds per call.
    own : Buffer or None
        Its own buffer, when anything other than a queue feeds it.
    inputs : list of Buffer
        Broker queues it consumes from, in strict priority order (own buffer first).
    """

    def __init__(self, env, name: str, servers, draw, own=None, inputs=()) -> None:
        self.env = env
        self.name = name
        self.servers = servers
        self.nominal = servers
        self.provisioned = servers
        self.draw = draw
        self.own = own
        self.inputs = ([own] if own is not None else []) + list(inputs)
        self.send = None
        self.error_rate = 0.0
        self.error_draw = None
        self.wait = SampleStats()
        self.sojourn = SampleStats()
        self._wait_buf = self.wait.buf
        self._sojourn_buf = self.sojourn.buf
        self.busy = 0
        self.blocked = 0
        self.plain = True
        self._done_cb = self._done
        self.reset(0.0)
        if own is not None:
            own.wait = self.wait
            own._wait_buf = self._wait_buf
        self.rebind()

    def rebind(self) -> None:
        """Bind the inputs' methods once (after inputs or classes change)."""
        self._takes = [buf.take for buf in self.inputs]
        self._own_take = self._takes[0] if self.own is not None else None
        if self.own is not None:
            self.arrive = self.own.put

    def set_inputs(self, queues) -> None:
        """Consume from broker ``queues`` too (after the own buffer), in priority order."""
        self.inputs.extend(queues)
        self.rebind()

    def reset(self, now: float) -> None:
        """Start the statistics afresh at ``now`` (end of warm-up)."""
        self.arrivals = self.completed = self.errors = 0
        self.busy_span = -self.busy * now
        self.busy_area = 0.0
        self.blocked_span = -self.blocked * now
        self.blocked_area = 0.0
        self.prov_area = 0.0
        self.prov_last = now
        self.wait.reset()
        self.sojourn.reset()

    def close(self, now: float) -> None:
        self.busy_area = self.busy_integral(now)
        self.blocked_area = self.blocked_span + self.blocked * now
        self.prov_area += self.provisioned * (now - self.prov_last)
        self.prov_last = now
        self.wait.flush()
        self.sojourn.flush()

    def busy_integral(self, now: float) -> float:
        """Server-seconds of work since the statistics started, up to ``now``.

        ``busy_span`` is the sum of ending times minus the sum of starting times of
        services (those in progress counted to ``now``), which costs one addition per
        start and per idle server instead of a multiply-and-add per change.
        """
        return self.busy_span + self.busy * now

    def load(self) -> int:
        own = self.own.n if self.own is not None else 0
        return self.busy + own

    def begin(self, msg: Msg, source) -> None:
        """Start serving ``msg`` on a free server (``source`` is where it waited; the
        own buffer has already recorded the wait, a broker queue's consumer waits 0)."""
        env = self.env
        now = env._now
        if source is not self.own:
            self.arrivals += 1
            msg.t = now
            self._wait_buf.append(0.0)
        self.busy_span -= now
        self.busy += 1
        work = self.draw()       # _work inlined: one call less per message (W1, W2)
        msg.work += work
        Call(env, work, self._done_cb, msg)

    def _take_server(self, msg: Msg, source) -> None:
        """``begin`` up to the work: count an arrival that did not wait in the own
        buffer, take a server. For subclasses that start the work otherwise (pools
        acquire units first, class draws pick the law); ``begin`` inlines it."""
        now = self.env._now
        if source is not self.own:
            self.arrivals += 1
            msg.t = now
            self._wait_buf.append(0.0)
        self.busy_span -= now
        self.busy += 1

    def _work(self, msg: Msg) -> None:
        """The server taken, do the work of ``msg``. ``begin`` and ``_continue`` inline
        it; a subclass that must do something first (sim.engine.pool.Pooled acquires
        its units) overrides them and calls this."""
        work = self.draw()
        msg.work += work
        Call(self.env, work, self._done_cb, msg)

    def _done(self, event) -> None:
        msg = event._value
        now = self.env._now
        self.completed += 1
        self._sojourn_buf.append(now - msg.t)
        if self.plain or self._passes(msg):
            if self.send(msg, self):
                self._block(now)
                return
        self._next(now)

    def _block(self, now: float) -> None:
        """A blocking queue held back the message just served: its server stays taken
        until ``unblocked`` (``blocked_span`` as ``busy_span``: one addition each way)."""
        self.blocked += 1
        self.blocked_span -= now

    def _passes(self, msg: Msg) -> bool:
        """Did processing succeed and may the message go on? (errors, broker receipts)"""
        if self.error_draw is not None and self.error_draw() < self.error_rate:
            self._error(msg)
            return False
        return msg.rcpt is None or msg.rcpt.ack(msg)

    def _error(self, msg: Msg) -> None:
        """Processing ``msg`` failed (``error_rate``): the attempt fails, or a broker
        receipt learns the delivery was lost."""
        self.errors += 1
        if msg.rcpt is None:
            fail(msg, "error")
        else:
            msg.rcpt.lost(msg, "error")

    def unblocked(self) -> None:
        """A message this service sent was admitted by a blocking queue: free its server."""
        now = self.env._now
        self.blocked -= 1
        self.blocked_span += now
        self._next(now)

    def _next(self, now: float) -> None:
        if self.busy <= self.servers:
            for take in self._takes:
                msg = take()
                if msg is not None:
                    self._continue(msg, take, now)
                    return
        self.busy_span += now
        self.busy -= 1

    def _continue(self, msg: Msg, take, now: float) -> None:
        """The server that just finished goes straight on with ``msg``."""
        if take is not self._own_take:
            self.arrivals += 1
            msg.t = now
            self._wait_buf.append(0.0)
        work = self.draw()       # _work inlined: one call less per message (W1, W2)
        msg.work += work
        Call(self.env, work, self._done_cb, msg)

    def provision(self, servers: int) -> None:
        """Change the number of provisioned servers (autoscaling); start idle ones."""
        now = self.env._now
        self.prov_area += self.provisioned * (now - self.prov_last)
        self.prov_last = now
        up = self.servers == self.provisioned
        self.provisioned = servers
        if up:
            self.servers = servers
            self.fill()

    def fill(self) -> None:
        """Put idle servers to work on waiting messages."""
        while self.busy < self.servers:
            for buf in self.inputs:
                msg = buf.take()
                if msg is not None:
                    self.begin(msg, buf)
                    break
            else:
                return

    def total_arrivals(self) -> int:
        return self.arrivals + (self.own.arrivals if self.own is not None else 0)
