import itertools

import numpy as np
import pytest

from holdem.abstraction.features import (
    EQUITY_DENOM,
    HOLE_CARDS,
    HOLE_ID,
    N_HOLES,
    NO_EQUITY,
    RIVER_HOLES,
    board_histograms,
    board_seed,
    histogram_cdf,
    river_equities,
)
from holdem.abstraction.kmeans import CDF_SCALE
from holdem.cards import parse_cards
from holdem.evaluator import evaluate_batch


def _equities(board):
    out = np.empty(N_HOLES, np.int32)
    river_equities(np.array(board, np.int64), out, np.empty(RIVER_HOLES, np.int64))
    return out


def _brute_force(board):
    """2*wins + ties of every hole against every disjoint hole, by direct comparison."""
    rest = [c for c in range(52) if c not in board]
    holes = list(itertools.combinations(rest, 2))
    ranks = evaluate_batch(np.array([[a, b, *board] for a, b in holes]))
    cards = np.array(holes)
    out = {}
    for i, (a, b) in enumerate(holes):
        ok = ~np.isin(cards, (a, b)).any(axis=1)
        out[(a, b)] = int(2 * (ranks[ok] < ranks[i]).sum() + (ranks[ok] == ranks[i]).sum())
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_river_equity_is_exact_with_card_removal(seed):
    board = np.random.default_rng(seed).choice(52, 5, replace=False).tolist()
    got = _equities(board)
    want = _brute_force(board)
    assert (got >= 0).sum() == RIVER_HOLES == len(want)
    for (a, b), v in want.items():
        assert got[HOLE_ID[a, b]] == v


def test_river_equity_on_a_paired_board_with_many_ties():
    board = parse_cards("2c 2d 2h 2s 3c")  # every hole ties unless it holds a card above a three
    got = _equities(board)
    want = _brute_force(board)
    for (a, b), v in want.items():
        assert got[HOLE_ID[a, b]] == v


def test_nuts_have_full_equity_and_holes_on_the_board_have_none():
    board = parse_cards("Ts Js Qs 2d 3c")
    got = _equities(board)
    assert got[HOLE_ID[parse_cards("As")[0], parse_cards("Ks")[0]]] == EQUITY_DENOM
    for c in board:
        assert (got[HOLE_ID[c][np.arange(52) != c]] == NO_EQUITY).all()


def _hists(board, n_bins, n_samples=0, seed=0):
    counts = np.empty((N_HOLES, n_bins), np.int32)
    totals = np.empty(N_HOLES, np.int32)
    b = np.array(board, np.int64)
    board_histograms(b, len(board), n_bins, n_samples, board_seed(seed, len(board) - 2, b), counts, totals)
    return counts, totals


def _free(board):
    return ~np.isin(HOLE_CARDS, board).any(axis=1)


def test_turn_histogram_counts_every_river_and_matches_river_equities():
    board = parse_cards("Ah 7c 7d 2s")
    counts, totals = _hists(board, 10)
    free = _free(board)
    assert (totals[free] == 46).all() and (totals[~free] == 0).all()
    assert (counts.sum(axis=1) == totals).all()
    hole = HOLE_ID[parse_cards("Kh")[0], parse_cards("Qh")[0]]
    want = np.zeros(10, int)
    for r in set(range(52)) - set(board) - set(HOLE_CARDS[hole].tolist()):
        want[_equities(board + [r])[hole] * 10 // (EQUITY_DENOM + 1)] += 1
    assert np.array_equal(counts[hole], want)


def test_flop_histogram_exact_counts_all_runouts():
    board = parse_cards("Kd 8s 3h")
    counts, totals = _hists(board, 5)
    free = _free(board)
    assert (totals[free] == 1081).all() and (totals[~free] == 0).all()


def test_sampled_runouts_cover_every_hole_and_follow_the_seed():
    board = parse_cards("Kd 8s 3h")
    c1, t1 = _hists(board, 6, n_samples=4, seed=11)
    c2, t2 = _hists(board, 6, n_samples=4, seed=11)
    c3, _ = _hists(board, 6, n_samples=4, seed=12)
    free = _free(board)
    assert (t1[free] >= 1).all() and t1.max() <= t1[free].min() + 4
    assert np.array_equal(c1, c2) and np.array_equal(t1, t2)
    assert not np.array_equal(c1, c3)


def test_cdf_is_fixed_point_and_drops_the_final_one():
    out = np.empty(3, np.int32)
    histogram_cdf(np.array([1, 1, 0, 2], np.int32), 4, out)
    assert out.tolist() == [CDF_SCALE // 4, CDF_SCALE // 2, CDF_SCALE // 2]
