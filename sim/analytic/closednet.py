"""Closed networks: every sender has ``clients``; solved by mean value analysis.

Each closed sender is a class whose population is its clients and whose think
time is its ``think`` mean plus the pure delays a request meets (edge and broker
latencies: delay stations, which MVA may fold into the think time). A station's
demand is its visit ratio times the mean service time. Exact (Reiser &
Lavenberg 1980) for exponential single-server and infinite-server stations;
multi-server stations (Seidmann) and non-exponential single servers make it
approximate (Lazowska et al., *Quantitative System Performance*, 1984, ch. 6-7).
"""

from __future__ import annotations

import math

import numpy as np

from sim.analytic.figures import entry, refused_entry, station_entries
from sim.analytic.kinds import error_rate
from sim.analytic.mva import mva
from sim.analytic.network import flows, pure_delay
from sim.analytic.stations import StationResult
from sim.analytic.topology import Station
from sim.model.spec import Model

__all__ = ["solve_closed"]

INF = math.inf


def _reason(model: Model, sts: list[Station], refused: dict[str, str]) -> str | None:
    if refused:
        node, why = next(iter(refused.items()))
        return f"{why} (in a closed network every station matters)"
    if any(e.call == "sync" for e in model.calls):
        return ("sync calls with closed senders: the method of layers is applied to open "
                "load only (check still estimates the utilisations)")
    population = sum(s.clients for s in model.senders)
    levels = len({s.priority for s in model.senders})
    for st in sts:
        if st.buffer.capacity != INF and st.buffer.capacity + st.servers < population:
            return f"node {st.key!r} has a finite buffer that {population} clients can fill"
        if len(st.queues) > 1 or (st.buffer.discipline == "priority" and levels > 1):
            return f"node {st.key!r} has priority classes (no product form in a closed network)"
    return None


def _exact_station(st: Station) -> bool:
    return st.servers == INF or (st.servers == 1 and st.exponential) or st.service.mean == 0


def solve_closed(model: Model, sts: list[Station], refused: dict[str, str]) -> dict:
    """Node figures, throughput and latency per closed sender, by MVA."""
    why = _reason(model, sts, refused)
    if why is not None:
        return {"reason": why, "nodes": {n.name: refused_entry(n, why) for n in model.nodes}}
    fl = flows(model)
    senders = list(model.senders)
    visits = np.array([[fl.visits[s.name][st.entry] for st in sts] for s in senders])
    visits = visits.reshape(len(senders), len(sts))
    demands = visits * np.array([st.service.mean for st in sts])
    delays = [pure_delay(model, fl.visits[s.name], fl.P, fl.names) for s in senders]
    think = [(s.think.mean if s.think is not None else 0.0) + d for s, d in zip(senders, delays)]
    sol = mva(demands, [s.clients for s in senders], think, [st.servers for st in sts])
    exact = not sol.approximate and all(_exact_station(st) for st in sts)
    method = sol.method + ("" if exact or sol.approximate
                           else ", non-exponential FCFS approximated")
    common = {"method": method, "exact": exact, "applies": True}
    x = np.array(sol.throughput)
    nodes = {}
    for k, st in enumerate(sts):
        lam = float(x @ visits[:, k])
        res = _station_result(st, lam, sol.queue_length[k], sol.utilization[k], method, exact)
        nodes.update(station_entries(model, st, [res], [lam], (None, None), common)[0])
    for spec in model.nodes:
        if spec.name not in nodes:
            lam = fl.open_rate[spec.name] + fl.closed_rate[spec.name]
            nodes[spec.name] = entry(spec.kind, arrival_rate=lam, throughput=lam,
                                     method=method, exact=exact)
    return {"reason": None, "nodes": nodes, "flows": fl, "mva": sol, "delays": delays,
            "exact": exact, "method": method}


def _station_result(st: Station, lam: float, in_station: float, util: float, method: str,
                    exact: bool) -> StationResult:
    """A station's MVA figures in the shape of an isolated station's (by Little's law)."""
    mean = st.service.mean
    busy = lam * mean
    w = in_station / lam if lam > 0 else mean
    return StationResult(util if st.servers != INF else 0.0, lam, math.nan, 0.0,
                         max(0.0, w - mean), w, max(0.0, in_station - busy), in_station,
                         not exact, method)


def success_closed(model: Model, fl) -> dict[str, float]:
    """Fraction of each closed sender's requests that complete (no error on the way)."""
    out = {}
    for s in model.senders:
        lost = sum(fl.visits[s.name][n.name] * error_rate(n) for n in model.nodes)
        out[s.name] = max(0.0, 1.0 - lost)
    return out
