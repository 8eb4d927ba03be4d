"""``sender``: where requests are born (open: a rate, interarrival law or trace; closed:
``clients`` that think, send and wait). Its keys, its cross-key rules, its spec."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sim.distributions import Distribution
from sim.files import read_text_file
from sim.model.checks import Ctx, is_number
from sim.model.keys import Key, Kind, Wiring, read
from sim.model.keyspace import MAX_KEYS, KeySpace
from sim.model.kinds.common import (DESCRIPTION, RATE_LIMIT, REPLICAS, ROUTING, kind_key,
                                    rate_limit_spec, replicas_of)
from sim.model.spec import (JITTERS, Backoff, CircuitBreaker, RateLimit, RetryBudget,
                            RetrySpec, Routing)

__all__ = ["SENDER", "SenderSpec", "ARRIVAL_KEYS"]


@dataclass(frozen=True, slots=True)
class SenderSpec:
    """Where requests are born: open (``rate``/``interarrival``/``trace``) or closed (``clients``).

    ``hedge`` is ``hedge.after`` (s): an attempt unanswered that long gets one more copy.
    ``keys`` is the key space each request draws its key from at birth (None: no keys).
    """

    name: str
    rate: float | None = None
    interarrival: Distribution | None = None
    clients: int | None = None
    think: Distribution | None = None
    profile: tuple[tuple[float, float], ...] | None = None
    period: float | None = None
    trace: tuple[float, ...] | None = None
    timeout: float | None = None
    retry: RetrySpec = field(default_factory=RetrySpec)
    priority: int = 0
    rate_limit: RateLimit | None = None
    circuit_breaker: CircuitBreaker | None = None
    routing: Routing = "probabilistic"
    hedge: float | None = None
    request_class: str | None = None
    keys: KeySpace | None = None
    replicas: int = 100
    kind: Literal["sender"] = "sender"

    @property
    def cls(self) -> str:
        """The class of its requests: ``class``, or its name when not given."""
        return self.request_class if self.request_class is not None else self.name

    @property
    def is_closed(self) -> bool:
        return self.clients is not None

    @property
    def mean_rate(self) -> float | None:
        """Long-run open arrival rate (1/s) before profile multipliers; None if closed."""
        if self.rate is not None:
            return self.rate
        if self.interarrival is not None:
            return 1.0 / self.interarrival.mean if self.interarrival.mean > 0 else math.inf
        if self.trace:
            span = self.trace[-1] - self.trace[0]
            return (len(self.trace) - 1) / span if span > 0 else math.inf
        return None


ARRIVAL_KEYS = ("rate", "interarrival", "clients", "trace")
MAX_CLIENTS = 1_000_000

_STEPS_JSON = {"type": "array", "minItems": 1,
               "items": {"type": "array", "prefixItems": [{"type": "number", "minimum": 0},
                                                          {"type": "number", "minimum": 0}],
                         "minItems": 2, "maxItems": 2}}
_TRACE_JSON = {"anyOf": [{"type": "string"},
                         {"type": "array", "minItems": 1,
                          "items": {"type": "number", "minimum": 0}}]}

RETRY = Key(
    "retry", "mapping", "How a failed or timed-out attempt is retried.",
    default_text="no retry (one attempt)",
    keys=(
        Key("max_attempts", "integer",
            "Attempts in all, the first one included: 1 means no retry.",
            required=True, low=1),
        Key("backoff", "mapping",
            "Delay before the n-th retry: min(max, initial * multiplier ** (n - 1)).",
            default_text="none (a retry is sent at once)",
            keys=(Key("initial", "number", "Delay before the first retry.", unit="s", low=0,
                      required=True),
                  Key("multiplier", "number", "Factor between one delay and the next.",
                      default=2.0, low=1),
                  Key("max", "number", "Longest delay.", default=math.inf,
                      default_text="unbounded", unit="s", low=0))),
        Key("jitter", "choice",
            "Randomness added to each backoff delay: none, full (uniform between 0 and "
            "the delay), equal (half the delay plus a uniform share of the other half) or "
            "decorrelated (uniform between initial and three times the previous delay, "
            "capped at max).", default="none", choices=JITTERS),
        Key("budget", "mapping",
            "Caps retries at a share of recent requests, so a failing backend is not "
            "flooded: at most ratio x requests sent in the last window, plus "
            "min_per_second x window.",
            default_text="none (retries unlimited)",
            keys=(Key("ratio", "number", "Retries allowed per request sent.", default=0.1,
                      low=0),
                  Key("min_per_second", "number", "Retries allowed per second whatever the "
                      "traffic.", default=0.0, unit="1/s", low=0),
                  Key("window", "number", "Length of the window requests are counted over.",
                      default=10.0, unit="s", low=0, low_open=True))),
    ))

CIRCUIT_BREAKER = Key(
    "circuit_breaker", "mapping",
    "Stops sending while attempts fail: opens when the share of failures among the "
    "attempts resolved in the last window reaches failure_ratio (with at least min_calls "
    "of them), refuses attempts for cooldown seconds, then lets probes attempts through "
    "and closes if they all succeed.",
    default_text="none",
    keys=(Key("failure_ratio", "fraction", "Share of failed attempts that opens the breaker.",
              default=0.5, low=0, low_open=True, high=1),
          Key("window", "number", "Length of the window attempts are counted over.",
              default=10.0, unit="s", low=0, low_open=True),
          Key("min_calls", "integer", "Fewest resolved attempts in the window before the "
              "breaker may open.", default=20, low=1),
          Key("cooldown", "number", "How long the open breaker refuses attempts.",
              default=5.0, unit="s", low=0, low_open=True),
          Key("probes", "integer", "Attempts let through when half-open.", default=1,
              low=1)))

KEYS: tuple[Key, ...] = (
    kind_key("sender"),
    DESCRIPTION,
    Key("rate", "number", "Poisson arrivals at this mean rate (an open sender).",
        unit="1/s", low=0, low_open=True),
    Key("interarrival", "distribution",
        "Time between arrivals, for a renewal process that is not Poisson (an open sender).",
        unit="s", positive_mean=True),
    Key("clients", "integer",
        "A closed population: each client sends, waits until its request completes or "
        "fails, thinks, and sends again.", low=1, high=MAX_CLIENTS,
        high_why="each client is simulated on its own and holds memory for the whole run; "
                 "describe a larger population as an open sender with 'rate'"),
    Key("trace", "custom",
        "Arrival times to replay: a list, or the path (relative to the model file) of a "
        "CSV file whose first column holds them, one a line, never decreasing.",
        unit="s", json=_TRACE_JSON, type_text="list of times, or CSV path"),
    Key("think", "distribution", "A closed client's pause between a reply and its next "
        "request.", default_text="0", unit="s", note="only with clients"),
    Key("profile", "custom",
        "Multiplies the rate over simulated time: [[t, multiplier], ...], a step function "
        "whose times start at 0 or later and never decrease; 1 before the first step.",
        json=_STEPS_JSON, type_text="list of [t, multiplier]",
        note="only on an open sender (rate or interarrival)"),
    Key("period", "number", "Repeats the profile every period seconds; greater than its "
        "last time.", unit="s", low=0, low_open=True, note="only with profile"),
    Key("timeout", "number", "An attempt not complete after this long has failed, for "
        "the sender (it is not cancelled: it still takes capacity).",
        default_text="none (wait for ever)", unit="s", low=0, low_open=True),
    RETRY,
    Key("priority", "integer", "Carried by each request; where a buffer's discipline is "
        "priority, lower is served first (never preempting).", default=0, low=0),
    RATE_LIMIT,
    CIRCUIT_BREAKER,
    Key("hedge", "mapping",
        "Hedged requests (as Dean & Barroso's 'The Tail at Scale'): when an attempt has no "
        "reply after seconds, one more copy of it is sent; the first copy to complete "
        "completes the attempt, the other is wasted work, and the attempt fails only when "
        "both copies have failed.",
        default_text="none (no hedging)",
        keys=(Key("after", "number", "Time after an attempt is sent before its copy is sent "
                  "(0 sends both at once).", unit="s", low=0, required=True),)),
    Key("keys", "mapping",
        "Gives each request a key drawn independently at birth (the independent reference "
        "model): partitions place it by key, consistent_hash routing sends each key to "
        "the same successor, caches hold keys.",
        default_text="none (requests have no key)",
        keys=(Key("count", "integer", "Keys in the key space: the integers 0 .. count - 1, "
                  "0 the most popular.", low=1, high=MAX_KEYS, required=True,
                  high_why="the engine keeps a table entry per key"),
              Key("popularity", "custom", "uniform (each key equally likely) or {zipf: s}: "
                  "key i is drawn with probability (i + 1)^-s / sum_j (j + 1)^-s.",
                  default="uniform", type_text="uniform or {zipf: s}",
                  json={"anyOf": [{"const": "uniform"},
                                  {"type": "object", "required": ["zipf"],
                                   "additionalProperties": False,
                                   "properties": {"zipf": {"type": "number",
                                                           "exclusiveMinimum": 0}}}]}))),
    ROUTING,
    Key("class", "string", "The class of the requests it sends: edges with classes, a p "
        "by class, switch and a service's by_class treat classes apart, and the results "
        "give figures per class.", default_text="the sender's name"),
    REPLICAS,
)


def _keys(ctx: Ctx, values: Mapping[str, Any] | None) -> KeySpace | None:
    """The key space from the checked ``keys`` mapping; popularity uniform or {zipf: s}."""
    if values is None:
        return None
    sub = ctx.sub("keys")
    popularity = values["popularity"]
    if popularity == "uniform":
        return KeySpace(count=values["count"])
    if isinstance(popularity, Mapping) and set(popularity) == {"zipf"}:
        s = popularity["zipf"]
        if is_number(s) and not isinstance(s, bool) and math.isfinite(s) and s > 0:
            return KeySpace(count=values["count"], zipf=float(s))
        raise sub.sub("popularity").error("zipf", "must be a finite number > 0 (the Zipf "
                                                  "exponent s, e.g. zipf: 0.9)", value=s)
    raise sub.error("popularity", "must be uniform or {zipf: s} (e.g. popularity: {zipf: "
                                  "0.9})", value=popularity)


def build(ctx: Ctx, attrs: Mapping, wiring: Wiring) -> SenderSpec:
    """The sender's spec; exactly one arrival key, keys that need another one refused."""
    given = [k for k in ARRIVAL_KEYS if k in attrs]
    if not given:
        raise ctx.error(None, "a sender needs one of 'rate', 'interarrival', 'clients' or "
                              "'trace'")
    if len(given) > 1:
        raise ctx.error(given[1], f"cannot be given with {given[0]!r}: a sender takes exactly "
                                  "one of 'rate', 'interarrival', 'clients' or 'trace'",
                        value=attrs[given[1]])
    is_open = given[0] in ("rate", "interarrival")
    for key, allowed, what in (("think", given[0] == "clients", "a closed sender ('clients')"),
                               ("profile", is_open, "an open sender ('rate' or 'interarrival')"),
                               ("period", "profile" in attrs, "a sender with a 'profile'")):
        if key in attrs and not allowed:
            raise ctx.error(key, f"only applies to {what}", value=attrs[key])
    v = read(ctx, KEYS, attrs, "sender", skip=("kind",))
    profile = None if v["profile"] is None else _profile(ctx, v["profile"])
    if v["period"] is not None and not v["period"] > profile[-1][0]:
        raise ctx.error("period", f"must be greater than the last time of 'profile' "
                                  f"({profile[-1][0]:g})", value=attrs["period"])
    return SenderSpec(
        name=ctx.node, rate=v["rate"], interarrival=v["interarrival"], clients=v["clients"],
        think=v["think"], profile=profile, period=v["period"],
        trace=None if v["trace"] is None else _trace(ctx, v["trace"]),
        timeout=v["timeout"], retry=_retry(v["retry"]), priority=v["priority"],
        rate_limit=rate_limit_spec(v["rate_limit"]),
        circuit_breaker=None if v["circuit_breaker"] is None
        else CircuitBreaker(**v["circuit_breaker"]),
        routing=v["routing"], hedge=None if v["hedge"] is None else v["hedge"]["after"],
        request_class=v["class"],
        keys=_keys(ctx, v["keys"]), replicas=replicas_of(ctx, v, attrs))


def _retry(values: Mapping[str, Any] | None) -> RetrySpec:
    if values is None:
        return RetrySpec()
    backoff, budget = values["backoff"], values["budget"]
    return RetrySpec(max_attempts=values["max_attempts"],
                     backoff=None if backoff is None else Backoff(**backoff),
                     jitter=values["jitter"],
                     budget=None if budget is None else RetryBudget(**budget))


def _profile(ctx: Ctx, value: Any) -> tuple[tuple[float, float], ...]:
    if not isinstance(value, (list, tuple)) or not value:
        raise ctx.error("profile", "must be a non-empty list of [t, multiplier] steps",
                        value=value)
    steps: list[tuple[float, float]] = []
    for i, step in enumerate(value):
        last = steps[-1][0] if steps else 0.0
        ok = isinstance(step, (list, tuple)) and len(step) == 2
        ok = ok and all(is_number(x) and math.isfinite(x) for x in step)
        if not (ok and step[0] >= last and step[1] >= 0):
            raise ctx.error(f"profile.{i}", f"must be a step [t, multiplier] with t >= {last:g} "
                                            "(times start at 0 or later and never decrease) "
                                            "and multiplier >= 0", value=step)
        steps.append((float(step[0]), float(step[1])))
    return tuple(steps)


def _trace(ctx: Ctx, value: Any) -> tuple[float, ...]:
    if isinstance(value, str):
        times: Sequence[Any] = _read_trace(ctx, value)
    elif isinstance(value, (list, tuple)):
        times = value
    else:
        raise ctx.error("trace", "must be a list of arrival times or the path of a CSV file "
                                 "of them", value=value)
    if not times:
        raise ctx.error("trace", "must hold at least one arrival time", value=value)
    previous = 0.0
    for i, t in enumerate(times):
        if not (is_number(t) and math.isfinite(t) and t >= previous):
            raise ctx.error(f"trace.{i}", f"must be a time >= {previous:g} (arrival times start "
                                          "at 0 or later and never decrease)", value=t)
        previous = t
    return tuple(float(t) for t in times)


def _read_trace(ctx: Ctx, name: str) -> list[float]:
    """Arrival times from the first column of a CSV file; a header line is skipped."""
    path = Path(name)
    if not path.is_absolute() and ctx.base_dir is not None:
        path = Path(ctx.base_dir) / path
    try:
        lines = read_text_file(path).splitlines()
    except OSError as exc:
        raise ctx.error("trace", f"must be a readable CSV file of arrival times "
                                 f"({path}: {exc})", value=name) from None
    times: list[float] = []
    header_allowed = True
    for lineno, line in enumerate(lines, 1):
        field = line.split(",")[0].strip()
        if not field or field.startswith("#"):
            continue
        try:
            times.append(float(field))
        except ValueError:
            if not header_allowed:
                raise ctx.error("trace", f"must be a CSV file of arrival times, but line "
                                         f"{lineno} of {path} is not a number",
                                value=field) from None
        header_allowed = False
    return times


SENDER = Kind(
    name="sender",
    summary="Where requests are born. Open: `rate` (Poisson), `interarrival` (a "
            "distribution) or `trace` (recorded arrival times), optionally shaped by "
            "`profile`. Closed: `clients`, each sending its next request `think` seconds "
            "after the last one completed or failed. Exactly one of `rate`, "
            "`interarrival`, `clients`, `trace` is given.",
    keys=KEYS,
    build=build,
    exactly_one_of=ARRIVAL_KEYS,
    in_edge_refusal="a sender has no incoming edges",
    sink_refusal="has no outgoing edge: its requests would go nowhere",
)
