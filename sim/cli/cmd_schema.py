"""``asyncsim schema``: the JSON Schema of the model format, or its reference page."""

from __future__ import annotations


def add(sub) -> None:
    p = sub.add_parser("schema", help="print the JSON Schema of the model format",
                       description="Print the JSON Schema (draft 2020-12) of model files: "
                       "every node kind, key, type, bound and default, with its "
                       "description, so editors complete and check models. Unbounded is "
                       "written \"inf\". With --markdown, print the reference page of the "
                       "model format instead (docs/reference/model.md is this output).")
    p.add_argument("--markdown", action="store_true",
                   help="print the model format's reference page (Markdown) instead")
    p.set_defaults(handler=run)


def run(args) -> int:
    if args.markdown:
        from sim.model.reference import model_reference

        print(model_reference(), end="")
        return 0
    import json

    from sim.model.schema import model_schema

    print(json.dumps(model_schema(), indent=2))
    return 0
