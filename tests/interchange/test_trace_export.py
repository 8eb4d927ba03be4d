"""``--trace`` as Perfetto (Chrome trace-event) JSON and OTLP JSON: both written from
the same rows as the CSV trace of the same run (same seed), checked row by row."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sim.engine import simulate
from sim.model import load, validate
from tests.conftest import make_model


def exp(mean):
    return {"dist": "exponential", "mean": mean}


# A queue, a service that calls another synchronously, a second queue and service.
NODES = {"client": {"kind": "sender", "rate": 20.0},
         "jobs": {"kind": "queue"},
         "api": {"kind": "service", "servers": 2, "service": exp(0.02)},
         "db": {"kind": "service", "servers": 1, "service": exp(0.005)},
         "out": {"kind": "queue"},
         "sink": {"kind": "service", "servers": 1, "service": exp(0.01)}}
EDGES = [["client", "jobs"], ["jobs", "api"], {"from": "api", "to": "db", "call": "sync"},
         ["api", "out"], ["out", "sink"]]


def _runs(tmp_path, suffix, replications=1):
    model = make_model(NODES, EDGES, duration=30, replications=replications)
    rows_path, path = tmp_path / "t.csv", tmp_path / f"t.{suffix}"
    simulate(model, trace=str(rows_path))
    simulate(model, trace=str(path))
    return pd.read_csv(rows_path), path


@pytest.mark.parametrize("replications", [1, 2])
def test_perfetto_events_are_well_formed_one_per_service_visit(tmp_path, replications):
    rows, path = _runs(tmp_path, "perfetto.json", replications)
    events = json.loads(path.read_text())["traceEvents"]
    complete = [e for e in events if e["ph"] == "X"]
    for e in complete:
        assert {"ph", "ts", "dur", "pid", "tid", "name", "cat"} <= e.keys()
        assert e["dur"] >= 0 and isinstance(e["pid"], int) and isinstance(e["tid"], int)
    visits = rows[rows.kind == "visit"]
    served = visits[visits.node.isin(["api", "db", "sink"])]
    assert sum(e["cat"] == "service" for e in complete) == len(served)
    assert sum(e["cat"] == "call" for e in complete) == (rows.kind == "call").sum()
    assert sum(e["cat"] == "request" for e in complete) == (rows.kind == "attempt").sum()
    # one process per node (and replication), named by metadata events
    names = {e["pid"]: e["args"]["name"] for e in events if e["name"] == "process_name"}
    assert len(names) == 6 * replications
    # a service's tracks never exceed its servers: the slots are packed greedily
    api = [p for p, n in names.items() if n.startswith("api")]
    assert {e["tid"] for e in complete if e["pid"] in api and e["cat"] == "service"} <= {1000, 1001}
    # flows come in s/f pairs sharing an id, each inside a complete event's track
    flows = [e for e in events if e["ph"] in "sf"]
    ids = pd.Series([e["id"] for e in flows]).value_counts()
    assert len(flows) > 0 and (ids == 2).all()


def test_otlp_spans_follow_the_rows(tmp_path):
    rows, path = _runs(tmp_path, "otlp.json")
    spans, service = [], {}
    for line in path.read_text().splitlines():
        for rs in json.loads(line)["resourceSpans"]:
            name = rs["resource"]["attributes"][0]["value"]["stringValue"]
            for span in rs["scopeSpans"][0]["spans"]:
                spans.append(span)
                service[span["spanId"]] = name
    by_id = {s["spanId"]: s for s in spans}
    kinds = pd.Series([s["kind"] for s in spans]).value_counts()
    visits = rows[rows.kind == "visit"]
    queue_visits = visits.node.isin(["jobs", "out"]).sum()
    # a service's visit still open at the end is not exported (a tracer exports a span
    # when it ends); a message still in a queue was sent, so its PRODUCER span is
    visits = visits[visits.node.isin(["jobs", "out"]) | (visits.outcome != "in_flight")]
    # PRODUCER (4): an attempt or a message put into a queue; CONSUMER (5): a
    # service taking from a queue; SERVER (2): the callee of a call; CLIENT (3): a call
    assert kinds[4] == (rows.kind == "attempt").sum() + queue_visits
    assert kinds[5] + kinds[2] == len(visits) - queue_visits
    assert kinds[3] == (rows.kind == "call").sum() == kinds[2]
    for s in spans:
        parent = by_id.get(s.get("parentSpanId"))
        if s["kind"] == 4 and s["name"].endswith("send"):
            assert parent is None  # the attempt is the root
            continue
        assert parent is not None and parent["traceId"] == s["traceId"]
        assert int(s["startTimeUnixNano"]) >= int(parent["startTimeUnixNano"])
        attrs = {a["key"]: a["value"]["stringValue"] for a in s["attributes"]
                 if "stringValue" in a["value"]}
        if s["kind"] == 5:  # consumes what its parent produced, into the same queue
            assert parent["kind"] == 4
            dest = attrs["messaging.destination.name"]
            assert {a["key"]: a["value"].get("stringValue") for a in parent["attributes"]}[
                "messaging.destination.name"] == dest
            assert attrs["messaging.operation"] == "process"
            assert attrs["messaging.system"] == "asyncsim"
        if s["kind"] == 2:
            assert parent["kind"] == 3 and service[s["spanId"]] == "db"
        if s["kind"] == 3:
            assert service[parent["spanId"]] == "api" and parent["kind"] == 5
            assert int(s["endTimeUnixNano"]) <= int(parent["endTimeUnixNano"])


def test_a_shipped_model_exports_both_formats(tmp_path):
    model = validate(load("models/sync_calls.yaml"))
    for suffix in ("perfetto.json", "otlp.json"):
        path = tmp_path / f"t.{suffix}"
        simulate(model, duration=5, warmup=0, replications=1, trace=str(path))
        assert path.stat().st_size > 0
        assert not (tmp_path / f"t.{suffix}.rows.parquet").exists()
