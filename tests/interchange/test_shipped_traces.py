"""The shipped trace exports (examples/traces, made by its script from
models/order_pipeline.yaml) read back into the model's topology."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.interchange.calibrate import calibrate
from sim.interchange.traces_in import read_spans

FOLDER = Path(__file__).resolve().parents[2] / "examples" / "traces"


@pytest.mark.parametrize("fmt", ["otlp", "jaeger", "zipkin"])
def test_shipped_export_imports(fmt):
    found, spans = read_spans(FOLDER / f"order_pipeline.{fmt}.json")
    assert found == fmt
    model = calibrate(spans).model
    pairs = {tuple(e[:2]) for e in model["edges"]}
    assert {("shop", "cards_q"), ("shop", "invoices_q"), ("cards", "review_q"),
            ("review", "cards_q"), ("cards_q", "cards")} <= pairs


def test_shipped_perfetto_file_parses_and_script_is_there():
    events = json.loads((FOLDER / "order_pipeline.perfetto.json").read_text())["traceEvents"]
    assert any(e["ph"] == "X" and e["cat"] == "service" for e in events)
    assert (FOLDER / "make_traces.py").is_file()


def test_python_api_import_traces_gives_a_valid_model():
    from sim.interchange.calibrate import import_traces
    from sim.model import from_dict, validate

    cal = import_traces(FOLDER / "order_pipeline.otlp.json")
    assert validate(from_dict(cal.model)).name == "order_pipeline"
    assert any(note.startswith("sampling:") for note in cal.notes)
