"""The Python LBR: exact river equities, an opponent model that is the agent's own play, whole hands."""
from __future__ import annotations

import numpy as np
import pytest

from holdem.abstraction.features import HOLE_ID
from holdem.blueprint import Blueprint
from holdem.eval.baselines import BlueprintBot
from holdem.evaluator import evaluate
from holdem.game.engine import RIVER, TURN, HandState
from holdem.search.agent import SearchConfig
from holdem.search.holdem_agent import HoldemSearchBot
from holdem.search.lbr import equity, hole_policy, move_probability, run_lbr

from .holdemkit import tiny_run

FAST = SearchConfig(mode="unsafe", iterations=8, bet_sizes=(0.5, 1.0), raise_sizes=(1.0,), max_raises=2)


@pytest.fixture(scope="module")
def bp(tmp_path_factory) -> Blueprint:
    return Blueprint.load(tiny_run(tmp_path_factory))


def test_river_equity_against_one_hole_is_the_showdown():
    board = (0, 5, 10, 20, 33)
    mine, theirs = (1, 2), (40, 51)
    w = np.zeros(1326)
    w[HOLE_ID[theirs]] = 1.0
    a, b = evaluate([*mine, *board]), evaluate([*theirs, *board])
    want = 1.0 if a > b else (0.0 if a < b else 0.5)
    assert equity(w, mine, board, np.random.default_rng(0)) == want
    w[HOLE_ID[1, 40]] = 5.0  # shares a card with my hole: not a possible opponent hand
    assert equity(w, mine, board, np.random.default_rng(0)) == want


def _distribution_of(agent, state):
    moves, probs = hole_policy(agent, state)
    hole = state.holes[state.actor]
    row = probs[HOLE_ID[hole[0], hole[1]]]
    return {m: float(move_probability(moves, probs, m)[HOLE_ID[hole[0], hole[1]]]) for m in moves}, row


@pytest.mark.parametrize("street", [0, RIVER])
def test_the_model_of_every_hole_holds_the_agents_own_play(bp, street):
    state = HandState.start_random(bp.game_config, np.random.default_rng(6), button=0)
    while state.street < street:
        state.check_or_call()
    for agent in (BlueprintBot(bp), HoldemSearchBot(bp, FAST)):
        model, _ = _distribution_of(agent, state)
        for move, p in agent.distribution(state):
            assert model[move] == pytest.approx(p, abs=1e-12)


def test_on_a_searched_turn_the_model_is_the_turn_solve(bp):
    state = HandState.start_random(bp.game_config, np.random.default_rng(7), button=1)
    while state.street < TURN:
        state.check_or_call()
    agent = HoldemSearchBot(bp, SearchConfig(**{**vars(FAST), "streets": ("turn", "river"), "turn_iterations": 8,
                                                "turn_time_budget": None}))
    model, _ = _distribution_of(agent, state)
    assert agent.streets == [TURN]
    for move, p in agent.distribution(state):
        assert model[move] == pytest.approx(p, abs=1e-12)


def test_lbr_plays_whole_hands_against_blueprint_and_search(bp):
    a = run_lbr(bp, BlueprintBot(bp), 4, seed=2)
    b = run_lbr(bp, HoldemSearchBot(bp, FAST), 4, seed=2)
    assert a.groups == b.groups == 2 and np.all(np.isfinite(a.group_chips)) and np.all(np.isfinite(b.group_chips))
    again = run_lbr(bp, BlueprintBot(bp), 4, seed=2)
    assert np.array_equal(a.group_chips, again.group_chips)  # a pure function of its seed
