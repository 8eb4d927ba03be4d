"""Broker variants: message expiry (ttl), at-least-once delivery with a visibility
timeout (as SQS), and partitions with per-key ordering (as Kafka consumer groups).

Each is a :class:`Buffer` subclass, so a plain queue pays nothing for them.
Consumers acknowledge through ``msg.rcpt``: ``ack(msg)`` returns False when the
delivery is stale (its message went back to the queue or was dead-lettered), and
``lost(msg, cause)`` reports a delivery whose processing failed.
"""

from __future__ import annotations

import itertools
from collections import deque

from sim.engine.broker import Buffer
from sim.engine.events import Call
from sim.engine.keys import partition_table
from sim.engine.impatience import balking_class
from sim.engine.message import Msg, fail
from sim.engine.preemption import PreemptiveBuffer
from sim.engine.shedding import shedding_class

__all__ = ["TtlBuffer", "PatienceBuffer", "AtLeastOnceQueue", "PartitionedQueue",
           "KeyedPartitionedQueue",
           "make_buffer"]


class TtlBuffer(Buffer):
    """A buffer whose messages expire after waiting ``ttl`` seconds (lazy deletion)."""

    def __init__(self, env, name: str, spec) -> None:
        super().__init__(env, name, spec)
        self.ttl = spec.ttl
        self._live: dict = {}
        self._tokens = itertools.count()
        self._pop_any = self._pop
        self._pop = self._pop_live

    def _enter(self, msg: Msg, now: float) -> None:
        super()._enter(msg, now)
        token = next(self._tokens)
        self._live[msg] = token
        delay = max(0.0, msg.t + self.ttl - now)
        Call(self.env, delay, self._expire, (msg, token))

    def _expire(self, event) -> None:
        msg, token = event._value
        if self._live.get(msg) != token:
            return
        del self._live[msg]
        self._leave(self.env._now)
        self.dropped += 1
        self.expired += 1
        fail(msg, "expired")
        if self.blocked:
            self._admit_blocked(self.env._now)

    def _pop_live(self) -> Msg:
        """The next message in discipline order that has not expired."""
        for _ in range(len(self._items) + 1):
            msg = self._pop_any()
            if self._live.pop(msg, None) is not None:
                return msg
        raise RuntimeError(f"queue {self.name!r}: waiting count out of step")

    def _remove_oldest(self) -> Msg:
        for _ in range(len(self._items) + 1):
            msg = super()._remove_oldest()
            if self._live.pop(msg, None) is not None:
                return msg
        raise RuntimeError(f"queue {self.name!r}: waiting count out of step")


class PatienceBuffer(TtlBuffer):
    """Each message that has to wait draws its patience (s) from ``patience``; it
    leaves unserved (cause ``expired``) once it has waited that long."""

    def __init__(self, env, name: str, spec, patience) -> None:
        super().__init__(env, name, spec)
        self.patience = patience

    def _enter(self, msg: Msg, now: float) -> None:
        Buffer._enter(self, msg, now)
        token = next(self._tokens)
        self._live[msg] = token
        delay = max(0.0, msg.t + self.patience() - now)
        Call(self.env, delay, self._expire, (msg, token))


class _Receipt:
    """One delivery of an at-least-once message; valid until acked or timed out."""

    __slots__ = ("queue", "original", "valid")

    def __init__(self, queue, original: Msg) -> None:
        self.queue, self.original, self.valid = queue, original, True

    def ack(self, msg: Msg) -> bool:
        msg.rcpt = None
        if self.valid:
            self.valid = False
            self.queue.acked(self.original)
            return True
        self.queue.stale += 1
        msg.src.waste(msg.born, msg.work - self.original.work)
        return False

    def lost(self, msg: Msg, cause: str) -> None:
        """Processing failed: no ack, the visibility timeout will redeliver."""
        msg.rcpt = None
        msg.src.waste(msg.born, msg.work - self.original.work)


class AtLeastOnceQueue(Buffer):
    """A message taken and not acknowledged within ``visibility_timeout`` seconds is
    delivered again; after ``max_receives`` receipts it is dead-lettered."""

    acknowledged = True

    def __init__(self, env, name: str, spec) -> None:
        super().__init__(env, name, spec)
        self.visibility = spec.delivery.visibility_timeout
        self.max_receives = spec.delivery.max_receives
        self.receives: dict = {}
        self.deliveries = self.redelivered = self.stale = self.dead = 0

    def reset(self, now: float) -> None:
        super().reset(now)
        self.deliveries = self.redelivered = self.stale = self.dead = 0

    def take(self) -> Msg | None:
        original = super().take()
        if original is None:
            return None
        self.deliveries += 1
        self.receives[original] = self.receives.get(original, 0) + 1
        copy = original.copy()
        receipt = _Receipt(self, original)
        copy.rcpt = receipt
        Call(self.env, self.visibility, self._invisible_expired, receipt)
        return copy

    def acked(self, original: Msg) -> None:
        self.receives.pop(original, None)

    def _invisible_expired(self, event) -> None:
        receipt = event._value
        if not receipt.valid:
            return
        receipt.valid = False
        original = receipt.original
        if self.receives.get(original, 0) >= self.max_receives:
            del self.receives[original]
            self.dead += 1
            self.dropped += 1
            fail(original, "max_receives")
            return
        self.redelivered += 1
        self._requeue(original)

    def _requeue(self, msg: Msg) -> None:
        now = self.env._now
        msg.t = now
        for consumer in self.consumers:
            if consumer.busy < consumer.servers:
                self._hand_over(msg, consumer)
                return
        self._enter(msg, now)

    def _hand_over(self, msg: Msg, consumer) -> None:
        """Deliver (with a receipt) a message that never waited."""
        self._enter(msg, self.env._now)
        consumer.begin(self.take(), self)


class _PartitionLock:
    """Held by the message in service from a partition; released at ack or loss."""

    __slots__ = ("queue", "partition")

    def __init__(self, queue, partition: int) -> None:
        self.queue, self.partition = queue, partition

    def ack(self, msg: Msg) -> bool:
        msg.rcpt = None
        self.queue.release(self.partition)
        return True

    def lost(self, msg: Msg, cause: str) -> None:
        msg.rcpt = None
        self.queue.release(self.partition)
        fail(msg, cause)


class PartitionedQueue(Buffer):
    """``partitions`` FIFO partitions; a message goes to a random partition, and a
    partition serves one message at a time, in order, so consumer parallelism is at
    most the partition count. Keeps each partition's messages taken and
    message-seconds waited, for the busiest-partition figures."""

    acknowledged = True

    def __init__(self, env, name: str, spec, uniform) -> None:
        super().__init__(env, name, spec)
        self.count = spec.partitions
        self.parts = [deque() for _ in range(self.count)]
        self.locked = [False] * self.count
        self.uniform = uniform
        self.turn = 0
        self._push = self._push_partition
        self.reset_parts(0.0)

    def reset(self, now: float) -> None:
        super().reset(now)
        if hasattr(self, "parts"):
            self.reset_parts(now)

    def reset_parts(self, now: float) -> None:
        """Per-partition figures afresh at ``now`` (as :meth:`Buffer.reset`)."""
        self.part_taken = [0] * self.count
        self.part_span = [-len(q) * now for q in self.parts]
        self.part_area = [0.0] * self.count

    def close(self, now: float) -> None:
        super().close(now)
        self.part_area = [span + len(q) * now for span, q in zip(self.part_span, self.parts)]

    def _partition(self, msg: Msg) -> int:
        return int(self.uniform() * self.count)

    def _push_partition(self, msg: Msg) -> None:
        p = self._partition(msg)
        self.parts[p].append(msg)
        self.part_span[p] -= self.env._now

    def put(self, msg: Msg, producer=None, arrived: float | None = None) -> bool:
        now = self.env._now
        self.arrivals += 1
        msg.t = now if arrived is None else arrived
        if self.n >= self.capacity:
            return self._overflow(msg, producer)
        self._enter(msg, now)
        self.dispatch()
        return False

    arrive = put

    def _free_partition(self) -> int | None:
        for step in range(self.count):
            p = (self.turn + step) % self.count
            if self.parts[p] and not self.locked[p]:
                self.turn = (p + 1) % self.count
                return p
        return None

    def take(self) -> Msg | None:
        p = self._free_partition()
        if p is None:
            return None
        now = self.env._now
        msg = self.parts[p].popleft()
        self._leave(now)
        self.part_span[p] += now
        self.part_taken[p] += 1
        self._handed(msg, now)
        self.locked[p] = True
        msg.rcpt = _PartitionLock(self, p)
        if self.blocked:
            self._admit_blocked(now)
        return msg

    def _remove_oldest(self) -> Msg:
        p = min((q for q in range(self.count) if self.parts[q]),
                key=lambda q: self.parts[q][0].t)
        self.part_span[p] += self.env._now
        return self.parts[p].popleft()

    def release(self, partition: int) -> None:
        self.locked[partition] = False
        self.dispatch()

    def dispatch(self) -> None:
        """Hand waiting messages of free partitions to idle consumers."""
        for consumer in self.consumers:
            while consumer.busy < consumer.servers:
                msg = self.take()
                if msg is None:
                    return
                consumer.begin(msg, self)


class KeyedPartitionedQueue(PartitionedQueue):
    """Partitions by key: a message with a key goes to partition ``key_hash(key) %
    partitions`` (sim.model.keyspace), so one key's messages are served in order; one
    without a key to a random partition. Chosen at build time when any sender has keys."""

    def __init__(self, env, name: str, spec, uniform, key_count: int) -> None:
        super().__init__(env, name, spec, uniform)
        self.table = partition_table(key_count, self.count)

    def _partition(self, msg: Msg) -> int:
        key = msg.key
        return self.table[key] if key is not None else int(self.uniform() * self.count)


def make_buffer(env, name: str, spec, uniform=None, key_count: int = 0, patience=None,
                balk_uniform=None) -> Buffer:
    """The buffer class that ``spec`` (a BufferSpec) asks for. ``key_count`` is the
    model's (0 when no sender has keys); ``patience`` draws each message's ttl (s) when
    ``spec.ttl`` is a distribution; ``balk_uniform`` draws the balking decisions on
    [0, 1) when ``spec.balk`` is given."""
    if spec.partitions:
        if key_count:
            buffer = _with_balking(KeyedPartitionedQueue, spec)(env, name, spec, uniform,
                                                                key_count)
        else:
            buffer = _with_balking(PartitionedQueue, spec)(env, name, spec, uniform)
    elif spec.delivery is not None and spec.delivery.mode == "at_least_once":
        buffer = _with_balking(AtLeastOnceQueue, spec)(env, name, spec)
    else:
        base, args = (PreemptiveBuffer if spec.discipline == "preemptive" else Buffer), ()
        if patience is not None:
            base, args = PatienceBuffer, (patience,)
        elif spec.ttl is not None:
            base = TtlBuffer
        if spec.shed is not None:
            base = shedding_class(base)
        buffer = _with_balking(base, spec)(env, name, spec, *args)
    if spec.balk is not None:
        buffer.balk_uniform = balk_uniform
    return buffer


def _with_balking(base: type, spec) -> type:
    return base if spec.balk is None else balking_class(base)
