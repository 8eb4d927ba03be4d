"""Pieces shared by the commands: run flags, model loading, progress, warnings."""

from __future__ import annotations

import argparse
import sys

__all__ = ["add_run_flags", "load_cli_model", "progress_callback", "warn_unstable"]


def warmup_seconds(text: str):
    """A --warmup value: seconds, or 'auto' (MSER-5)."""
    return "auto" if text == "auto" else float(text)


def add_run_flags(p: argparse.ArgumentParser) -> None:
    """--duration --warmup --replications --seed --set (SPEC section 3)."""
    p.add_argument("--duration", type=float, help="measured simulated seconds")
    p.add_argument("--warmup", type=warmup_seconds, help="seconds discarded first (or 'auto')")
    p.add_argument("--replications", type=int, help="independent replications")
    p.add_argument("--seed", type=int, help="root seed of every random stream")
    add_set_flag(p)


def add_set_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="override a model key by dotted path, e.g. nodes.worker.servers=12")


def load_cli_model(args):
    """The model named on the command line, with its --set overrides, validated."""
    from sim.model import load_model, parse_set

    overrides = dict(parse_set(text) for text in args.sets)
    return load_model(args.model, overrides)


def progress_callback(args, label: str, unit: str = "rep"):
    """A ``progress(done, total)`` drawing a tqdm bar on a terminal; None when quiet."""
    if getattr(args, "quiet", False) or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    bar = tqdm(total=None, desc=label, unit=unit, file=sys.stderr, leave=False,
               bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total_fmt} {unit} "
                          "[{elapsed}<{remaining}]")

    def update(done: float, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return update


def warn_unstable(model) -> None:
    from sim.analytic import unstable_nodes

    for name in unstable_nodes(model):
        print(f"asyncsim: warning: node {name!r} is unstable (offered load >= capacity): "
              f"its queue grows without bound", file=sys.stderr)
