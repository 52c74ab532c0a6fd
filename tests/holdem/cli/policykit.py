"""Shared pieces of the holdem-policy tests: the tiny heads-up run and blueprint, and running a subcommand."""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "eval"))
from evalkit import bp_fixture, run_fixture  # noqa: E402, F401 (the run and bp fixtures of the importing module)

from holdem.cli.policy import main  # noqa: E402


def policy(capsys, command: str, *argv) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``holdem-policy COMMAND ARGV...``."""
    code = main([command, *[str(a) for a in argv]])
    out = capsys.readouterr()
    return code, out.out, out.err


def policy_json(capsys, command: str, *argv) -> dict:
    code, out, err = policy(capsys, command, *argv, "--json")
    assert code == 0, err
    return json.loads(out)
