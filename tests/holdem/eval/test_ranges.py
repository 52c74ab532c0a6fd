
import numpy as np
import pytest
from evalkit import synthetic_tables

from holdem.abstraction.deal import hand_buckets
from holdem.abstraction.features import HOLE_CARDS, N_HOLES
from holdem.cards import parse_cards
from holdem.eval.ranges import board_array, equity_vs_random, hole_buckets


@pytest.fixture(scope="module")
def tables():
    return synthetic_tables()


def _holes_avoiding(cards, rng, n):
    ok = [h for h in range(N_HOLES) if not set(HOLE_CARDS[h]) & set(cards)]
    return [int(h) for h in rng.choice(ok, size=n, replace=False)]


@pytest.mark.parametrize("board_len", [0, 3, 4, 5])
def test_hole_buckets_agree_with_the_dealers_lookup(tables, board_len):
    rng = np.random.default_rng(board_len)
    board = [int(c) for c in rng.choice(52, size=board_len, replace=False)]
    out = np.empty(N_HOLES, np.int32)
    hole_buckets(board_array(board), board_len, tables.flop, tables.turn, tables.river_lut, np.zeros(0, np.uint8), out)
    for h in range(N_HOLES):
        hole = [int(c) for c in HOLE_CARDS[h]]
        if set(hole) & set(board):
            assert out[h] == -1
        else:
            assert out[h] == hand_buckets(tables, hole, board)[-1]


def test_equity_against_random_hands_matches_known_figures():
    # well-known preflop equities against one random hand: AA 85.2%, 72o 34.6%
    aa = equity_vs_random(np.array(parse_cards("Ac Ad"), np.int64), board_array([]), 0, 1, 20000, 3)
    seven_two = equity_vs_random(np.array(parse_cards("7c 2d"), np.int64), board_array([]), 0, 1, 20000, 4)
    assert aa == pytest.approx(0.852, abs=0.015)
    assert seven_two == pytest.approx(0.346, abs=0.015)
    # against more opponents a hand's equity falls: AA against 4 random hands is about 56%
    aces = np.array(parse_cards("Ac Ad"), np.int64)
    assert equity_vs_random(aces, board_array([]), 0, 4, 20000, 5) == pytest.approx(0.56, abs=0.03)
