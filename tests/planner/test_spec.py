"""Plan files: every mistake is one PlanError naming the key (and exit 2 on the CLI)."""

from __future__ import annotations

import copy

import pytest

from sim.cli import main
from sim.errors import PlanError
from sim.model.graph import ModelGraph
from sim.planner import load_plan, read_plan
from tests.planner.conftest import REPO, mmc_plan, write_plan

GOOD = mmc_plan(["nodes.srv.wait.mean <= 0.015"])


def _with(**changes) -> dict:
    plan = copy.deepcopy(GOOD)
    for key, value in changes.items():
        if value is None:
            plan.pop(key, None)
        else:
            plan[key] = value
    return plan


def _var(**spec) -> dict:
    return {"nodes.srv.servers": {"min": 1, "max": 20, "cost": 1, **spec}}


def test_a_good_plan_loads_with_its_grid_and_defaults():
    plan = load_plan(GOOD)
    var, = plan.variables
    assert var.values == tuple(range(1, 41)) and var.monotone and var.cost == 1.0
    assert plan.run == {"duration": 200, "warmup": 20, "replications": 3, "seed": 1}
    assert plan.confidence == 0.95 and plan.max_replications == 12
    assert plan.objectives[0].path == "nodes.srv.wait.mean"


@pytest.mark.parametrize("changes, match", [
    ({"objectivs": []}, r"'objectivs' is not a plan key.*did you mean 'objectives'"),
    ({"model": None}, r"'model' is missing"),
    ({"model": "nowhere.yaml"}, r"'model' names no file: nowhere.yaml"),
    ({"model": {"nodes": {"a": {"kind": "sender"}}}}, r"'model' is not a valid model"),
    ({"set": {"nodes.nosuch.rate": 5}}, r"'set'.*nosuch"),
    ({"objectives": []}, r"'objectives' must be a non-empty list"),
    ({"objectives": ["nodes.srv.wait.mean < 1"]}, r"'objectives\[0\]'.*unknown operator '<'"),
    ({"objectives": ["nodes.srv.wiat.mean <= 1"]},
     r"'objectives\[0\]' names the unknown result path 'nodes.srv.wiat.mean'"
     r".*did you mean 'nodes.srv.wait.mean'"),
    ({"objectives": ["requests.failed / requests.ofered <= 0.1"]},
     r"unknown result path 'requests.ofered'.*did you mean 'requests.offered'"),
    ({"variables": {}}, r"'variables' must name at least one decision variable"),
    ({"variables": {"nodes.nosuch.servers": {"min": 1, "max": 2}}},
     r"'variables.nodes.nosuch.servers'.*nosuch"),
    ({"variables": {"nodes.srv.sevrers": {"min": 1, "max": 2}}},
     r"'variables.nodes.srv.sevrers'.*sevrers.*did you mean 'servers'"),
    ({"variables": {"servers": {"min": 1, "max": 2}}},
     r"'variables.servers' must be a dotted model key"),
    ({"variables": _var(max=0)}, r"'variables.nodes.srv.servers.max' must be >= min"),
    ({"variables": _var(min=0)}, r"'variables.nodes.srv.servers'.*servers"),
    ({"variables": _var(step=0)}, r"'variables.nodes.srv.servers.step' must be positive"),
    ({"variables": _var(step=0.5)}, r"'variables.nodes.srv.servers'.*servers"),
    ({"variables": _var(cost=-1)}, r"'variables.nodes.srv.servers.cost' must be a finite "
                                   r"number >= 0"),
    ({"variables": _var(mni=1)}, r"unknown key 'mni'.*did you mean 'min'"),
    ({"variables": _var(monotone="yes")}, r"'variables.nodes.srv.servers.monotone' must be "
                                          r"true or false"),
    ({"variables": {"nodes.srv.servers": {"max": 3}}},
     r"'variables.nodes.srv.servers.min' is missing"),
    ({"set": {"nodes.srv.servers": 4}}, r"is both fixed in 'set' and a variable"),
    ({"run": {"replications": 1}}, r"'run.replications' must be at least 2"),
    ({"run": {"duraton": 10}}, r"'run' has an unknown key 'duraton'.*did you mean 'duration'"),
    ({"confidence": 1.5}, r"'confidence' must be a finite number between 0.5 and 0.999"),
    ({"max_replications": 2}, r"'max_replications' must be an integer >= 3"),
    ({"saturation": {"step": 3}}, r"'saturation' has an unknown key 'step'.*'steps'"),
])
def test_mistakes_name_the_key(changes, match):
    with pytest.raises(PlanError, match=match):
        load_plan(_with(**changes))
    with pytest.raises(PlanError, match=match):
        read_plan(_with(**changes))


def test_the_replications_a_plan_runs_whatever_its_search_finds():
    """One configuration's and the saturation search's: what ``auto`` weighs together
    (the shipped request/reply plan: 3 + 5 steps x 2 = 13)."""
    plan = load_plan(REPO / "experiments" / "plan_request_reply.yaml")
    assert plan.sure_replications() == 3 + 5 * 2
    assert load_plan(_with(saturation={"steps": 0})).sure_replications() == 3
    assert load_plan(_with(saturation={"steps": 4, "replications": 3})).sure_replications() \
        == 3 + 4 * 3


def test_read_plan_is_load_plan_on_a_graph_without_networkx():
    """The command line's reader: the same plan, its graph a ModelGraph whose nodes,
    edges and attributes convert to the networkx graph ``load_plan`` gives."""
    path = REPO / "experiments" / "plan_request_reply.yaml"
    read, loaded = read_plan(path), load_plan(path)
    assert isinstance(read.graph, ModelGraph) and not isinstance(loaded.graph, ModelGraph)
    for name in ("name", "description", "label", "load", "run", "objectives", "variables",
                 "confidence", "max_replications", "max_evaluations", "saturation"):
        assert getattr(read, name) == getattr(loaded, name), name
    converted = read.graph.to_networkx()
    assert list(converted.nodes(data=True)) == list(loaded.graph.nodes(data=True))
    assert list(converted.edges(data=True)) == list(loaded.graph.edges(data=True))
    assert converted.graph == loaded.graph.graph
    assert read.model.nodes == loaded.model.nodes


def test_model_path_is_relative_to_the_plan_file(tmp_path):
    body = _with(model="../models/request_reply.yaml",
                 objectives=["requests.latency.p99 <= 1"],
                 variables={"nodes.worker.servers": {"min": 8, "max": 12, "cost": 1}})
    sub = tmp_path / "experiments"
    sub.mkdir()
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "request_reply.yaml").write_text(
        (REPO / "models" / "request_reply.yaml").read_text())
    plan = load_plan(write_plan(sub, body))
    assert plan.model.name == "request-reply" and plan.label.startswith("plan '")


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("- a\n- b\n")
    with pytest.raises(PlanError, match="must be a mapping"):
        load_plan(path)


def test_non_monotone_variables_and_float_grids(tmp_path):
    body = _with(variables={"nodes.srv.servers": {"min": 8, "max": 12, "cost": 1},
                            "nodes.src.timeout": {"min": 0.5, "max": 1.0, "step": 0.25}})
    plan = load_plan(body)
    timeout = plan.variables[1]
    assert timeout.values == (0.5, 0.75, 1.0) and not timeout.monotone and timeout.cost == 0


def test_cli_exits_2_with_one_line_for_a_bad_plan(tmp_path, capsys):
    path = write_plan(tmp_path, _with(objectives=["nodes.srv.wait.mean < 1"]))
    assert main(["plan", str(path)]) == 2
    err = capsys.readouterr().err
    assert "unknown operator '<'" in err and "Traceback" not in err and err.count("\n") == 1
