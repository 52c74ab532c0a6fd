"""Hold'em helpers for the search tests: a tiny trained blueprint and river states (fixtures call them)."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "eval"))
from evalkit import trained_run  # noqa: E402

from holdem.game.engine import RIVER, HandState  # noqa: E402


def tiny_run(tmp_path_factory) -> Path:
    """The evaluation tests' tiny heads-up run (synthetic ``test``-shaped buckets; cached per session)."""
    return trained_run(tmp_path_factory)


def to_river(state: HandState, moves) -> HandState:
    """Apply ``moves`` ("c" check/call, "f" fold, an int: raise to) until the river, then return the state."""
    for m in moves:
        if m == "c":
            state.check_or_call()
        elif m == "f":
            state.fold()
        else:
            state.raise_to(int(m))
    return state


def river_state(config, seed: int, preflop_raise: int | None = None) -> HandState:
    """A random deal played check/call to the river (an optional preflop raise first)."""
    rng = np.random.default_rng(seed)
    state = HandState.start_random(config, rng, button=seed % 2)
    if preflop_raise is not None:
        state.raise_to(preflop_raise)
    while state.street < RIVER:
        state.check_or_call()
    return state
