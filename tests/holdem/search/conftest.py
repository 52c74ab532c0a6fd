"""A Leduc game and an imperfect blueprint, shared by the search tests."""
from __future__ import annotations

import numpy as np
import pytest

from holdem.games.leduc import leduc_game
from holdem.games.spec import GameSpec
from holdem.mccfr.params import MCCFRParams
from holdem.mccfr.solver import Solver
from holdem.search.hands import LeducHands

BLUEPRINT_ITERATIONS = 3000  # exploitability about 0.29 chips a hand: far enough from equilibrium to improve on
BLUEPRINT_SEED = 7


@pytest.fixture(scope="session")
def leduc() -> GameSpec:
    return leduc_game()


@pytest.fixture(scope="session")
def hands() -> LeducHands:
    return LeducHands()


@pytest.fixture(scope="session")
def blueprint(leduc) -> np.ndarray:
    solver = Solver(leduc, MCCFRParams(prune_probability=0.0, average_streets=(0, 1)))
    solver.run_batch(0, BLUEPRINT_ITERATIONS, BLUEPRINT_SEED)
    policy = solver.average_policy()
    policy.flags.writeable = False
    return policy


@pytest.fixture(scope="session")
def round_two_roots(leduc) -> list[int]:
    """The first node of round 2 after every round-1 betting sequence that reaches it."""
    tree = leduc.tree
    return [n for n in range(tree.n_nodes) if tree.street[n] == 1 and tree.street[tree.parent[n]] == 0]
