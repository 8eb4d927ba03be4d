"""An imported model as YAML text, its notes a comment block on top, checked first."""

from __future__ import annotations

import yaml

from sim.model import from_dict, validate

__all__ = ["model_text"]


def model_text(calibration, source: str) -> str:
    """The model of ``calibration`` as YAML, after validating it (a model that would not
    load is an error here, not in the user's next command)."""
    validate(from_dict(calibration.model))
    lines = [f"# Imported by asyncsim import traces from {source}.", "#"]
    lines += [f"# {note}" for note in calibration.notes]
    body = yaml.safe_dump(calibration.model, sort_keys=False, default_flow_style=None,
                          width=100, allow_unicode=True)
    return "\n".join(lines) + "\n" + body
