"""Request keys in the engine: a keyed sender's draws, and the per-key tables that
partitions and consistent-hash routing read (sim.model.keyspace holds the hash).

A sender with ``keys`` gets its ``send`` wrapped at build time (:func:`keyed_send`),
so senders without keys pay nothing: the wrapper draws a key for each new request
and gives every attempt and copy of that request the same key.
"""

from __future__ import annotations

import itertools

import numpy as np

from sim.model.keyspace import KeySpace, partition_of, ring_owner

__all__ = ["key_draws", "keyed_send", "partition_table", "owner_table", "BATCH"]

BATCH = 4096
"""Keys drawn per numpy call: one call per few thousand requests, not one each."""


def key_draws(rng: np.random.Generator, space: KeySpace):
    """A function returning the next key of ``space`` (independent draws, from the
    sender's own stream), drawn in batches of :data:`BATCH`."""
    if space.zipf is None:
        def batch():
            return rng.integers(0, space.count, BATCH).tolist()
    else:
        cdf = np.cumsum(space.probabilities())
        cdf[-1] = 1.0

        def batch():
            return np.searchsorted(cdf, rng.random(BATCH), side="right").tolist()
    chunks = (batch() for _ in itertools.count())
    return itertools.chain.from_iterable(chunks).__next__


def keyed_send(send, draw):
    """``send`` preceded by the key: a fresh draw for a request with no Request object
    (one attempt, no copies), else the Request's key, drawn at its first attempt."""
    def send_keyed(msg, producer=None):
        req = msg.req
        if req is None:
            msg.key = draw()
        else:
            if req.key is None:
                req.key = draw()
            msg.key = req.key
        return send(msg, producer)

    return send_keyed


def partition_table(key_count: int, partitions: int) -> list[int]:
    """``table[k]`` = the partition of key k, ``key_hash(k) % partitions``."""
    return partition_of(np.arange(key_count), partitions).tolist()


def owner_table(key_count: int, names: list[str], replicas: int) -> list[int]:
    """``table[k]`` = the index of the successor owning key k on the hash ring."""
    return ring_owner(np.arange(key_count), names, replicas).tolist()
