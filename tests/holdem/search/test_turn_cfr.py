"""DCFR on a turn subgame (every river card below turn betting): exact card removal, and a solve that converges."""
from __future__ import annotations

import numpy as np
import pytest

from holdem.abstraction.features import HOLE_CARDS
from holdem.game.config import GameConfig
from holdem.game.engine import TURN, HandState
from holdem.search.river_cfr import RiverSolver
from holdem.search.river_tree import CHANCE, DECISION, FOLD, SHOWDOWN, Sizes
from holdem.search.turn_tree import build_turn_tree, river_cards, turn_strengths

CONFIG = GameConfig(2, 20000, 50, 100)
TURN_SIZES = Sizes((0.5, 1.0), (1.0,), 2)
RIVER_SIZES = Sizes((1.0,), (), 1, False)


def turn_state(seed: int, preflop_raise: int = 250) -> HandState:
    rng = np.random.default_rng(seed)
    state = HandState.start_random(CONFIG, rng, button=seed % 2)
    state.raise_to(preflop_raise)
    while state.street < TURN:
        state.check_or_call()
    return state


def random_strategy(tree, solver, rng):
    out = np.zeros_like(solver.sums)
    for n in np.flatnonzero(tree.kind == DECISION):
        na = tree.n_actions[n]
        rows = rng.random((1326, na)) + 0.05
        out[tree.decision[n], :, :na] = rows / rows.sum(axis=1, keepdims=True)
    return out


def brute_value(tree, strength, strategy, node, h, g, card):
    """Seat 0's payoff below ``node`` with holes h (seat 0) and g (seat 1), river ``card`` (None: not dealt)."""
    kind = tree.kind[node]
    if kind == FOLD:
        return tree.stake[node] * (1.0 if tree.folder[node] == 1 else -1.0)
    if kind == SHOWDOWN:
        s = strength[tree.board[node]]
        return tree.stake[node] * float(np.sign(s[h] - s[g]))
    kids = tree.children[node, : tree.n_actions[node]]
    if kind == CHANCE:
        held = set(HOLE_CARDS[h]) | set(HOLE_CARDS[g])
        live = [c for c in kids if tree.deal[c] not in held]
        return sum(brute_value(tree, strength, strategy, c, h, g, tree.deal[c]) for c in live) / len(live)
    hole = h if tree.actor[node] == 0 else g
    probs = strategy[tree.decision[node], hole]
    return sum(probs[a] * brute_value(tree, strength, strategy, c, h, g, card) for a, c in enumerate(kids))


def test_river_cards_are_the_48_off_the_board_and_every_card_has_its_subtree():
    state = turn_state(1)
    tree = build_turn_tree(state, TURN_SIZES, RIVER_SIZES)
    assert river_cards(state.board) == tuple(c for c in range(52) if c not in state.board[:4])
    showdowns = 0
    for n in np.flatnonzero(tree.kind == CHANCE):
        kids = tree.children[n, : tree.n_actions[n]]
        assert sorted(tree.deal[kids]) == sorted(river_cards(state.board))
        assert list(tree.board[kids]) == list(range(48))  # each card's showdowns rank hands on its board
        showdowns += int(np.all(tree.kind[kids] == SHOWDOWN))
    assert showdowns >= 1  # an all-in called on the turn: the card, then the showdown
    # the solver's tables hold the turn's decisions first, and a turn decision is above every CHANCE node
    top = [n for n in np.flatnonzero(tree.kind == DECISION) if tree.decision[n] < tree.top]
    assert tree.top >= 1 and all(tree.board[n] == 0 for n in top)


def test_values_match_a_brute_force_walk_over_holes_and_river_cards():
    """On a handful of holes: each pair of disjoint holes and every river card neither holds, walked one by one."""
    state = turn_state(2)
    tree = build_turn_tree(state, Sizes((1.0,), (1.0,), 1), RIVER_SIZES)
    strength = turn_strengths(state.board)
    rng = np.random.default_rng(0)
    live = np.flatnonzero(~np.isin(HOLE_CARDS, state.board[:4]).any(axis=1))
    holes = rng.choice(live, 8, replace=False)
    reach = np.zeros((2, 1326))
    reach[:, holes] = rng.random((2, holes.size)) + 0.1
    solver = RiverSolver(tree, strength, reach)
    strategy = random_strategy(tree, solver, rng)
    values = solver.root_values(strategy, 0, False)
    for h in holes:
        expected = sum(reach[1, g] * brute_value(tree, strength, strategy, 0, h, g, None)
                       for g in holes if not set(HOLE_CARDS[h]) & set(HOLE_CARDS[g]))
        assert values[h] == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_dealing_every_card_each_iteration_is_the_exact_solve():
    state = turn_state(3)
    tree = build_turn_tree(state, TURN_SIZES, RIVER_SIZES)
    strength = turn_strengths(state.board)
    reach = np.ones((2, 1326)) * ~np.isin(HOLE_CARDS, state.board[:4]).any(axis=1)
    a = RiverSolver(tree, strength, reach).solve(16).strategy
    b = RiverSolver(tree, strength, reach, river_samples=48, seed=5).solve(16).strategy
    assert np.array_equal(a, b)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [4, 5])
def test_a_sampled_solve_is_nearly_unexploitable_within_the_subgame(seed):
    """Public chance sampling (4 river cards an iteration): the exact best response gains little."""
    state = turn_state(seed)
    tree = build_turn_tree(state, TURN_SIZES, RIVER_SIZES)
    strength = turn_strengths(state.board)
    rng = np.random.default_rng(seed)
    reach = rng.random((2, 1326)) * ~np.isin(HOLE_CARDS, state.board[:4]).any(axis=1)
    solver = RiverSolver(tree, strength, reach, river_samples=4, seed=seed)
    solution = solver.solve(400)
    uniform = np.zeros_like(solver.sums)
    for n in np.flatnonzero(tree.kind == DECISION):
        uniform[tree.decision[n], :, : tree.n_actions[n]] = 1.0 / tree.n_actions[n]
    exploit = solver.exploitability(solution.strategy)
    assert exploit < 0.03 * state.pot
    assert solver.exploitability(uniform) > 10 * exploit
