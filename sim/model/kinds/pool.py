"""``pool``: a shared, passive resource of ``size`` units (database connections, locks,
licences) that services acquire through ``uses``. Its keys and its spec."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from sim.model.checks import Ctx
from sim.model.keys import Key, Kind, Wiring, read
from sim.model.kinds.common import DESCRIPTION, kind_key

__all__ = ["POOL", "PoolSpec", "NO_EDGES"]

NO_EDGES = ("a pool has no edges: a service acquires its units by naming it in 'uses' "
            "(e.g. uses: [db_connections])")


@dataclass(frozen=True, slots=True)
class PoolSpec:
    """A pool of ``size`` units; ``timeout`` (s) is the longest wait for a unit, after
    which the waiting execution fails with cause ``pool_timeout`` (None: wait forever)."""

    name: str
    size: int
    timeout: float | None = None
    kind: Literal["pool"] = "pool"


KEYS: tuple[Key, ...] = (
    kind_key("pool"),
    DESCRIPTION,
    Key("size", "integer", "Units in the pool: executions that may hold one at once.",
        unit="units", low=1, required=True),
    Key("timeout", "number", "Longest wait for a unit; an execution still waiting then "
        "fails with cause pool_timeout (its server is freed).",
        default_text="none (waits as long as it takes)", unit="s", low=0, low_open=True),
)


def build(ctx: Ctx, attrs: Mapping, wiring: Wiring) -> PoolSpec:
    ctx.required(attrs, "size", "a pool")
    v = read(ctx, KEYS, attrs, "pool", skip=("kind",))
    return PoolSpec(name=ctx.node, size=v["size"], timeout=v["timeout"])


def _no_out_edge(ctx: Ctx, attrs: Mapping, target_kind: str) -> None:
    raise ctx.error(None, f"leaves pool {ctx.edge[0]!r}, but {NO_EDGES}")


POOL = Kind(
    name="pool",
    summary="A shared, passive resource of `size` units (database connections, locks, "
            "licences). A service with `uses: [pool, ...]` acquires one unit of each, in "
            "that order, after it takes a server and before its service time (waiting "
            "holds the server and counts in its `held`), and releases them when its "
            "execution, sync calls included, ends. A freed unit goes to the longest "
            "waiter. An execution that waits longer than `timeout` for a unit fails with "
            "cause `pool_timeout`, giving back its server and the units it already had. "
            "A pool has no edges. `check` and `analyze` give its utilisation, the sum "
            "over its users of arrival rate x holding time (sync calls included) / "
            "`size`, and `analyze` the mean wait for a unit as a G/G/`size` queue fed by "
            "every user's executions (Allen-Cunneen: Erlang C when the users have servers "
            "to spare and exponential times; users with few servers wait less), both "
            "flagged approx.",
    keys=KEYS,
    build=build,
    in_edge_refusal=NO_EDGES,
    out_edge=_no_out_edge,
)
