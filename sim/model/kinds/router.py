"""``router``: an API gateway or load balancer that takes no time and only routes.
Its keys and its spec."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from sim.model.checks import Ctx
from sim.model.keys import Key, Kind, Wiring, read
from sim.model.kinds.common import (DESCRIPTION, QUORUM, RATE_LIMIT, REPLICAS, ROUTING,
                                    kind_key, rate_limit_spec, replicas_of)
from sim.model.spec import RateLimit, Routing

__all__ = ["ROUTER", "RouterSpec"]


@dataclass(frozen=True, slots=True)
class RouterSpec:
    """An API gateway or load balancer: takes no time, only routes."""

    name: str
    rate_limit: RateLimit | None = None
    routing: Routing = "probabilistic"
    replicas: int = 100
    quorum: int | None = None
    kind: Literal["router"] = "router"


KEYS: tuple[Key, ...] = (kind_key("router"), DESCRIPTION, RATE_LIMIT, ROUTING, REPLICAS,
                         QUORUM)


def build(ctx: Ctx, attrs: Mapping, wiring: Wiring) -> RouterSpec:
    v = read(ctx, KEYS, attrs, "router", skip=("kind",))
    return RouterSpec(name=ctx.node, rate_limit=rate_limit_spec(v["rate_limit"]),
                      routing=v["routing"], replicas=replicas_of(ctx, v, attrs),
                      quorum=v["quorum"])


ROUTER = Kind(
    name="router",
    summary="An API gateway or load balancer: takes no time, only routes (by `routing`), "
            "optionally behind a `rate_limit`. A router with no outgoing edge is a sink.",
    keys=KEYS,
    build=build,
)
