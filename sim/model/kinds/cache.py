"""``cache``: holds up to ``capacity`` keys under an eviction ``policy``; a request whose
key is cached takes the edge with ``when: hit``, any other the edge with ``when: miss``.
Its keys, its edge rules and its spec."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from sim.distributions import Distribution
from sim.model.checks import Ctx, find_loop
from sim.model.keys import Key, Kind, Wiring, read
from sim.model.keyspace import MAX_KEYS
from sim.model.kinds.common import DESCRIPTION, kind_key

__all__ = ["CACHE", "CacheSpec", "POLICIES", "WHENS", "check_cache_edges", "check_cache_loops"]

POLICIES: tuple[str, ...] = ("lru", "lfu", "fifo")
WHENS: tuple[str, ...] = ("hit", "miss")
"""The values of an edge's ``when`` key (only on edges out of a cache)."""

EDGES_NEEDED = ("a cache needs exactly two outgoing edges, one with 'when: hit' and one "
                "with 'when: miss' (e.g. {from: cache, to: api, when: hit})")


@dataclass(frozen=True, slots=True)
class CacheSpec:
    """A cache of at most ``capacity`` keys, evicting by ``policy``; an entry lives
    at most ``ttl`` seconds (None: for ever); a missed key is inserted ``fill``
    seconds after the miss (None: at once); ``warm`` starts it full of the most
    popular keys. ``routing`` is how the analytic layer reads its split (by each
    edge's share: the hit and miss ratios), not a key."""

    name: str
    capacity: int
    policy: Literal["lru", "lfu", "fifo"] = "lru"
    ttl: float | None = None
    fill: Distribution | None = None
    warm: bool = False
    routing: Literal["probabilistic"] = "probabilistic"
    kind: Literal["cache"] = "cache"


KEYS: tuple[Key, ...] = (
    kind_key("cache"),
    DESCRIPTION,
    Key("capacity", "integer", "Most keys held at once.", unit="keys", low=1, high=MAX_KEYS,
        required=True, high_why="there are at most that many keys"),
    Key("policy", "choice", "Which key a full cache evicts to make room: lru (least "
        "recently used: hit or inserted), lfu (least frequently hit since inserted; ties "
        "to the least recent) or fifo (the oldest inserted).",
        default="lru", choices=POLICIES),
    Key("ttl", "number", "An entry older than this (since it was inserted) is gone: the "
        "next request for its key misses (and counts in expired).",
        default_text="none (entries never expire)", unit="s", low=0, low_open=True),
    Key("fill", "distribution", "Time from a miss until its key is inserted (the backend's "
        "reply); requests for the key meanwhile miss too.", default_text="0", unit="s"),
    Key("warm", "boolean", "Start full of the capacity most popular keys of the senders "
        "upstream (as after a long run); false starts empty (a cold cache after a deploy).",
        default=False),
)


def build(ctx: Ctx, attrs: Mapping, wiring: Wiring) -> CacheSpec:
    ctx.required(attrs, "capacity", "a cache")
    v = read(ctx, KEYS, attrs, "cache", skip=("kind",))
    fill = v["fill"]
    if fill is not None and fill.mean == 0:
        fill = None
    return CacheSpec(name=ctx.node, capacity=v["capacity"], policy=v["policy"], ttl=v["ttl"],
                     fill=fill, warm=v["warm"])


def out_edge(ctx: Ctx, attrs: Mapping, target_kind: str) -> None:
    """An edge out of a cache says when it is taken (hit or miss) and has no ``p``."""
    if "p" in attrs:
        raise ctx.error("p", "means nothing on an edge out of a cache: a request takes the "
                             "hit edge when its key is cached, else the miss edge (use "
                             "'when: hit' or 'when: miss')", value=attrs["p"])
    if "when" not in attrs:
        raise ctx.error("when", f"is required on an edge out of a cache: {EDGES_NEEDED}")


def check_cache_edges(name: str, edges: list) -> None:
    """Exactly one hit edge and one miss edge leave the cache ``name``."""
    from sim.errors import ModelError

    whens = [e.when for e in edges]
    if not whens:
        raise ModelError(f"has no outgoing edge: {EDGES_NEEDED}", node=name)
    if sorted(whens) != ["hit", "miss"]:
        raise ModelError(f"has outgoing edges with when = {whens}: {EDGES_NEEDED}", node=name)


def check_cache_loops(kinds, edges) -> None:
    """Refuse a cycle made only of caches: they take no time, so a request could go
    round it for ever at one instant (a cycle through a router or a service is fine:
    routers defer deep chains, services take time). O(caches + their edges)."""
    from sim.errors import ModelError

    loop = find_loop((e.source, e.target) for e in edges
                     if kinds[e.source] == "cache" and kinds[e.target] == "cache")
    if loop is not None:
        raise ModelError("is on a loop of caches (" + " -> ".join(map(repr, loop))
                         + "), which takes no time: a request could go round it "
                           "for ever; put a service on the loop", node=loop[0])


CACHE = Kind(
    name="cache",
    summary="A cache of keys (it needs requests with keys: every sender upstream has "
            "`keys`). A request whose key is cached and not expired takes the edge with "
            "`when: hit`, any other the edge with `when: miss`, and its key is inserted "
            "`fill` seconds later, evicting by `policy` when full. It takes no time "
            "itself: `latency` on its edges models the lookup. Results add hits, misses, "
            "hit_ratio, evictions and expired. `check` and `analyze` give the expected hit "
            "ratio (Che's approximation for lru, the top-capacity keys for lfu, Martina et "
            "al.'s for fifo, lambda T / (1 + lambda T) per key with a ttl and a capacity "
            "that never fills) and the load it leaves on the miss path.",
    keys=KEYS,
    build=build,
    sink_refusal=f"has no outgoing edge: {EDGES_NEEDED}",
    out_edge=out_edge,
    out_edge_keys=("when",),
    out_edges=check_cache_edges,
)
