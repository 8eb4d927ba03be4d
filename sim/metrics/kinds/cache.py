"""``cache``: its result entry. A cache takes no time and holds no messages: its figures
are how requests split between its hit and miss edges, and what happened to its
entries (evicted by the policy, expired by the ttl)."""

from __future__ import annotations

from sim.metrics.fields import Field
from sim.metrics.kinds.common import KindResult, kind_field

__all__ = ["RESULT", "FIELDS", "entry"]

FIELDS: tuple[Field, ...] = (
    kind_field("cache"),
    Field("arrivals", "messages", "Requests that looked up their key (hits + misses).", "sum"),
    Field("completed", "messages", "Requests passed on (hits + misses).", "sum"),
    Field("throughput", "1/s", "Requests looked up per simulated second."),
    Field("hits", "messages", "Requests whose key was cached (they took the hit edge).",
          "sum"),
    Field("misses", "messages", "Requests whose key was not cached or had expired (they "
          "took the miss edge).", "sum"),
    Field("hit_ratio", "ratio", "hits / (hits + misses) (null when nothing arrived)."),
    Field("evictions", "keys", "Keys the policy evicted to make room.", "sum"),
    Field("expired", "keys", "Keys found older than the ttl (the request missed).", "sum"),
)


def entry(raw: dict, duration: float) -> dict:
    """A cache's entry from its raw counters."""
    hits, misses = int(raw["hits"]), int(raw["misses"])
    looked = hits + misses
    return {
        "kind": "cache",
        "arrivals": looked, "completed": looked, "throughput": looked / duration,
        "hits": hits, "misses": misses,
        "hit_ratio": hits / looked if looked else None,
        "evictions": int(raw["evictions"]), "expired": int(raw["expired"]),
    }


RESULT = KindResult(name="cache", fields=FIELDS, entry=entry)
