"""Kuhn and Leduc trees, dealers and OpenSpiel correspondence, checked against pyspiel itself."""
from __future__ import annotations

import numpy as np
import pyspiel
import pytest

from holdem.game.tree_arrays import NODE_DECISION, NODE_FOLD, NODE_SHOWDOWN
from holdem.games import leduc
from holdem.games.kuhn import kuhn_game
from holdem.games.leduc import leduc_game
from holdem.mccfr.utility import fold_winners, single_pot_nodes, terminal_utility

GAMES = {"kuhn": kuhn_game, "leduc": leduc_game}


def _buckets_strength(name: str, cards: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Our buckets/strength for OpenSpiel's dealt cards (private cards of seats 0, 1, then the public card)."""
    if name == "kuhn":
        b = np.array([[cards[0]], [cards[1]]], dtype=np.int32)
        return b, np.array(cards[:2], dtype=np.int64)
    ranks = [c // leduc.N_SUITS for c in cards]
    public = ranks[2] if len(ranks) > 2 else 0
    b = np.array([[r, r * leduc.N_RANKS + public] for r in ranks[:2]], dtype=np.int32)
    s = np.array([leduc.hand_strength(r, public) for r in ranks[:2]], dtype=np.int64)
    return b, s


def _walk(name, game, state, node, cards, seen):
    """Walk pyspiel's tree and ours together; check actions, strings, pots and payoffs everywhere."""
    tree, exact = game.tree, game.exact
    if state.is_chance_node():
        for outcome, _ in state.chance_outcomes():
            child = state.clone()
            child.apply_action(outcome)
            _walk(name, game, child, node, cards + [outcome], seen)
        return
    if state.is_terminal():
        assert tree.kind[node] in (NODE_FOLD, NODE_SHOWDOWN)
        _, strength = _buckets_strength(name, cards)
        args = (tree.kind, tree.pot, tree.contrib, tree.folded, fold_winners(tree), single_pot_nodes(tree))
        ours = [terminal_utility(node, p, *args, strength[None, :], 0) for p in range(2)]
        assert ours == pytest.approx(state.returns(), abs=1e-12)
        return
    assert tree.kind[node] == NODE_DECISION
    player = state.current_player()
    assert tree.actor[node] == player
    na = int(tree.n_actions[node])
    ids = [int(exact.openspiel_actions[node, a]) for a in range(na)]
    assert ids == state.legal_actions()
    buckets, _ = _buckets_strength(name, cards)
    bucket = int(buckets[player, tree.street[node]])
    key = state.information_state_string(player)
    assert key in exact.infostate_strings(int(node), bucket)
    seen.add(key)
    for a, action in enumerate(ids):
        child = state.clone()
        child.apply_action(action)
        _walk(name, game, child, int(tree.children[node, a]), cards, seen)


@pytest.mark.parametrize("name", sorted(GAMES))
def test_tree_matches_openspiel_everywhere(name):
    game = GAMES[name]()
    seen: set[str] = set()
    _walk(name, game, pyspiel.load_game(game.exact.openspiel_name).new_initial_state(), 0, [], seen)
    # every string we generate is one OpenSpiel produces, and vice versa
    ours = {k for node in game.tree.decision_nodes()
            for b in range(game.layout.buckets_per_street[game.tree.street[node]])
            for k in game.exact.infostate_strings(int(node), b)}
    assert ours == seen


def test_sizes():
    kuhn, led = kuhn_game(), leduc_game()
    # Kuhn: 4 decision nodes x 3 cards x 2 actions; Leduc: OpenSpiel's 936 information sets merge by suit
    assert kuhn.layout.size == 24
    assert led.tree.n_nodes == 85 and len(led.tree.decision_nodes()) == 36
    n_strings = sum(len(led.exact.infostate_strings(int(n), b)) for n in led.tree.decision_nodes()
                    for b in range(led.layout.buckets_per_street[led.tree.street[n]]))
    assert n_strings == 936


@pytest.mark.parametrize("name", sorted(GAMES))
def test_exact_deals_are_a_distribution(name):
    exact = GAMES[name]().exact
    assert exact.deal_prob.sum() == pytest.approx(1.0)
    assert len(exact.deal_prob) == (6 if name == "kuhn" else 120)


@pytest.mark.parametrize("name", sorted(GAMES))
def test_dealer_is_deterministic_prefix_stable_and_in_range(name):
    game = GAMES[name]()
    b1, s1 = game.dealer.deal(42, 500)
    b2, s2 = game.dealer.deal(42, 200)
    b3, _ = game.dealer.deal(43, 500)
    assert np.array_equal(b1[:200], b2) and np.array_equal(s1[:200], s2)
    assert not np.array_equal(b1, b3)
    limits = np.asarray(game.layout.buckets_per_street)
    assert (b1 >= 0).all() and (b1 < limits).all()
    assert b1.dtype == np.int32 and s1.dtype == np.int64


@pytest.mark.parametrize("name", sorted(GAMES))
def test_dealer_matches_exact_distribution(name):
    """Dealt (buckets, strength) combinations appear with the exact deal probabilities (card removal included)."""
    game = GAMES[name]()
    n = 240_000
    b, s = game.dealer.deal(7, n)
    exact = game.exact

    def keys(buckets, strength):
        return [tuple(x) for x in np.concatenate([buckets.reshape(len(buckets), -1), strength], axis=1)]

    expected: dict[tuple, float] = {}
    for k, p in zip(keys(exact.deal_buckets, exact.deal_strength), exact.deal_prob):
        expected[k] = expected.get(k, 0.0) + p
    uniq, counts = np.unique(np.asarray(keys(b, s)), axis=0, return_counts=True)
    observed = {tuple(int(v) for v in u): c / n for u, c in zip(uniq, counts)}
    assert set(observed) == set(expected)
    for k, p in expected.items():
        # 5 standard errors of a binomial proportion
        assert abs(observed[k] - p) < 5 * np.sqrt(p * (1 - p) / n), k


def test_dealer_rejects_negative_count():
    with pytest.raises(ValueError, match="number of hands"):
        kuhn_game().dealer.deal(1, -1)
