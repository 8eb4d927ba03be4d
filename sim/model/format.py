"""The model format's keys beyond the node kinds, declared as the kinds' keys are: the
top-level keys, the ``run`` block, edges and distributions. :mod:`sim.model.schema`
and :mod:`sim.model.reference` render them with the kinds' tables.

Loading and validation of these keys live in :mod:`sim.model.load`,
:mod:`sim.model.validate` and :mod:`sim.distributions`; tests check that the names
here are theirs (``TOP_KEYS``, ``EDGE_KEYS``, ``RUN_KEYS``, each law's ``params``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.model.keys import Key
from sim.model.kinds.sender import RETRY
from sim.model.slo import SLO

__all__ = ["TOP", "RUN", "EDGE", "ADAPTIVE_LIMIT", "ADAPTIVE_MODES", "Dist", "DISTS", "INF_PATTERN", "CALL_MODES"]

CALL_MODES: tuple[str, ...] = ("sync", "async")
"""The values of an edge's ``call`` key."""

INF_PATTERN = r"^\s*\+?(\.?[iI][nN][fF]|[iI][nN][fF][iI][nN][iI][tT][yY])\s*$"
"""The spellings of unbounded accepted as text: inf, .inf, +inf, infinity (any case)."""

RUN: tuple[Key, ...] = (
    Key("duration", "number", "Simulated time measured, after the warm-up.",
        default=1000.0, unit="s", low=0, low_open=True),
    Key("warmup", "custom", "Simulated time run first and discarded, so the measurement "
        "starts from a loaded system; auto picks it from the data (MSER-5).",
        default=0.0, unit="s", type_text="number >= 0, or auto",
        json={"anyOf": [{"type": "number", "minimum": 0}, {"const": "auto"}]}),
    Key("replications", "integer", "Independent runs, each with its own random streams; "
        "confidence intervals come from their spread.", default=1, low=1),
    Key("seed", "integer", "Seed of every random stream: the same seed gives the same "
        "results.", default=1, low=0),
    Key("series", "number", "Seconds between the instants of the time series; each interval "
        "also gets the completions, failures, goodput and p50/p99 latency of the requests "
        "completed in it. At most 100,000 intervals over warm-up plus duration.",
        default_text="200 intervals over the run", unit="s", low=0, low_open=True),
    Key("engine", "choice", "What simulates: simpy (the reference engine, every feature), "
        "compiled (a compiled kernel, many times faster, for the models it covers: senders, "
        "queues, services and routers without the later features) or auto (compiled when "
        "the model is covered and the replications one process runs together make at "
        "least 250,000 node visits, else simpy; the run says which it took and why). "
        "Both give the same results for the same seed, up to the order of simultaneous "
        "events and the last digits of sums.",
        choices=("auto", "simpy", "compiled"), default="auto"),
)

EDGE: tuple[Key, ...] = (
    Key("from", "string", "The node the messages leave.", required=True),
    Key("to", "string", "The node they go to.", required=True),
    Key("p", "custom", "Share of the source's messages that take this edge when it "
        "routes probabilistic; on all of its outgoing edges or none, summing to 1 (none: "
        "an equal split). A mapping class -> probability gives each request class its own "
        "share: the p of the edges a class may take from a node sum to 1 for that class. "
        "Not on an edge out of a queue.", default_text="equal split",
        type_text="probability, or mapping of class to probability",
        json={"anyOf": [{"type": "number", "minimum": 0, "maximum": 1},
                        {"type": "object", "minProperties": 1,
                         "additionalProperties": {"type": "number", "minimum": 0,
                                                  "maximum": 1}}]}),
    Key("latency", "distribution", "Network transit time on the edge (on a call edge: of the "
        "request leg; the reply comes back at once).", default_text="0", unit="s"),
    Key("call", "choice", "Makes the edge a call instead of a path: sync holds the caller's "
        "server after its own service time until the callee replies; async sends a copy and "
        "does not wait. From a service to a service, or to a queue (one of its consumers "
        "serves the call and replies). A call edge takes no part in "
        "routing (no p) and the call does not follow the callee's outgoing edges.",
        choices=CALL_MODES, default_text="none (a path)"),
    Key("visits", "custom", "Calls made on the edge per execution of the caller, one after "
        "the other: a positive integer, or a distribution rounded to the nearest integer at "
        "each execution. Only on a call edge.", default=1,
        json={"anyOf": [{"type": "integer", "minimum": 1},
                        {"$ref": "#/$defs/distribution"}]},
        type_text="positive integer or distribution"),
    Key("timeout", "number", "Longest wait for one reply of a sync call: then the caller "
        "is freed and its execution fails (cause call_timeout); the callee's work goes on, "
        "wasted. Only with call: sync.", default_text="none (wait for the reply)", unit="s",
        low=0, low_open=True),
    Key("max_in_flight", "custom", "A bulkhead (as resilience4j's): at most this many calls "
        "outstanding on the edge at once; a call beyond it is refused at once and the "
        "caller's execution fails (cause bulkhead). A mapping with `adaptive` (see below) "
        "adapts the limit to the round trips seen, as Netflix's concurrency-limits. Only "
        "on a call edge.",
        default_text="none (unbounded)", type_text="integer >= 1 or adaptive mapping",
        json={"anyOf": [{"type": "integer", "minimum": 1},
                        {"type": "object", "required": ["adaptive"],
                         "additionalProperties": False,
                         "properties": {
                             "adaptive": {"enum": ["aimd", "gradient"]},
                             "min": {"type": "integer", "minimum": 1},
                             "max": {"type": "integer", "minimum": 1},
                             "initial": {"type": "integer", "minimum": 1},
                             "backoff": {"type": "number", "exclusiveMinimum": 0,
                                         "maximum": 1},
                             "threshold": {"type": "number", "exclusiveMinimum": 0}}}]}),
    Key("hedge", "mapping", "Hedged calls: when a sync call has no reply after seconds, one "
        "more copy is sent; the first reply wins, the other copy is wasted work, and the call "
        "fails only when both copies have failed. Only with call: sync.",
        default_text="none (no hedging)",
        keys=(Key("after", "number", "Time after a call is sent before its copy is sent (0 "
                  "sends both at once).", unit="s", low=0, required=True),)),
    Key("retry", "mapping", "How a failed or timed-out sync call is retried before the "
        "caller's execution fails, in the sender's form (the caller's server stays held "
        "through the backoff; no budget on a call edge). Only with call: sync.",
        default_text="no retry (one attempt)",
        keys=tuple(k for k in RETRY.keys if k.name != "budget")),
    Key("classes", "custom", "The request classes that may take the edge; other classes "
        "never take it. On a call edge: only executions serving these classes make the "
        "call.", default_text="every class",
        json={"type": "array", "minItems": 1, "uniqueItems": True,
              "items": {"type": "string"}}, type_text="list of class names"),
    Key("switch", "custom", "Changes a request's class as it takes the edge: {a: b} turns "
        "class a into class b (classes not named keep theirs); the new class may be one no "
        "sender has. Not on a call edge.", default_text="none (classes kept)",
        json={"type": "object", "minProperties": 1,
              "additionalProperties": {"type": "string"}},
        type_text="mapping of class to class"),
    Key("when", "choice", "On the two edges out of a cache: hit is taken by a request "
        "whose key is cached, miss by any other. Only (and required) on an edge out of a "
        "cache.", choices=("hit", "miss"), default_text="none"),
)

ADAPTIVE_MODES: tuple[str, ...] = ("aimd", "gradient")
"""The algorithms of an adaptive ``max_in_flight``."""

ADAPTIVE_LIMIT = Key(
    "max_in_flight", "mapping", "An adaptive bulkhead: the limit moves within [min, max] "
    "after each attempt that ended. aimd adds 1 per success while at least half the limit "
    "is outstanding and multiplies it by backoff on a failure, a timeout or a round trip "
    "above threshold; gradient sets new = limit * clamp(shortest round trip / this one, "
    "0.5, 1) + sqrt(limit) and moves a fifth of the way to it (a failure counts as a round "
    "trip of the edge's timeout, or twice the last one).",
    keys=(Key("adaptive", "choice", "The algorithm.", choices=ADAPTIVE_MODES, required=True),
          Key("min", "integer", "Lowest limit.", default=1, low=1),
          Key("max", "integer", "Highest limit.", default=200, low=1),
          Key("initial", "integer", "Limit at the start (within min and max).", default=20,
              low=1),
          Key("backoff", "number", "aimd: factor applied on a failure or a slow round trip "
              "(in (0, 1]).", default=0.9, low=0, low_open=True, high=1,
              high_why="a factor above 1 would grow the limit on failures"),
          Key("threshold", "number", "aimd: round trip above which the limit shrinks.",
              default_text="none (only failures and timeouts shrink it)", unit="s", low=0,
              low_open=True)))
"""The keys of an adaptive ``max_in_flight`` (checked by sim.model.calls, listed in the
reference)."""

STEP: tuple[Key, ...] = (
    Key("at", "number", "When the step happens: simulated seconds from the start (the "
        "warm-up included).", unit="s", low=0, required=True),
    Key("for", "number", "Undo the step this long after it (a crash is then recovered); "
        "without it the change stays.", unit="s", low=0, low_open=True,
        default_text="none (it stays)"),
    Key("set", "custom", "Keys to change, dotted as for `--set`: a sender's `rate`, a "
        "service's `servers`, `service` (or one of its parameters, e.g. "
        "`nodes.db.service.mean`), `error_rate`, `capacity`, a queue's `capacity`, an "
        "edge's `p` and `latency` (`edges.<from>-><to>.p`). Validated as at load.",
        json={"type": "object", "minProperties": 1},
        type_text="mapping of dotted key to value"),
    Key("node", "string", "The node an action acts on."),
    Key("action", "choice", "crash (a service loses the messages in service and stops), "
        "recover (it restarts), flush (a cache empties).",
        choices=("crash", "recover", "flush")),
)
"""The keys of one step of a model's ``scenario`` (sim.model.scenario)."""

TOP: tuple[Key, ...] = (
    Key("name", "string", "The model's name, shown in results.",
        default_text="the file's name"),
    Key("description", "string", "Free text for people reading the model."),
    Key("run", "mapping", "Run settings; flags of `asyncsim run` override them.",
        keys=RUN, default_text="all defaults"),
    Key("nodes", "custom", "The components, by name: each a mapping with `kind` and the "
        "keys of that kind.", required=True, type_text="mapping of name to node"),
    Key("edges", "custom", "The paths messages take: `[from, to]`, `[from, to, p]` or "
        "`{from, to, p, latency, call, visits, timeout, max_in_flight, hedge, retry, classes, "
        "switch, when}`, in the order that routing, "
        "`inputs` and calls follow.",
        required=True, type_text="list of edges"),
    Key("scenario", "custom", "Timed changes while the model runs: a list of steps, each "
        "`{at, for, set}` or `{at, for, node, action}` (the table below).",
        json={"type": "array"}, type_text="list of steps", default_text="none"),
    Key("slo", "custom", "Service-level objectives judged window by window: the result's "
        "`slo` gives each one's fraction of good windows, error-budget burn rate and the "
        "times its burn-rate alerts fired.", default_text="none",
        type_text="list of objectives",
        json={"type": "array"}),
)


@dataclass(frozen=True)
class Dist:
    """A law of :mod:`sim.distributions` as written in a model: ``dist: name`` and its
    parameters (``exactly_one_of`` lists alternatives of which one is given)."""

    name: str
    summary: str
    keys: tuple[Key, ...]
    exactly_one_of: tuple[str, ...] = ()


def _mean(required: bool = True, positive: bool = True) -> Key:
    return Key("mean", "number", "Mean time.", unit="s", low=0, low_open=positive,
               required=required)


_CV = Key("cv", "number", "Coefficient of variation: standard deviation / mean; 0 is "
          "constant.", low=0, required=True)
_TIMES = {"type": "array", "minItems": 1, "items": {"type": "number", "minimum": 0}}

DISTS: tuple[Dist, ...] = (
    Dist("exponential", "Memoryless times (Poisson events): give mean or rate.",
         (_mean(required=False),
          Key("rate", "number", "Events per second: 1 / mean.", unit="1/s", low=0,
              low_open=True)), exactly_one_of=("mean", "rate")),
    Dist("deterministic", "Always the same time (a plain number means the same).",
         (Key("value", "number", "The time.", unit="s", low=0, required=True),)),
    Dist("uniform", "Any time between low and high, equally likely.",
         (Key("low", "number", "Shortest time.", unit="s", low=0, required=True),
          Key("high", "number", "Longest time, >= low.", unit="s", low=0, required=True))),
    Dist("lognormal", "Skewed times with a long right tail, by mean and cv.",
         (_mean(), _CV)),
    Dist("gamma", "Times by mean and cv, lighter-tailed than lognormal.", (_mean(), _CV)),
    Dist("erlang", "A sum of k exponential phases: cv = 1 / sqrt(k).",
         (Key("k", "integer", "Number of phases.", low=1, required=True), _mean())),
    Dist("weibull", "Times by shape and scale; mean scale * Gamma(1 + 1/shape).",
         (Key("shape", "number", "Shape: below 1 a heavy tail, above 1 a light one.", low=0,
              low_open=True, required=True),
          Key("scale", "number", "Scale.", unit="s", low=0, low_open=True, required=True))),
    Dist("pareto", "Heavy-tailed times, Lomax form (support from 0): mean scale / (alpha - "
         "1), infinite for alpha <= 1.",
         (Key("alpha", "number", "Tail index: the smaller, the heavier the tail.", low=0,
              low_open=True, required=True),
          Key("scale", "number", "Scale.", unit="s", low=0, low_open=True, required=True))),
    Dist("normal", "Normal times truncated at 0.",
         (Key("mean", "number", "Location before truncation.", unit="s", low=0,
              required=True),
          Key("sd", "number", "Spread before truncation; 0 is constant.", unit="s", low=0,
              required=True))),
    Dist("hyperexponential", "An exponential time of mean means[i] with probability "
         "probs[i]: more variable than exponential.",
         (Key("means", "custom", "Mean of each branch.", unit="s", required=True,
              json={"type": "array", "minItems": 1,
                    "items": {"type": "number", "exclusiveMinimum": 0}},
              type_text="list of numbers > 0"),
          Key("probs", "custom", "Probability of each branch, one per mean, summing to 1.",
              required=True, json={"type": "array", "minItems": 1,
                                   "items": {"type": "number", "minimum": 0, "maximum": 1}},
              type_text="list of probabilities"))),
    Dist("empirical", "Observed times, resampled with replacement: give samples or file.",
         (Key("samples", "custom", "The observed times.", unit="s", json=_TIMES,
              type_text="list of numbers >= 0"),
          Key("file", "string", "Path of a CSV file with one time a line (a header line "
              "is allowed), relative to the model file.")),
         exactly_one_of=("samples", "file")),
)
