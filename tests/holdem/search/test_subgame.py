"""The search tree below a public state, and its terminal payoffs against the exact game."""
from __future__ import annotations

import numpy as np
import pytest

from holdem.exploitability import policy_values
from holdem.search.leaves import continuation_policies, continuation_value
from holdem.search.payoff import terminal_payoff
from holdem.search.ranges import PublicState
from holdem.search.subgame import CHANCE, DECISION, LEAF, TERMINAL, build_subgame, first_continuation


def kinds(subgame) -> dict[int, int]:
    out: dict[int, int] = {}
    for n in subgame.nodes:
        out[n.kind] = out.get(n.kind, 0) + 1
    return out


def test_full_game_from_the_root_deals_every_public_card(leduc, hands):
    sg = build_subgame(leduc.tree, leduc.layout, hands, PublicState(0, ()))
    counts = kinds(sg)
    # 6 round-1 decisions, 5 ways into round 2, each dealing 6 cards onto a 6-decision round
    assert counts[DECISION] == 6 + 5 * 6 * 6
    assert counts[CHANCE] == 5
    assert LEAF not in counts
    assert all(len(sg.nodes[i].children) == 6 for i, n in enumerate(sg.nodes) if n.kind == CHANCE)


def test_round_end_cuts_round_one_and_never_the_last_round(leduc, hands, blueprint, round_two_roots):
    conts = continuation_policies(leduc.tree, leduc.layout, blueprint, 4)
    sg = build_subgame(leduc.tree, leduc.layout, hands, PublicState(0, ()), round_end=True, continuations=conts)
    assert kinds(sg) == {DECISION: 6, LEAF: 5, TERMINAL: 4}  # 4 folds
    assert all(sg.values[i].shape == (4, 4, 6, 6) for i in sg.leaves())
    last = build_subgame(leduc.tree, leduc.layout, hands, PublicState(round_two_roots[0], (0,)), round_end=True)
    assert LEAF not in kinds(last)


def test_depth_counts_decisions_below_the_root(leduc, hands, blueprint, round_two_roots):
    conts = continuation_policies(leduc.tree, leduc.layout, blueprint, 2)
    sg = build_subgame(leduc.tree, leduc.layout, hands, PublicState(round_two_roots[0], (4,)), depth=1,
                       continuations=conts)
    assert kinds(sg) == {DECISION: 1, LEAF: 2}


def test_bad_subgames_are_refused(leduc, hands, round_two_roots):
    with pytest.raises(ValueError, match="shows 1 public cards"):
        build_subgame(leduc.tree, leduc.layout, hands, PublicState(round_two_roots[0], ()))
    with pytest.raises(ValueError, match="continuation strategies"):
        build_subgame(leduc.tree, leduc.layout, hands, PublicState(0, ()), round_end=True)
    with pytest.raises(ValueError, match="depth"):
        build_subgame(leduc.tree, leduc.layout, hands, PublicState(0, ()), depth=0)


def test_payoffs_are_zero_where_cards_collide_and_chance_weighted(leduc, hands, round_two_roots):
    tree = leduc.tree
    showdown = next(n for n in range(tree.n_nodes) if tree.kind[n] == 2)
    u = terminal_payoff(tree, hands, showdown, (0,))
    assert np.all(np.diag(u) == 0.0) and np.all(u[0] == 0.0) and np.all(u[:, 0] == 0.0)
    # seat 0 holds the other jack, which pairs the board: it wins the other's whole contribution
    assert u[1, 4] == pytest.approx(tree.contrib[showdown, 1] / 120.0)
    assert u[4, 1] == pytest.approx(-tree.contrib[showdown, 0] / 120.0)


def test_continuation_value_of_the_root_is_the_policy_value(leduc, hands, blueprint):
    v = continuation_value(leduc.tree, leduc.layout, hands, (blueprint, blueprint), 0, ())
    assert v.sum() == pytest.approx(policy_values(leduc, blueprint)[0], abs=1e-12)


def test_first_continuation_is_the_unbiased_blueprint(leduc, hands, blueprint):
    conts = continuation_policies(leduc.tree, leduc.layout, blueprint, 3)
    sg = build_subgame(leduc.tree, leduc.layout, hands, PublicState(0, ()), round_end=True, continuations=conts)
    for choice in first_continuation(sg).values():
        assert choice.shape == (2, 6, 3)
        np.testing.assert_array_equal(choice[:, :, 0], 1.0)
