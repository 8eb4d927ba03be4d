"""Caches (``kind: cache``): a request whose key is cached takes the hit edge, any
other the miss edge, and its key is inserted ``fill`` seconds later.

The cache takes no time. Entries remember when they were inserted: one older than
``ttl`` is gone (found lazily at the next request for it, counted in ``expired``).
The policy decides which key a full cache evicts:

* lru: an OrderedDict in recency order (a hit or an insertion moves a key last);
  evict the first.
* fifo: an OrderedDict in insertion order (hits do not move it); evict the first.
* lfu: perfect LFU (every request of a key counts, cached or not, as Breslau et al.,
  INFOCOM 1999, call it): a heap of (count, tick, key) over the cached keys with lazy
  deletion; a full cache admits a missed key only when it has been requested more
  often than the least-requested cached key, which it evicts (ties: the least
  recently counted). Under independent references it converges to the most popular
  capacity keys (sim.analytic.cache).

Counters (``hits``, ``misses``, ``evictions``, ``expired``) restart at warm-up;
``total_hits`` and ``total_misses`` never do (the time series reads them).
"""

from __future__ import annotations

import heapq
import math
from collections import OrderedDict

from sim.engine.events import Call

__all__ = ["Cache", "LfuCache", "make_cache"]


class Cache:
    """An LRU (``move_on_hit``) or FIFO cache of at most ``capacity`` keys.

    ``draw_fill`` draws the delay (s) before a missed key is inserted, or None for
    at once; ``hit`` and ``miss`` are the ``arrive`` of the two successors, set by
    the wiring.
    """

    move_on_hit = True

    def __init__(self, env, name: str, capacity: int, ttl: float | None,
                 draw_fill=None) -> None:
        self.env, self.name, self.capacity = env, name, capacity
        self.ttl = math.inf if ttl is None else ttl
        self.draw_fill = draw_fill
        self.entries: OrderedDict = OrderedDict()     # key -> insertion time (s)
        self.hit = self.miss = None
        self.total_hits = self.total_misses = 0
        self.reset(0.0)

    def reset(self, now: float) -> None:
        self.hits = self.misses = self.evictions = self.expired = 0

    def close(self, now: float) -> None:
        pass

    def load(self) -> int:
        return 0

    def warm(self, keys) -> None:
        """Insert ``keys`` at time 0, the last one most recent (give the most popular last)."""
        for key in keys:
            self.insert(key)
        self.evictions = 0

    def flush(self) -> None:
        """Empty the cache (a scenario's ``action: flush``); fills under way still land."""
        self.entries.clear()

    def arrive(self, msg, producer=None) -> bool:
        key = msg.key
        born = self.entries.get(key)
        if born is not None:
            if self.env._now - born < self.ttl:
                self.hits += 1
                self.total_hits += 1
                if self.move_on_hit:
                    self.entries.move_to_end(key)
                return self.hit(msg, producer)
            self._drop(key)
            self.expired += 1
        self.misses += 1
        self.total_misses += 1
        self._missed(key)
        return self.miss(msg, producer)

    def _missed(self, key) -> None:
        if self.draw_fill is None:
            self.insert(key)
        else:
            Call(self.env, self.draw_fill(), self._fill, key)

    def _fill(self, event) -> None:
        self.insert(event._value)

    def _drop(self, key) -> None:
        del self.entries[key]

    def insert(self, key) -> None:
        """Insert (or refresh) ``key`` now, evicting the policy's victim when full."""
        entries = self.entries
        if key in entries:
            entries[key] = self.env._now
            if self.move_on_hit:
                entries.move_to_end(key)
            return
        if len(entries) >= self.capacity:
            entries.popitem(last=False)
            self.evictions += 1
        entries[key] = self.env._now


class FifoCache(Cache):
    """First in, first out: a hit does not move its key."""

    move_on_hit = False


class LfuCache(Cache):
    """Perfect LFU (see the module docstring): ``counts`` of every key requested."""

    def __init__(self, env, name: str, capacity: int, ttl: float | None,
                 draw_fill=None) -> None:
        self.counts: dict = {}
        self.heap: list = []
        self.stamp: dict = {}      # cached key -> its live heap entry's (count, tick)
        self.tick = 0
        super().__init__(env, name, capacity, ttl, draw_fill)

    def arrive(self, msg, producer=None) -> bool:
        key = msg.key
        count = self.counts.get(key, 0) + 1
        self.counts[key] = count
        if key in self.stamp:
            self._push(key, count)
        return super().arrive(msg, producer)

    def warm(self, keys) -> None:
        """As :meth:`Cache.warm`, each key counted once (so a key requested once
        does not push a warm key out)."""
        for key in keys:
            self.counts[key] = 1
        super().warm(keys)

    def flush(self) -> None:
        """Empty the cache; the request counts (popularity seen so far) are kept."""
        super().flush()
        self.stamp.clear()
        self.heap.clear()

    def _push(self, key, count: int) -> None:
        self.tick += 1
        entry = (count, self.tick)
        self.stamp[key] = entry
        heapq.heappush(self.heap, (count, self.tick, key))
        if len(self.heap) > 4 * self.capacity + 64:
            self.heap = [(c, t, k) for k, (c, t) in self.stamp.items()]
            heapq.heapify(self.heap)

    def _victim(self):
        """The cached key with the fewest requests (the least recently counted of
        ties), dropping stale heap entries on the way."""
        heap, stamp = self.heap, self.stamp
        while True:
            count, tick, key = heap[0]
            if stamp.get(key) == (count, tick):
                return key, count
            heapq.heappop(heap)

    def _drop(self, key) -> None:
        del self.entries[key]
        del self.stamp[key]

    def insert(self, key) -> None:
        entries = self.entries
        now = self.env._now
        if key in entries:
            entries[key] = now
            return
        count = self.counts.get(key, 0)
        if len(entries) >= self.capacity:
            victim, least = self._victim()
            if count <= least:
                return      # not admitted: requested no more often than the victim
            heapq.heappop(self.heap)
            self._drop(victim)
            self.evictions += 1
        entries[key] = now
        self._push(key, count)


_POLICIES = {"lru": Cache, "fifo": FifoCache, "lfu": LfuCache}


def make_cache(env, spec, draw_fill=None) -> Cache:
    """The cache class ``spec.policy`` names (a KeyError is impossible after validation)."""
    return _POLICIES[spec.policy](env, spec.name, spec.capacity, spec.ttl, draw_fill)
