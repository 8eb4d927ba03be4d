"""``asyncsim check MODEL``: validate; per-node offered load and stability."""

from __future__ import annotations

from sim.cli.common import add_set_flag, load_cli_model


def add(sub) -> None:
    p = sub.add_parser("check", help="validate a model; per-node offered load and stability")
    p.add_argument("model", help="model file (YAML or JSON)")
    add_set_flag(p)
    p.set_defaults(handler=check)


def check(args) -> int:
    from sim.cli.format import format_check

    print(format_check(load_cli_model(args)))
    return 0
