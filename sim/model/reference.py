"""The reference page of the model format (Markdown), generated from the key tables.

``asyncsim schema --markdown`` prints it; docs/reference/model.md holds it, and a
test fails when that file differs from what this module generates. Tables come
from :data:`sim.model.kinds.KINDS` and :mod:`sim.model.format`; the prose between
them is here.
"""

from __future__ import annotations

import math
from typing import Any

from sim.model.format import ADAPTIVE_LIMIT, DISTS, EDGE, RUN, STEP, TOP
from sim.model.slo import ALERT, SLO
from sim.model.keys import Key
from sim.model.kinds import KIND_NAMES, KINDS

__all__ = ["model_reference", "REGENERATE"]

REGENERATE = "python -m sim schema --markdown > docs/reference/model.md"

_INTRO = """\
# The model format

<!-- Generated from the key declarations in sim/model/kinds/ and sim/model/format.py.
     Do not edit by hand; regenerate with: {regenerate} -->

A model is a directed graph: nodes are the components of a system, edges the
paths its messages take. On disk it is a YAML (or strict JSON) file; in Python
it is a `networkx.DiGraph` whose node and edge attributes are the same keys.
All times are in seconds, all rates per second. `asyncsim check MODEL` validates
a file and `asyncsim schema` prints the JSON Schema of the format, for editors.

```yaml
name: request-reply
run: {{duration: 3600, warmup: 300, replications: 5, seed: 1}}
nodes:
  client:    {{kind: sender, rate: 80, timeout: 2.0,
              retry: {{max_attempts: 3, backoff: {{initial: 0.1, multiplier: 2, max: 5}}, jitter: full}}}}
  requests:  {{kind: queue, capacity: 10000, overflow: reject}}
  worker:    {{kind: service, servers: 8, service: {{dist: lognormal, mean: 0.08, cv: 1.5}}, error_rate: 0.01}}
  responses: {{kind: queue}}
  callback:  {{kind: service, servers: 2, service: {{dist: exponential, mean: 0.005}}}}
edges:
  - [client, requests]
  - [requests, worker]
  - [worker, responses]
  - [responses, callback]
```

In the tables below, a key with no default is unset unless given; *required*
keys must be given. `inf` (YAML `.inf`, JSON `"inf"`) means unbounded, and is
accepted only where a key says so.
"""

_EDGES = """\
An edge is written `[from, to]`, `[from, to, p]` or as a mapping
`{from, to, p, latency}`. Edges are taken in the order they are written
(round-robin order, and a service's queues when it has no `inputs`). Cycles are
allowed as long as every node can reach a sink (a node with no outgoing edge)
along edges a message can take: an edge with `p: 0` is never taken.
"""

_CALLS = """### Calls

An edge with `call:` is a call, not a path. With `call: sync`, each execution of
the caller, after its own service time, makes `visits` calls to the callee (one
after the other; the caller's sync call edges in the order they are written) and
its server stays held until each reply comes back; then the message goes on along
the caller's path edges as usual (a caller with no path edge is a sink). The
callee serves a call like any message (its buffer, its servers, its own sync
calls: calls nest) and replies when its execution ends, without following its
own outgoing edges. `latency` on a call edge delays the request leg only.

A sync call fails the caller's execution, and so the request's attempt: with
cause `call_timeout` when no reply came within `timeout` (the caller is freed at
once; the callee's work goes on and is wasted), and with cause `call_failed` when
the callee's execution failed (its `error_rate`, a full buffer, a crash, a `ttl`).
A caller's own `error_rate` is drawn at the end of its execution, after its calls.

With `call: async` the caller sends `visits` copies when its execution succeeds
and does not wait: the callee's work neither delays nor fails the request, and
the copy ends at the callee (fire-and-forget).

Three keys guard a call edge, as resilience4j and Envoy do. `max_in_flight: N` is a
bulkhead: a call made while N calls are outstanding on the edge (awaited by their
callers, or still at the callee for async ones) is refused at once; a sync call so
refused fails the caller's execution with cause `bulkhead`, an async one is not
sent. `hedge: {after: T}` (sync only) sends one more copy of a call that has had no
reply T seconds after it was sent (not past the bulkhead); the first reply wins,
the other copy is no longer awaited and its work is wasted, and the call fails only
when both copies have failed. `retry` (sync only) has the sender's form
(`max_attempts`, `backoff`, `jitter`; no `budget`): a call that failed, timed out
or was refused by the bulkhead is made again after its backoff while the caller's
server stays held, and the caller's execution fails only when the last attempt
does. `max_in_flight: {adaptive: aimd | gradient, min, max, initial}` moves the
limit after each attempt that ends, as Netflix's concurrency-limits does (the table
below); the edge's `limit` reports its time-averaged, lowest and highest values.
An edge's `calls` count every attempt and copy; its `retries` and `hedges`
say how many of them were extra, and its `failures` count calls whose last attempt
failed.

A call goes from a service to a service, or to a queue: then the call waits in the
queue like any message, one of the queue's consumers serves it, and it replies
when that execution ends (through an at-least-once queue, the first delivery
acknowledged in time replies; a stale one is wasted work). A call edge has no `p`
and takes no part in routing or in the reach-a-sink check; calls may not form a
cycle, counting a queue's consumers as its callees. A service fed only by calls
has a buffer of its own and takes the buffer keys.

`asyncsim check` and `asyncsim analyze` treat sync calls by the method of layers:
a caller's holding time is its own service time plus, per call edge, `visits` x
(the edge's latency + the callee's response time, its wait included), iterated
with the flows to a fixed point; the callers' utilisation uses it, and the
figures are flagged approximate. `analyze` does so for open senders only.
"""

_SCENARIO = """\
`scenario:` lists timed changes to the running model, for replaying an incident
or rehearsing one (a model's, or an experiment's, which replaces the model's):

```yaml
scenario:
  - {at: 600, for: 120, set: {nodes.db.service.mean: 0.25}}   # the database slows 5x for 2 minutes
  - {at: 900, node: worker, action: crash, for: 60}           # crash, recovered a minute later
  - {at: 1200, set: {nodes.worker.servers: 4}}                 # a capacity step that stays
```

Each step's keys are validated as at load (the model with them applied must be
valid; a mistake names the step: `scenario[2].set: node 'worker': 'servers' must be
a positive integer or inf (got 0)`). When steps overlap on one key, the latest
started step still in force wins, and when it ends the value goes back to what
was in force before it. What a change does: new `servers` start idle servers at
once, and a busy server above a smaller count stops when its message is done;
a new `service` law applies to executions that start after the step; a
`capacity` change keeps the messages already waiting; a sender's new `rate`
takes effect at the step's time exactly (Poisson arrivals stay Poisson); new
`p` apply to messages routed after the step, and all `p` of a node must change
together so that they still sum to 1. A crashed service loses the messages in
service (cause `crash`) and keeps its buffer; `recover` restarts its servers.
In an experiment, `scenario.<i>.<key>` is a sweepable path (e.g.
`scenario.0.for`, `scenario.0.set.nodes.db.service.mean`).
"""

_LIFE = """\
## Life of a request

A sender's request leaves as a first attempt and follows the edges. It completes
when every copy of it (after a `broadcast`) has left a sink; its latency runs from
the first attempt's departure to that moment, across retries. An attempt fails
when a queue rejects or drops it, it expires (`ttl`), processing errs
(`error_rate`), its server goes down (`availability`), a rate limit or an open
circuit breaker refuses it, a sync call times out, fails or is refused by a
bulkhead (`call_timeout`, `call_failed`, `bulkhead`), or the sender's `timeout` fires first. A failed
attempt is retried after its backoff while attempts remain; when the last one
fails the request has failed. An attempt that timed out is not cancelled: it
still takes capacity, and if it completes while the request is pending the
request completes; a completion after that counts as a duplicate.

## Invalid models

A mistake is refused when the model is loaded, with one message naming the node
or edge, the key, the value and what was expected, and the nearest valid key or
choice for a misspelling. Besides the types and bounds above: a model needs a
sender; a node is defined once; edges join defined nodes, never go into a sender,
and leave a queue only for services; `p` is given on all of a node's outgoing
edges or on none and sums to 1; every node reaches a sink; calls go from a
service to another service, without `p`, and form no cycle. A node whose offered
load meets its capacity is valid but reported unstable by `asyncsim check`.
"""


_SLO = """\
Each entry of `slo:` is judged on consecutive windows of the measured period:

```yaml
slo:
  - {objective: "requests.latency.p99 <= 0.5", window: 60, target: 0.99}
  - {name: errors, objective: "requests.failed / requests.offered <= 0.001",
     alerts: [{long: 600, short: 60, burn: 10}]}
```

The burn rate is the fraction of bad windows divided by the error budget
`1 - target` (1 spends the budget exactly over the run). An alert is the
multi-window burn-rate alert of Google's SRE workbook: at the end of each
window it is firing when the burn rate over both its `long` and its `short`
span exceeds `burn`; the result lists the times it started firing.
"""


def model_reference() -> str:
    """The Markdown reference page of the model format."""
    parts = [_INTRO.format(regenerate=REGENERATE)]
    parts += ["## Top-level keys\n", _table(TOP), "", "### `run`\n", _table(RUN), ""]
    parts += ["### `slo`\n", _SLO, _table(SLO), "", "Each of `alerts`:\n", _table(ALERT), ""]
    parts.append("## Node kinds\n")
    parts.append("Every node has a `kind`, one of " + ", ".join(f"`{k}`" for k in KIND_NAMES)
                 + ", and takes that kind's keys only.\n")
    for name in KIND_NAMES:
        parts += _kind_section(name)
    parts += ["## Edges\n", _EDGES, _table(EDGE), ""]
    for key in EDGE:
        parts += _nested(key, key.name)
    parts += _nested(ADAPTIVE_LIMIT, "max_in_flight (adaptive)")
    parts.append(_CALLS)
    parts += ["## Scenario\n", _SCENARIO, _table(STEP), ""]
    parts += _distributions()
    parts.append(_LIFE)
    return "\n".join(parts).rstrip("\n") + "\n"


def _kind_section(name: str) -> list[str]:
    kind = KINDS[name]
    out = [f"### `{name}`\n", kind.summary + "\n", _table(kind.keys), ""]
    for key, why in kind.refused.items():
        out.append(f"`{key}` is refused: it {why}.\n")
    for key in kind.keys:
        out += _nested(key, key.name)
    return out


def _nested(key: Key, path: str) -> list[str]:
    """A table for each mapping key (and the mappings inside it)."""
    if key.type != "mapping":
        return []
    out = [f"#### `{path}`\n", key.description + "\n", _table(key.keys), ""]
    for sub in key.keys:
        out += _nested(sub, f"{path}.{sub.name}")
    return out


def _distributions() -> list[str]:
    out = ["## Distributions\n",
           "A time (a service time, an interarrival time, a latency, ...) is a number of "
           "seconds, a constant, or a mapping with `dist` and that law's parameters, e.g. "
           "`{dist: lognormal, mean: 0.08, cv: 1.5}`. Every law knows its mean and "
           "variability, which the analytic formulas use.\n",
           "| `dist` | parameters | meaning |", "| --- | --- | --- |"]
    for d in DISTS:
        params = []
        for k in d.keys:
            text = f"`{k.name}` ({_cell(_type(k))}{', ' + _bounds(k) if _bounds(k) else ''}"
            text += f", {k.unit})" if k.unit else ")"
            params.append(text)
        joiner = " or " if d.exactly_one_of else ", "
        out.append(f"| `{d.name}` | {joiner.join(params)} | {_cell(d.summary)} |")
    return out + [""]


def _table(keys: tuple[Key, ...]) -> str:
    rows = ["| key | type | unit | default | allowed | meaning |",
            "| --- | --- | --- | --- | --- | --- |"]
    for k in keys:
        meaning = k.description
        if k.note:
            meaning += f" Only {k.note.removeprefix('only ')}."
        if k.high_why:
            meaning += f" At most {_num(k.high)}: {k.high_why}."
        rows.append(f"| `{k.name}` | {_cell(_type(k))} | {k.unit} | {_cell(_default(k))} "
                    f"| {_cell(_bounds(k))} | {_cell(meaning)} |")
    return "\n".join(rows)


def _type(k: Key) -> str:
    if k.type == "custom":
        return k.type_text
    if k.type == "integer" and k.inf:
        return "integer or inf"
    return {"probability": "number", "fraction": "number", "boolean": "true or false",
            "choice": "choice"}.get(k.type, k.type)


def _bounds(k: Key) -> str:
    if k.type == "probability":
        return "0 to 1"
    if k.type == "fraction":
        return "> 0, <= 1"
    if k.type == "choice":
        return ", ".join(f"`{c}`" for c in k.choices)
    parts = []
    if k.low is not None and k.type in ("number", "integer"):
        parts.append(f"{'>' if k.low_open else '>='} {_num(k.low)}")
    if k.high is not None:
        parts.append(f"<= {_num(k.high)}")
    return ", ".join(parts)


def _default(k: Key) -> str:
    if k.required:
        return "*required*"
    if k.default_text:
        return k.default_text
    return _show(k.default)


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "inf" if math.isinf(value) else _num(value)
    return f"`{value}`" if isinstance(value, str) else str(value)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
