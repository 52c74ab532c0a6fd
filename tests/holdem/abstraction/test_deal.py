import numpy as np
import pytest

from holdem.abstraction.bucket_file import load_buckets
from holdem.abstraction.deal import HoldemDealer, hand_buckets
from holdem.evaluator import evaluate_batch


@pytest.fixture(scope="module")
def dealer(test_tables):
    return HoldemDealer(test_tables, 3)


def test_deal_is_a_pure_prefix_stable_function_of_the_seed(dealer):
    b1, s1 = dealer.deal(42, 300)
    b2, s2 = dealer.deal(42, 100)
    b3, _ = dealer.deal(43, 100)
    assert b1.dtype == np.int32 and s1.dtype == np.int64
    assert b1.shape == (300, 3, 4) and s1.shape == (300, 3)
    assert np.array_equal(b1[:100], b2) and np.array_equal(s1[:100], s2)
    assert not np.array_equal(b2, b3)
    tail, _, _ = dealer.deal_with_cards(42, 200, first=100)
    assert np.array_equal(tail, b1[100:])


def test_cards_buckets_and_strength_agree_with_lookups(dealer, test_tables):
    buckets, strength, cards = dealer.deal_with_cards(7, 200)
    assert (np.sort(cards, axis=1)[:, 1:] != np.sort(cards, axis=1)[:, :-1]).all()
    assert cards.min() >= 0 and cards.max() < 52
    board = cards[:, 6:]
    for p in range(3):
        hole = cards[:, 2 * p : 2 * p + 2]
        assert np.array_equal(strength[:, p], evaluate_batch(np.concatenate([hole, board], axis=1)))
        for h in range(0, 200, 9):
            assert hand_buckets(test_tables, hole[h], board[h]) == buckets[h, p].tolist()
    for s, n in enumerate(test_tables.buckets_per_street):
        assert buckets[:, :, s].min() >= 0 and buckets[:, :, s].max() < n


def test_deal_is_uniform_enough(test_tables):
    _, _, cards = HoldemDealer(test_tables, 6).deal_with_cards(1, 20000)
    # each card appears in each of the 17 positions 1/52 of the time
    freq = np.stack([np.bincount(cards[:, i], minlength=52) for i in range(cards.shape[1])])
    expected = 20000 / 52
    assert np.abs(freq - expected).max() < 6 * np.sqrt(expected)


def test_bad_player_count():
    with pytest.raises(ValueError, match="n_players must be in 2..6"):
        HoldemDealer(None, 7)


def test_river_table_and_exact_equity_deal_the_same_buckets(test_tables, river_file):
    tables, _ = load_buckets(river_file)
    assert isinstance(tables.river, np.memmap)  # one shared copy per machine, not per process
    for players in (2, 6):
        exact = HoldemDealer(test_tables, players).deal_with_cards(9, 2000)
        table = HoldemDealer(tables, players).deal_with_cards(9, 2000)
        for a, b in zip(exact, table):
            assert np.array_equal(a, b)
