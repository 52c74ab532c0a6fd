"""The issue's preflop sanity check, end to end with the shipped commands.

"After ``holdem-train --config configs/hu_small.yaml --time-budget 120``,
``holdem-policy show`` gives a sane preflop: the button never folds AA, and
folds 72o more often than AKs."

Runs exactly that (two minutes of training; the ``small`` bucket preset is
built into the cache first if it is not there) and reads the button's
first-action probabilities from ``holdem-policy show --preflop --json``.
"Never" is checked literally: the average strategy at the root for AA must
give fold probability 0.0.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TIME_BUDGET = "120"
BIN = Path(sys.executable).parent


def _command(script: str, module: str) -> list[str]:
    """The console script next to this interpreter, else the same entry point through ``-m``."""
    exe = BIN / script
    return [str(exe)] if exe.is_file() else [sys.executable, "-m", module]


@pytest.mark.slow
def test_button_preflop_after_two_minutes_of_hu_small(tmp_path):
    logdir = tmp_path / "run"
    train = subprocess.run(
        [*_command("holdem-train", "holdem.cli.train"), "--config", str(REPO / "configs" / "hu_small.yaml"),
         "--time-budget", TIME_BUDGET, "--logdir", str(logdir)],
        capture_output=True, text=True, timeout=3600, cwd=REPO,
    )
    assert train.returncode == 0, train.stderr
    trained = json.loads(train.stdout.strip().splitlines()[-1])
    show = subprocess.run([*_command("holdem-policy", "holdem.cli.policy"), "show", str(logdir), "--preflop", "--json"],
                          capture_output=True, text=True, timeout=600, cwd=REPO)
    assert show.returncode == 0, show.stderr
    grid = json.loads(show.stdout)
    assert grid["seat"] == 0 and grid["node"] == 0 and grid["history"] == []  # the button's first decision
    aa, aks, seven_two = (grid["classes"][name] for name in ("AA", "AKs", "72o"))
    seen = f"after {trained['iteration']:,} iterations: AA {aa}, AKs {aks}, 72o {seven_two}"
    assert aa["fold"] == 0.0, seen
    assert seven_two["fold"] > aks["fold"], seen
