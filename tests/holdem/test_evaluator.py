"""Checks of holdem.evaluator against pokerkit and against first principles."""
from itertools import chain, combinations

import numpy as np
import pytest
from pokerkit import Card, StandardHighHand

from holdem import evaluator as ev
from holdem.cards import N_CARDS, RANKS, SUITS, parse_cards

# pokerkit cards in our code order (rank * 4 + suit, suits "cdhs")
PK_DECK = tuple(Card.parse("".join(r + s for r in RANKS for s in SUITS)))


def random_hands(rng, n, k):
    """n hands of k distinct cards each, as uint8[n, k]."""
    keys = rng.random((n, N_CARDS))
    return np.argpartition(keys, k, axis=1)[:, :k].astype(np.uint8)


@pytest.fixture(scope="module")
def all_five_card_hands():
    n = 2_598_960
    flat = np.fromiter(chain.from_iterable(combinations(range(N_CARDS), 5)), dtype=np.uint8, count=5 * n)
    return flat.reshape(n, 5)


def pokerkit_entry(cards):
    """pokerkit's best 5-card entry among the cards (comparable; larger wins)."""
    lookup = StandardHighHand.lookup
    return max(lookup.get_entry(c) for c in combinations([PK_DECK[c] for c in cards], 5))


def test_pokerkit_deck_matches_our_codes():
    assert str(PK_DECK[0]) .endswith("(2c)") and str(PK_DECK[51]).endswith("(As)")
    assert [repr(c) for c in PK_DECK[:4]] == ["2c", "2d", "2h", "2s"]


def test_winner_agrees_with_pokerkit_on_shared_boards():
    rng = np.random.default_rng(20240611)
    n_pairs = 20_000
    deals = random_hands(rng, n_pairs, 9)  # 5 board cards, then 2 + 2 hole cards
    board, hole_a, hole_b = deals[:, :5], deals[:, 5:7], deals[:, 7:9]
    ours_a = ev.evaluate_batch(np.concatenate([hole_a, board], axis=1))
    ours_b = ev.evaluate_batch(np.concatenate([hole_b, board], axis=1))
    pk_a = [pokerkit_entry(row) for row in np.concatenate([hole_a, board], axis=1)]
    pk_b = [pokerkit_entry(row) for row in np.concatenate([hole_b, board], axis=1)]
    ours_sign = np.sign(ours_a.astype(np.int64) - ours_b)
    pk_sign = np.array([(a > b) - (a < b) for a, b in zip(pk_a, pk_b)])
    bad = np.flatnonzero(ours_sign != pk_sign)
    assert bad.size == 0, f"{bad.size} disagreements, first deal {deals[bad[0]].tolist()}"
    # every split and every decisive result seen both ways, or the sample is too narrow
    assert (pk_sign == 0).any() and (pk_sign == 1).any() and (pk_sign == -1).any()

    # Beyond pairs: our values must be a strictly increasing function of pokerkit's
    # strength index over all 40,000 hands (same ties, same order).
    pairs = sorted(set(zip((e.index for e in pk_a + pk_b), ours_a.tolist() + ours_b.tolist())))
    pk_idx = np.array([p[0] for p in pairs])
    ours = np.array([p[1] for p in pairs])
    assert len(set(pk_idx)) == len(pairs), "one pokerkit strength maps to two of our values"
    assert np.all(np.diff(ours) > 0), "our order differs from pokerkit's"


def test_pokerkit_from_game_agrees_on_a_sample():
    # the public pokerkit API itself, on a smaller sample (it is slow)
    rng = np.random.default_rng(7)
    deals = random_hands(rng, 300, 9)
    for row in deals:
        board = [PK_DECK[c] for c in row[:5]]
        ha = StandardHighHand.from_game([PK_DECK[c] for c in row[5:7]], board)
        hb = StandardHighHand.from_game([PK_DECK[c] for c in row[7:9]], board)
        ea = ev.evaluate(np.concatenate([row[5:7], row[:5]]))
        eb = ev.evaluate(np.concatenate([row[7:9], row[:5]]))
        assert (ha > hb) == (ea > eb) and (ha == hb) == (ea == eb), row.tolist()


KNOWN = [
    ("AsKsQsJsTs9s2d", "straight flush"),
    ("5d4d3d2dAd", "straight flush"),
    ("AsAdAhAc2d3c4c", "four of a kind"),
    ("AsAdAh2c2d3c3h", "full house"),
    ("7c7d7h2c2d2h9s", "full house"),
    ("As2s5s7s9sKd", "flush"),
    ("5c4d3h2sAc", "straight"),
    ("Tc9d8h7s6c5d4h", "straight"),
    ("9c9d9h5s7cJdKh", "three of a kind"),
    ("KhKdQcQs2c2d3h", "two pair"),
    ("9c9d4h5s7cJdKh", "one pair"),
    ("2c3d4h5s7cJdKh", "high card"),
    ("As2s5s7s9d", "high card"),
]


@pytest.mark.parametrize("text,name", KNOWN)
def test_category_of_known_hands(text, name):
    assert ev.category(ev.evaluate(parse_cards(text))) == name


def test_every_category_hit_and_ordered():
    by_name = {name: ev.evaluate(parse_cards(text)) for text, name in KNOWN}
    assert set(by_name) == set(ev.CATEGORY_NAMES)
    ordered = [by_name[name] for name in ev.CATEGORY_NAMES]
    assert ordered == sorted(ordered)
    for i, name in enumerate(ev.CATEGORY_NAMES):
        assert ev.category_index(by_name[name]) == i


def test_wheel_is_the_lowest_straight():
    wheel = ev.evaluate(parse_cards("5c4d3h2sAc"))
    six_high = ev.evaluate(parse_cards("6c5d4h3s2c"))
    assert ev.category(wheel) == "straight" and wheel < six_high


def test_all_five_card_hands(all_five_card_hands):
    """Standard 5-card frequencies and exactly 7,462 distinct ranks."""
    ranks = ev.evaluate_batch(all_five_card_hands)
    expected = {
        "straight flush": 40,
        "four of a kind": 624,
        "full house": 3744,
        "flush": 5108,
        "straight": 10200,
        "three of a kind": 54912,
        "two pair": 123552,
        "one pair": 1098240,
        "high card": 1302540,
    }
    cats = np.bincount(ranks >> ev.CATEGORY_SHIFT, minlength=ev.N_CATEGORIES)
    assert {ev.CATEGORY_NAMES[i]: int(c) for i, c in enumerate(cats)} == expected
    assert np.unique(ranks).size == 7462


@pytest.mark.parametrize("k", [6, 7])
def test_more_cards_equal_best_five_subset(k):
    rng = np.random.default_rng(k)
    hands = random_hands(rng, 3000, k)
    ranks = ev.evaluate_batch(hands)
    subsets = np.array(list(combinations(range(k), 5)))
    best = ev.evaluate_batch(hands[:, subsets].reshape(-1, 5)).reshape(len(hands), -1).max(axis=1)
    np.testing.assert_array_equal(ranks, best)


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.uint16, np.int32, np.int64, np.uint64])
def test_batch_accepts_integer_dtypes(dtype):
    rng = np.random.default_rng(3)
    hands = random_hands(rng, 500, 7)
    want = ev.evaluate_batch(hands)
    np.testing.assert_array_equal(ev.evaluate_batch(hands.astype(dtype)), want)


@pytest.mark.parametrize("k", [5, 6, 7])
def test_scalar_forms_equal_batch(k):
    rng = np.random.default_rng(10 + k)
    hands = random_hands(rng, 200, k)
    batch = ev.evaluate_batch(hands)
    for row, want in zip(hands, batch):
        assert ev.evaluate(row.tolist()) == want
        assert ev.evaluate(row) == want


def test_batch_of_nothing():
    assert ev.evaluate_batch(np.empty((0, 7), np.uint8)).shape == (0,)


@pytest.mark.parametrize(
    "hand,match",
    [
        ([0, 1, 2, 3], "5, 6 or 7 cards"),
        ([0, 1, 2, 3, 4, 5, 6, 7], "5, 6 or 7 cards"),
        ([0, 1, 2, 3, 52], "0..51"),
        ([0, 1, 2, 3, -1], "0..51"),
        ([0, 1, 2, 3, 3], "same card twice"),
    ],
)
def test_bad_hands_named(hand, match):
    with pytest.raises(ValueError, match=match):
        ev.evaluate(hand)
    with pytest.raises(ValueError, match=match):
        ev.evaluate_batch(np.array([hand]))


def test_bad_batch_row_is_named():
    hands = np.array([[0, 1, 2, 3, 4, 5, 6], [8, 9, 10, 11, 12, 13, 8]], np.uint8)
    with pytest.raises(ValueError, match="row 1"):
        ev.evaluate_batch(hands)


def test_non_integer_input_rejected():
    with pytest.raises(ValueError, match="integer"):
        ev.evaluate_batch(np.zeros((2, 7), np.float64))
    with pytest.raises(ValueError, match="integer"):
        ev.evaluate([0, 1, 2, 3, 4.0])
    with pytest.raises(ValueError, match="integer"):
        ev.evaluate(np.array([0, 1, 2, 3, 4.0]))


@pytest.mark.parametrize("bad", [-1, 9 << 12, 1 << 40])
def test_category_rejects_foreign_values(bad):
    with pytest.raises(ValueError, match="rank value"):
        ev.category(bad)


def test_tables_agree_with_reference_rules():
    """Table lookups order hands exactly as the table-free reference evaluator does."""
    rng = np.random.default_rng(99)
    for k in (5, 6, 7):
        hands = random_hands(rng, 20_000, k)
        ours = ev.evaluate_batch(hands)
        raw = np.array([ev._reference_raw_of_cards(h.astype(np.int64)) for h in hands])
        pairs = np.unique(np.stack([raw, ours.astype(np.int64)], axis=1), axis=0)  # sorted by raw
        assert np.unique(pairs[:, 0]).size == len(pairs), "one reference value maps to two table values"
        assert np.all(np.diff(pairs[:, 1]) > 0), "table order differs from the reference"


def test_compiled_entry_points_agree_inside_numba():
    from numba import njit

    @njit
    def all_forms(hands, out):
        for i in range(hands.shape[0]):
            h = hands[i]
            key = ev.KEY_EMPTY
            mask = np.uint64(0)
            for c in h:
                key += ev.CARD_KEY[c]
                mask |= ev.CARD_MASK[c]
            out[i, 0] = ev.eval7_codes(h[0], h[1], h[2], h[3], h[4], h[5], h[6])
            out[i, 1] = ev.evaluate_arr(h)
            out[i, 2] = ev.value_from_key(key, mask)
            out[i, 3] = ev.eval6_codes(h[0], h[1], h[2], h[3], h[4], h[5])
            out[i, 4] = ev.evaluate_arr(h[:6])
            out[i, 5] = ev.eval5_codes(h[0], h[1], h[2], h[3], h[4])
            out[i, 6] = ev.evaluate_arr(h[:5])
            out[i, 7] = ev.category_index(out[i, 0])

    rng = np.random.default_rng(5)
    hands = random_hands(rng, 5000, 7)
    out = np.empty((len(hands), 8), np.int64)
    all_forms(hands.astype(np.int64), out)
    want7 = ev.evaluate_batch(hands)
    np.testing.assert_array_equal(out[:, 0], want7)
    np.testing.assert_array_equal(out[:, 1], want7)
    np.testing.assert_array_equal(out[:, 2], want7)
    np.testing.assert_array_equal(out[:, 3], ev.evaluate_batch(hands[:, :6]))
    np.testing.assert_array_equal(out[:, 4], out[:, 3])
    np.testing.assert_array_equal(out[:, 5], ev.evaluate_batch(hands[:, :5]))
    np.testing.assert_array_equal(out[:, 6], out[:, 5])
    np.testing.assert_array_equal(out[:, 7], want7 >> ev.CATEGORY_SHIFT)


def test_class_index_is_dense_strength_order(all_five_card_hands):
    values = np.unique(ev.evaluate_batch(all_five_card_hands))
    dense = np.array([ev.class_index(v) for v in values])
    np.testing.assert_array_equal(dense, np.arange(ev.N_HAND_CLASSES))
    assert ev.class_index(ev.evaluate(parse_cards("7s5d4h3c2c"))) == 0
    assert ev.class_index(ev.evaluate(parse_cards("AsKsQsJsTs"))) == ev.N_HAND_CLASSES - 1


def test_unchecked_evaluation_stays_inside_its_tables():
    """Bad codes give meaningless values but never an out-of-bounds read (bounds-checked build)."""
    from numba import njit

    @njit(boundscheck=True)
    def evaluate_garbage(hands, out):
        for i in range(hands.shape[0]):
            h = hands[i]
            out[i, 0] = ev.eval7_codes(h[0], h[1], h[2], h[3], h[4], h[5], h[6])
            out[i, 1] = ev.eval6_codes(h[0], h[1], h[2], h[3], h[4], h[5])
            out[i, 2] = ev.eval5_codes(h[0], h[1], h[2], h[3], h[4])
            out[i, 3] = ev.evaluate_arr(h)

    rng = np.random.default_rng(11)
    # few distinct codes, so repeats (and with them flush counters) are common
    garbage = rng.choice(np.array([0, 4, 8, 51, 52, 100, 200, 255], np.uint8), size=(20_000, 7))
    out = np.empty((len(garbage), 4), np.int64)
    evaluate_garbage(garbage, out)
    assert out.min() >= 0 and ((out >> ev.CATEGORY_SHIFT) < ev.N_CATEGORIES).all()
    valid_clubs = ((garbage < N_CARDS) & (garbage % 4 == 0)).sum(axis=1)
    assert (valid_clubs >= 5).sum() > 100, "the flush path (which gathers codes by suit) was not exercised"
    np.testing.assert_array_equal(ev.evaluate_batch(garbage, check=False), out[:, 0])
    with pytest.raises(ValueError, match="row 0"):
        ev.evaluate_batch(garbage)
