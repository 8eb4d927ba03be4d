"""A request's trace rows as a tree of spans, the shape tracing systems share.

Each row of a traced request (:mod:`sim.metrics.trace_columns`) becomes one span:

- an ``attempt`` row: a PRODUCER span at the sender, from sending to resolution
  (attempt 1 is the trace's root; a retry is a child of the root);
- a ``visit`` to a queue: a PRODUCER span (zero length, at the arrival) in the
  node that sent the message there, ``messaging.destination.name`` the queue;
- a ``visit`` to any other node: a CONSUMER span (after a queue: the consumer of
  that queue's PRODUCER span, whose end it follows by the queue wait) or a
  SERVER span (serving a call, or reached with no queue between), from the
  start of service to the departure;
- a ``call`` row: a CLIENT span in the caller, child of the caller's span that
  made it; the callee's visits for that call are its children.

``late`` rows (a duplicate completion) are left out. Hops are linked by time:
a message that leaves a node at t and arrives at the next at t is that node's
child (the engine moves messages between nodes in no time). Span ids are
unique per file; trace ids per (replication, request).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Span", "request_spans", "ended", "PRODUCER", "CONSUMER", "SERVER", "CLIENT"]

PRODUCER, CONSUMER, SERVER, CLIENT = "PRODUCER", "CONSUMER", "SERVER", "CLIENT"
_FAILED = {"completed", "done", "taken"}


@dataclass(frozen=True, slots=True)
class Span:
    """One span: times in simulated seconds; ``parent`` 0 for a root."""

    trace: tuple[int, int]
    span: int
    parent: int
    service: str
    name: str
    kind: str
    start: float
    end: float
    destination: str = ""
    outcome: str = ""
    row_kind: str = ""
    attempt: int = 1
    until: float = 0.0
    """A queue's PRODUCER span: when the message left the queue (s)."""
    queued: float = 0.0
    """A CONSUMER or SERVER span: seconds waited at the node before service began."""

    @property
    def ok(self) -> bool:
        return self.outcome in _FAILED or self.outcome == ""


def _num(value) -> float | None:
    if value is None or value != value:  # None or NaN
        return None
    return float(value)


class _Ids:
    def __init__(self) -> None:
        self.next = 0

    def __call__(self) -> int:
        self.next += 1
        return self.next


def request_spans(rows: list[dict], kinds: dict[str, str], ids) -> list[Span]:
    """The spans of one request, from its rows (dicts keyed by trace column).

    ``kinds`` maps node names to their kind (``queue`` visits become PRODUCER
    spans); ``ids()`` gives the next span id.
    """
    first = rows[0]
    trace = (int(first["replication"]), int(first["request"]))
    attempts = sorted((r for r in rows if r["kind"] == "attempt"), key=lambda r: r["attempt"])
    calls = [r for r in rows if r["kind"] == "call"]
    spans: list[Span] = []
    anchors: dict[tuple[int, int], tuple[int, str]] = {}
    root = 0
    for row in attempts:
        sid = ids()
        root = root or sid
        start = _num(row["arrival"])
        end = _num(row["departure"])
        spans.append(Span(trace, sid, 0 if sid == root else root, row["node"],
                          f"{row['node']} send", PRODUCER, end if start is None else start,
                          end, outcome=row["outcome"], row_kind="attempt",
                          attempt=int(row["attempt"])))
        anchors[(int(row["attempt"]), 0)] = (sid, row["node"])
    call_ids = {int(r["call"]): ids() for r in calls}
    for row in calls:
        caller = str(row["node"]).split("->")[0]
        anchors[(int(row["attempt"]), int(row["call"]))] = (call_ids[int(row["call"])], caller)
    groups: dict[tuple[int, int], list[dict]] = {}
    for row in rows:
        if row["kind"] == "visit":
            groups.setdefault((int(row["attempt"]), int(row["call"])), []).append(row)
    served: dict[tuple[int, int], list[Span]] = {}
    for key, visits in groups.items():
        anchor = anchors.get(key, anchors.get((key[0], 0), (root, "")))
        served[key] = _visit_spans(trace, visits, kinds, anchor, key, ids, spans)
    for row in calls:
        spans.append(_call_span(trace, row, call_ids, served, anchors, root))
    return spans


def _visit_spans(trace, visits, kinds, anchor, key, ids, spans) -> list[Span]:
    """The spans of one (attempt, call)'s visits, linked hop by hop by time."""
    visits = sorted(visits, key=lambda r: (r["arrival"], _num(r["start"]) or r["arrival"]))
    by_end: dict[float, list[Span]] = {}
    waiting: dict[float, list[Span]] = {}
    out: list[Span] = []
    anchor_id, anchor_service = anchor
    for row in visits:
        node, arrival = row["node"], float(row["arrival"])
        departure = _num(row["departure"])
        departure = arrival if departure is None else departure
        before = by_end.get(arrival)
        parent = before.pop(0) if before else None
        if kinds.get(node) == "queue" or (node not in kinds and _num(row["start"]) is None):
            sender = parent.service if parent else anchor_service
            span = Span(trace, ids(), parent.span if parent else anchor_id, sender,
                        f"{node} publish", PRODUCER, arrival, arrival, node, row["outcome"],
                        "visit", key[0], until=departure)
            if row["outcome"] == "taken":
                waiting.setdefault(departure, []).append(span)
        else:
            queued = waiting.get(arrival)
            producer = queued.pop(0) if queued else None
            start = _num(row["start"])
            start = arrival if start is None else start
            if producer is not None:
                span = Span(trace, ids(), producer.span, node, f"{producer.destination} process",
                            CONSUMER, start, departure, producer.destination, row["outcome"],
                            "visit", key[0], queued=start - arrival)
            else:
                up = parent.span if parent else anchor_id
                span = Span(trace, ids(), up, node, f"{node} serve", SERVER, start, departure,
                            "", row["outcome"], "visit", key[0], queued=start - arrival)
            by_end.setdefault(departure, []).append(span)
        out.append(span)
        spans.append(span)
    return out


def _call_span(trace, row, call_ids, served, anchors, root) -> Span:
    """A CLIENT span, child of the caller's span that was running when it was made."""
    caller, _, callee = str(row["node"]).partition("->")
    attempt, parent_call = int(row["attempt"]), int(row["parent"] or 0)
    sent = float(row["arrival"])
    parent = anchors.get((attempt, parent_call), (root, ""))[0]
    for span in served.get((attempt, parent_call), ()):
        if span.service == caller and span.start <= sent <= span.end:
            parent = span.span
            break
    end = _num(row["departure"])
    return Span(trace, call_ids[int(row["call"])], parent, caller, f"{callee} call", CLIENT,
                sent, sent if end is None else end, callee, row["outcome"], "call", attempt)


def ended(spans: list[Span]) -> list[Span]:
    """The spans a tracer would have exported: a service's span still open at the end
    (outcome ``in_flight``) is left out, as a tracer exports a span when it ends; a
    queue's PRODUCER span stays (the message was sent)."""
    return [s for s in spans if not (s.outcome == "in_flight" and s.kind in (CONSUMER, SERVER))]


def new_ids() -> _Ids:
    """A fresh span-id counter (ids from 1)."""
    return _Ids()
