"""``slo:`` in a model: validated at load into typed objectives, every mistake refused
with one message naming the entry, the key and the value; written back unchanged."""

from __future__ import annotations

import pytest

from sim.errors import ModelError
from sim.model import from_dict, to_dict, validate
from sim.model.slo import DEFAULT_ALERTS, BurnAlert, check_slo_windows

NODES = {"client": {"kind": "sender", "rate": 1}, "w": {"kind": "service", "service": 0.1}}


def _validate(slo):
    return validate(from_dict({"name": "m", "nodes": NODES, "edges": [["client", "w"]],
                               "slo": slo}))


def test_entries_are_typed_with_defaults():
    model = _validate([{"objective": "requests.latency.p99<=0.5"},
                       {"name": "errors", "objective": "requests.failed / requests.offered "
                        "<= 0.001", "window": 30, "target": 0.999,
                        "alerts": [{"long": 600, "short": 60, "burn": 10}]}])
    first, second = model.slo
    assert (first.name, first.window, first.target) == ("slo1", 60.0, 0.99)
    assert first.objective.text == "requests.latency.p99 <= 0.5"
    assert first.alerts == DEFAULT_ALERTS
    assert (second.name, second.objective.path, second.objective.denominator) == (
        "errors", "failed", "offered")
    assert second.alerts == (BurnAlert(600.0, 60.0, 10.0),)
    assert validate(from_dict({"name": "m", "nodes": NODES,
                               "edges": [["client", "w"]]})).slo == ()


def test_the_model_is_written_back_with_its_objectives():
    slo = [{"objective": "requests.latency.p99 <= 0.5", "window": 60}]
    G = from_dict({"name": "m", "nodes": NODES, "edges": [["client", "w"]], "slo": slo})
    assert to_dict(G)["slo"] == slo
    assert "slo" not in to_dict(from_dict({"name": "m", "nodes": NODES,
                                           "edges": [["client", "w"]]}))


@pytest.mark.parametrize("slo, match", [
    ({"objective": "x"}, r"'slo' must be a list"),
    ([5], r"'slo\[0\]' must be a mapping"),
    ([{"window": 60}], r"'slo\[0\].objective' is required"),
    ([{"objectiv": "requests.latency.p99 <= 1"}], r"unknown key 'slo\[0\].objectiv'.*"
                                                  r"did you mean 'objective'"),
    ([{"objective": "requests.latency.p98 <= 1"}], r"'slo\[0\].objective' must name one of"
                                                   r".*did you mean 'latency.p99'"),
    ([{"objective": "requests.latency.p99 < 1"}], r"must compare with <= or >= \(got '<'\)"),
    ([{"objective": "requests.latency.p99 <= fast"}], r"must end with a number"),
    ([{"objective": "nodes.w.wait.p99 <= 1"}], r"a window has no node figures"),
    ([{"objective": "requests.latency.p99 / requests.offered <= 1"}], r"can divide only counts"),
    ([{"objective": "requests.latency.p99 <= 1", "window": 0}], r"'slo\[0\].window' must be a "
                                                                r"positive number"),
    ([{"objective": "requests.latency.p99 <= 1", "target": 1}], r"'slo\[0\].target' must be a "
                                                                r"number between 0 and 1"),
    ([{"objective": "requests.latency.p99 <= 1", "name": "a.b"}], r"without dots"),
    ([{"objective": "requests.latency.p99 <= 1", "name": "x"},
      {"objective": "requests.latency.p99 <= 2", "name": "x"}], r"'slo\[1\].name' is already"),
    ([{"objective": "requests.latency.p99 <= 1", "alerts": []}], r"non-empty list"),
    ([{"objective": "requests.latency.p99 <= 1", "alerts": [{"long": 60, "short": 300,
                                                             "burn": 2}]}],
     r"'slo\[0\].alerts\[0\].short' must be at most long"),
    ([{"objective": "requests.latency.p99 <= 1", "alerts": [{"long": 60, "burn": 2}]}],
     r"'slo\[0\].alerts\[0\].short' is required"),
])
def test_mistakes_are_refused_by_name(slo, match):
    with pytest.raises(ModelError, match=match):
        _validate(slo)


def test_window_count_is_bounded_by_the_run():
    """duration / window windows are judged: at most 100,000 of them, and at least one."""
    specs = _validate([{"objective": "requests.latency.p99 <= 1", "window": 0.001}]).slo
    check_slo_windows(specs, 100.0)
    with pytest.raises(ModelError, match=r"'slo\[0\].window' must be at least 0.01 s"):
        check_slo_windows(specs, 1000.0)
    long = _validate([{"objective": "requests.latency.p99 <= 1", "window": 600}]).slo
    with pytest.raises(ModelError, match=r"must be at most the run's duration"):
        check_slo_windows(long, 300.0)


def test_the_json_schema_accepts_objectives():
    jsonschema = pytest.importorskip("jsonschema")
    from sim.model.schema import model_schema

    doc = {"name": "m", "nodes": NODES, "edges": [["client", "w"]],
           "slo": [{"objective": "requests.latency.p99 <= 0.5", "window": 60,
                    "alerts": [{"long": 600, "short": 60, "burn": 10}]}]}
    jsonschema.validate(doc, model_schema())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**doc, "slo": [{"window": 60}]}, model_schema())
