"""SearchAgent on Hold'em: the blueprint before the river, legal searched moves on it, config checks."""
from __future__ import annotations

import numpy as np
import pytest

from holdem.blueprint import Blueprint
from holdem.eval.aivat import MatchAivat
from holdem.eval.baselines import BlueprintBot, CallBot
from holdem.eval.match import run_match
from holdem.game.engine import RIVER, ActionKind, HandState
from holdem.search.agent import SearchAgent, SearchConfig

from .holdemkit import tiny_run

FAST = SearchConfig(mode="unsafe", iterations=16, bet_sizes=(0.5, 1.0), raise_sizes=(1.0,), max_raises=2)


@pytest.fixture(scope="module")
def bp(tmp_path_factory) -> Blueprint:
    return Blueprint.load(tiny_run(tmp_path_factory))


class _Checked:
    """Wraps a bot: every move it makes must be one the engine allows (the engine raises otherwise)."""

    def __init__(self, bot):
        self.bot, self.name, self.river_moves = bot, bot.name, []

    def act(self, state, rng):
        move = self.bot.act(state, rng)
        legal = state.legal()
        if move[0] == ActionKind.RAISE:
            assert legal.min_raise_to <= move[1] <= legal.max_raise_to
        elif move[0] == ActionKind.FOLD:
            assert legal.can_fold
        else:
            assert move[1] == legal.call_amount
        if state.street == RIVER:
            self.river_moves.append(move)
        return move

    def distribution(self, state):
        return self.bot.distribution(state)


def test_search_plays_legal_moves_against_a_calling_station(bp):
    agent = SearchAgent(bp, FAST)
    hero = _Checked(agent)
    result = run_match(bp.game_config, hero, CallBot(), 24, seed=5)  # the station takes most hands to the river
    assert result.hands == 24
    assert agent.holdem is not None and agent.holdem.searched == len(hero.river_moves) > 0
    assert len(agent.holdem.times) >= 1


def test_before_the_river_the_agent_plays_the_blueprint(bp):
    agent = SearchAgent(bp, FAST)
    state = HandState.start_random(bp.game_config, np.random.default_rng(2), button=0)
    assert agent.distribution(state) == BlueprintBot(bp).distribution(state)


def test_the_river_distribution_answers_the_inserted_size(bp):
    agent = SearchAgent(bp, FAST)
    state = HandState.start_random(bp.game_config, np.random.default_rng(4), button=1)
    while state.street < RIVER:
        state.check_or_call()
    state.raise_to(state.legal().min_raise_to + 37)  # not a size of the search's abstraction
    dist = agent.distribution(state)
    assert sum(p for _, p in dist) == pytest.approx(1.0)
    assert {m[0] for m, _ in dist} <= {ActionKind.FOLD, ActionKind.CHECK_CALL, ActionKind.RAISE}
    search = agent.holdem.search(state)
    assert search is not None and search.tree.kind[search.tree.path[-1]] == 0
    assert (ActionKind.RAISE, state.history[-1].amount) in search.tree.moves[search.tree.path[-2]]


def test_aivat_can_use_the_search_agents_distribution(bp):
    agent = SearchAgent(bp, FAST)
    aivat = MatchAivat(agent, BlueprintBot(bp), 2)
    result = run_match(bp.game_config, agent, BlueprintBot(bp), 6, seed=1, on_hand=aivat.on_hand)
    summary = aivat.summary(result)
    assert np.isfinite(summary["mbb_per_hand"])


def test_search_config_from_a_section():
    c = SearchConfig.from_dict({"mode": "unsafe", "bet_sizes": [0.25, 0.75], "max_raises": 2, "time_budget": 1.5})
    assert c.bet_sizes == (0.25, 0.75) and c.max_raises == 2 and c.time_budget == 1.5
    with pytest.raises(ValueError, match="unknown keys"):
        SearchConfig.from_dict({"sizes": [1.0]})
    with pytest.raises(ValueError, match="positive"):
        SearchConfig(bet_sizes=(0.5, -1.0))


def test_hold_em_search_refuses_safe_mode(bp):
    with pytest.raises(ValueError, match="unsafe"):
        SearchAgent(bp, SearchConfig(mode="safe"))


def test_a_second_river_decision_keeps_the_first_ones_strategy(bp):
    agent = SearchAgent(bp, FAST)
    state = HandState.start_random(bp.game_config, np.random.default_rng(9), button=0)
    while state.street < RIVER:
        state.check_or_call()
    first = agent.holdem.search(state)
    bet = next(m for m in first.tree.moves[0] if m[0] == ActionKind.RAISE)
    state.raise_to(bet[1])
    state.raise_to(state.legal().min_raise_to + 11)  # the opponent raises by a size the tree lacks
    second = agent.holdem.search(state)
    root = second.tree.path[0]
    assert second.tree.moves[root] == first.tree.moves[0]
    np.testing.assert_array_equal(second.node_strategy(root), first.node_strategy(0))
