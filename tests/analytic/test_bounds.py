"""Partitions and autoscaling bound the servers that ``check``, ``analyze`` and the
unstable warning count: effective servers = min(c, k) behind k partitions, and the
autoscale max (the most servers the pool can reach) instead of the initial count."""

from __future__ import annotations

import pytest

from sim.analytic import analyze, bottleneck, traffic, unstable_nodes
from sim.model import from_dict, load, validate

SHIPPED_AUTOSCALED = "models/sqs_autoscaled.yaml"


def partitioned(partitions: int | None) -> object:
    """2.5 requests/s into a queue consumed by 8 servers of mean 0.8 s."""
    queue = {"kind": "queue"}
    if partitions is not None:
        queue["partitions"] = partitions
    return validate(from_dict({
        "name": "partitioned",
        "nodes": {"s": {"kind": "sender", "rate": 2.5}, "q": queue,
                  "w": {"kind": "service", "servers": 8,
                        "service": {"dist": "exponential", "mean": 0.8}}},
        "edges": [["s", "q"], ["q", "w"]]}))


def rows(model) -> dict:
    return {r["node"]: r for r in traffic(model)}


def test_two_partitions_cap_eight_servers_at_two():
    """Offered load 2.5 * 0.8 = 2 busy servers; at most min(8, 2) = 2 messages are in
    service at once, so utilisation 2 / 2 = 1.0: unstable (not 2 / 8 = 0.25)."""
    m = partitioned(2)
    t = rows(m)
    assert t["w"]["utilization"] == pytest.approx(2.5 * 0.8 / 2)
    assert t["q"]["utilization"] == pytest.approx(2.5 * 0.8 / 2)
    assert t["w"]["effective_servers"] == 2 and t["w"]["servers_bound"] == "partitions"
    assert not t["w"]["stable"] and not t["q"]["stable"]
    assert unstable_nodes(m) == ["q", "w"]


def test_without_partitions_the_same_pool_is_stable():
    """Control: 2.5 * 0.8 / 8 = 0.25."""
    m = partitioned(None)
    assert rows(m)["w"]["utilization"] == pytest.approx(0.25)
    assert unstable_nodes(m) == []


def test_more_partitions_than_servers_leave_the_servers_as_the_bound():
    """min(8, 16) = 8: utilisation 2 / 8 = 0.25, the servers bind."""
    t = rows(partitioned(16))
    assert t["w"]["utilization"] == pytest.approx(0.25)
    assert t["w"]["servers_bound"] == "servers"


def test_partitions_set_the_bottleneck_throughput():
    """Two partitions each serve one message of 0.8 s at a time: 2 / 0.8 = 2.5/s at most
    (the servers alone would allow 8 / 0.8 = 10/s)."""
    node, xmax = bottleneck(partitioned(2))
    assert node in ("q", "w")
    assert xmax == pytest.approx(2 / 0.8)
    assert analyze(partitioned(2))["bottleneck"]["max_throughput"] == pytest.approx(2.5)


def test_autoscaled_pool_is_judged_at_its_max():
    """models/sqs_autoscaled.yaml: 37.5/s long-run (20/s times the profile's mean
    multiplier 1.875) at 0.5 s needs 18.75 servers; it starts with 4 (4.69 > 1:
    'unstable' before) but can reach 40: utilisation 18.75 / 40 = 0.47."""
    m = validate(load(SHIPPED_AUTOSCALED))
    t = rows(m)
    assert t["workers"]["effective_servers"] == 40
    assert t["workers"]["servers_bound"] == "autoscale max"
    assert t["workers"]["utilization"] == pytest.approx(18.75 / 40)
    assert t["jobs"]["utilization"] == pytest.approx(18.75 / 40)
    assert unstable_nodes(m) == []
    assert bottleneck(m) == ("workers", pytest.approx(40 / 0.5))


def test_check_no_longer_calls_the_shipped_autoscaled_model_unstable(capsys):
    from sim.cli import main

    assert main(["check", SHIPPED_AUTOSCALED]) == 0
    out = capsys.readouterr().out
    assert "UNSTABLE" not in out
    assert "stable: every node's utilisation is below 1" in out
    assert "node 'workers': judged at its autoscale max (40 servers)" in out


def test_check_names_a_bounded_node_offered_beyond_its_capacity(capsys, tmp_path):
    """A finite buffer that rejects keeps an overloaded node bounded (stable), but its
    utilisation is not below 1: check says which node is offered too much."""
    from sim.cli import main

    path = tmp_path / "over.yaml"
    path.write_text("nodes:\n  c: {kind: sender, rate: 20}\n"
                    "  w: {kind: service, service: 0.1, capacity: 5}\nedges:\n  - [c, w]\n",
                    encoding="utf-8")
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "every node's utilisation is below 1" not in out
    assert "stable: every queue is bounded; 'w' offered at or above capacity" in out


def test_check_says_when_partitions_bound_the_servers(capsys, tmp_path):
    """Partitions 2 in front of 8 servers: check names the bound it judged by."""
    from sim.cli import main
    from sim.model import save

    path = tmp_path / "partitioned.yaml"
    save(partitioned(2).graph, path)
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "judged at its partitions (2 servers)" in out
    assert "UNSTABLE" in out
