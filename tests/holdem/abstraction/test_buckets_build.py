import numpy as np
import pytest

from holdem import isomorphism
from holdem.abstraction.bucket_file import tables_hash
from holdem.abstraction.buckets import build_buckets, mean_equity_of_centroids
from holdem.abstraction.deal import hand_buckets
from holdem.abstraction.features import EQUITY_DENOM, HOLE_CARDS, N_HOLES, RIVER_HOLES, river_equities
from holdem.abstraction.presets import PRESETS, get_preset
from holdem.cards import parse_cards


def test_same_seed_same_hash(test_tables):
    again = build_buckets(get_preset("test"), seed=0)
    assert tables_hash(again) == tables_hash(test_tables)
    for name, a in test_tables.arrays().items():
        assert np.array_equal(again.arrays()[name], a)


def test_tables_cover_every_index_with_a_valid_bucket(test_tables):
    p = test_tables.preset
    assert test_tables.flop.shape == (isomorphism.size(3),) and test_tables.turn.shape == (isomorphism.size(4),)
    assert test_tables.flop.max() < p.flop_buckets and test_tables.turn.max() < p.turn_buckets
    # every bucket is used
    assert np.unique(test_tables.flop).size == p.flop_buckets
    assert np.unique(test_tables.turn).size == p.turn_buckets
    assert np.unique(test_tables.river_lut).size == p.river_buckets


def _permute(cards, perm):
    return [(c & ~3) | perm[c & 3] for c in cards]


def test_suit_isomorphic_hands_share_buckets_on_every_street(test_tables):
    rng = np.random.default_rng(0)
    for _ in range(300):
        cards = rng.choice(52, 7, replace=False).tolist()
        hole, board = cards[:2], cards[2:]
        perm = rng.permutation(4).tolist()
        hole2 = _permute(hole[::-1], perm)
        board2 = _permute(board, perm)
        board2[:3] = board2[:3][::-1]  # the flop is a set
        assert hand_buckets(test_tables, hole, board) == hand_buckets(test_tables, hole2, board2)
        # each street's bucket does not depend on later cards
        assert hand_buckets(test_tables, hole, board[:3]) == hand_buckets(test_tables, hole, board)[:2]
        assert hand_buckets(test_tables, hole, board[:4]) == hand_buckets(test_tables, hole, board)[:3]


def test_buckets_are_numbered_weakest_first(test_tables):
    for c in (test_tables.flop_centroids, test_tables.turn_centroids):
        assert (np.diff(mean_equity_of_centroids(c)) > 0).all()
    assert (np.diff(test_tables.river_centroids[:, 0]) > 0).all()
    assert (np.diff(test_tables.river_lut) >= 0).all()


def test_river_buckets_follow_equity(test_tables):
    top = test_tables.preset.river_buckets - 1
    assert test_tables.river_lut[EQUITY_DENOM] == top and test_tables.river_lut[0] == 0
    royal = parse_cards("As Ks")
    assert hand_buckets(test_tables, royal, parse_cards("Qs Js Ts 4d 2c"))[3] == top
    # 4-2 high loses to every hand that does not tie it
    assert hand_buckets(test_tables, parse_cards("4d 2c"), parse_cards("Ah Kh Qd 8c 3s"))[3] == 0
    rng = np.random.default_rng(1)
    for _ in range(20):
        board = rng.choice(52, 5, replace=False)
        eq = np.empty(N_HOLES, np.int32)
        river_equities(board.astype(np.int64), eq, np.empty(RIVER_HOLES, np.int64))
        holes = np.flatnonzero(eq >= 0)
        best = holes[eq[holes].argmax()]
        assert hand_buckets(test_tables, HOLE_CARDS[best], board)[3] == top
        # the worst hands sit in the bottom bucket unless the board itself is strong for everyone
        if eq[holes].min() < EQUITY_DENOM * 0.02:
            worst = holes[eq[holes].argmin()]
            assert hand_buckets(test_tables, HOLE_CARDS[worst], board)[3] == 0
        buckets = test_tables.river_lut[eq[holes]]
        assert (np.diff(buckets[np.argsort(eq[holes], kind="stable")]) >= 0).all()


@pytest.mark.parametrize(
    "board, strong, weak",
    [
        ("Kd Qh 4c", "4s 4d", "Jc 9c"),  # set of fours vs a gutshot to the straight
        ("9s 5h 2d", "9c 9h", "8c 6d"),  # top set vs 6-8 gutshot
        ("Ac 7d 3h", "7s 7c", "5s 4s"),  # middle set vs wheel gutshot
    ],
)
def test_flop_set_above_gutshot(test_tables, board, strong, weak):
    b = parse_cards(board)
    assert hand_buckets(test_tables, parse_cards(strong), b)[1] > hand_buckets(test_tables, parse_cards(weak), b)[1]


def test_presets_say_where_they_sample():
    for p in PRESETS.values():
        samples = p.flop_runouts or p.turn_rivers or p.river_boards
        assert ("SAMPLED" in p.description) == bool(samples), p.name
    assert 50 <= get_preset("mid").flop_buckets <= 200 and get_preset("large").turn_buckets == 200
