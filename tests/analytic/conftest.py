"""Builders of small validated-shape models straight from the spec dataclasses."""

from __future__ import annotations

import math

import pytest

from sim.distributions import Exponential
from sim.model.kinds.queue import QueueSpec
from sim.model.kinds.sender import SenderSpec
from sim.model.kinds.service import ServiceSpec
from sim.model.spec import BufferSpec, EdgeSpec, Model


def make_model(*nodes, edges=(), name="m") -> Model:
    """A Model from node specs and edges given as EdgeSpec or (source, target[, p])."""
    parsed = []
    for e in edges:
        parsed.append(e if isinstance(e, EdgeSpec) else EdgeSpec(*e))
    return Model(name, nodes=tuple(nodes), edges=tuple(parsed))


def service(name, mean, servers=1, *, dist=None, direct=True, capacity=math.inf, **kw):
    """A service; ``direct`` gives it its own buffer (fed by a sender, router or service)."""
    buffer = BufferSpec(capacity=capacity, **kw.pop("buffer", {})) if direct else None
    return ServiceSpec(name, dist or Exponential(mean), servers=servers, buffer=buffer, **kw)


@pytest.fixture
def build():
    return make_model


@pytest.fixture
def svc():
    return service


@pytest.fixture
def mm1_model():
    """sender (rate 8) -> queue -> worker (1 server, mean 0.1 s): an M/M/1, rho = 0.8."""
    return make_model(SenderSpec("client", rate=8.0), QueueSpec("requests"),
                      service("worker", 0.1, direct=False),
                      edges=[("client", "requests"), ("requests", "worker")])
