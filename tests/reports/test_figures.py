"""Figure functions: ``f(df, ax=None) -> Axes``, robust to empty input and odd names."""

from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.reports import figures

PNG = b"\x89PNG\r\n\x1a\n"


def _axes() -> Axes:
    return figures.new_axes()


LATENCY = pd.DataFrame({"offered": [10, 20, 30], "p50": [0.1, 0.12, 0.5],
                        "p90": [0.2, 0.3, 1.0], "p95": [0.25, 0.4, 1.5],
                        "p99": [0.3, 0.5, 2.0], "p99.ci95": [0.01, 0.02, 0.3]})
SERIES = pd.DataFrame({"time": [0, 1, 0, 1], "node": ["q$1", "q$1", "b", "b"],
                       "queue_length": [0, 3, 0, 0], "replication": [0, 0, 0, 0]})
UTIL = pd.DataFrame({"utilization": [0.5, 1.2], "ci95": [0.01, None]},
                    index=pd.Index(["a", "$x$"], name="node"))
SEARCH = pd.DataFrame({"step": [1, 2, 3], "cost": [3.0, 5.0, 4.0],
                       "verdict": ["infeasible", "feasible", "unconfirmed"],
                       "config": ["n=3", "n=5", "n=4"]})


def _graph() -> nx.DiGraph:
    G = nx.DiGraph()
    G.add_node("c", kind="sender")
    G.add_node("q", kind="queue")
    G.add_node("$w$", kind="service")
    G.add_node("r", kind="router")
    G.add_edges_from([("c", "q"), ("q", "$w$"), ("$w$", "r")])
    return G


CASES = [
    (figures.latency_vs_load, LATENCY, {"slo": [("requests.latency.p99 <= 1", 1.0)]}),
    (figures.latency_vs_load, LATENCY.assign(series=["a", "b", "a"]), {}),
    (figures.queue_length, SERIES, {}),
    (figures.utilization, UTIL, {}),
    (figures.topology, _graph(), {"utilization": {"$w$": 0.7}}),
    (figures.search_path, SEARCH, {}),
]


@pytest.mark.parametrize("draw, data, kw", CASES)
def test_draws_into_the_given_axes_and_renders(draw, data, kw):
    ax = _axes()
    assert draw(data, ax=ax, **kw) is ax
    assert figures.to_png(ax).startswith(PNG)


@pytest.mark.parametrize("draw, data, kw", CASES)
def test_makes_its_own_agg_figure(draw, data, kw):
    ax = draw(data, **kw)
    assert isinstance(ax, Axes) and isinstance(ax.figure, Figure)


@pytest.mark.parametrize("draw, empty", [
    (figures.latency_vs_load, LATENCY.iloc[0:0]), (figures.queue_length, None),
    (figures.queue_length, SERIES.assign(queue_length=0)), (figures.utilization, UTIL.iloc[0:0]),
    (figures.topology, None), (figures.search_path, SEARCH.iloc[0:0])])
def test_empty_input_gives_a_note_not_an_error(draw, empty):
    ax = draw(empty)
    assert ax.texts and figures.to_png(ax).startswith(PNG)


def test_dollar_signs_are_literal():
    assert figures.literal("a$b$") == r"a\$b\$"


def test_topology_draws_calls_apart_from_paths():
    """Paths solid, sync calls dashed, async calls dotted, with a legend saying so."""
    from matplotlib.patches import FancyArrowPatch

    from pathlib import Path

    from sim.model import load

    models = Path(__file__).resolve().parents[2] / "models"
    ax = figures.topology(load(models / "sync_calls.yaml"))
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    styles = sorted(p.get_linestyle() for p in arrows)
    assert styles.count("solid") == 3      # client->api, api->responses, responses->callback
    assert styles.count("dashed") == 1     # api -> db, sync
    assert styles.count("dotted") == 1     # api -> audit, async
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "path", "sync call (caller waits)", "async call"]
    plain = figures.topology(load(models / "request_reply.yaml"))
    assert plain.get_legend() is None


REQUESTS = pd.DataFrame({"replication": [0, 0, 0, 1, 1, 1], "time": [10, 20, 30] * 2,
                         "goodput": [5.0, 0.0, 8.0, 5.0, 2.0, 6.0],
                         "latency.p99": [0.1, None, 3.0, 0.1, 1.0, 2.0]})


def test_goodput_and_p99_over_time_mark_the_given_instants():
    """Means over replications (goodput at 20 s: (0 + 2) / 2 = 1); one dotted vertical
    line per marker, labelled; none without markers; a note without data."""
    ax = figures.requests_over_time(REQUESTS, markers=[(15.0, "db slows 5x"),
                                                       (25.0, "$recover$")])
    goodput = ax.get_lines()[0]
    assert list(goodput.get_ydata()) == [5.0, 1.0, 7.0]
    vertical = [line for line in ax.get_lines() if list(line.get_xdata()) in ([15.0] * 2,
                                                                               [25.0] * 2)]
    assert len(vertical) == 2
    assert {t.get_text() for t in ax.texts} >= {"db slows 5x", "\\$recover\\$"}
    assert figures.to_png(ax).startswith(PNG)
    plain = figures.requests_over_time(REQUESTS)
    assert len(plain.get_lines()) == 1 and not plain.texts
    empty = figures.requests_over_time(pd.DataFrame())
    assert "no requests series" in empty.texts[0].get_text()
