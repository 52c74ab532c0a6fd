"""River subgames: every move legal in the engine, the abstraction's sizes, the opponent's actual size inserted."""
from __future__ import annotations

import numpy as np

from holdem.game.config import GameConfig
from holdem.game.engine import RIVER, ActionKind
from holdem.search.river_tree import DECISION, FOLD, SHOWDOWN, build_river_tree, river_root

from .holdemkit import river_state

CONFIG = GameConfig(2, 20000, 50, 100)
BETS, RAISES = (0.33, 0.66, 1.0, 1.5), (0.5, 1.0)


def _walk(tree, state, node, seen):
    """Replay every path of the tree on the engine; returns terminals checked."""
    seen.add(node)
    if tree.kind[node] != DECISION:
        assert state.is_over
        assert (tree.kind[node] == FOLD) == any(state.folded)
        if tree.kind[node] == SHOWDOWN:
            assert state.contrib[0] == state.contrib[1] == tree.stake[node]
        else:
            assert tree.stake[node] == state.contrib[tree.folder[node]]
        return 1
    assert state.actor == tree.actor[node] and state.street == RIVER
    total = 0
    for a, (kind, amount) in enumerate(tree.moves[node]):
        child = state.copy()
        if kind == ActionKind.FOLD:
            child.fold()
        elif kind == ActionKind.RAISE:
            child.raise_to(amount)  # the engine refuses an illegal amount
        else:
            assert amount == child.legal().call_amount
            child.check_or_call()
        total += _walk(tree, child, int(tree.children[node, a]), seen)
    return total


def test_every_move_is_legal_and_terminals_hold_the_engines_chips():
    state = river_state(CONFIG, seed=3, preflop_raise=300)
    tree = build_river_tree(state, BETS, RAISES, max_raises=3)
    seen: set[int] = set()
    assert _walk(tree, river_root(state), 0, seen) > 0
    assert seen == set(range(tree.n_nodes))
    assert all(tree.children[n, a] > n for n in range(tree.n_nodes) for a in range(tree.n_actions[n]))  # preorder
    pot = state.pot
    first_bets = sorted(a for k, a in tree.moves[0] if k == ActionKind.RAISE)
    assert first_bets == [int(np.floor(f * pot + 0.5)) for f in BETS] + [19700]  # sizes of the pot, then all-in


def test_the_opponents_actual_size_is_inserted_and_the_path_reaches_the_decision():
    state = river_state(CONFIG, seed=4)
    opener = state.actor
    state.raise_to(437)  # no abstraction size: 437 / 200 pot
    tree = build_river_tree(state, BETS, RAISES, max_raises=3)
    assert (ActionKind.RAISE, 437) in tree.moves[0]
    assert tree.moves[0][list(tree.children[0]).index(tree.path[1])] == (ActionKind.RAISE, 437)
    current = tree.path[-1]
    assert len(tree.path) == 2 and tree.kind[current] == DECISION and tree.actor[current] == 1 - opener
    kinds = [k for k, _ in tree.moves[current]]
    assert kinds[:2] == [ActionKind.FOLD, ActionKind.CHECK_CALL] and ActionKind.RAISE in kinds


def test_a_raise_past_the_cap_is_still_in_the_tree():
    state = river_state(CONFIG, seed=5)
    state.raise_to(100)
    state.raise_to(300)
    tree = build_river_tree(state, BETS, RAISES, max_raises=1)
    assert (ActionKind.RAISE, 300) in tree.moves[tree.path[1]]
    assert not any(k == ActionKind.RAISE for k, _ in tree.moves[tree.path[2]])  # capped: fold or call
