"""``service``: its result entry. Servers, utilisation and busy servers, its own
buffer's queueing, and the counters only some configurations have (autoscaling,
availability, non-idempotent work)."""

from __future__ import annotations

import math

from sim.metrics.fields import Field
from sim.metrics.kinds.common import (FLOW_FIELDS, SOJOURN_KEYS, WAIT_KEYS, KindResult,
                                      empty_wait, kind_field, optional_counts,
                                      queueing_fields, stat)

__all__ = ["RESULT", "FIELDS", "entry"]

def _sheds(spec) -> bool:
    return spec.buffer is not None and spec.buffer.shed is not None


FIELDS: tuple[Field, ...] = (
    kind_field("service"),
    Field("servers", "servers", "Servers configured (null for servers: inf).", "constant"),
    *FLOW_FIELDS,
    Field("errors", "messages", "Messages failed by error_rate.", "sum"),
    Field("throughput", "1/s", "Messages served per simulated second."),
    Field("utilization", "ratio", "busy.mean / servers (the time-averaged servers "
          "provisioned when autoscaling); null for servers: inf."),
    Field("busy.mean", "servers", "Time-averaged number of servers in use (held on calls "
          "included)."),
    Field("held.mean", "servers", "Time-averaged number of servers held waiting on sync "
          "calls or for pool units (server-seconds per second, part of busy.mean; 0 for a "
          "service that does neither)."),
    Field("blocked", "server-seconds", "Server-seconds its servers stayed taken after "
          "serving, holding a message that a full buffer with overflow: block had not yet "
          "admitted (part of busy; 0 when it sends into no such buffer)."),
    *queueing_fields(lambda k: f"{stat(k)} time a message waits in the service's own "
                     "buffer (0 when only queues feed it).",
                     lambda k: f"{stat(k)} time from arrival to the end of service (wait + "
                     "service)."),
    Field("expired", "messages", "Messages that waited longer than ttl in its own buffer.",
          "sum"),
    Field("servers_mean", "servers", "Time-averaged servers provisioned.",
          when=lambda s: s.autoscale is not None, sometimes=True,
          condition="with autoscale, when the count changed during the run"),
    Field("crashes", "-", "Times a server crashed.", "sum",
          when=lambda s: s.availability is not None, condition="with availability"),
    Field("duplicate_effects", "messages", "Side effects applied more than once "
          "(redelivered or retried work on a service that is not idempotent).", "sum",
          when=lambda s: not s.idempotent, condition="with idempotent: false"),
    Field("shed", "messages", "Messages its own buffer dropped by CoDel shedding (part of "
          "dropped).", "sum", when=_sheds, condition="with shed"),
    Field("batches", "-", "Batches served (started).", "sum",
          when=lambda s: getattr(s, "batch", None) is not None, condition="with batch"),
    Field("batch_size.mean", "messages", "Mean messages per batch (null without batches).",
          when=lambda s: getattr(s, "batch", None) is not None, condition="with batch"),
    Field("balked", "messages", "Arrivals its own buffer refused by balk (part of "
          "dropped).", "sum", when=lambda s: s.buffer is not None and s.buffer.balk is not None,
          condition="with balk"),
)


def entry(raw: dict, duration: float) -> dict:
    """A service's entry; utilisation divides by the time-averaged servers provisioned
    (the fixed count, unless the service autoscales)."""
    servers = raw["servers"]
    busy_mean = raw["busy_area"] / duration
    servers_mean = raw["servers_area"] / duration
    out = {
        "kind": "service",
        "servers": None if math.isinf(servers) else int(servers),
        "arrivals": int(raw["arrivals"]), "completed": int(raw["completed"]),
        "dropped": int(raw["dropped"]), "errors": int(raw["errors"]),
        "throughput": raw["completed"] / duration,
        "utilization": None if math.isinf(servers) or servers_mean <= 0
        else busy_mean / servers_mean,
        "busy": {"mean": busy_mean},
        "held": {"mean": raw.get("held_area", 0.0) / duration},
        "blocked": float(raw["blocked_area"]),
        "queue_length": {"mean": raw["q_area"] / duration, "max": int(raw["q_peak"])},
        "wait": raw["wait"].summary(WAIT_KEYS) if raw["wait"].count else empty_wait(WAIT_KEYS),
        "sojourn": raw["sojourn"].summary(SOJOURN_KEYS) if raw["sojourn"].count
        else empty_wait(SOJOURN_KEYS),
        "expired": int(raw.get("expired", 0)),
    }
    if not math.isinf(servers) and abs(servers_mean - servers) > 1e-9:
        out["servers_mean"] = servers_mean
    out.update(optional_counts(raw, ("crashes", "duplicate_effects", "shed",
                                      "balked")))
    if raw.get("batches") is not None:
        out["batches"] = int(raw["batches"])
        out["batch_size"] = {"mean": raw["batched"] / raw["batches"] if raw["batches"]
                             else None}
    return out


RESULT = KindResult(name="service", fields=FIELDS, entry=entry)
