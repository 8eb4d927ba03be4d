"""The JSON Schema and the reference page, both generated from the key tables: the page
in docs/ is current, the schema accepts every shipped model and refuses, like
``validate``, each defect of a small corpus."""

from __future__ import annotations

import copy
import glob
import json
import math
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.model.model_fixtures import put, request_reply
from sim.cli import main
from sim.distributions.parse import DISTRIBUTIONS
from sim.errors import ModelError
from sim.model import from_dict, validate
from sim.model.format import DISTS, EDGE, RUN, TOP
from sim.model.load import EDGE_KEYS, TOP_KEYS
from sim.model.reference import REGENERATE, model_reference
from sim.model.schema import model_schema
from sim.model.validate import RUN_KEYS

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "reference" / "model.md"


@pytest.fixture(scope="module")
def validator():
    schema = model_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def as_json(value):
    """A model as JSON data: YAML's .inf becomes "inf", as the schema describes it."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


# -- the reference page ------------------------------------------------------------------

def test_reference_page_is_current():
    assert PAGE.exists(), f"docs/reference/model.md is missing: run {REGENERATE}"
    assert PAGE.read_text(encoding="utf-8") == model_reference(), (
        f"docs/reference/model.md is stale (the key tables changed): run {REGENERATE}")


def test_reference_page_lists_every_kind_and_key():
    page = model_reference()
    from sim.model.kinds import KINDS
    for name, kind in KINDS.items():
        assert f"### `{name}`" in page
        for key in kind.keys:
            assert f"| `{key.name}` |" in page
    for dist in DISTS:
        assert f"| `{dist.name}` |" in page


# -- the tables of the format beyond the kinds name the keys the loaders take ------------

def test_format_tables_name_the_loaders_keys():
    assert tuple(k.name for k in TOP) == TOP_KEYS
    assert tuple(k.name for k in EDGE) == EDGE_KEYS
    assert tuple(k.name for k in RUN) == RUN_KEYS
    assert {d.name: tuple(k.name for k in d.keys) for d in DISTS} == {
        name: cls.params for name, cls in DISTRIBUTIONS.items()}


# -- shipped models ----------------------------------------------------------------------

@pytest.mark.parametrize("path", sorted(glob.glob(str(ROOT / "models" / "*.yaml"))),
                         ids=lambda p: Path(p).name)
def test_schema_accepts_every_shipped_model(validator, path):
    data = as_json(yaml.safe_load(Path(path).read_text(encoding="utf-8")))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
    assert not errors, errors


def test_schema_accepts_the_fixture_and_a_saved_json_model(validator, tmp_path):
    from sim.model import save
    assert validator.is_valid(request_reply())
    G = from_dict(put(request_reply(), "nodes.worker.servers", math.inf))
    save(G, tmp_path / "m.json")
    assert validator.is_valid(json.loads((tmp_path / "m.json").read_text()))


# -- defects: refused by the schema and by validate ------------------------------------

def drop(path):
    def mutate(d):
        *parents, last = path.split(".")
        target = d
        for key in parents:
            target = target[key]
        del target[last]
    return mutate


def setting(path, value):
    return lambda d: put(d, path, value)


DEFECTS = {
    "unknown-key": setting("nodes.worker.sevrers", 8),
    "wrong-type": setting("nodes.worker.servers", "many"),
    "negative-servers": setting("nodes.worker.servers", -2),
    "fractional-capacity": setting("nodes.requests.capacity", 1.5),
    "absurd-servers": setting("nodes.worker.servers", 10**7),
    "absurd-partitions": setting("nodes.requests.partitions", 10**9),
    "bad-enum": setting("nodes.requests.overflow", "rejct"),
    "unknown-kind": setting("nodes.worker.kind", "servise"),
    "missing-kind": drop("nodes.worker.kind"),
    "missing-service": drop("nodes.worker.service"),
    "routing-on-a-queue": setting("nodes.requests.routing", "broadcast"),
    "delivery-on-a-service": setting("nodes.worker.delivery", {"mode": "at_least_once"}),
    "key-of-another-kind": setting("nodes.requests.servers", 2),
    "key-named-self": setting("nodes.worker.self", 1),
    "sender-without-arrivals": drop("nodes.client.rate"),
    "sender-two-arrivals": setting("nodes.client.clients", 5),
    "error-rate-above-one": setting("nodes.worker.error_rate", 1.5),
    "retry-without-attempts": setting("nodes.client.retry", {"jitter": "full"}),
    "nested-misspelt": setting("nodes.client.rate_limit", {"rate": 1, "brust": 2}),
    "misspelt-dist": setting("nodes.worker.service", {"dist": "exponental", "mean": 1}),
    "dist-unknown-parameter": setting("nodes.worker.service",
                                      {"dist": "exponential", "mean": 1, "cv": 2}),
    "negative-constant-time": setting("nodes.callback.service", -1),
    "edge-bad-shape": setting("edges.0", ["client"]),
    "edge-p-above-one": setting("edges.2", ["worker", "responses", 1.5]),
    "edge-unknown-key": setting("edges.0", {"from": "client", "to": "requests", "weight": 1}),
    "top-level-misspelt": setting("node", {}),
    "run-duration-zero": setting("run.duration", 0),
    "run-warmup-word": setting("run.warmup", "aut"),
}


@pytest.mark.parametrize("name", sorted(DEFECTS))
def test_defect_is_refused_by_schema_and_validate(validator, name):
    data = copy.deepcopy(request_reply())
    DEFECTS[name](data)
    assert not validator.is_valid(data), f"the schema accepts {name}"
    with pytest.raises(ModelError):
        validate(from_dict(data))


# -- the command ---------------------------------------------------------------------------

def test_schema_command_prints_the_schema(capsys):
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(json.dumps(model_schema()))


def test_schema_command_prints_the_reference_page(capsys):
    assert main(["schema", "--markdown"]) == 0
    assert capsys.readouterr().out == model_reference()
