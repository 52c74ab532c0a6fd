"""HoldemSearchBot.river_solves: a hand's river solves, oldest first, each tagged with the river moves it was
solved for (what RiverExactValue reads to value a state with the strategy in force before it)."""
from __future__ import annotations

import numpy as np
import pytest

from holdem.blueprint import Blueprint
from holdem.game.engine import RIVER, ActionKind, HandState
from holdem.search.agent import SearchConfig
from holdem.search.holdem_agent import HoldemSearchBot

from .holdemkit import tiny_run

FAST = SearchConfig(mode="unsafe", iterations=16, bet_sizes=(0.5, 1.0), raise_sizes=(1.0,), max_raises=2)


@pytest.fixture(scope="module")
def bp(tmp_path_factory) -> Blueprint:
    return Blueprint.load(tiny_run(tmp_path_factory))


def test_river_solves_are_the_hands_solves_in_order(bp):
    agent = HoldemSearchBot(bp, FAST)
    state = HandState.start_random(bp.game_config, np.random.default_rng(9), button=1)
    while state.street < RIVER:
        state.check_or_call()
    assert agent.river_solves(state, 0) == []
    first = agent.search(state)
    bet = next(m for m in first.tree.moves[0] if m[0] == ActionKind.RAISE)
    state.raise_to(bet[1])
    state.raise_to(state.legal().min_raise_to)
    second = agent.search(state)
    solves = agent.river_solves(state, 0)
    assert solves == [first, second]
    assert solves[0].actions == () and solves[1].actions == ((ActionKind.RAISE, bet[1]),
                                                             (ActionKind.RAISE, state.history[-1].amount))
    assert agent.river_solves(state, 1) == []  # the other seat's view of the hand: no solves of its own
