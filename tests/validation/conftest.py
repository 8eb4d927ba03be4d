"""Every theory test that builds its model with ``run_model`` runs on both engines: the
SimPy engine (the reference) and the compiled kernel (skipped, with the reason, where
the kernel does not cover the model)."""

from __future__ import annotations

import pytest

import tests.conftest as shared


def pytest_generate_tests(metafunc):
    if hasattr(metafunc.module, "run_model"):
        metafunc.parametrize("engine", ["simpy", "compiled"], indirect=True)


@pytest.fixture(autouse=True)
def engine(request, monkeypatch):
    """The engine of this test's runs (None: the model's own, auto)."""
    name = getattr(request, "param", None)
    monkeypatch.setattr(shared, "ENGINE", name)
    return name
