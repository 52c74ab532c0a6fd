import itertools

import numpy as np
import pytest
from evalkit import synthetic_tables

from holdem.abstraction.deal import hand_buckets
from holdem.abstraction.features import HOLE_CARDS, HOLE_ID, N_HOLES
from holdem.cards import parse_cards
from holdem.eval.ranges import board_array, equity_vs_holes, equity_vs_random, hole_buckets
from holdem.evaluator import evaluate


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


def _exact_equity(hero, villain, board):
    dead = set(hero) | set(villain) | set(board)
    rest = [c for c in range(52) if c not in dead]
    score = count = 0
    for extra in itertools.combinations(rest, 5 - len(board)):
        full = list(board) + list(extra)
        a, b = evaluate(list(hero) + full), evaluate(list(villain) + full)
        score += 2 if a > b else (1 if a == b else 0)
        count += 1
    return score / (2 * count)


@pytest.mark.parametrize("board_text", ["Ah Kd 7c 7s 2h", "Ah Kd 7c 7s"])
def test_equity_vs_every_hole_is_exact_on_turn_and_river(board_text):
    hero, board = parse_cards("Qh Qs"), parse_cards(board_text)
    out = np.empty(N_HOLES)
    equity_vs_holes(np.array(hero, np.int64), board_array(board), len(board), 1, 0, out)
    known = set(hero) | set(board)
    clash = np.array([bool(set(HOLE_CARDS[h]) & known) for h in range(N_HOLES)])
    assert np.isnan(out[clash]).all() and not np.isnan(out[~clash]).any()
    for h in _holes_avoiding(known, np.random.default_rng(5), 12):
        assert out[h] == pytest.approx(_exact_equity(hero, HOLE_CARDS[h], board), abs=1e-12)


def test_sampled_flop_equity_is_close_to_exact():
    hero, board = parse_cards("Ts 9s"), parse_cards("8s 7d 2c")
    out = np.empty(N_HOLES)
    equity_vs_holes(np.array(hero, np.int64), board_array(board), 3, 3000, 11, out)
    for villain in ("Ah Ad", "8h 8c", "Kc Qd"):
        v = parse_cards(villain)
        assert out[HOLE_ID[v[0], v[1]]] == pytest.approx(_exact_equity(hero, v, board), abs=0.04)


def test_equity_against_random_hands_matches_known_figures():
    # well-known preflop equities against one random hand: AA 85.2%, 72o 34.6%
    aa = equity_vs_random(np.array(parse_cards("Ac Ad"), np.int64), board_array([]), 0, 1, 20000, 3)
    seven_two = equity_vs_random(np.array(parse_cards("7c 2d"), np.int64), board_array([]), 0, 1, 20000, 4)
    assert aa == pytest.approx(0.852, abs=0.015)
    assert seven_two == pytest.approx(0.346, abs=0.015)
    # against more opponents a hand's equity falls: AA against 4 random hands is about 56%
    aces = np.array(parse_cards("Ac Ad"), np.int64)
    assert equity_vs_random(aces, board_array([]), 0, 4, 20000, 5) == pytest.approx(0.56, abs=0.03)
