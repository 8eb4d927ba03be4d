"""docs/reference/commands.md describes every command and every flag the parsers
have: a flag added to a parser and not to the page fails here."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from sim.cli import COMMAND_MODULES, build_parser

PAGE = Path(__file__).resolve().parents[1] / "docs" / "reference" / "commands.md"


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def _section(command: str) -> str:
    text = PAGE.read_text(encoding="utf-8")
    found = re.search(rf"^## `asyncsim {command}`\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert found, f"docs/reference/commands.md has no section for {command}"
    return found.group(1)


def test_every_command_has_a_section():
    assert sorted(_subparsers(build_parser())) == sorted(COMMAND_MODULES)
    for command in COMMAND_MODULES:
        _section(command)


@pytest.mark.parametrize("command", COMMAND_MODULES)
def test_every_flag_and_argument_is_described(command):
    section = _section(command)
    parser = _subparsers(build_parser())[command]
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if action.option_strings:
            for flag in action.option_strings:
                assert re.search(rf"`{re.escape(flag)}[` ]", section), \
                    f"{command} {flag} is not in {PAGE.name}"
            if action.metavar:
                assert f"`{action.option_strings[0]} {action.metavar}`" in section, \
                    f"{command} {action.option_strings[0]} {action.metavar}"
            for choice in action.choices or ():
                assert choice in section, f"{command} {action.option_strings[0]} {choice}"
        else:
            name = (action.metavar or action.dest).upper()
            assert f"`{name}`" in section, f"{command} argument {name}"


def test_top_level_flags_and_exit_codes_are_described():
    text = PAGE.read_text(encoding="utf-8")
    for flag in ("--help", "-h", "--version"):
        assert f"`asyncsim {flag}`" in text or f"`{flag}`" in text
    for code in ("| 0 |", "| 1 |", "| 2 |", "| 3 |"):
        assert code in text


def test_nothing_points_outside_the_repository():
    text = PAGE.read_text(encoding="utf-8")
    assert "SPEC" not in text and "/wor" "k/" not in text
