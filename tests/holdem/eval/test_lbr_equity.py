"""LBR's compiled equities against every hole, checked against exact enumeration and Monte Carlo in plain Python."""
import itertools

import numpy as np
import pytest

from holdem.abstraction.features import HOLE_CARDS, HOLE_ID, N_HOLES
from holdem.cards import parse_cards
from holdem.eval.lbr_equity import FLOP_RUNOUTS, build_preflop_table, equity_from_ranks, preflop_equity, runout_ranks
from holdem.eval.ranges import board_array
from holdem.evaluator import evaluate, evaluate_batch


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


def _monte_carlo_equity(hero, villain, n, seed):
    rest = np.array([c for c in range(52) if c not in set(hero) | set(villain)], np.uint8)
    rng = np.random.default_rng(seed)
    boards = rest[np.argsort(rng.random((n, rest.size)), axis=1)[:, :5]]
    mine = evaluate_batch(np.hstack([np.tile(np.array(hero, np.uint8), (n, 1)), boards]))
    theirs = evaluate_batch(np.hstack([np.tile(np.array(villain, np.uint8), (n, 1)), boards]))
    return float(((mine > theirs) * 2 + (mine == theirs)).mean() / 2)


def _compiled(hero, board, runouts, seed=0):
    ranks = np.empty((FLOP_RUNOUTS, N_HOLES), np.int32)
    masks = np.empty(FLOP_RUNOUTS, np.int64)
    n = runout_ranks(board_array(board), len(board), runouts, np.uint64(seed), ranks, masks)
    out = np.empty(N_HOLES)
    equity_from_ranks(hero[0], hero[1], ranks, masks, n, out)
    return out


def _holes_avoiding(cards, rng, n):
    ok = [h for h in range(N_HOLES) if not set(HOLE_CARDS[h]) & set(cards)]
    return [int(h) for h in rng.choice(ok, size=n, replace=False)]


@pytest.mark.parametrize("board_text", ["Ah Kd 7c 7s 2h", "Ah Kd 7c 7s", "9h 8h 2c Jh"])
def test_river_and_turn_equities_are_exact(board_text):
    hero, board = parse_cards("Qh Qs"), parse_cards(board_text)
    out = _compiled(hero, board, 1)
    known = set(hero) | set(board)
    clash = np.array([bool(set(HOLE_CARDS[h]) & known) for h in range(N_HOLES)])
    assert (out[clash] == 0).all()
    for h in _holes_avoiding(known, np.random.default_rng(5), 25):
        assert out[h] == pytest.approx(_exact_equity(hero, HOLE_CARDS[h], board), abs=1e-12)


def test_flop_equity_enumerates_every_runout_or_samples_them():
    hero, board = parse_cards("Ts 9s"), parse_cards("8s 7d 2c")
    exact = _compiled(hero, board, FLOP_RUNOUTS)
    for villain in ("Ah Ad", "8h 8c", "Kc Qd", "6s 5s"):
        v = parse_cards(villain)
        assert exact[HOLE_ID[v[0], v[1]]] == pytest.approx(_exact_equity(hero, v, board), abs=1e-12)
    sampled = _compiled(hero, board, 256, seed=9)
    live = exact > 0
    assert np.abs(sampled - exact)[live].mean() < 0.05  # 256 runouts: sd about 0.03 a hole
    # equity against a range, a weighted mean: the runouts are shared by all holes, so their errors are
    # correlated (sd about 0.4 / sqrt(256) here)
    weights = np.random.default_rng(0).random(N_HOLES) * live
    assert abs(weights @ sampled - weights @ exact) / weights.sum() < 0.075


def test_preflop_table_matches_known_equities_in_every_suit():
    table = build_preflop_table(4096)
    prior = np.empty(N_HOLES)
    for text, against_random in (("Ac Ad", 0.852), ("7c 2d", 0.346), ("Ah Kh", 0.670)):
        for suits in itertools.permutations("cdhs", 2):
            hero = parse_cards(" ".join(card[0] + s for card, s in zip(text.split(), suits)))
            if hero[0] == hero[1] or (text[1] == text[4]) != (suits[0] == suits[1]):
                continue  # keep the class: a pair, suited or offsuit as in ``text``
            got = np.empty(N_HOLES)
            preflop_equity(table, hero[0], hero[1], got)
            prior[:] = [0.0 if set(HOLE_CARDS[h]) & set(hero) else 1.0 for h in range(N_HOLES)]
            assert (got[prior == 0] == 0).all()
            assert prior @ got / prior.sum() == pytest.approx(against_random, abs=0.01)
    for hero_text, villain_text in (("Ah As", "Kc Kd"), ("Ad Kd", "Qs Qh"), ("7c 2d", "8h 9h")):
        hero, villain = parse_cards(hero_text), parse_cards(villain_text)
        got = np.empty(N_HOLES)
        preflop_equity(table, hero[0], hero[1], got)
        want = _monte_carlo_equity(hero, villain, 40000, seed=1)  # sd 0.0025
        assert got[HOLE_ID[villain[0], villain[1]]] == pytest.approx(want, abs=0.035)  # the table: sd 0.008
