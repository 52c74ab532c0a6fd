"""Ranges by Bayes' rule equal a brute-force count over every deal of Leduc."""
from __future__ import annotations

import numpy as np
import pytest

from holdem.games.leduc import N_CARDS, N_RANKS, N_SUITS
from holdem.games.small import enumerate_deals
from holdem.search.ranges import PublicState, beliefs, ranges, reach


def brute_force(game, policy: np.ndarray, state: PublicState) -> np.ndarray:
    """P(seat holds card | public state), by weighing every deal of (card 0, card 1, public card)."""
    tree, layout = game.tree, game.layout
    out = np.zeros((2, N_CARDS))
    path = []
    node = state.node
    while tree.parent[node] >= 0:
        path.append((int(tree.parent[node]), int(tree.parent_action[node])))
        node = int(tree.parent[node])
    for cards in enumerate_deals(N_CARDS, 3):
        public = int(cards[2])
        if state.board and public != state.board[0]:
            continue
        weight = 1.0
        for parent, action in path:
            seat = int(tree.actor[parent])
            rank = int(cards[seat]) // N_SUITS
            bucket = rank if tree.street[parent] == 0 else rank * N_RANKS + public // N_SUITS
            na = int(tree.n_actions[parent])
            weight *= policy[int(layout.offset[parent]) + bucket * na + action]
        for seat in (0, 1):
            out[seat, cards[seat]] += weight
    total = out.sum(axis=1, keepdims=True)
    return out / total if np.all(total > 0.0) else np.full_like(out, np.nan)


def public_states(game) -> list[PublicState]:
    tree = game.tree
    out = []
    for node in range(tree.n_nodes):
        if tree.street[node] == 0:
            out.append(PublicState(node, ()))
        else:
            out += [PublicState(node, (c,)) for c in range(N_CARDS)]
    return out


def test_ranges_equal_brute_force_bayes_at_every_public_state(leduc, hands, blueprint):
    states = public_states(leduc)
    assert len(states) > 400  # every node, terminal ones included, and every public card
    unreachable = 0
    for state in states:
        expected = brute_force(leduc, blueprint, state)
        if np.isnan(expected).any():  # the blueprint never plays into it (its average has exact zeros)
            unreachable += 1
            with pytest.raises(ValueError, match="no deal reaches"):
                ranges(leduc.tree, leduc.layout, hands, blueprint, state)
            continue
        got = ranges(leduc.tree, leduc.layout, hands, blueprint, state)
        np.testing.assert_allclose(got, expected, atol=1e-12, err_msg=str(state))
    assert unreachable < len(states) // 10


def test_the_board_card_has_no_weight_and_ranges_sum_to_one(leduc, hands, blueprint):
    state = PublicState(int(leduc.tree.children[0, 0]), ())
    r = ranges(leduc.tree, leduc.layout, hands, blueprint, state)
    np.testing.assert_allclose(r.sum(axis=1), 1.0)
    board_state = PublicState(2, (3,))
    r = ranges(leduc.tree, leduc.layout, hands, blueprint, board_state)
    assert np.all(r[:, 3] == 0.0)
    np.testing.assert_allclose(r.sum(axis=1), 1.0)


def test_reach_is_each_seats_own_action_probabilities(leduc, hands, blueprint):
    tree, layout = leduc.tree, leduc.layout
    raise_node = int(tree.children[0, 1])  # seat 0 raised
    r = reach(tree, layout, hands, blueprint, PublicState(raise_node, ()))
    np.testing.assert_array_equal(r[1], np.ones(N_CARDS))
    expected = [blueprint[int(layout.offset[0]) + (c // N_SUITS) * 2 + 1] for c in range(N_CARDS)]
    np.testing.assert_allclose(r[0], expected)


def test_a_state_nobody_reaches_has_no_range(hands):
    with pytest.raises(ValueError, match="no deal reaches"):
        beliefs(hands, np.zeros((2, N_CARDS)), ())
