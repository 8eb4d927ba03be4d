"""Each kind's frozen spec lives in its kind module (sim.model.kinds.<kind>), next to
its key table and builder; ``sim.model.spec`` still hands them out under their old
names, and no import order meets a half-initialised module."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sim.model.kinds import KIND_NAMES, KINDS, NodeSpec

MODULES = ["sim.model.spec", "sim.model.kinds", *(f"sim.model.kinds.{k}" for k in KIND_NAMES),
           "sim.model.validate", "sim.model"]
SPECS = {"sender": "SenderSpec", "queue": "QueueSpec", "service": "ServiceSpec",
         "router": "RouterSpec", "pool": "PoolSpec", "cache": "CacheSpec"}


@pytest.mark.parametrize("module", MODULES)
def test_each_module_imports_first_in_a_fresh_interpreter(module):
    """A circular import fails only when its module is the first one imported."""
    names = ", ".join(SPECS.values())
    code = (f"import {module}\nfrom sim.model.spec import {names}, NodeSpec, Model\n"
            "print(Model.__name__)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr


def test_every_kind_module_declares_its_spec():
    import importlib

    import sim.model.spec as spec

    assert set(SPECS) == set(KIND_NAMES)
    for kind, name in SPECS.items():
        cls = getattr(importlib.import_module(f"sim.model.kinds.{kind}"), name)
        assert getattr(spec, name) is cls
        assert cls in NodeSpec.__args__
        assert cls.__dataclass_fields__["kind"].default == kind == KINDS[kind].name
    with pytest.raises(AttributeError, match="has no attribute 'TankSpec'"):
        spec.TankSpec  # noqa: B018
