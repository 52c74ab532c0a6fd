"""DCFR on a river subgame: not exploitable within the subgame beyond a small bound, and deterministic."""
from __future__ import annotations

import numpy as np
import pytest

from holdem.game.config import GameConfig
from holdem.search.river_cfr import RiverSolver
from holdem.search.river_tree import DECISION, build_river_tree
from holdem.search.showdown import DEAD, river_strength

from .holdemkit import river_state

CONFIG = GameConfig(2, 20000, 50, 100)
ITERATIONS = 300
BOUND = 0.01  # of the pot: measured 0.2-0.3% at 300 iterations on these spots


def _uniform(tree, solver):
    out = np.zeros_like(solver.sums)
    for n in np.flatnonzero(tree.kind == DECISION):
        out[tree.decision[n], :, : tree.n_actions[n]] = 1.0 / tree.n_actions[n]
    return out


@pytest.mark.parametrize("seed", [1, 2])
def test_the_solution_is_nearly_unexploitable_within_the_subgame(seed):
    state = river_state(CONFIG, seed=seed, preflop_raise=250)
    tree = build_river_tree(state, (0.5, 1.0), (1.0,), max_raises=2)
    strength = river_strength(state.board)
    rng = np.random.default_rng(seed)
    reach = rng.random((2, 1326)) * (strength != DEAD)  # arbitrary ranges
    solver = RiverSolver(tree, strength, reach)
    solution = solver.solve(ITERATIONS)
    assert solution.iterations == ITERATIONS
    np.testing.assert_allclose(solution.strategy.sum(axis=2)[tree.decision[tree.kind == DECISION]], 1.0)
    exploit = solver.exploitability(solution.strategy)
    uniform = solver.exploitability(_uniform(tree, solver))
    assert 0.0 <= exploit < BOUND * state.pot
    assert uniform > 20 * exploit
    # zero-sum, and a best response never does worse than the strategy itself, hand by hand
    on_policy = [solver.root_values(solution.strategy, s, False) for s in (0, 1)]
    assert abs(reach[0] @ on_policy[0] + reach[1] @ on_policy[1]) < 1e-6 * solver.normaliser() * state.pot
    for s in (0, 1):
        assert np.all(solver.root_values(solution.strategy, s, True) >= on_policy[s] - 1e-9)


def test_a_solve_is_a_function_of_its_inputs():
    state = river_state(CONFIG, seed=3)
    tree = build_river_tree(state, (0.5, 1.0), (1.0,), max_raises=2)
    strength = river_strength(state.board)
    reach = np.ones((2, 1326)) * (strength != DEAD)
    a = RiverSolver(tree, strength, reach).solve(40).strategy
    b = RiverSolver(tree, strength, reach).solve(40).strategy
    assert np.array_equal(a, b)


def test_a_time_budget_stops_the_solve_early():
    state = river_state(CONFIG, seed=3)
    tree = build_river_tree(state, (0.5,), (1.0,), max_raises=1)
    strength = river_strength(state.board)
    ticks = iter(range(1000))
    solution = RiverSolver(tree, strength, np.ones((2, 1326))).solve(10_000, time_budget=2.5,
                                                                    clock=lambda: float(next(ticks)))
    assert solution.iterations == 3 * 8  # a fake clock ticking once per check: three chunks of eight


def test_a_frozen_decision_keeps_its_strategy_and_the_rest_still_solves():
    state = river_state(CONFIG, seed=2)
    tree = build_river_tree(state, (0.5, 1.0), (1.0,), max_raises=2)
    strength = river_strength(state.board)
    reach = np.ones((2, 1326)) * (strength != DEAD)
    fixed = np.full((1326, tree.n_actions[0]), 1.0 / tree.n_actions[0])
    solver = RiverSolver(tree, strength, reach, {0: fixed})
    solution = solver.solve(ITERATIONS)
    assert np.array_equal(solution.strategy[tree.decision[0], :, : tree.n_actions[0]], fixed)
    # seat to act at the root may deviate there, so it gains from its frozen uniform play; the other seat's
    # best response gains little beyond that: the solve answered the frozen strategy
    free = RiverSolver(tree, strength, reach).solve(ITERATIONS).strategy
    assert not np.allclose(free[tree.decision[0]], solution.strategy[tree.decision[0]])
    with pytest.raises(ValueError, match="frozen node"):
        RiverSolver(tree, strength, reach, {tree.path[0]: fixed[:, :1]})
