"""A run's replications on the compiled kernel go side by side in threads
(sim.engine.compiled.threads) and give what running them one after another gives:
each owns its arrays and its streams, keyed by (seed, replication, node)."""

from __future__ import annotations

import threading

import pandas as pd
import pytest

from sim.engine import run_replication, simulate
from sim.engine.compiled import threads
from tests.conftest import make_model
from tests.engine.compiled.corpus import CORPUS

pytest.importorskip("numba")


def _model():
    return make_model(*CORPUS["request_reply_retries"])


def test_replications_in_threads_equal_the_serial_ones(monkeypatch):
    model = _model()
    names = set()
    real = threads.run_compiled_replication

    def spy(*args, **kwargs):
        names.add(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(threads, "run_compiled_replication", spy)
    monkeypatch.setattr(threads, "threads_for", lambda n: min(n, 2))
    seen = []
    result = simulate(model, duration=300, warmup=30, replications=4, seed=5,
                      engine="compiled", progress=lambda done, total: seen.append(done))
    assert len(names) == 2 and all(n.startswith("asyncsim-replication") for n in names)
    serial_rows, serial_requests = [], []
    for r in range(4):
        summary, rows = run_replication(model, r, seed=5, duration=300, warmup=30,
                                        engine="compiled", requests_series=serial_requests)
        assert result.replications[r] == summary
        serial_rows.extend(rows)
    serial = pd.DataFrame(serial_rows, columns=result.timeseries.columns)
    pd.testing.assert_frame_equal(result.timeseries, serial)
    assert len(result.requests_series) == len(serial_requests) > 0
    assert seen and seen[-1] == 4 and seen == sorted(seen)
    assert result.engine.name == "compiled"


def test_an_error_in_one_replication_reaches_the_caller(monkeypatch):
    def fails(*_args, **_kwargs):
        raise RuntimeError("replication failed")

    monkeypatch.setattr(threads, "run_compiled_replication", fails)
    before = threading.active_count()
    with pytest.raises(RuntimeError, match="replication failed"):
        simulate(_model(), duration=10, warmup=0, replications=3, engine="compiled")
    assert threading.active_count() == before


@pytest.mark.parametrize("replications, cores, expected", [
    (1, 2, 1), (2, 2, 2), (3, 2, 3), (4, 2, 4), (5, 2, 2), (12, 2, 2), (3, 1, 1),
    (2, 1, 2), (9, 4, 4), (8, 4, 8), (0, 2, 1)])
def test_threads_one_per_replication_up_to_two_per_core(replications, cores, expected):
    """A batch that would leave a core idle in its last round shares the cores; beyond
    two per core, one thread per core."""
    assert threads.threads_for(replications, cores) == expected
