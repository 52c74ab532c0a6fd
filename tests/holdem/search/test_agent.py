"""SearchAgent and SearchConfig on Leduc: decisions, budgets, and depth-limited search measured exactly."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from holdem.blueprint import Blueprint
from holdem.exploitability import exploitability, uniform_policy
from holdem.search.agent import PolicyBlueprint, SearchAgent, SearchConfig, SeatState, searched_policy
from holdem.search.cfr import solve
from holdem.search.ranges import PublicState
from holdem.search.splice import splice
from holdem.search.subgame import build_subgame

FAST = SearchConfig(iterations=100)


@pytest.fixture(scope="module")
def agent(leduc, blueprint) -> SearchAgent:
    return SearchAgent(PolicyBlueprint(leduc, blueprint), FAST)


@pytest.fixture(scope="module")
def equilibrium(leduc, hands) -> np.ndarray:
    """A near-equilibrium of Leduc (exploitability 0.0010), by DCFR over ranges from the root."""
    full = build_subgame(leduc.tree, leduc.layout, hands, PublicState(0, ()))
    reach = np.ones((2, 6))
    return splice(uniform_policy(leduc), full, solve(full, reach, 300).strategy, reach)


@pytest.mark.parametrize("mode", ["safe", "unsafe"])
def test_act_gives_a_distribution_over_the_nodes_actions(leduc, blueprint, round_two_roots, mode):
    agent = SearchAgent(PolicyBlueprint(leduc, blueprint), replace(FAST, mode=mode))
    for public in (PublicState(0, ()), PublicState(round_two_roots[2], (5,))):
        probs = agent.act(SeatState(public, hand=2))
        assert probs.shape == (int(leduc.tree.n_actions[public.node]),)
        assert probs.sum() == pytest.approx(1.0) and np.all(probs >= 0.0)
        np.testing.assert_array_equal(agent.act(SeatState(public, hand=2)), probs)  # deterministic


def test_act_is_the_searched_strategy_of_the_hand(agent, round_two_roots):
    public = PublicState(round_two_roots[1], (0,))
    result = agent.search(public)
    for hand in range(1, 6):
        np.testing.assert_array_equal(agent.act(SeatState(public, hand)), result.resolved.strategy[0][hand])


def test_act_refuses_what_cannot_be_played(agent, leduc, round_two_roots):
    with pytest.raises(ValueError, match="collides"):
        agent.act(SeatState(PublicState(round_two_roots[0], (3,)), hand=3))
    terminal = int(np.flatnonzero(leduc.tree.kind != 0)[0])
    with pytest.raises(ValueError, match="not a decision"):
        agent.act(SeatState(PublicState(terminal, ()), hand=0))


def test_time_budget_uses_the_injected_clock(leduc, blueprint):
    ticks = iter(range(10_000))
    config = SearchConfig(iterations=1000, time_budget=5.0, mode="unsafe")
    agent = SearchAgent(PolicyBlueprint(leduc, blueprint), config, clock=lambda: float(next(ticks)))
    assert agent.search(PublicState(0, ())).resolved.iterations == 5


@pytest.mark.parametrize("bad, match", [
    ({"depth": 0}, "depth"), ({"depth": "street"}, "depth"), ({"k": 5}, "k must"), ({"mode": "nested"}, "mode"),
    ({"threads": 0}, "threads"), ({"iterations": 0}, "iterations"), ({"time_budget": 0.0}, "time_budget"),
    ({"actions": "pot"}, "actions"), ({"bias": -1.0}, "bias"),
])
def test_config_refuses_bad_values(bad, match):
    with pytest.raises(ValueError, match=match):
        SearchConfig(**bad)


def test_config_from_a_section():
    assert SearchConfig.from_dict({"depth": 2, "k": 1, "mode": "unsafe"}) == SearchConfig(depth=2, k=1, mode="unsafe")
    with pytest.raises(ValueError, match="unknown keys"):
        SearchConfig.from_dict({"deepth": 2})


def test_full_depth_safe_search_in_every_seat_is_no_more_exploitable(leduc, blueprint, round_two_roots):
    agent = SearchAgent(PolicyBlueprint(leduc, blueprint), SearchConfig(depth="round", iterations=300))
    states = [PublicState(node, (card,)) for node in round_two_roots for card in (0, 2, 4)]
    base = exploitability(leduc, blueprint)
    assert exploitability(leduc, searched_policy(agent, states)) <= base - 0.05  # measured 0.222 against 0.293


def test_depth_limited_k4_holds_where_one_continuation_is_exploited(leduc, equilibrium):
    """Brown, Sandholm & Amos 2018's point, exactly: round 1 re-solved to the end of the round, leaves
    valued by a near-equilibrium's continuation (0.0010).  With that one continuation the solver exploits
    it and the result is very exploitable (measured 0.314); letting each seat pick among k = 4
    continuations keeps it near equilibrium (measured 0.022; 0.011 with k = 3, 0.379 with k = 2: the
    fold-biased continuation alone does not help)."""
    root = [PublicState(0, ())]
    measured = {}
    for k in (1, 4):
        agent = SearchAgent(PolicyBlueprint(leduc, equilibrium),
                            SearchConfig(depth="round", k=k, mode="unsafe", iterations=1000))
        measured[k] = exploitability(leduc, searched_policy(agent, root))
    assert measured[4] < 0.05
    assert measured[1] > 10 * measured[4]


def test_depth_limited_search_from_an_imperfect_blueprint_is_measured(leduc, blueprint):
    """Round 1 depth-limited (k = 4), round 2 left to a blueprint of exploitability 0.293: 0.345 measured.
    A depth-limited round-1 strategy is as good as the continuations it is valued with; round 2 is
    where this blueprint is weak, and a best response exploits it there whatever round 1 does.  The
    bound is the measured value plus 0.05."""
    agent = SearchAgent(PolicyBlueprint(leduc, blueprint), SearchConfig(depth="round", k=4, mode="unsafe",
                                                                        iterations=1000))
    assert exploitability(leduc, searched_policy(agent, [PublicState(0, ())])) < 0.40


def test_a_loaded_blueprint_is_blueprint_like(leduc, blueprint):
    public = PublicState(0, ())
    via_blueprint = SearchAgent(Blueprint(leduc, blueprint), FAST).act(SeatState(public, 0))
    np.testing.assert_array_equal(via_blueprint, SearchAgent(PolicyBlueprint(leduc, blueprint), FAST).act(
        SeatState(public, 0)))
