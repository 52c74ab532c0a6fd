"""The O(H) river sweeps equal dense hand-by-hand payoffs with card removal."""
from __future__ import annotations

import numpy as np
import pytest

from holdem.abstraction.features import HOLE_CARDS
from holdem.evaluator import evaluate
from holdem.search.showdown import DEAD, fold_values, river_strength, showdown_values, strength_order


def _dense(board, strength):
    live = strength != DEAD
    hc = HOLE_CARDS
    share = np.zeros((len(hc), len(hc)), dtype=bool)
    for i in range(2):
        for j in range(2):
            share |= hc[:, None, i] == hc[None, :, j]
    ok = ~share & live[:, None] & live[None, :]
    return ok, np.sign(strength[:, None] - strength[None, :])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sweeps_equal_dense_matrices(seed):
    rng = np.random.default_rng(seed)
    board = [int(c) for c in rng.choice(52, 5, replace=False)]
    strength = river_strength(board)
    live = strength != DEAD
    assert live.sum() == 1081
    h = int(np.flatnonzero(live)[17])
    assert strength[h] == evaluate([*map(int, HOLE_CARDS[h]), *board])
    reach = rng.random(1326) * live
    ok, sign = _dense(board, strength)
    out = np.empty(1326)
    showdown_values(reach, strength_order(strength), strength, out, 3.0)
    np.testing.assert_allclose(out[live], 3.0 * ((ok * sign) @ reach)[live], atol=1e-9)
    assert np.all(out[~live] == 0.0)
    fold_values(reach, out, -2.0)
    np.testing.assert_allclose(out[live], -2.0 * (ok @ reach)[live], atol=1e-9)


def test_a_board_of_four_cards_is_refused():
    with pytest.raises(ValueError, match="5 cards"):
        river_strength([0, 1, 2, 3])
