"""The search agent on the turn: decisions from the turn solve, and river ranges consistent with its turn play."""
from __future__ import annotations

import numpy as np
import pytest

from holdem.abstraction.features import HOLE_CARDS, HOLE_ID
from holdem.blueprint import Blueprint
from holdem.eval.baselines import CallBot
from holdem.eval.match import run_match
from holdem.game.engine import RIVER, TURN, ActionKind, HandState
from holdem.search.agent import SearchAgent, SearchConfig
from holdem.search.holdem_ranges import history_reaches

from .holdemkit import tiny_run

TURN_FAST = SearchConfig(mode="unsafe", iterations=16, bet_sizes=(0.5, 1.0), raise_sizes=(1.0,), max_raises=2,
                         streets=("turn", "river"), turn_iterations=16, turn_time_budget=None)


@pytest.fixture(scope="module")
def bp(tmp_path_factory) -> Blueprint:
    return Blueprint.load(tiny_run(tmp_path_factory))


def on_turn(bp, seed: int) -> HandState:
    state = HandState.start_random(bp.game_config, np.random.default_rng(seed), button=seed % 2)
    while state.street < TURN:
        state.check_or_call()
    return state


def test_turn_decisions_come_from_the_turn_solve(bp):
    agent = SearchAgent(bp, TURN_FAST)
    state = on_turn(bp, 3)
    solve = agent.holdem.search(state)
    assert solve is not None and solve.street == TURN
    node = solve.tree.path[-1]
    hole = state.holes[state.actor]
    row = solve.node_strategy(node)[HOLE_ID[hole[0], hole[1]]]
    dist = dict(agent.distribution(state))
    assert dist == pytest.approx({m: p for m, p in zip(solve.tree.moves[node], row / row.sum()) if p > 0})


def test_the_opponents_turn_size_is_in_the_tree_and_the_first_decision_stays_frozen(bp):
    agent = SearchAgent(bp, TURN_FAST)
    state = on_turn(bp, 4)
    first = agent.holdem.search(state)
    bet = next(m for m in first.tree.moves[0] if m[0] == ActionKind.RAISE)
    state.raise_to(bet[1])
    state.raise_to(state.legal().min_raise_to + 13)  # a raise by a size the abstraction lacks
    second = agent.holdem.search(state)
    assert second.tree.moves[second.tree.path[1]][-1] == (ActionKind.RAISE, state.history[-1].amount)
    np.testing.assert_array_equal(second.node_strategy(second.tree.path[0]), first.node_strategy(0))


@pytest.mark.parametrize("seed", [5, 6])
def test_river_ranges_start_from_the_strategy_the_agent_played_on_the_turn(bp, seed):
    agent = SearchAgent(bp, TURN_FAST)
    state = on_turn(bp, seed)
    seat = int(state.actor)
    solve = agent.holdem.search(state)
    a = next(i for i, m in enumerate(solve.tree.moves[0]) if m[0] == ActionKind.CHECK_CALL)
    state.check_or_call()  # the agent checks (a move of its solve)
    state.check_or_call()  # the opponent checks behind: the river
    while state.actor != seat:
        state.check_or_call()
    assert state.street == RIVER
    reach = agent.holdem.river_reaches(state)
    live = ~np.isin(HOLE_CARDS, state.board).any(axis=1)
    expected = history_reaches(bp, state, seat, TURN)[seat] * solve.node_strategy(0)[:, a] * live
    np.testing.assert_allclose(reach[seat], expected)
    np.testing.assert_allclose(reach[1 - seat], history_reaches(bp, state, seat, RIVER)[1 - seat])
    river_only = SearchAgent(bp, SearchConfig(**{**vars(TURN_FAST), "streets": ("river",)}))
    np.testing.assert_allclose(river_only.holdem.river_reaches(state), history_reaches(bp, state, seat, RIVER))


def test_a_match_with_turn_search_plays_legal_moves_and_searches_both_streets(bp):
    agent = SearchAgent(bp, TURN_FAST)
    result = run_match(bp.game_config, agent, CallBot(), 12, seed=5)
    assert result.hands == 12
    assert {TURN, RIVER} <= set(agent.holdem.streets)  # the calling station takes hands to the turn and river


def test_streets_are_checked():
    assert SearchConfig(streets=["river", "turn"]).streets == ("river", "turn")
    for bad in ((), ("flop",), ("river", "river")):
        with pytest.raises(ValueError, match="streets"):
            SearchConfig(streets=bad)
    assert SearchConfig.holdem().streets == ("turn", "river")
