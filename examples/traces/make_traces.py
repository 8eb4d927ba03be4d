"""Make the shipped trace exports of this folder from a shipped model.

Runs models/order_pipeline.yaml (40 orders/s through a gateway, card payments
with a fraud-review loop, invoicing) for 10 simulated seconds, every request
traced, and writes the same requests in each format ``--trace`` knows:

    order_pipeline.otlp.json      OTLP JSON (one export per line)
    order_pipeline.jaeger.json    Jaeger JSON (load it in Jaeger's UI)
    order_pipeline.zipkin.json    Zipkin v2 JSON
    order_pipeline.perfetto.json  Chrome trace events (open in ui.perfetto.dev)

Run from the repository's root: ``python examples/traces/make_traces.py``. The
same seed gives the same files. ``asyncsim import traces FILE`` reads the first
three back into a model.
"""

from __future__ import annotations

from pathlib import Path

from sim import load, simulate

HERE = Path(__file__).resolve().parent
MODEL = HERE.parents[1] / "models" / "order_pipeline.yaml"
FORMATS = ("otlp", "jaeger", "zipkin", "perfetto")


def main() -> None:
    model = load(MODEL)
    for fmt in FORMATS:
        path = HERE / f"order_pipeline.{fmt}.json"
        simulate(model, duration=10, warmup=0, replications=1, seed=3, trace=str(path))
        print(f"wrote {path.relative_to(HERE.parents[1])} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
