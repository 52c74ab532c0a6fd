"""Shared pieces of the holdem-policy tests: the tiny heads-up run and blueprint, and running a subcommand."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "eval"))
from evalkit import trained_run  # noqa: E402

from holdem.blueprint import Blueprint  # noqa: E402
from holdem.cli.policy import main  # noqa: E402


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return trained_run(tmp_path_factory)


@pytest.fixture(scope="module")
def bp(run):
    return Blueprint.load(run)


def policy(capsys, command: str, *argv) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``holdem-policy COMMAND ARGV...``."""
    code = main([command, *[str(a) for a in argv]])
    out = capsys.readouterr()
    return code, out.out, out.err


def policy_json(capsys, command: str, *argv) -> dict:
    code, out, err = policy(capsys, command, *argv, "--json")
    assert code == 0, err
    return json.loads(out)
