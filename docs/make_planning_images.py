"""Regenerate the planning images of the README and docs/planning.md.

    python docs/make_planning_images.py

Runs the shipped plan experiments/plan_request_reply.yaml into a temporary
folder and draws its report with the functions of ``sim.reports``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from sim.planner import plan
from sim.reports import figures, read_folder
from sim.reports.data import latency_frame, search_frame, slo_lines, utilization_frame
from sim.reports.render import overview

HERE = Path(__file__).resolve().parent
PLAN = HERE.parent / "experiments" / "plan_request_reply.yaml"


def main() -> None:
    out = HERE / "img"
    out.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        plan(PLAN, out=tmp)
        data = read_folder(tmp)
        overview(data).savefig(out / "plan_report.png", dpi=80)
        util = utilization_frame(data)["utilization"].to_dict()
        drawn = {"plan_hockey_stick": figures.latency_vs_load(latency_frame(data),
                                                              slo=slo_lines(data)),
                 "plan_topology": figures.topology(data.graph, utilization=util),
                 "plan_search_path": figures.search_path(search_frame(data))}
        for name, ax in drawn.items():
            ax.figure.savefig(out / f"{name}.png", dpi=100)


if __name__ == "__main__":
    main()
