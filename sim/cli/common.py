"""Pieces shared by the commands: run flags, model loading, progress, warnings."""

from __future__ import annotations

import argparse
import sys

__all__ = ["add_run_flags", "load_cli_model", "progress_callback", "warn_unstable",
           "announce_workload", "run_setting", "add_engine_flag", "announce_engine"]


RUN_HELP = {
    "duration": "measured simulated seconds (default: the model's run.duration, else 1000)",
    "warmup": "simulated seconds discarded first, or 'auto' (default: the model's "
              "run.warmup, else 0)",
    "replications": "independent replications (default: the model's run.replications, "
                    "else 1)",
    "seed": "root seed of every random stream (default: the model's run.seed, else 1)",
    "engine": "what simulates: the compiled kernel when the model is covered and long "
              "enough (auto), always SimPy (simpy), or the kernel, refusing a model it does "
              "not cover (compiled) (default: the model's run.engine, else auto)",
}


_METAVARS = {"duration": "SECONDS", "warmup": "SECONDS", "replications": "N", "seed": "SEED"}


def run_setting(key: str):
    """The argparse ``type`` of the ``--KEY`` run flag: the text read as a number (or
    'auto' for --warmup) and checked by the one validator of run settings, so a bad
    value is refused at parse time with one line (exit 2)."""
    def parse(text: str):
        from sim.model.settings import check_setting

        if key == "warmup" and text.strip() == "auto":
            return "auto"
        return check_setting(key, text if key == "engine" else _number(text), "--{key}")

    parse.__name__ = key
    return parse


def _number(text: str):
    """``12`` -> 12, ``1e9`` -> 1e9, ``nan`` -> nan; text that is no number stays text
    (and is refused by the validator, naming it)."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def add_run_flags(p: argparse.ArgumentParser, help: dict[str, str] | None = None) -> None:
    """--duration --warmup --replications --seed, then --set."""
    for key in ("duration", "warmup", "replications", "seed"):
        p.add_argument(f"--{key}", type=run_setting(key), metavar=_METAVARS[key],
                       help=(help or RUN_HELP)[key])
    add_set_flag(p)


def add_engine_flag(p: argparse.ArgumentParser, help: str = RUN_HELP["engine"]) -> None:
    """--engine auto|simpy|compiled, checked by the validator of run settings."""
    p.add_argument("--engine", type=run_setting("engine"), metavar="{auto,simpy,compiled}",
                   help=help)


def add_set_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="override a model key by dotted path, e.g. nodes.worker.servers=12")


def load_cli_model(args):
    """The model named on the command line, with its --set overrides, validated
    (read without networkx: its graph is a ModelGraph)."""
    from sim.model import read_model

    overrides = {}
    if args.sets:
        from sim.model import parse_set

        overrides = dict(parse_set(text) for text in args.sets)
    return read_model(args.model, overrides)


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


def announce_workload(model, args) -> None:
    """One line on stderr before a run estimated to take more than a few minutes; a run
    that cannot fit is refused (exit 2) with the reason, before anything runs."""
    from sim.analytic.workload import describe_seconds, estimate, refusal
    from sim.errors import ModelError

    run = model.run.merged(duration=args.duration, warmup=args.warmup,
                           replications=args.replications, seed=args.seed, spelling="--{key}")
    work = estimate(model, run)
    if not work.feasible:
        raise ModelError(refusal(work, run))
    if work.long:
        print(f"asyncsim: note: this run is estimated at {work.events:.3g} events, "
              f"{describe_seconds(work.seconds)} on this machine; --duration or "
              "--replications shorten it", file=sys.stderr)


def announce_engine(model, run, args, *, trace: bool = False, batch: int = 1) -> None:
    """One line on stderr saying which engine simulates ``model`` under the run settings
    ``run`` and why (not with --quiet); ``--engine compiled`` on a model the kernel does
    not cover is refused (exit 2) with the reason, before anything runs. ``batch``: the
    replications run together in this process (see ``choose_engine``)."""
    from sim.engine.choice import choose_engine

    choice = choose_engine(model, run, trace=trace, batch=batch)
    if not getattr(args, "quiet", False):
        print(f"asyncsim: engine: {choice.name} ({choice.reason})", file=sys.stderr)


def warn_unstable(model) -> None:
    from sim.analytic import unstable_nodes

    for name in unstable_nodes(model):
        grows = ("the queues of the services that use it grow without bound"
                 if model.node(name).kind == "pool" else "its queue grows without bound")
        print(f"asyncsim: warning: node {name!r} is unstable (offered load >= capacity): "
              f"{grows}", file=sys.stderr)
