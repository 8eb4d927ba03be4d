"""Batched service (``batch: {size, window, per_item, partial}`` on a service).

A free server gathers a batch: the message that reached it and those waiting, up to
``size``. A full batch, or any batch when ``window`` is 0, starts at once;
otherwise the batch waits for more (arrivals join it) until it is full or
``window`` seconds after its first message, whichever comes first. Only one batch
gathers at a time, and a gathering batch holds no server (a server is taken when
it starts). A batch takes ``service`` plus ``per_item`` for each message, its
messages complete together, and ``error_rate`` fails the whole batch (one draw)
unless ``partial`` (one draw per message).

A mixin chosen at build time (sim.engine.kinds.service), so a service without
``batch`` keeps its own code path (benchmarks/throughput.py, W1).
"""

from __future__ import annotations

from sim.engine.events import Call
from sim.engine.message import Msg

__all__ = ["Batching"]


class Batching:
    """Mixin for :class:`sim.engine.service.Service`: see the module docstring.

    ``size``, ``window`` (s), ``per_item`` (a drawer or None) and ``partial`` are set at
    build; ``batches`` and ``batched`` count the batches started and their messages.
    """

    size = 1
    window = 0.0
    per_item = None
    partial = False
    gathering = None

    def reset(self, now: float) -> None:
        super().reset(now)
        self.batches = self.batched = 0

    def begin(self, msg: Msg, source) -> None:
        now = self.env._now
        if source is not self.own:
            self.arrivals += 1
            msg.t = now
            self._wait_buf.append(0.0)
        batch = self.gathering
        if batch is not None:
            batch.append(msg)
            if len(batch) >= self.size:
                self.gathering = None
                self._take_server(now)
                self._serve(batch, now)
            return
        self._gather([msg], now, held=False)

    def _continue(self, msg: Msg, take, now: float) -> None:
        if take is not self._own_take:
            self.arrivals += 1
            msg.t = now
            self._wait_buf.append(0.0)
        self._gather([msg], now, held=True)

    def _fill(self, batch: list, now: float) -> None:
        """Add waiting messages (inputs in priority order) until the batch is full."""
        for take in self._takes:
            while len(batch) < self.size:
                msg = take()
                if msg is None:
                    break
                if take is not self._own_take:
                    self.arrivals += 1
                    msg.t = now
                    self._wait_buf.append(0.0)
                batch.append(msg)

    def _gather(self, batch: list, now: float, held: bool) -> None:
        """Start ``batch`` (filled from the waiting messages) or let it gather; ``held``
        says whether a server is already counted busy for it."""
        self._fill(batch, now)
        if len(batch) >= self.size or self.window <= 0 or self.gathering is not None:
            if not held:
                self._take_server(now)
            self._serve(batch, now)
            return
        if held:
            self.busy_span += now
            self.busy -= 1
        self.gathering = batch
        Call(self.env, self.window, self._window_over, batch)

    def _window_over(self, event) -> None:
        batch = event._value
        if self.gathering is not batch:
            return
        self.gathering = None
        now = self.env._now
        self._fill(batch, now)
        self._take_server(now)
        self._serve(batch, now)

    def _take_server(self, now: float) -> None:
        self.busy_span -= now
        self.busy += 1

    def _serve(self, batch: list, now: float) -> None:
        work = self.draw()
        if self.per_item is not None:
            per_item = self.per_item
            work += sum(per_item() for _ in batch)
        share = work / len(batch)
        for msg in batch:
            msg.work += share
        self.batches += 1
        self.batched += len(batch)
        self._batch_started(batch, now)
        Call(self.env, work, self._batch_done, batch)

    def _batch_started(self, batch: list, now: float) -> None:
        """A batch started service (a hook: sim.engine.trace records the start)."""

    def _batch_done(self, event) -> None:
        batch = event._value
        now = self.env._now
        drawn = self.error_draw is not None
        whole = drawn and not self.partial and self.error_draw() < self.error_rate
        for msg in batch:
            self.completed += 1
            self._sojourn_buf.append(now - msg.t)
            failed = whole or (self.partial and drawn and self.error_draw() < self.error_rate)
            if self._item_done(msg, failed):
                self.send(msg, self)
        self._next(now)

    def _item_done(self, msg: Msg, failed: bool) -> bool:
        """Settle one message of a finished batch: fail it (cause ``error``) or
        acknowledge it; True when it goes on (a hook: sim.engine.trace closes its
        visit)."""
        if failed:
            self._error(msg)
            return False
        return msg.rcpt is None or msg.rcpt.ack(msg)
