"""Queue disciplines: plain functions, keyed by the validated name, that build the
waiting room of a buffer.

Each returns a :class:`Container`: the storage and its ``push(msg)``, ``pop()``
(the next message to serve) and ``remove_oldest()`` (for ``overflow:
drop_oldest``). The buffer binds ``push`` and ``pop`` once, so a discipline costs
nothing per message beyond its own operations (W1 of benchmarks/throughput.py).
Keyword parameters are a discipline's settings, named in :data:`PARAMETERS` (the
buffer spec's fields of the same names); an unknown name is an error, never a FIFO
by default.
"""

from __future__ import annotations

import itertools
from collections import deque
from heapq import heapify, heappop, heappush
from typing import Callable, NamedTuple

__all__ = ["Container", "DISCIPLINES", "PARAMETERS", "make_container"]


class Container(NamedTuple):
    """A discipline's storage and operations."""

    items: object
    push: Callable
    pop: Callable
    remove_oldest: Callable


def fifo() -> Container:
    """First in, first out."""
    items: deque = deque()
    return Container(items, items.append, items.popleft, items.popleft)


def lifo() -> Container:
    """Last in, first out; the oldest is at the left end."""
    items: deque = deque()
    return Container(items, items.append, items.pop, items.popleft)


def priority() -> Container:
    """Lowest ``msg.prio`` first, FIFO among equals (non-preemptive)."""
    heap: list = []
    seq = itertools.count()

    def remove_oldest():
        k = min(range(len(heap)), key=lambda i: (heap[i][2].t, heap[i][1]))
        entry = heap[k]
        heap[k] = heap[-1]
        heap.pop()
        heapify(heap)
        return entry[2]

    return Container(heap, lambda m: heappush(heap, (m.prio, next(seq), m)),
                     lambda: heappop(heap)[2], remove_oldest)


def adaptive_lifo(lifo_above: int) -> Container:
    """FIFO while at most ``lifo_above`` messages wait, LIFO (newest first) beyond, as
    Facebook's adaptive LIFO (Maurer, "Fail at Scale", ACM Queue 2015): under a backlog
    the newest requests, whose callers are still waiting, are served first. The length
    is the storage's at the moment of taking (the message taken included)."""
    items: deque = deque()
    pop, popleft = items.pop, items.popleft

    def take():
        return pop() if len(items) > lifo_above else popleft()

    return Container(items, items.append, take, popleft)


DISCIPLINES: dict[str, Callable[..., Container]] = {
    "fifo": fifo,
    "lifo": lifo,
    "priority": priority,
    "adaptive_lifo": adaptive_lifo,
    "preemptive": priority,   # its waiting room; the preemption is the service's
    "ps": fifo,               # never used: under processor sharing nothing waits
}

PARAMETERS: dict[str, tuple[str, ...]] = {"adaptive_lifo": ("lifo_above",)}
"""The settings each discipline takes, read from the buffer spec's fields of those names."""


def make_container(name: str, where: str = "buffer", **params) -> Container:
    """The container of discipline ``name`` (a ValueError naming ``where`` if unknown)."""
    try:
        factory = DISCIPLINES[name]
    except KeyError:
        raise ValueError(f"{where}: unknown discipline {name!r} "
                         f"(known: {', '.join(DISCIPLINES)})") from None
    return factory(**params)
