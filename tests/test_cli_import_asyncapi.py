"""``asyncsim import asyncapi`` through ``sim.cli.main``: the shipped document with its
overlay runs to the hand-written model's results; gaps refuse the write unless
--allow-incomplete (and check then refuses the model); exit 2 names the pointer;
every flag is in the command reference."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

import sim
from sim.cli import build_parser, main

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "models" / "asyncapi" / "request_reply.asyncapi.yaml"
OVERLAY = ROOT / "models" / "asyncapi" / "request_reply.overlay.yaml"
MODEL = ROOT / "models" / "request_reply.yaml"
REFERENCE = ROOT / "docs" / "reference" / "commands.md"


def test_shipped_document_and_overlay_run_to_the_hand_written_results(tmp_path, capsys):
    """Same nodes, keys, node order and edge order as the hand-written model, so the
    same seed gives the same streams: the results are identical, not just close."""
    out = tmp_path / "rr.yaml"
    assert main(["import", "asyncapi", str(DOC), "--overlay", str(OVERLAY),
                 "-o", str(out)]) == 0
    assert "complete" in capsys.readouterr().out
    assert main(["check", str(out)]) == 0
    settings = dict(duration=60, warmup=10, replications=2, seed=7)
    imported = sim.simulate(sim.load(out), **settings).to_dict()
    hand = sim.simulate(sim.load(MODEL), **settings).to_dict()
    assert imported["requests"]["completed"] > 4000  # 80/s x 60 s x 2 replications ~ 9600
    for key in ("offered", "completed", "failed", "retries", "timed_out"):
        assert imported["requests"][key] == hand["requests"][key], key
    assert imported["requests"]["latency"] == hand["requests"]["latency"]
    for node in ("worker", "callback"):
        assert imported["nodes"][node]["utilization"] == hand["nodes"][node]["utilization"]


BINDINGS_DOC = """\
asyncapi: 3.0.0
info: {title: shop, version: 1.0.0}
channels:
  orders:
    address: orders
    bindings: {amqp: {is: routingKey, exchange: {name: orders, type: fanout}}}
  jobs:
    address: jobs
    bindings:
      sqs: {queue: {name: jobs, visibilityTimeout: 20, redrivePolicy: {maxReceiveCount: 3},
                    messageRetentionPeriod: 3600, deliveryDelay: 0.5}}
  events: {address: events, bindings: {kafka: {partitions: 4}}}
operations:
  place: {x-application: shop, action: send, channel: {$ref: '#/channels/orders'},
          bindings: {amqp: {expiration: 60000, priority: 5}}}
  bill: {x-application: billing, action: receive, channel: {$ref: '#/channels/orders'}}
  ship: {x-application: shipping, action: receive, channel: {$ref: '#/channels/orders'}}
  job: {x-application: billing, action: send, channel: {$ref: '#/channels/jobs'}}
  work: {x-application: printer, action: receive, channel: {$ref: '#/channels/jobs'}}
  emit: {x-application: printer, action: send, channel: {$ref: '#/channels/events'}}
  count: {x-application: analytics, action: receive, channel: {$ref: '#/channels/events'}}
"""

BINDINGS_OVERLAY = """\
nodes:
  shop: {rate: 5}
  billing: {servers: 2, service: 0.1}
  shipping: {servers: 2, service: 0.1}
  printer: {servers: 2, service: 0.1}
  analytics: {servers: 1, service: 0.05}
"""


def test_a_model_with_every_binding_is_accepted_by_check_and_runs(tmp_path, capsys):
    """Fanout router, SQS at-least-once queue with ttl and latency, Kafka partitions,
    AMQP ttl and priority together: the written model validates and runs; with no
    losses every request completes (5/s x 20 s ~ 100 offered)."""
    (tmp_path / "doc.yaml").write_text(BINDINGS_DOC, encoding="utf-8")
    (tmp_path / "o.yaml").write_text(BINDINGS_OVERLAY, encoding="utf-8")
    out = tmp_path / "m.yaml"
    assert main(["import", "asyncapi", str(tmp_path / "doc.yaml"), "--overlay",
                 str(tmp_path / "o.yaml"), "-o", str(out)]) == 0
    assert main(["check", str(out)]) == 0
    result = sim.simulate(sim.load(out), duration=20, seed=3).to_dict()
    assert result["requests"]["offered"] > 50 and result["requests"]["failed"] == 0
    assert result["nodes"]["orders-billing"]["arrivals"] == \
        result["nodes"]["orders-shipping"]["arrivals"] == result["requests"]["offered"]


def test_without_overlay_the_gaps_are_printed_and_nothing_is_written(tmp_path, capsys):
    out = tmp_path / "rr.yaml"
    assert main(["import", "asyncapi", str(DOC), "-o", str(out)]) == 2
    captured = capsys.readouterr()
    assert "nodes.worker.service: the service time" in captured.out
    assert "nodes.client.rate: the arrival rate" in captured.out
    assert "model not written: 5 values are missing" in captured.err
    assert not out.exists()


def test_allow_incomplete_writes_a_model_that_check_refuses(tmp_path, capsys):
    out = tmp_path / "rr.yaml"
    assert main(["import", "asyncapi", str(DOC), "--allow-incomplete", "-o", str(out)]) == 0
    assert "#   nodes.callback.servers: the pool size" in out.read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["check", str(out)]) == 2
    assert "node 'client'" in capsys.readouterr().err


def test_without_out_the_model_goes_to_stdout_and_the_report_to_stderr(capsys):
    assert main(["import", "asyncapi", str(DOC), "--overlay", str(OVERLAY)]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("# Imported from AsyncAPI")
    assert "complete" in captured.err


def test_a_broken_document_exits_2_naming_the_json_pointer(tmp_path, capsys):
    doc = tmp_path / "broken.yaml"
    doc.write_text(DOC.read_text(encoding="utf-8").replace(
        "    address: requests\n",
        "    address: requests\n    bindings: {kafka: {partitions: lots}}\n"), encoding="utf-8")
    assert main(["import", "asyncapi", str(doc)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "#/channels/requests/bindings/kafka/partitions: must be an integer > 0 " \
           "(got 'lots')" in err


def test_an_unresolvable_ref_exits_2_naming_the_json_pointer(tmp_path, capsys):
    doc = tmp_path / "broken.yaml"
    doc.write_text(DOC.read_text(encoding="utf-8").replace(
        "'#/components/replies/toCallback'", "'#/components/replies/toCalback'", 1),
        encoding="utf-8")
    assert main(["import", "asyncapi", str(doc)]) == 2
    assert ("#/operations/sendRequest/reply/$ref: '#/components/replies/toCalback' "
            "cannot be resolved") in capsys.readouterr().err


def test_an_overlay_that_breaks_the_model_exits_2(tmp_path, capsys):
    overlay = tmp_path / "o.yaml"
    overlay.write_text(OVERLAY.read_text(encoding="utf-8").replace("servers: 8", "servers: -8"),
                       encoding="utf-8")
    assert main(["import", "asyncapi", str(DOC), "--overlay", str(overlay)]) == 2
    assert "node 'worker': 'servers'" in capsys.readouterr().err


def _import_section() -> str:
    text = REFERENCE.read_text(encoding="utf-8")
    found = re.search(r"^## `asyncsim import`\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert found, "commands.md has no section for asyncsim import"
    return found.group(1)


def _format_parsers() -> dict[str, argparse.ArgumentParser]:
    top = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    sub = next(a for a in top.choices["import"]._actions
               if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


@pytest.mark.parametrize("name", ["asyncapi"])
def test_every_flag_of_each_format_is_in_the_reference(name):
    section = _import_section()
    assert f"`asyncsim import {name}" in section
    for action in _format_parsers()[name]._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if action.option_strings:
            for flag in action.option_strings:
                assert re.search(rf"`{re.escape(flag)}[` ]", section), flag
            if action.metavar:
                assert f"`{action.option_strings[-1]} {action.metavar}`" in section
        else:
            assert f"`{action.metavar or action.dest.upper()}`" in section
