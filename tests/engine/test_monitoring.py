"""Monitoring outputs from the engine: the requests of each interval of the time series,
windowed percentiles, SLO windows and alerts, blocked server-seconds and each sender's
total wait. Each test states the formula or the hand computation behind its numbers."""

from __future__ import annotations

import math

import pytest

from sim.engine import simulate
from sim.model import from_dict, validate


def _model(nodes: dict, edges: list, **top) -> object:
    return validate(from_dict({"name": "m", "nodes": nodes, "edges": edges, **top}))


def _mm1(rate: float, mean: float, **top):
    return _model({"client": {"kind": "sender", "rate": rate},
                   "w": {"kind": "service", "servers": 1,
                         "service": {"dist": "exponential", "mean": mean}}},
                  [["client", "w"]], **top)


def test_windowed_p99_of_an_mm1_is_near_the_exact_value():
    """M/M/1 sojourn is exponential with rate mu - lambda, so its p99 is
    -ln(0.01) / (mu - lambda) = ln(100) / 7 = 0.658 s for lambda = 3, mu = 10. Four windows
    of 3000 s (about 9,000 completions each): the p99 estimate's standard error is about
    2% iid, twice that with the sojourns' correlation at rho = 0.3, so each window within
    15% and their mean within 10%."""
    exact = -math.log(0.01) / (10.0 - 3.0)
    result = simulate(_mm1(3.0, 0.1), duration=12_000.0, warmup=0.0, series=3000.0, seed=3)
    windows = result.requests_series
    assert list(windows["time"]) == [3000.0, 6000.0, 9000.0, 12000.0]
    for p99 in windows["latency.p99"]:
        assert p99 == pytest.approx(exact, rel=0.15)
    assert windows["latency.p99"].mean() == pytest.approx(exact, rel=0.10)
    # median of an exponential: ln(2) / (mu - lambda)
    assert windows["latency.p50"].mean() == pytest.approx(math.log(2) / 7.0, rel=0.10)


def test_per_interval_requests_add_up_to_the_run():
    """Sum over intervals of completed (= goodput * interval length), of failed and of
    offered equals the result's totals, for every replication together; the intervals
    cover warm-up plus duration with a last one cut short (1050 = 4 * 250 + 50)."""
    model = _model({"client": {"kind": "sender", "rate": 20.0},
                    "q": {"kind": "queue", "capacity": 3, "overflow": "reject"},
                    "w": {"kind": "service", "servers": 1,
                          "service": {"dist": "exponential", "mean": 0.045}}},
                   [["client", "q"], ["q", "w"]])
    result = simulate(model, duration=1000.0, warmup=50.0, series=250.0, replications=2)
    windows = result.requests_series
    assert list(windows["time"][windows["replication"] == 0]) == [250, 500, 750, 1000, 1050]
    lengths = windows["time"].diff().where(windows["time"].diff() > 0, windows["time"])
    req = result.to_dict()["requests"]
    assert windows["completed"].sum() == req["completed"] > 0
    assert (windows["goodput"] * lengths).sum() == pytest.approx(req["completed"])
    assert windows["failed"].sum() == req["failed"] > 0
    assert windows["offered"].sum() == req["offered"]
    times = result.timeseries[result.timeseries["replication"] == 1]["time"].unique()
    assert list(times) == [0, 250, 500, 750, 1000, 1050]


def test_a_burn_rate_alert_on_a_deterministic_outage_fires_when_worked_out_by_hand():
    """Requests every 1 s, served in 0.1 s; the server crashes at 600 s for 120 s
    (availability with constant mtbf 600 and mttr 120). 60 s windows: (600, 660] and
    (660, 720] complete nothing though requests were offered (bad); (720, 780] drains the
    120 queued requests with latencies up to 120 s (bad); the rest have p99 = 0.1 s.
    So 12 of 15 windows are good and the burn rate is (3 / 15) / (1 - 0.99) = 20.
    Alert {long 300, short 60, burn 14.4}: at 660 the last 5 windows hold 1 bad
    (burn 20) and the last 1 holds 1 (burn 100): fires at 660. Alert {long 600,
    short 120}: at 660, 1 bad of 10 (burn 10): not yet; at 720, 2 of 10 (20) and 2 of
    2: fires at 720."""
    model = _model(
        {"client": {"kind": "sender", "interarrival": 1.0},
         "w": {"kind": "service", "servers": 1, "service": 0.1,
               "availability": {"mtbf": 600.0, "mttr": 120.0}}},
        [["client", "w"]],
        slo=[{"objective": "requests.latency.p99 <= 0.5", "window": 60,
              "alerts": [{"long": 300, "short": 60, "burn": 14.4},
                         {"long": 600, "short": 120, "burn": 14.4}]}])
    result = simulate(model, duration=900.0, warmup=0.0, series=60.0)
    slo = result.to_dict()["slo"]["slo1"]
    assert (slo["windows"], slo["good_windows"]) == (15, 12)
    assert slo["burn_rate"] == pytest.approx(20.0)
    assert [[f["at"] for f in a["fired"]] for a in slo["alerts"]] == [[660.0], [720.0]]
    windows = result.requests_series.set_index("time")
    assert windows.loc[660.0, "completed"] == windows.loc[720.0, "completed"] == 0
    assert windows.loc[780.0, "completed"] == 180     # 120 queued + 60 arrived meanwhile


@pytest.mark.parametrize("engine", ["simpy", "compiled"])
def test_blocked_server_seconds_on_a_dd1_with_a_blocking_buffer(engine):
    """Requests every 1 s (at 1, 2, ...) to service a (0.4 s) which sends to a queue of
    capacity 1 with overflow: block, consumed by b (2.1 s). By hand: b serves m1 from
    1.4 to 3.5; m2 waits in the queue from 2.4; m3 finds it full and blocks a from 3.4
    to 3.5; m4 blocks a from 4.4 to 5.6; from then on each cycle of b (2.1 s) blocks a
    for 1.7 s: (6.0, 7.7), (8.1, 9.8), (10.2, 11.9), (12.3, 14.0), (14.4, 16.1),
    (16.5, 18.2), and (18.6, 20.3) is cut at the end, 20 s. Total 0.1 + 1.2 + 6 * 1.7
    + 1.4 = 12.9 server-seconds; b never blocks."""
    model = _model({"client": {"kind": "sender", "interarrival": 1.0},
                    "a": {"kind": "service", "servers": 1, "service": 0.4},
                    "q": {"kind": "queue", "capacity": 1, "overflow": "block"},
                    "b": {"kind": "service", "servers": 1, "service": 2.1}},
                   [["client", "a"], ["a", "q"], ["q", "b"]])
    nodes = simulate(model, duration=20.0, warmup=0.0, engine=engine).to_dict()["nodes"]
    assert nodes["a"]["blocked"] == pytest.approx(12.9, abs=1e-9)
    assert nodes["b"]["blocked"] == 0.0


def test_each_sender_reports_its_requests_total_wait():
    """Requests every 1 s into a queue served by a (1.5 s), then b (1.0 s, never
    waits: its arrivals are 1.5 s apart). Request n (arriving at n) starts at
    1 + 1.5 (n - 1), so it waits 0.5 (n - 1) in all, and leaves b at 2 + 1.5 n: by
    31 s requests 1..19 are done, mean wait 0.5 * 9 = 4.5 s, max 9 s."""
    model = _model({"client": {"kind": "sender", "interarrival": 1.0},
                    "q": {"kind": "queue"},
                    "a": {"kind": "service", "servers": 1, "service": 1.5},
                    "b": {"kind": "service", "servers": 1, "service": 1.0}},
                   [["client", "q"], ["q", "a"], ["a", "b"]])
    nodes = simulate(model, duration=31.0, warmup=0.0).to_dict()["nodes"]
    wait = nodes["client"]["wait"]
    assert nodes["client"]["completed"] == 19
    assert wait["mean"] == pytest.approx(4.5)
    assert wait["p50"] == pytest.approx(4.5)
    assert wait["p999"] == pytest.approx(9.0, abs=0.01)
    assert nodes["b"]["wait"]["p999"] == 0.0


def test_every_node_reports_five_percentiles_in_order():
    """p50 <= p90 <= p95 <= p99 <= p999 of wait and sojourn on every queueing node."""
    model = _model({"client": {"kind": "sender", "rate": 8.0},
                    "q": {"kind": "queue"},
                    "w": {"kind": "service", "servers": 1,
                          "service": {"dist": "exponential", "mean": 0.1}}},
                   [["client", "q"], ["q", "w"]])
    nodes = simulate(model, duration=500.0, warmup=0.0).to_dict()["nodes"]
    for name in ("q", "w"):
        for block in ("wait", "sojourn"):
            stats = nodes[name][block]
            values = [stats[k] for k in ("p50", "p90", "p95", "p99", "p999")]
            assert values == sorted(values), (name, block)
    assert nodes["w"]["sojourn"]["p999"] > nodes["w"]["sojourn"]["p99"] > 0
