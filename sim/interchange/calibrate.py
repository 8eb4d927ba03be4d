"""Spans -> a model: the topology, routing, calls, service times and arrival rates a
trace shows, and notes on what it cannot show.

- *Executions*: roots (a sender's request), CONSUMER spans (a service taking from
  the queue named by the span's destination) and SERVER spans (a service serving
  a call, or reached with no queue between).
- *Path edges*: an execution at N whose child is a PRODUCER span into queue Q gives
  N -> Q; a SERVER child not under a CLIENT span gives N -> that service; each
  queue gets an edge to every service consuming it. Routing probabilities are
  the counts over N's executions; the executions with no such child end their
  request (an edge to the router ``exit`` when they are at least ``EXIT_SHARE``).
- *Call edges*: a CLIENT child of an execution at N whose SERVER child runs at M
  gives N -> M, ``sync`` when every call lies inside the caller's span, else
  ``async``; ``visits`` is the calls per execution, rounded.
- *Service times*: each execution's self-time (its length minus the time its sync
  calls cover) fitted by :func:`sim.analytic.fit.fit`, the best law by AIC.
- *Servers*: the most executions of a service seen at once (a lower bound).
- *Arrivals*: the rate of root spans over the time they cover (gaps longer than
  ``GAP`` times the mean interarrival time are left out: traces collected in
  several windows), divided by the sampled fraction; a ``profile`` when the
  stationarity test of :func:`sim.analytic.fit.arrivals` rejects a constant rate.
- *Queue latencies*: consumer start minus producer end, reported in the notes
  (the model's queues wait by themselves; compare them with a run).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np

from sim.analytic.fit import fit, snippet
from sim.interchange.traces_in import InSpan, TraceImportError, read_spans

__all__ = ["Calibration", "calibrate", "import_traces", "EXIT_SHARE", "GAP"]

EXIT_SHARE = 0.01
SYNC_SHARE = 0.95
"""A call edge is sync when at least this share of its calls end inside the caller's span
(not all: a caller's clock may disagree, or a timed-out call end after)."""
TOUCH = 2e-6
"""s: how far a call may end after its caller and still be inside (whole-microsecond
timestamps of Jaeger and Zipkin round each end by up to 0.5 µs)."""
GAP = 50.0
_EXEC = ("CONSUMER", "SERVER")


@dataclass(frozen=True)
class Calibration:
    """The model (a dict in the model format) and the notes on how it was read."""

    model: dict
    notes: list[str] = field(default_factory=list)
    figures: dict = field(default_factory=dict)


def _union(intervals: list[tuple[float, float]]) -> float:
    total, end = 0.0, -np.inf
    for a, b in sorted(intervals):
        if b > end:
            total += b - max(a, end)
            end = b
    return total


def _max_concurrent(spans: list[InSpan]) -> int:
    events = sorted([(s.start, 1) for s in spans] + [(s.end, -1) for s in spans])
    level = best = 0
    for _, step in events:
        level += step
        best = max(best, level)
    return best


class _Graph:
    def __init__(self, spans: list[InSpan]) -> None:
        self.by_id = {(s.trace, s.span): s for s in spans}
        self.children: dict[tuple, list[InSpan]] = defaultdict(list)
        self.orphans = 0
        for s in spans:
            if s.parent:
                if (s.trace, s.parent) in self.by_id:
                    self.children[(s.trace, s.parent)].append(s)
                else:
                    self.orphans += 1
        self.roots = [s for s in spans if not s.parent]

    def kids(self, span: InSpan) -> list[InSpan]:
        return self.children.get((span.trace, span.span), [])


def _names(graph: _Graph, spans: list[InSpan]) -> tuple[dict, set, set]:
    services = {s.service for s in spans if s.kind in _EXEC}
    queues = {s.destination for s in spans if s.kind in ("PRODUCER", "CONSUMER")
              and s.destination and s.parent}
    queues |= {s.destination for s in graph.roots if s.kind == "PRODUCER" and s.destination}
    taken = services | queues
    senders = {}
    for root in graph.roots:
        name = root.service if root.service not in taken else f"{root.service}_sender"
        senders[root.service] = name
    return senders, services, queues


def calibrate(spans: list[InSpan], sampled: float = 1.0, name: str = "imported") -> Calibration:
    """The model a set of spans describes (see the module notes)."""
    if not 0 < sampled <= 1:
        raise TraceImportError(f"--sampled must be a fraction in (0, 1] (got {sampled})")
    graph = _Graph(spans)
    if not graph.roots:
        raise TraceImportError("no root spans (every span has a parent): cannot tell where "
                               "requests arrive")
    senders, services, queues = _names(graph, spans)
    notes: list[str] = [f"{len(spans)} spans in {len({s.trace for s in spans})} traces; "
                        f"{len(graph.roots)} roots"]
    execs: dict[str, list[InSpan]] = defaultdict(list)
    for root in graph.roots:
        execs[senders[root.service]].append(root)
    for s in spans:
        if s.kind in _EXEC:
            execs[s.service].append(s)
    path, calls, inner, gaps, skew = Counter(), Counter(), Counter(), defaultdict(list), []
    consumers = Counter()
    self_times: dict[str, list[float]] = defaultdict(list)
    for node, items in execs.items():
        for ex in items:
            held = []
            for kid in graph.kids(ex):
                if kid.start < ex.start:
                    skew.append(ex.start - kid.start)
                if kid.kind == "PRODUCER" and kid.destination:
                    path[(node, kid.destination)] += 1
                    for c in graph.kids(kid):
                        if c.kind == "CONSUMER":
                            gaps[kid.destination].append(c.start - kid.end)
                            consumers[(kid.destination, c.service)] += 1
                elif kid.kind == "SERVER":
                    path[(node, kid.service)] += 1
                elif kid.kind == "CLIENT" and kid.service == ex.service:
                    callee = next((c.service for c in graph.kids(kid) if c.kind == "SERVER"),
                                  kid.destination)
                    if not callee:
                        continue
                    calls[(node, callee)] += 1
                    inside = kid.end <= ex.end + TOUCH
                    inner[(node, callee)] += inside
                    if inside:
                        held.append((max(kid.start, ex.start), min(kid.end, ex.end)))
            if ex.parent or ex.kind in _EXEC:
                self_times[node].append(max(ex.end - ex.start - _union(held), 0.0))
    model = {"name": name, "description": "Imported from traces by asyncsim import traces.",
             "nodes": {}, "edges": []}
    nodes, edges = model["nodes"], model["edges"]
    figures: dict = {"routing": {}, "service_mean": {}, "rate": {}, "fits": {}}
    for service, sender in senders.items():
        rate, note, profile = _rate([r.start for r in graph.roots if r.service == service],
                                    sampled)
        nodes[sender] = {"kind": "sender", "rate": round(rate, 6)}
        if profile is not None:
            nodes[sender]["profile"] = profile
        figures["rate"][sender] = rate
        notes.append(f"sender {sender}: {note}")
    for q in sorted(queues):
        nodes[q] = {"kind": "queue"}
        waits = np.asarray(gaps.get(q, []))
        if waits.size:
            notes.append(f"queue {q}: latency (consumer start - producer end) mean "
                         f"{waits.mean() * 1e3:.3g} ms, p99 {np.quantile(waits, .99) * 1e3:.3g} "
                         f"ms over {waits.size} messages")
    for s in sorted(services):
        times = self_times.get(s, [])
        entry = {"kind": "service", "servers": max(_max_concurrent(execs[s]), 1)}
        if len(times) >= 2:
            fits = fit(times, source=f"self-times of {s}")
            entry["service"] = snippet(fits.best)
            figures["service_mean"][s] = float(np.mean(times))
            figures["fits"][s] = [(f["dist"], float(f["aic"])) for f in fits]
            close = [f["dist"] for f in fits[1:] if f["aic"] - fits[0]["aic"] < 2]
            notes.append(f"service {s}: {len(times)} self-times, mean "
                         f"{np.mean(times) * 1e3:.4g} ms, best fit {fits[0]['dist']} (AIC"
                         + (f"; within 2 of it: {', '.join(close)}" if close else "")
                         + f"); servers {entry['servers']} = the most spans seen at once "
                         "(a lower bound)")
        else:
            notes.append(f"service {s}: too few spans to fit a service time; set it by hand")
        nodes[s] = entry
    _path_edges(execs, path, nodes, edges, notes, figures)
    for (q, s), _ in sorted(consumers.items()):
        if [q, s] not in edges:
            edges.append([q, s])
    for q in sorted(queues):
        if not any(e[0] == q for e in edges if isinstance(e, list)):
            notes.append(f"queue {q}: no consumer span seen; connect it by hand")
    sync = {key: inner[key] >= SYNC_SHARE * count for key, count in calls.items()}
    for (a, b), count in sorted(calls.items()):
        per = count / len(execs[a])
        visits = max(int(round(per)), 1)
        edge = {"from": a, "to": b, "call": "sync" if sync[(a, b)] else "async"}
        if visits > 1:
            edge["visits"] = visits
        edges.append(edge)
        notes.append(f"call {a}->{b}: {edge['call']} ({'inside' if sync[(a, b)] else 'outlives'}"
                     f" the caller's span), {per:.3g} calls per execution"
                     + ("" if abs(per - visits) <= 0.02 * visits else
                        f" (rounded to visits {visits})") + "; timeout unknown")
    _caveats(graph, skew, sampled, notes)
    return Calibration(_plain(model), notes, figures)


def _plain(value):
    """numpy numbers as Python ones, so the model dumps as YAML."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def import_traces(path, sampled: float = 1.0, name: str | None = None) -> Calibration:
    """The Python side of ``asyncsim import traces``: read the span file at ``path``
    (OTLP, Jaeger or Zipkin JSON) and calibrate a model from it.

    >>> cal = import_traces("examples/traces/order_pipeline.otlp.json")  # doctest: +SKIP
    >>> sim.simulate(sim.validate(sim.model.from_dict(cal.model)))         # doctest: +SKIP
    """
    from pathlib import Path

    _, spans = read_spans(path)
    return calibrate(spans, sampled, name or Path(path).name.split(".")[0])


def _path_edges(execs, path, nodes, edges, notes, figures) -> None:
    """Edges out of each executing node, with probabilities from the counts."""
    for node, items in execs.items():
        out = {b: c for (a, b), c in path.items() if a == node}
        n = len(items)
        total = sum(out.values())
        if total > n * 1.05:
            nodes[node]["routing"] = "broadcast"
            notes.append(f"{node}: {total / n:.3g} messages out per execution: broadcast")
            edges.extend([node, b] for b in sorted(out))
            continue
        exit_share = max(1 - total / n, 0.0)
        shares = {b: c / n for b, c in out.items()}
        if exit_share >= EXIT_SHARE and out:
            nodes.setdefault("exit", {"kind": "router"})
            shares["exit"] = exit_share
        elif out:
            shares = {b: c / total for b, c in out.items()}
        figures["routing"].update({(node, b): p for b, p in shares.items()})
        if not shares:
            continue
        if len(shares) == 1:
            edges.append([node, next(iter(shares))])
            continue
        rounded = {b: round(p, 4) for b, p in sorted(shares.items())}
        last = sorted(rounded)[-1]
        rounded[last] = round(1 - sum(v for b, v in rounded.items() if b != last), 4)
        edges.extend([node, b, p] for b, p in rounded.items())


def _rate(starts: list[float], sampled: float) -> tuple[float, str, list | None]:
    """The arrival rate of the root spans, a note, and a ``profile`` when the
    stationarity test of :func:`sim.analytic.fit.arrivals` rejects a constant rate
    (the rate is then the first segment's, as the profile's multipliers are
    relative to it)."""
    t = np.sort(np.asarray(starts))
    if t.size < 2:
        return 1.0, "one root span: rate 1/s is a placeholder", None
    gaps = np.diff(t)
    cut = gaps > GAP * np.median(gaps[gaps > 0]) if (gaps > 0).any() else gaps < 0
    observed = gaps[~cut].sum()
    rate = (t.size - 1 - cut.sum()) / observed / sampled if observed > 0 else 1.0
    note = (f"{t.size} root spans, rate {rate:.6g}/s"
            + (f" (divided by the sampled fraction {sampled})" if sampled < 1 else ""))
    profile = None
    if cut.any():
        note += (f"; {int(cut.sum())} gaps longer than {GAP:g} typical gaps left out "
                 "(no profile: the windows are not one stretch of time)")
    elif t.size >= 100:
        from sim.analytic.fit import arrivals

        report = arrivals(t - t[0], candidates=("exponential",), source="root span starts")
        p_value = report["test"]["p_value"]
        if report["stationary"]:
            note += f"; steady (dispersion test p = {p_value:.3g})"
        else:
            rate = report["base_rate"] / sampled
            profile = [[round(float(a), 3), round(float(b), 4)] for a, b in report["profile"]]
            note += (f"; not steady (dispersion test p = {p_value:.3g}): rate {rate:.6g}/s "
                     f"at first, then the profile's multipliers")
    return rate, note, profile


def _caveats(graph, skew, sampled, notes) -> None:
    if graph.orphans:
        notes.append(f"{graph.orphans} spans whose parent is not in the file were left out "
                     "of the edges (a partial export, or the parent was not sampled)")
    if skew:
        notes.append(f"clock skew: {len(skew)} spans start before their parent (by up to "
                     f"{max(skew) * 1e3:.3g} ms): the services' clocks disagree; those "
                     "gaps were counted as they are")
    else:
        notes.append("clock skew: no span starts before its parent")
    notes.append("sampling: rates and counts are those of the traces in the file"
                 + (f", rates divided by {sampled}" if sampled < 1 else "")
                 + "; head sampling keeps the shape, tail sampling (keeping slow or failed "
                 "traces) overstates service times, errors and the longer paths")
