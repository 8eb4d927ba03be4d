"""Trace rows -> Chrome trace-event JSON, which Perfetto's UI (ui.perfetto.dev) and
chrome://tracing open.

A process per node (per node and replication when there are several), and in it
a track per concurrent slot: the rows do not say which server served a message,
so stays are packed greedily onto the fewest tracks on which they do not
overlap; a service's busy tracks are therefore at most its servers. Each stay is
one complete event (``ph: X``, ``ts`` and ``dur`` in microseconds): ``service``
(a visit's service, start to departure), ``queue`` (a wait in a queue, or in a
service's own queue before service), ``call`` (a call, at the caller) and
``request`` (an attempt, at its sender). Flow events (``ph: s`` / ``f``, one id
per link) join each span of :mod:`sim.interchange.spans` to its parent, so a
request's hops are linked.
"""

from __future__ import annotations

import heapq
import json
from pathlib import Path

from sim.interchange.rows import read_rows, requests
from sim.interchange.spans import CLIENT, PRODUCER, new_ids, request_spans

__all__ = ["write_perfetto", "perfetto_events"]

_US = 1e6  # microseconds per second
_TOUCH = 1e-3  # µs: a stay ending this close to another's start frees its slot (rounding)


def _event(name, cat, pid, start, end, args) -> dict:
    return {"name": name, "cat": cat, "ph": "X", "ts": start * _US,
            "dur": max(end - start, 0.0) * _US, "pid": pid, "tid": 0, "args": args}


def _span_events(span, pid) -> list[dict]:
    """The complete events of one span; the first is the one flows attach to."""
    args = {"request": span.trace[1], "attempt": span.attempt, "outcome": span.outcome}
    if span.row_kind == "attempt":
        return [_event(span.name, "request", pid(span.service), span.start, span.end, args)]
    if span.kind == PRODUCER:
        return [_event(f"wait in {span.destination}", "queue", pid(span.destination),
                       span.start, span.until, args)]
    if span.kind == CLIENT:
        return [_event(span.name, "call", pid(span.service), span.start, span.end, args)]
    events = [_event(span.service, "service", pid(span.service), span.start, span.end, args)]
    if span.queued > 0:
        events.append(_event(f"wait in {span.service}", "queue", pid(span.service),
                             span.start - span.queued, span.start, args))
    return events


def _flows(span, child, parent, counter) -> list[dict]:
    counter[0] += 1
    ts = min(max(child["ts"], parent["ts"]), parent["ts"] + parent["dur"])
    name = f"request {span.trace[1]}"
    return [{"name": name, "cat": "hop", "ph": "s", "id": counter[0], "ts": ts,
             "pid": parent["pid"], "tid": parent["tid"]},
            {"name": name, "cat": "hop", "ph": "f", "bp": "e", "id": counter[0],
             "ts": child["ts"], "pid": child["pid"], "tid": child["tid"]}]


def _assign_tracks(events: list[dict]) -> dict[tuple[int, str], int]:
    """Give each complete event a tid: per (process, category), the lowest-numbered
    free slot; returns the number of slots of each (process, category)."""
    families: dict[tuple[int, str], list[dict]] = {}
    for event in events:
        families.setdefault((event["pid"], event["cat"]), []).append(event)
    base = {"request": 0, "service": 1000, "call": 2000, "queue": 3000}
    sizes = {}
    for (pid, cat), items in families.items():
        items.sort(key=lambda e: e["ts"])
        free: list[int] = []
        busy: list[tuple[float, int]] = []
        slots = 0
        for event in items:
            while busy and busy[0][0] <= event["ts"] + _TOUCH:
                heapq.heappush(free, heapq.heappop(busy)[1])
            slot = heapq.heappop(free) if free else slots
            slots = max(slots, slot + 1)
            event["tid"] = base[cat] + slot
            heapq.heappush(busy, (event["ts"] + event["dur"], slot))
        sizes[(pid, cat)] = slots
    return sizes


def perfetto_events(frame, kinds: dict[str, str]) -> list[dict]:
    """All events of the trace rows in ``frame``: metadata, complete and flow events."""
    pids: dict[tuple[int, str], int] = {}
    several = frame["replication"].nunique() > 1 if not frame.empty else False
    complete, links, counter, ids = [], [], [0], new_ids()
    for rows in requests(frame):
        rep = int(rows[0]["replication"])

        def pid(node, rep=rep):
            return pids.setdefault((rep, node), len(pids) + 1)

        made = {}
        for span in request_spans(rows, kinds, ids):
            events = _span_events(span, pid)
            complete += events
            made[span.span] = (span, events[0])
        for span, event in made.values():
            if span.parent in made:
                links.append((span, event, made[span.parent][1]))
    sizes = _assign_tracks(complete)
    flows = []
    for span, child, parent in links:
        flows += _flows(span, child, parent, counter)
    meta = []
    for (rep, node), p in pids.items():
        name = f"{node} (replication {rep})" if several else node
        meta.append({"ph": "M", "name": "process_name", "pid": p, "tid": 0,
                     "args": {"name": name}})
    names = {"request": "attempts", "service": "server", "call": "calls", "queue": "waiting"}
    base = {"request": 0, "service": 1000, "call": 2000, "queue": 3000}
    for (p, cat), slots in sizes.items():
        for slot in range(slots):
            meta.append({"ph": "M", "name": "thread_name", "pid": p, "tid": base[cat] + slot,
                         "args": {"name": f"{names[cat]} {slot + 1}"}})
    return meta + complete + flows


def write_perfetto(rows_path: str | Path, path: str | Path, kinds: dict[str, str]) -> int:
    """Write the trace rows in ``rows_path`` as Chrome trace-event JSON to ``path``;
    returns the number of events. Events are written one per line."""
    events = perfetto_events(read_rows(rows_path), kinds)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write('{"displayTimeUnit":"ms","traceEvents":[\n')
        for i, event in enumerate(events):
            handle.write(("," if i else "") + json.dumps(event, separators=(",", ":")) + "\n")
        handle.write("]}\n")
    return len(events)
