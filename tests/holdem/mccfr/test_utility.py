"""Terminal payoffs, side pots included (3 seats, unequal contributions, uncalled bets)."""
import numpy as np
import pytest

from holdem.game.tree_arrays import NODE_FOLD, NODE_SHOWDOWN
from holdem.mccfr.utility import side_pot_winnings, terminal_utility


def _utilities(kind, contrib, folded, strength):
    contrib = np.array([contrib], dtype=np.int64)
    folded = np.array([folded], dtype=np.bool_)
    alive = contrib[0][~folded[0]]
    single = np.array([alive.size > 0 and bool((alive == alive[0]).all())])
    winner = np.array([np.flatnonzero(~folded[0])[0] if kind == NODE_FOLD else -1], dtype=np.int32)
    args = (np.array([kind], dtype=np.int8), contrib.sum(axis=1), contrib, folded, winner, single,
            np.array([strength], dtype=np.int64), 0)
    return [terminal_utility(0, p, *args[:-2], args[-2], args[-1]) for p in range(contrib.shape[1])]


def test_fold_node():
    assert _utilities(NODE_FOLD, [3, 1], [False, True], [0, 0]) == [1, -1]


def test_short_all_in_wins_main_pot_only():
    # seat 1 all-in for 50 with the best hand: main pot 150 to seat 1, side pot 100 to seat 2 (beats seat 0)
    assert _utilities(NODE_SHOWDOWN, [100, 50, 100], [False] * 3, [1, 3, 2]) == [-100, 100, 0]


def test_tie_splits_the_pot_it_reached():
    assert _utilities(NODE_SHOWDOWN, [100, 50, 100], [False] * 3, [3, 3, 1]) == [75, 25, -100]


def test_uncalled_bet_comes_back():
    assert _utilities(NODE_SHOWDOWN, [300, 100], [False, False], [1, 2]) == [-100, 100]
    assert _utilities(NODE_SHOWDOWN, [300, 100], [False, False], [2, 1]) == [100, -100]


def test_folded_chips_go_to_the_winner():
    assert _utilities(NODE_SHOWDOWN, [100, 100, 40], [False, False, True], [1, 2, 9]) == [-100, 140, -40]


def test_fast_path_equals_layered_pots():
    rng = np.random.default_rng(0)
    for _ in range(300):
        n = int(rng.integers(2, 7))
        contrib = rng.integers(1, 5, size=n) * 10
        folded = rng.random(n) < 0.3
        folded[rng.integers(n)] = False
        contrib[~folded] = contrib.max()  # everyone still in matched the largest bet
        strength = rng.integers(0, 4, size=n)
        fast = _utilities(NODE_SHOWDOWN, contrib.tolist(), folded.tolist(), strength.tolist())
        mask = sum(1 << p for p in range(n) if folded[p])
        layered = [side_pot_winnings(contrib, mask, strength, p) - contrib[p] for p in range(n)]
        assert fast == pytest.approx(layered)
        assert sum(fast) == pytest.approx(0.0)


def test_payoffs_are_zero_sum_with_side_pots():
    rng = np.random.default_rng(1)
    for _ in range(300):
        n = int(rng.integers(2, 7))
        contrib = rng.integers(1, 10, size=n) * 5
        folded = rng.random(n) < 0.3
        folded[np.argmax(contrib)] = False  # the largest contributor is always still in
        strength = rng.integers(0, 3, size=n)
        u = _utilities(NODE_SHOWDOWN, contrib.tolist(), folded.tolist(), strength.tolist())
        assert sum(u) == pytest.approx(0.0)
        assert all(u[p] == -contrib[p] for p in range(n) if folded[p])
