"""Tests of the suit-isomorphic indexer (holdem.isomorphism, Waugh 2013).

The sizes are recounted independently with Burnside's lemma; preflop and flop
are checked exhaustively (every (hole, flop) combination goes through the
batch kernel, and each index is reached by exactly the hands of one suit
orbit); turn and river are checked by sampling.
"""
from __future__ import annotations

from dataclasses import replace
from itertools import combinations, permutations
from math import comb

import numpy as np
import pytest
from numba import njit

from holdem.cards import N_CARDS, N_RANKS, N_SUITS, RANKS, parse_cards, rank_of, suit_of
from holdem.isomorphism import (
    STREET_SIZES,
    canonical,
    canonical_batch,
    index,
    index_batch,
    index_cards,
    index_hole_board,
    preflop_class,
    preflop_class_name,
    size,
    tables_fingerprint,
)
from holdem.isomorphism_tables import EXPECTED_SIZES, STREET_ROUNDS, TABLES, build_tables

BOARD_LENS = (0, 3, 4, 5)
SUIT_PERMS = np.array(list(permutations(range(N_SUITS))), dtype=np.int64)  # 24 x 4
# PERMUTED_CARD[p, c]: card c with its suit renamed by permutation p
PERMUTED_CARD = (np.arange(N_CARDS) & ~3)[None, :] | SUIT_PERMS[:, np.arange(N_CARDS) & 3]
assert (SUIT_PERMS[0] == np.arange(N_SUITS)).all()

# S4 by cycle type: (number of permutations, cycle lengths)
S4_CYCLE_TYPES = ((1, (1, 1, 1, 1)), (6, (2, 1, 1)), (3, (2, 2)), (8, (3, 1)), (6, (4,)))


def burnside_orbits(rounds: tuple[int, ...]) -> int:
    """Suit-isomorphism classes of hands dealt in unordered rounds of these sizes.

    Burnside: average, over the 24 suit permutations, of the hands a
    permutation fixes.  A fixed hand deals, in every round, a union of whole
    card orbits; a suit cycle of length L makes 13 card orbits of size L.
    """

    def fixed(orbits: dict[int, int], remaining: tuple[int, ...]) -> int:
        if not remaining:
            return 1
        need, rest = remaining[0], remaining[1:]
        lengths = sorted(orbits)
        total = 0

        def choose(i: int, left: int, ways: int, taken: dict[int, int]) -> None:
            nonlocal total
            if i == len(lengths):
                if left == 0:
                    after = {L: orbits[L] - taken.get(L, 0) for L in lengths}
                    total += ways * fixed(after, rest)
                return
            L = lengths[i]
            for k in range(min(orbits[L], left // L) + 1):
                choose(i + 1, left - k * L, ways * comb(orbits[L], k), {**taken, L: k})

        choose(0, need, 1, {})
        return total

    acc = 0
    for count, cycles in S4_CYCLE_TYPES:
        orbits: dict[int, int] = {}
        for L in cycles:
            orbits[L] = orbits.get(L, 0) + N_RANKS
        acc += count * fixed(orbits, rounds)
    assert acc % 24 == 0
    return acc // 24


def random_hands(rng: np.random.Generator, n: int, board_len: int) -> np.ndarray:
    return np.argsort(rng.random((n, N_CARDS)), axis=1)[:, : 2 + board_len].astype(np.int64)


@njit(cache=True)
def _hand_masks(row, perm):
    """Bit masks of (hole set, board set) of one hand with suits renamed by perm."""
    hole = np.int64(0)
    board = np.int64(0)
    for j in range(row.shape[0]):
        c = np.int64(row[j])
        bit = np.int64(1) << ((c & ~3) | perm[c & 3])
        if j < 2:
            hole |= bit
        else:
            board |= bit
    return hole, board


@njit(cache=True)
def _stabilizer_sizes(cards, perms):
    out = np.zeros(cards.shape[0], dtype=np.int64)
    for i in range(cards.shape[0]):
        h0, b0 = _hand_masks(cards[i], perms[0])  # perms[0] is the identity
        for p in range(perms.shape[0]):
            h, b = _hand_masks(cards[i], perms[p])
            out[i] += (h == h0) & (b == b0)
    return out


@njit(cache=True)
def _isomorphic(a, b, perms):
    out = np.zeros(a.shape[0], dtype=np.bool_)
    for i in range(a.shape[0]):
        hb, bb = _hand_masks(b[i], perms[0])
        for p in range(perms.shape[0]):
            h, bd = _hand_masks(a[i], perms[p])
            if h == hb and bd == bb:
                out[i] = True
                break
    return out


def stabilizer_sizes(cards: np.ndarray) -> np.ndarray:
    """Suit permutations that map each hand (hole set, board set) onto itself."""
    return _stabilizer_sizes(cards, SUIT_PERMS)


def isomorphic(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise: some suit permutation maps hand a onto hand b (hole and board as sets)."""
    return _isomorphic(a, b, SUIT_PERMS)


# ---------------------------------------------------------------- sizes


@pytest.mark.parametrize("street", range(4))
def test_size_matches_published_and_burnside(street):
    board_len = BOARD_LENS[street]
    assert size(board_len) == EXPECTED_SIZES[street] == STREET_SIZES[street]
    assert size(board_len) == burnside_orbits(STREET_ROUNDS[street])


def test_table_builder_handles_ordered_board_rounds():
    # Waugh's layout with the turn and river as their own rounds.
    layout = ((2,), (2, 3), (2, 3, 1), (2, 3, 1, 1))
    tables = build_tables(layout)
    assert [int(s) for s in tables.street_size] == [burnside_orbits(r) for r in layout]
    assert int(tables.street_size[3]) == 2_428_287_420


def test_fingerprint_sees_a_changed_table_entry():
    # The import-time guard recompiles kernels whose frozen tables differ from
    # isomorphism_tables; it relies on the fingerprint noticing any change.
    perm_table = TABLES.perm_table.copy()
    k = int(np.flatnonzero(perm_table >= 0)[-1])
    perm_table[k] ^= 1
    assert tables_fingerprint(replace(TABLES, perm_table=perm_table)) != tables_fingerprint(TABLES)
    assert tables_fingerprint(replace(TABLES)) == tables_fingerprint(TABLES)


# ---------------------------------------------------------------- exhaustive preflop and flop


def test_preflop_exhaustive():
    holes = np.array(list(combinations(range(N_CARDS), 2)), dtype=np.int64)
    idx = index_batch(holes)
    counts = np.bincount(idx, minlength=size(0))
    assert counts.shape[0] == size(0) and counts.min() >= 1
    reps = canonical_batch(np.arange(size(0)), 0)
    assert np.array_equal(index_batch(reps), np.arange(size(0)))
    # each index is reached by exactly one suit orbit: |orbit| = 24 / |stabilizer|
    assert np.array_equal(counts, 24 // stabilizer_sizes(reps))


def test_flop_exhaustive():
    """All 52C2 * 50C3 = 25,989,600 (hole, flop) combinations through index_batch."""
    n = size(3)
    holes = np.array(list(combinations(range(N_CARDS), 2)), dtype=np.int8)
    triples = np.array(list(combinations(range(N_CARDS), 3)), dtype=np.int8)
    hole_mask = np.bitwise_or.reduce(np.int64(1) << holes, axis=1)
    triple_mask = np.bitwise_or.reduce(np.int64(1) << triples, axis=1)
    orders = np.array(list(permutations(range(3))), dtype=np.int64)  # flop order must not matter
    counts = np.zeros(n, dtype=np.int64)
    total = 0
    for start in range(0, len(holes), 128):
        h, t = np.nonzero((hole_mask[start : start + 128, None] & triple_mask[None, :]) == 0)
        rows = np.empty((h.shape[0], 5), dtype=np.int8)
        rows[:, :2] = holes[start + h][:, ::-1] if start % 256 else holes[start + h]
        rows[:, 2:] = triples[t[:, None], orders[np.arange(t.shape[0]) % len(orders)]]
        idx = index_batch(rows)
        assert idx.min() >= 0 and idx.max() < n
        counts += np.bincount(idx, minlength=n)
        total += rows.shape[0]
    assert total == 25_989_600
    assert counts.min() >= 1  # dense
    reps = canonical_batch(np.arange(n), 3)
    assert np.array_equal(index_batch(reps), np.arange(n))
    # The hands reaching an index are exactly the suit orbit of its representative
    # (suit invariance + this count), so non-isomorphic flops never share an index.
    assert np.array_equal(counts, 24 // stabilizer_sizes(reps))


# ---------------------------------------------------------------- sampled, every street


@pytest.mark.parametrize("board_len", BOARD_LENS)
def test_suit_permutation_and_order_invariance(board_len):
    rng = np.random.default_rng(100 + board_len)
    hands = random_hands(rng, 20_000, board_len)
    base = index_batch(hands)
    assert base.min() >= 0 and base.max() < size(board_len)
    for _ in range(3):
        perm = rng.integers(0, len(SUIT_PERMS), size=hands.shape[0])
        moved = PERMUTED_CARD[perm[:, None], hands]
        moved[:, :2] = rng.permuted(moved[:, :2], axis=1)
        moved[:, 2:] = rng.permuted(moved[:, 2:], axis=1)  # the whole board is one set
        assert np.array_equal(index_batch(moved), base)


@pytest.mark.parametrize("board_len", (4, 5))
def test_sampled_indices_are_reached_and_round_trip(board_len):
    rng = np.random.default_rng(200 + board_len)
    n = size(board_len)
    sample = np.concatenate([rng.integers(0, n, size=200_000), [0, n - 1]])
    reps = canonical_batch(sample, board_len)  # index_batch below also checks they are valid hands
    assert np.array_equal(index_batch(reps), sample)


@pytest.mark.parametrize("board_len", BOARD_LENS)
def test_equal_index_means_isomorphic(board_len):
    """index(h) == index(h') implies h ~ canonical(index(h)) ~ h'."""
    rng = np.random.default_rng(300 + board_len)
    hands = random_hands(rng, 20_000, board_len)
    reps = canonical_batch(index_batch(hands), board_len)
    assert isomorphic(hands, reps).all()


@pytest.mark.parametrize("board_len", BOARD_LENS)
def test_one_card_changes(board_len):
    """Replace one card: the index changes exactly when the hand's suit class does."""
    rng = np.random.default_rng(400 + board_len)
    dealt = random_hands(rng, 20_000, board_len + 1)  # one spare card per hand
    hands = dealt[:, :-1]
    changed = hands.copy()
    rows = np.arange(hands.shape[0])
    changed[rows, rng.integers(0, hands.shape[1], size=hands.shape[0])] = dealt[:, -1]
    same_class = isomorphic(hands, changed)
    same_index = index_batch(hands) == index_batch(changed)
    assert np.array_equal(same_index, same_class)
    assert (~same_class).sum() > 0.9 * hands.shape[0]


@pytest.mark.parametrize("board_len", BOARD_LENS)
def test_scalar_api_matches_batch(board_len):
    rng = np.random.default_rng(500 + board_len)
    hands = random_hands(rng, 200, board_len)
    batch = index_batch(hands)
    for row, expected in zip(hands, batch):
        hole, board = [int(c) for c in row[:2]], [int(c) for c in row[2:]]
        assert index(hole, board) == expected
        assert index(hole[::-1], board[::-1]) == expected
        rep_hole, rep_board = canonical(int(expected), board_len)
        assert index(rep_hole, rep_board) == expected


def test_compiled_kernels_callable_from_numba():
    @njit
    def loop(cards, board_len):
        out = np.empty(cards.shape[0], dtype=np.int64)
        for i in range(cards.shape[0]):
            out[i] = index_cards(cards[i], board_len)
        return out

    @njit
    def loop_split(cards, board_len):
        out = np.empty(cards.shape[0], dtype=np.int64)
        for i in range(cards.shape[0]):
            out[i] = index_hole_board(cards[i, :2], cards[i, 2:], board_len)
        return out

    rng = np.random.default_rng(600)
    for board_len in BOARD_LENS:
        hands = random_hands(rng, 1000, board_len).astype(np.int8)
        expected = index_batch(hands)
        assert np.array_equal(loop(hands, board_len), expected)
        assert np.array_equal(loop_split(hands, board_len), expected)


# ---------------------------------------------------------------- preflop classes


def _direct_name(hole) -> str:
    a, b = hole
    hi, lo = sorted((rank_of(a), rank_of(b)), reverse=True)
    if hi == lo:
        return RANKS[hi] * 2
    return RANKS[hi] + RANKS[lo] + ("s" if suit_of(a) == suit_of(b) else "o")


def test_preflop_classes_and_names():
    names = [preflop_class_name(i) for i in range(size(0))]
    assert len(set(names)) == 169
    assert sum(len(n) == 2 for n in names) == 13
    assert sum(n.endswith("s") for n in names) == sum(n.endswith("o") for n in names) == 78
    for hole in combinations(range(N_CARDS), 2):
        c = preflop_class(hole)
        assert c == index(hole, [])
        assert preflop_class_name(c) == _direct_name(hole)


@pytest.mark.parametrize("text,name", [("AsKs", "AKs"), ("7c2d", "72o"), ("QhQs", "QQ"), ("2h3h", "32s")])
def test_preflop_name_examples(text, name):
    assert preflop_class_name(preflop_class(parse_cards(text))) == name


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "hole,board,match",
    [
        ([0], [], "bad hole"),
        ([0, 1], [2, 3], "bad board length"),
        ([0, 1], [2, 3, 4, 5, 6, 7], "bad board length"),
        ([0, 52], [], "bad card"),
        ([0, -1], [], "bad card"),
        ([0, 1], [1, 2, 3], "duplicate card"),
    ],
)
def test_index_rejects_bad_hands(hole, board, match):
    with pytest.raises(ValueError, match=match):
        index(hole, board)


def test_batch_rejects_bad_rows():
    cards = np.array([[0, 1, 2, 3, 4], [0, 1, 2, 3, 3]])
    with pytest.raises(ValueError, match="bad cards in row 1"):
        index_batch(cards)
    with pytest.raises(ValueError, match="bad board length"):
        index_batch(np.zeros((3, 4), dtype=np.int64))
    with pytest.raises(ValueError, match="integer array"):
        index_batch(np.zeros((3, 5)))


@pytest.mark.parametrize("bad_index,board_len", [(-1, 0), (169, 0), (123_156_254, 5)])
def test_canonical_rejects_bad_index(bad_index, board_len):
    with pytest.raises(ValueError, match="bad index"):
        canonical(bad_index, board_len)
    with pytest.raises(ValueError, match="bad indices"):
        canonical_batch(np.array([bad_index]), board_len)


def test_size_rejects_bad_board_length():
    with pytest.raises(ValueError, match="bad board length"):
        size(2)
