"""The planner validates a model at most once per configuration it simulates: the other
configurations are typed overrides of a validated model, and metric names come from
the result schema, not from a trial run."""

from __future__ import annotations



from sim.planner import load_plan, plan
from tests.planner.conftest import mmc_plan

RUN = {"duration": 40, "warmup": 4, "replications": 2, "seed": 1}



def _simulated_configurations(result) -> int:
    """Configurations of the search path and of the saturation probes."""
    probes = {p["multiplier"] for p in (result.saturation or {}).get("probes", [])}
    return len(result.search) + len(probes - {1.0})


def test_at_most_one_validation_per_simulated_configuration(validations):
    body = mmc_plan(["nodes.srv.wait.mean <= 0.015"], run=dict(RUN), high=64)
    result = plan(body, workers=1)
    assert result.config == {"nodes.srv.servers": 13}    # Erlang C, as plan_mmc.yaml
    assert validations["n"] <= len(result.search) <= _simulated_configurations(result)
    assert validations["n"] == 2      # the variable's two ends, at load; nothing after


def test_loading_a_plan_needs_no_simulation(validations, monkeypatch):
    import sim.engine.run as run

    def refuse(*args, **kwargs):
        raise AssertionError("loading a plan ran a simulation")

    monkeypatch.setattr(run, "run_replication", refuse)
    p = load_plan(mmc_plan(["nodes.srv.wait.p99 <= 0.5", "requests.latency.p99 <= 1"]))
    assert p.model.node("srv").servers == 1 and validations["n"] == 2


def test_typed_configurations_equal_validated_ones():
    """A configuration built by typed overrides is the model validation gives."""
    from sim.model import apply_overrides, validate

    p = load_plan(mmc_plan(["nodes.srv.wait.mean <= 0.015"],
                           variables={"nodes.srv.servers": {"min": 1, "max": 9, "cost": 1},
                                      "nodes.src.timeout": {"min": 0.5, "max": 2,
                                                            "step": 0.5}}))
    config = {"nodes.srv.servers": 5, "nodes.src.timeout": 1.5}
    typed = p.configurator.model(config)
    assert typed.graph is None       # derived, not validated again
    assert typed.nodes == validate(apply_overrides(p.graph, config)).nodes
    p.configurator.allow_scaled(["nodes.src.rate"])
    scaled = p.configurator.model({**config, "nodes.src.rate": 137.5})
    assert scaled.node("src").rate == 137.5 and scaled.node("srv").servers == 5
