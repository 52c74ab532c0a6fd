"""``threads``: a turn or river solve on several threads equals the one-thread solve bit for bit, and the config's
``search.threads`` reaches the Hold'em solver (Leduc's stays at one)."""
from __future__ import annotations

import os
from dataclasses import replace

import numpy as np
import pytest

from holdem.abstraction.features import HOLE_CARDS
from holdem.blueprint import Blueprint
from holdem.game.engine import TURN, HandState
from holdem.search.agent import PolicyBlueprint, SearchAgent, SearchConfig
from holdem.search.river_cfr import RiverSolver, _split
from holdem.search.river_tree import CHANCE, DECISION, build_river_tree
from holdem.search.showdown import DEAD, river_strength
from holdem.search.turn_tree import build_turn_tree, turn_strengths

from .holdemkit import river_state, tiny_run
from .test_turn_cfr import CONFIG, RIVER_SIZES, TURN_SIZES, turn_state

ITERATIONS = 24  # three kernel chunks: discounting and the sampled cards change between them


def first_own_decision(tree) -> dict[int, np.ndarray]:
    """A frozen strategy at the root (a decision of the seat to act), so frozen rows are walked too."""
    na = int(tree.n_actions[0])
    rows = np.random.default_rng(9).random((1326, na)) + 0.1
    return {0: rows / rows.sum(axis=1, keepdims=True)}


def solved(tree, strength, reach, threads, **kw) -> tuple[RiverSolver, np.ndarray]:
    solver = RiverSolver(tree, strength, reach, threads=threads, **kw)
    return solver, solver.solve(ITERATIONS).strategy


def assert_same_solve(tree, strength, reach, threads, **kw):
    one, a = solved(tree, strength, reach, 1, **kw)
    many, b = solved(tree, strength, reach, threads, **kw)
    assert np.array_equal(a, b)
    assert np.array_equal(one.regret, many.regret) and np.array_equal(one.sums, many.sums)
    # the best response walks the same lanes in mode 1
    assert one.exploitability(a) == many.exploitability(b)


@pytest.mark.parametrize("threads", [2, 3])
@pytest.mark.parametrize("frozen", [False, True])
def test_a_turn_solve_on_threads_equals_the_one_thread_solve_bit_for_bit(threads, frozen):
    state = turn_state(6)
    tree = build_turn_tree(state, TURN_SIZES, RIVER_SIZES)
    rng = np.random.default_rng(6)
    reach = rng.random((2, 1326)) * ~np.isin(HOLE_CARDS, state.board[:4]).any(axis=1)
    assert_same_solve(tree, turn_strengths(state.board), reach, threads, river_samples=4, seed=3,
                      frozen=first_own_decision(tree) if frozen else None)


@pytest.mark.parametrize("threads", [2, 3])
@pytest.mark.parametrize("frozen", [False, True])
def test_a_river_solve_on_threads_equals_the_one_thread_solve_bit_for_bit(threads, frozen):
    state = river_state(CONFIG, seed=7, preflop_raise=250)
    tree = build_river_tree(state, (0.33, 0.66, 1.0, 1.5), (0.5, 1.0), max_raises=3)
    strength = river_strength(state.board)
    reach = np.random.default_rng(7).random((2, 1326)) * (strength != DEAD)
    assert_same_solve(tree, strength, reach, threads, frozen=first_own_decision(tree) if frozen else None)


@pytest.mark.parametrize("street", ["turn", "river"])
def test_the_threads_walk_every_node_once_in_subtrees_of_their_own(street):
    """Top nodes and units partition the tree; a unit is its root's whole subtree and holds no CHANCE node,
    and every CHANCE node's children are units (one river card each)."""
    if street == "turn":
        state = turn_state(6)
        tree = build_turn_tree(state, TURN_SIZES, RIVER_SIZES)
    else:
        state = river_state(CONFIG, seed=7, preflop_raise=250)
        tree = build_river_tree(state, (0.33, 0.66, 1.0, 1.5), (0.5, 1.0), max_raises=3)
    top, units = _split(tree)
    walked = np.zeros(tree.n_nodes, dtype=np.int64)
    walked[top] += 1
    for lo, hi, card in units:
        walked[lo:hi] += 1
        assert not np.any(tree.kind[lo:hi] == CHANCE)
        assert card == tree.deal[lo]
        inside = tree.children[lo:hi][tree.children[lo:hi] >= 0]
        assert np.all((inside > lo) & (inside < hi))  # closed under children: the whole subtree, nothing else
    assert np.all(walked == 1)
    assert list(top) == sorted(top) and top[0] == 0
    roots = set(units[:, 0].tolist())
    for n in np.flatnonzero(tree.kind == CHANCE):
        assert roots >= set(tree.children[n, : tree.n_actions[n]].tolist())
    assert len(units) >= 4 and (tree.kind[top] == DECISION).sum() <= tree.n_decisions // 4


def test_threads_must_be_between_one_and_the_cpu_count():
    for bad in (0, -1, (os.cpu_count() or 1) + 1, True, 1.5):
        with pytest.raises(ValueError, match="search.threads: .*set it to a whole number from 1 to"):
            SearchConfig(threads=bad)
    with pytest.raises(ValueError, match="threads must be >= 1"):
        RiverSolver(build_river_tree(river_state(CONFIG, seed=7), (1.0,), (), max_raises=1),
                    river_strength(river_state(CONFIG, seed=7).board), np.ones((2, 1326)), threads=0)


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="search.threads: 2 needs two CPUs")
def test_leduc_search_accepts_only_one_thread(leduc, blueprint):
    with pytest.raises(ValueError, match="search.threads: the Leduc solver runs on one thread; set it to 1"):
        SearchAgent(PolicyBlueprint(leduc, blueprint), SearchConfig(threads=2))


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="search.threads: 2 needs two CPUs")
def test_the_agent_solves_on_its_configured_threads_and_plays_the_same(tmp_path_factory):
    bp = Blueprint.load(tiny_run(tmp_path_factory))
    config = SearchConfig(mode="unsafe", iterations=16, streets=("turn", "river"), turn_iterations=16,
                          turn_time_budget=None)
    state = HandState.start_random(bp.game_config, np.random.default_rng(3), button=1)
    while state.street < TURN:
        state.check_or_call()
    on_turn = state.copy()
    one, two = SearchAgent(bp, config), SearchAgent(bp, replace(config, threads=2))
    turn_one, turn_two = one.holdem.search(on_turn), two.holdem.search(on_turn)
    assert np.array_equal(turn_one.solution.strategy, turn_two.solution.strategy)
    while not state.is_over and state.street == TURN:
        state.check_or_call()
    river_one, river_two = one.holdem.search(state), two.holdem.search(state)
    assert river_one.threads == 1 and river_two.threads == 2 and turn_two.threads == 2
    assert np.array_equal(river_one.solution.strategy, river_two.solution.strategy)
