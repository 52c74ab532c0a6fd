"""Continuation strategies: the blueprint biased toward fold, call and raise, and their leaf values."""
from __future__ import annotations

import numpy as np
import pytest

from holdem.game.tree_arrays import ACTION_RAISE
from holdem.search.leaves import biased_policy, continuation_policies, leaf_values


def test_biased_rows_multiply_the_favoured_action_and_renormalise(leduc, blueprint):
    tree, layout = leduc.tree, leduc.layout
    biased = biased_policy(tree, layout, blueprint, ACTION_RAISE, 5.0)
    for node in tree.decision_nodes():
        na = int(tree.n_actions[node])
        rows = layout.rows(int(node), int(tree.street[node]), na)
        np.testing.assert_allclose(biased[rows].sum(axis=1), 1.0)
        kinds = tree.action_kind[node, :na]
        if ACTION_RAISE not in kinds:
            np.testing.assert_array_equal(biased[rows], blueprint[rows])
            continue
        r = int(np.flatnonzero(kinds == ACTION_RAISE)[0])
        other = 0 if r else 1
        old, new = blueprint[rows], biased[rows]
        keep = (old[:, r] > 0) & (old[:, other] > 0)
        np.testing.assert_allclose(new[keep, r] / new[keep, other], 5.0 * old[keep, r] / old[keep, other])


def test_k_picks_the_first_continuations(leduc, blueprint):
    conts = continuation_policies(leduc.tree, leduc.layout, blueprint, 4)
    assert len(conts) == 4
    np.testing.assert_array_equal(conts[0], blueprint)
    assert len({c.tobytes() for c in conts}) == 4
    with pytest.raises(ValueError, match="k must be"):
        continuation_policies(leduc.tree, leduc.layout, blueprint, 5)


def test_a_seat_biased_toward_folding_loses_chips(leduc, hands, blueprint, round_two_roots):
    conts = continuation_policies(leduc.tree, leduc.layout, blueprint, 2)  # blueprint, fold-biased
    v = leaf_values(leduc.tree, leduc.layout, hands, conts, round_two_roots[1], ())
    seat0 = v.sum(axis=(2, 3))  # seat 0's value for each pair of continuations
    assert seat0[1, 0] < seat0[0, 0]  # seat 0 folding more is worse for seat 0
    assert seat0[0, 1] > seat0[0, 0]  # seat 1 folding more is better for seat 0
