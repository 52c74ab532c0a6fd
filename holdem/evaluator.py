"""Hand ranks for 5, 6 and 7 cards, compiled with numba.

The design is OMPEval's (Zekyll, github.com/zekyll/OMPEval): every card
contributes an additive 64-bit key, so a hand's key is a sum that needs no
sorting and can be built incrementally.

* Low 32 bits: rank keys.  ``RANK_KEYS`` are chosen so that every multiset
  of at most 7 ranks with at most 4 of each has a distinct sum: each key is
  the smallest that keeps all sums distinct (a greedy search, which gives
  OMPEval's keys; the largest 7-card sum is 18,393,157).
* Bits 32..47: one 4-bit counter per suit, started at 3 (``KEY_EMPTY``), so
  bit 3 of a counter is set exactly when that suit holds 5 or more cards:
  ``key & FLUSH_CHECK`` detects a flush with one test.

Non-flush hands are looked up by their rank sum in a perfect hash table
built at import by "hash and displace" (Belazzougui, Botelho & Dietzfelbinger
2009, "Hash, displace, and compress"): a multiplicative hash picks a row and
a column, each row has a one-byte displacement, and rows are placed largest
first.  Slots may be shared by keys of equal value.  The 73,775 rank
multisets of 5 to 7 cards fit in 131,327 uint16 slots (256 KiB) with 16 KiB
of displacements, built in about 0.1 s.  Flush hands are looked
up by the 13-bit rank mask of the flush suit (with 5+ cards of one suit
nothing but a flush or straight flush can be best).

Rank values: ``(category << CATEGORY_SHIFT) | order within the category``,
the order counting the category's distinct 5-card hands from the weakest.
Higher is stronger and equal values tie; values are not contiguous (use
:func:`class_index` for a dense 0..7461 strength index).

Compiled entry points for other numba code: :func:`eval7_codes`,
:func:`eval6_codes`, :func:`eval5_codes`, :func:`evaluate_arr`, and the
incremental form ``value_from_key(KEY_EMPTY + sum(CARD_KEY[c]),
OR(CARD_MASK[c]))``.  They assume distinct cards in 0..51 and do not check;
the Python :func:`evaluate` and :func:`evaluate_batch` check their input.
"""
from __future__ import annotations

import operator
from typing import Sequence

import numpy as np
from llvmlite import ir
from numba import njit
from numba.core import cgutils, types
from numba.extending import intrinsic

from holdem.cards import N_CARDS, N_RANKS, N_SUITS

# --- categories --------------------------------------------------------------
CATEGORY_HIGH_CARD = 0
CATEGORY_ONE_PAIR = 1
CATEGORY_TWO_PAIR = 2
CATEGORY_THREE_OF_A_KIND = 3
CATEGORY_STRAIGHT = 4
CATEGORY_FLUSH = 5
CATEGORY_FULL_HOUSE = 6
CATEGORY_FOUR_OF_A_KIND = 7
CATEGORY_STRAIGHT_FLUSH = 8
N_CATEGORIES = 9
CATEGORY_NAMES = (
    "high card",
    "one pair",
    "two pair",
    "three of a kind",
    "straight",
    "flush",
    "full house",
    "four of a kind",
    "straight flush",
)
CATEGORY_SHIFT = 12
N_HAND_CLASSES = 7462  # distinct 5-card hand values

# --- key layout ----------------------------------------------------------------
RANK_KEYS = (1, 5, 24, 112, 521, 2247, 9244, 30823, 103066, 250154, 667453, 1526359, 3453520)
SUIT_SHIFT = 32
_SUIT_COUNTER_BITS = 4
_SUIT_COUNTER_START = 3  # 3 + 5 cards = 8: bit 3 of the counter flags a flush
KEY_EMPTY = np.uint64(sum(_SUIT_COUNTER_START << (SUIT_SHIFT + _SUIT_COUNTER_BITS * s) for s in range(N_SUITS)))
FLUSH_CHECK = np.uint64(sum(8 << (SUIT_SHIFT + _SUIT_COUNTER_BITS * s) for s in range(N_SUITS)))
RANK_SUM_MASK = np.uint64((1 << SUIT_SHIFT) - 1)
_FLUSH_BITS_SHIFT = np.uint64(SUIT_SHIFT + 3)  # brings each counter's flush bit to bit 4*suit
_ONE_BIT_PER_SUIT = np.uint64(0x1111)
_SUIT_MASK_WIDTH = 16  # CARD_MASK holds 16 bits per suit
_RANK_MASK_ALL = np.uint64((1 << N_RANKS) - 1)

# --- perfect hash of rank sums -------------------------------------------------
HASH_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # 2**64 / golden ratio, odd
HASH_ROW_BITS = 14  # 16,384 rows of ~4.5 keys
HASH_COLUMN_BITS = 17  # 131,072 columns for 73,775 keys
MAX_DISPLACEMENT = 255  # displacements are stored as uint8
_ROW_SHIFT = np.uint64(64 - HASH_ROW_BITS)
_COLUMN_SHIFT = np.uint64(64 - HASH_ROW_BITS - HASH_COLUMN_BITS)
_COLUMN_MASK = np.uint64((1 << HASH_COLUMN_BITS) - 1)
_MIN_CARDS = 5
_MAX_CARDS = 7
_MAX_PER_RANK = 4

# the reference evaluator's sortable value: category, then five 4-bit ranks
_RAW_CATEGORY_SHIFT = 20


# --- bit intrinsics ------------------------------------------------------------
@intrinsic
def _popcount64(typingctx, x):
    sig = types.uint64(types.uint64)

    def codegen(context, builder, signature, args):
        fnty = ir.FunctionType(ir.IntType(64), [ir.IntType(64)])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.ctpop.i64")
        return builder.call(fn, [args[0]])

    return sig, codegen


@intrinsic
def _trailing_zeros64(typingctx, x):
    sig = types.uint64(types.uint64)

    def codegen(context, builder, signature, args):
        fnty = ir.FunctionType(ir.IntType(64), [ir.IntType(64), ir.IntType(1)])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.cttz.i64")
        return builder.call(fn, [args[0], ir.Constant(ir.IntType(1), 0)])

    return sig, codegen


# --- reference evaluator (builds the tables; tests compare against it) --------
@njit(cache=True, nogil=True)
def _straight_high(mask):
    """Top rank of the best straight in a 13-bit rank mask, -1 if none (wheel: 3)."""
    m = (mask << 1) | ((mask >> (N_RANKS - 1)) & 1)  # bit 0 = the ace played low
    for top in range(N_RANKS, 3, -1):
        if (m >> (top - 4)) & 0x1F == 0x1F:
            return top - 1
    return -1


@njit(cache=True, nogil=True)
def _top_ranks(mask, n):
    """The n highest ranks of a mask as 4-bit digits, best first, and how many were found."""
    v = 0
    found = 0
    for r in range(N_RANKS - 1, -1, -1):
        if found < n and (mask >> r) & 1:
            v = (v << 4) | r
            found += 1
    return v, found


@njit(cache=True, nogil=True)
def _reference_raw(counts, suit_masks):
    """Sortable value of the best 5-card hand, by the rules, no tables.

    ``counts[r]`` cards of rank r, ``suit_masks[s]`` the ranks held in suit s.
    Value: category << 20, then up to five 4-bit ranks, most significant first.
    """
    for s in range(N_SUITS):
        fm = suit_masks[s]
        n = 0
        for r in range(N_RANKS):
            n += (fm >> r) & 1
        if n >= 5:
            hi = _straight_high(fm)
            if hi >= 0:
                return (CATEGORY_STRAIGHT_FLUSH << _RAW_CATEGORY_SHIFT) | (hi << 16)
            v, _ = _top_ranks(fm, 5)
            return (CATEGORY_FLUSH << _RAW_CATEGORY_SHIFT) | v
    quad = -1
    trips = -1
    trips2 = -1
    pair = -1
    pair2 = -1
    present = 0
    for r in range(N_RANKS - 1, -1, -1):
        c = counts[r]
        if c > 0:
            present |= 1 << r
        if c == 4:
            quad = r
        elif c == 3:
            if trips < 0:
                trips = r
            elif trips2 < 0:
                trips2 = r
        elif c == 2:
            if pair < 0:
                pair = r
            elif pair2 < 0:
                pair2 = r
    if quad >= 0:
        kick, _ = _top_ranks(present & ~(1 << quad), 1)
        return (CATEGORY_FOUR_OF_A_KIND << _RAW_CATEGORY_SHIFT) | (quad << 16) | (kick << 12)
    if trips >= 0 and (trips2 >= 0 or pair >= 0):
        second = trips2 if trips2 > pair else pair
        return (CATEGORY_FULL_HOUSE << _RAW_CATEGORY_SHIFT) | (trips << 16) | (second << 12)
    hi = _straight_high(present)
    if hi >= 0:
        return (CATEGORY_STRAIGHT << _RAW_CATEGORY_SHIFT) | (hi << 16)
    # the made ranks first, then the best kickers
    if trips >= 0:
        cat, made, n_made, exclude, need = CATEGORY_THREE_OF_A_KIND, trips, 1, 1 << trips, 2
    elif pair2 >= 0:
        cat, made, n_made, exclude, need = CATEGORY_TWO_PAIR, (pair << 4) | pair2, 2, (1 << pair) | (1 << pair2), 1
    elif pair >= 0:
        cat, made, n_made, exclude, need = CATEGORY_ONE_PAIR, pair, 1, 1 << pair, 3
    else:
        cat, made, n_made, exclude, need = CATEGORY_HIGH_CARD, 0, 0, 0, 5
    kick, found = _top_ranks(present & ~exclude, need)
    digits = n_made + found
    return (cat << _RAW_CATEGORY_SHIFT) | (((made << (4 * found)) | kick) << (4 * (5 - digits)))


@njit(cache=True, nogil=True)
def _reference_raw_of_cards(cards):
    counts = np.zeros(N_RANKS, np.int64)
    masks = np.zeros(N_SUITS, np.int64)
    for c in cards:
        counts[c >> 2] += 1
        masks[c & 3] |= 1 << (c >> 2)
    return _reference_raw(counts, masks)


# --- table construction ----------------------------------------------------------
def _rank_multisets() -> np.ndarray:
    """Rank counts (rows of 13) of every 5-, 6- and 7-card multiset, at most 4 per rank."""
    counts = np.zeros((1, N_RANKS), np.int64)
    size = np.zeros(1, np.int64)
    for r in range(N_RANKS):
        parts, sizes = [], []
        for m in range(_MAX_PER_RANK + 1):
            ok = size + m <= _MAX_CARDS
            c = counts[ok].copy()
            c[:, r] = m
            parts.append(c)
            sizes.append(size[ok] + m)
        counts = np.concatenate(parts)
        size = np.concatenate(sizes)
    return counts[size >= _MIN_CARDS]


@njit(cache=True, nogil=True)
def _raw_of_multisets(counts):
    out = np.empty(counts.shape[0], np.int64)
    no_suits = np.zeros(N_SUITS, np.int64)
    for i in range(counts.shape[0]):
        out[i] = _reference_raw(counts[i], no_suits)
    return out


@njit(cache=True, nogil=True)
def _raw_of_flush_masks():
    """Reference value of every rank mask with 5+ ranks, -1 elsewhere (index = mask)."""
    out = np.full(1 << N_RANKS, -1, np.int64)
    counts = np.zeros(N_RANKS, np.int64)
    masks = np.zeros(N_SUITS, np.int64)
    for m in range(1 << N_RANKS):
        n = 0
        for r in range(N_RANKS):
            n += (m >> r) & 1
        if n >= 5:
            masks[0] = m
            out[m] = _reference_raw(counts, masks)
    return out


def _dense_values(raw: np.ndarray, classes: np.ndarray, category_start: np.ndarray) -> np.ndarray:
    pos = np.searchsorted(classes, raw)
    cat = raw >> _RAW_CATEGORY_SHIFT
    return (cat << CATEGORY_SHIFT) | (pos - category_start[cat])


@njit(cache=True, nogil=True)
def _hash_parts(rank_sums):
    rows = np.empty(rank_sums.size, np.int64)
    cols = np.empty(rank_sums.size, np.int64)
    for i in range(rank_sums.size):
        h = np.uint64(rank_sums[i]) * HASH_MULTIPLIER
        rows[i] = h >> _ROW_SHIFT
        cols[i] = (h >> _COLUMN_SHIFT) & _COLUMN_MASK
    return rows, cols


@njit(cache=True, nogil=True)
def _place_rows(rows, cols, values):
    """Displacement per row so that every key lands on a slot holding its own value.

    Rows are placed largest first, each at the smallest displacement that
    meets no slot of a different value.  Returns (table, displacement); a
    displacement of -1 marks a row that cannot be placed (two of its keys on
    one column with different values, or no room within MAX_DISPLACEMENT).
    """
    n_rows = 1 << HASH_ROW_BITS
    table = np.full((1 << HASH_COLUMN_BITS) + MAX_DISPLACEMENT, -1, np.int64)
    disp = np.full(n_rows, -1, np.int64)
    pop = np.zeros(n_rows, np.int64)
    for r in rows:
        pop[r] += 1
    by_row = np.argsort(rows, kind="mergesort")
    start = np.zeros(n_rows + 1, np.int64)
    for r in range(n_rows):
        start[r + 1] = start[r] + pop[r]
    for r in np.argsort(-pop, kind="mergesort"):
        a, b = start[r], start[r + 1]
        for t in range(a, b):
            for u in range(t + 1, b):
                i, j = by_row[t], by_row[u]
                if cols[i] == cols[j] and values[i] != values[j]:
                    return table, disp
        for d in range(MAX_DISPLACEMENT + 1):
            fits = True
            for t in range(a, b):
                i = by_row[t]
                slot = table[cols[i] + d]
                if slot >= 0 and slot != values[i]:
                    fits = False
                    break
            if fits:
                for t in range(a, b):
                    table[cols[by_row[t]] + d] = values[by_row[t]]
                disp[r] = d
                break
        if disp[r] < 0:
            return table, disp
    return table, disp


def _build_tables():
    counts = _rank_multisets()
    raw_nonflush = _raw_of_multisets(counts)
    raw_flush_by_mask = _raw_of_flush_masks()
    five = counts.sum(axis=1) == 5
    classes = np.unique(np.concatenate([raw_nonflush[five], raw_flush_by_mask[raw_flush_by_mask >= 0]]))
    if classes.size != N_HAND_CLASSES:
        raise RuntimeError(f"evaluator tables: {classes.size} hand classes, expected {N_HAND_CLASSES}")
    category_start = np.searchsorted(classes, np.arange(N_CATEGORIES) << _RAW_CATEGORY_SHIFT)

    flush = np.zeros(1 << N_RANKS, np.uint16)
    has = raw_flush_by_mask >= 0
    flush[has] = _dense_values(raw_flush_by_mask[has], classes, category_start)

    values = _dense_values(raw_nonflush, classes, category_start)
    rank_sums = counts @ np.array(RANK_KEYS, np.int64)
    if np.unique(rank_sums).size != rank_sums.size:
        raise RuntimeError("evaluator tables: RANK_KEYS give two rank multisets the same sum")
    rows, cols = _hash_parts(rank_sums)
    table, disp = _place_rows(rows, cols, values)
    if (disp < 0).any():
        raise RuntimeError("evaluator tables: perfect hash failed; change HASH_MULTIPLIER or HASH_ROW_BITS")
    if not np.array_equal(table[cols + disp[rows]], values):
        raise RuntimeError("evaluator tables: perfect hash check failed")

    # empty slots hold 0: only bad input (check=False) can hash there
    ranks = np.where(table < 0, 0, table).astype(np.uint16)
    return ranks, disp.astype(np.uint8), flush, category_start.astype(np.int64)


NONFLUSH_TABLE, ROW_DISPLACEMENT, FLUSH_TABLE, CATEGORY_BASE = _build_tables()
CATEGORY_SIZES = np.diff(np.append(CATEGORY_BASE, N_HAND_CLASSES))


def _card_tables():
    # 256 entries so that any uint8 indexes safely: codes 52..255 add nothing
    key = np.zeros(256, np.uint64)
    mask = np.zeros(256, np.uint64)
    bit = np.zeros(256, np.uint64)
    for c in range(N_CARDS):
        r, s = c >> 2, c & 3
        key[c] = np.uint64(RANK_KEYS[r]) + (np.uint64(1) << np.uint64(SUIT_SHIFT + _SUIT_COUNTER_BITS * s))
        mask[c] = np.uint64(1) << np.uint64(_SUIT_MASK_WIDTH * s + r)
        bit[c] = np.uint64(1) << np.uint64(c)
    return key, mask, bit


CARD_KEY, CARD_MASK, CARD_BIT = _card_tables()


# --- compiled evaluation -------------------------------------------------------
@njit(cache=True, nogil=True, inline="always")
def _nonflush_value(key):
    h = (key & RANK_SUM_MASK) * HASH_MULTIPLIER
    return np.int64(NONFLUSH_TABLE[((h >> _COLUMN_SHIFT) & _COLUMN_MASK) + ROW_DISPLACEMENT[h >> _ROW_SHIFT]])


@njit(cache=True, nogil=True, inline="always")
def _flush_suit(key):
    return np.int64(_trailing_zeros64((key >> _FLUSH_BITS_SHIFT) & _ONE_BIT_PER_SUIT) >> np.uint64(2))


@njit(cache=True, nogil=True, inline="always")
def value_from_key(key, mask):
    """Rank value of a hand given ``KEY_EMPTY + sum(CARD_KEY[c])`` and ``OR(CARD_MASK[c])``.

    For callers that build keys incrementally (a fixed board, many holes).
    """
    if key & FLUSH_CHECK:
        s = np.uint64(_SUIT_MASK_WIDTH * _flush_suit(key))
        return np.int64(FLUSH_TABLE[(mask >> s) & _RANK_MASK_ALL])
    return _nonflush_value(key)


@njit(cache=True, nogil=True, inline="always")
def _suit_ranks(s, c):
    """1 << rank if card c is of suit s, else 0."""
    ci = np.int64(c)
    return np.uint64((ci & 3) == s) << np.uint64(ci >> 2)


@njit(cache=True, nogil=True, inline="always")
def eval7_codes(c0, c1, c2, c3, c4, c5, c6):
    """Rank value of 7 distinct cards (codes 0..51, not checked)."""
    key = (
        KEY_EMPTY + CARD_KEY[c0] + CARD_KEY[c1] + CARD_KEY[c2]
        + CARD_KEY[c3] + CARD_KEY[c4] + CARD_KEY[c5] + CARD_KEY[c6]
    )
    if key & FLUSH_CHECK:
        # rare (3% of random hands): gather the flush suit's ranks only now
        s = _flush_suit(key)
        m = (
            _suit_ranks(s, c0) | _suit_ranks(s, c1) | _suit_ranks(s, c2) | _suit_ranks(s, c3)
            | _suit_ranks(s, c4) | _suit_ranks(s, c5) | _suit_ranks(s, c6)
        )
        return np.int64(FLUSH_TABLE[m & _RANK_MASK_ALL])
    return _nonflush_value(key)


@njit(cache=True, nogil=True, inline="always")
def eval6_codes(c0, c1, c2, c3, c4, c5):
    """Rank value of 6 distinct cards (codes 0..51, not checked)."""
    key = KEY_EMPTY + CARD_KEY[c0] + CARD_KEY[c1] + CARD_KEY[c2] + CARD_KEY[c3] + CARD_KEY[c4] + CARD_KEY[c5]
    if key & FLUSH_CHECK:
        s = _flush_suit(key)
        m = (
            _suit_ranks(s, c0) | _suit_ranks(s, c1) | _suit_ranks(s, c2)
            | _suit_ranks(s, c3) | _suit_ranks(s, c4) | _suit_ranks(s, c5)
        )
        return np.int64(FLUSH_TABLE[m & _RANK_MASK_ALL])
    return _nonflush_value(key)


@njit(cache=True, nogil=True, inline="always")
def eval5_codes(c0, c1, c2, c3, c4):
    """Rank value of 5 distinct cards (codes 0..51, not checked)."""
    key = KEY_EMPTY + CARD_KEY[c0] + CARD_KEY[c1] + CARD_KEY[c2] + CARD_KEY[c3] + CARD_KEY[c4]
    if key & FLUSH_CHECK:
        s = _flush_suit(key)
        m = _suit_ranks(s, c0) | _suit_ranks(s, c1) | _suit_ranks(s, c2) | _suit_ranks(s, c3) | _suit_ranks(s, c4)
        return np.int64(FLUSH_TABLE[m & _RANK_MASK_ALL])
    return _nonflush_value(key)


@njit(cache=True, nogil=True, inline="always")
def evaluate_arr(cards):
    """Rank value of a 1-D array of 5, 6 or 7 distinct cards (not checked)."""
    key = KEY_EMPTY
    mask = np.uint64(0)
    for c in cards:
        key += CARD_KEY[c]
        mask |= CARD_MASK[c]
    return value_from_key(key, mask)


@njit(cache=True, nogil=True, inline="always")
def category_index(value):
    """CATEGORY_* of a rank value."""
    return value >> CATEGORY_SHIFT


@njit(cache=True, nogil=True, inline="always")
def class_index(value):
    """Dense strength 0..7461 (0 = 7-5-4-3-2 offsuit) of a rank value."""
    return CATEGORY_BASE[value >> CATEGORY_SHIFT] + (value & ((1 << CATEGORY_SHIFT) - 1))


@njit(cache=True, nogil=True)
def _batch7(hands, out, check):
    """Fill out[i]; return the first row that is not 7 distinct codes 0..51, or -1."""
    bad = -1
    for i in range(hands.shape[0]):
        c0 = hands[i, 0]
        c1 = hands[i, 1]
        c2 = hands[i, 2]
        c3 = hands[i, 3]
        c4 = hands[i, 4]
        c5 = hands[i, 5]
        c6 = hands[i, 6]
        if check:
            # CARD_BIT is 0 beyond card 51, so a bad code or a repeat loses a bit
            b = CARD_BIT[c0] | CARD_BIT[c1] | CARD_BIT[c2] | CARD_BIT[c3] | CARD_BIT[c4] | CARD_BIT[c5] | CARD_BIT[c6]
            if _popcount64(b) != 7 and bad < 0:
                bad = i
        out[i] = eval7_codes(c0, c1, c2, c3, c4, c5, c6)
    return bad


@njit(cache=True, nogil=True)
def _batch_any(hands, out, check):
    bad = -1
    n_cards = hands.shape[1]
    for i in range(hands.shape[0]):
        key = KEY_EMPTY
        mask = np.uint64(0)
        b = np.uint64(0)
        for j in range(n_cards):
            c = hands[i, j]
            key += CARD_KEY[c]
            mask |= CARD_MASK[c]
            b |= CARD_BIT[c]
        if check and _popcount64(b) != n_cards and bad < 0:
            bad = i
        out[i] = value_from_key(key, mask)
    return bad


@njit(cache=True, nogil=True)
def enumerate_category_counts():
    """Count every 7-card hand (C(52,7) = 133,784,560) by category: int64[N_CATEGORIES].

    Nested loops with the key and suit mask summed incrementally per level,
    so the innermost step is one addition and one lookup.
    """
    counts = np.zeros(N_CATEGORIES, np.int64)
    for a in range(N_CARDS - 6):
        ka = KEY_EMPTY + CARD_KEY[a]
        ma = CARD_MASK[a]
        for b in range(a + 1, N_CARDS - 5):
            kb = ka + CARD_KEY[b]
            mb = ma | CARD_MASK[b]
            for c in range(b + 1, N_CARDS - 4):
                kc = kb + CARD_KEY[c]
                mc = mb | CARD_MASK[c]
                for d in range(c + 1, N_CARDS - 3):
                    kd = kc + CARD_KEY[d]
                    md = mc | CARD_MASK[d]
                    for e in range(d + 1, N_CARDS - 2):
                        ke = kd + CARD_KEY[e]
                        me = md | CARD_MASK[e]
                        for f in range(e + 1, N_CARDS - 1):
                            kf = ke + CARD_KEY[f]
                            mf = me | CARD_MASK[f]
                            for g in range(f + 1, N_CARDS):
                                v = value_from_key(kf + CARD_KEY[g], mf | CARD_MASK[g])
                                counts[v >> CATEGORY_SHIFT] += 1
    return counts


# --- Python API ------------------------------------------------------------------
def _bad_row_message(row: Sequence[int] | np.ndarray, i: int | None) -> str:
    where = "" if i is None else f"row {i}: "
    vals = [int(c) for c in row]
    if any(not 0 <= c < N_CARDS for c in vals):
        return f"{where}card codes must be in 0..51 (rank*4+suit, see holdem.cards); got {vals}"
    return f"{where}a hand holds the same card twice; cards in a hand must be distinct; got {vals}"


def _as_card_array(arr: np.ndarray, what: str, name_row: bool) -> np.ndarray:
    """uint8 copy of 2-D integer card codes, checked first so no code aliases into 0..51."""
    if not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{what} must be integer card codes 0..51; got dtype {arr.dtype}")
    if arr.dtype == np.uint8:
        return arr
    if arr.size and (arr.min() < 0 or arr.max() >= N_CARDS):
        lo = np.flatnonzero(((arr < 0) | (arr >= N_CARDS)).any(axis=1))[0]
        raise ValueError(_bad_row_message(arr[lo], lo if name_row else None))
    return arr.astype(np.uint8)


_SCALAR_KERNELS = {5: eval5_codes, 6: eval6_codes, 7: eval7_codes}


def evaluate(cards: Sequence[int] | np.ndarray) -> int:
    """Rank value of the best 5-card hand within 5, 6 or 7 distinct cards (higher wins)."""
    if isinstance(cards, (list, tuple)) and len(cards) in _SCALAR_KERNELS:
        # the rules engine's path: plain ints, no array round trip (about 1 us)
        try:
            codes = [operator.index(c) for c in cards]
        except TypeError:
            raise ValueError(f"cards must be integer card codes 0..51; got {list(cards)!r}") from None
        if min(codes) < 0 or max(codes) >= N_CARDS or len(set(codes)) != len(codes):
            raise ValueError(_bad_row_message(codes, None))
        return int(_SCALAR_KERNELS[len(codes)](*codes))
    arr = np.asarray(cards)
    if arr.ndim != 1 or not _MIN_CARDS <= arr.shape[0] <= _MAX_CARDS:
        raise ValueError(f"a hand is 5, 6 or 7 cards; got shape {arr.shape}")
    hands = _as_card_array(arr.reshape(1, -1), "cards", name_row=False)
    out = np.empty(1, np.int32)
    if _batch_any(hands, out, True) >= 0:
        raise ValueError(_bad_row_message(arr, None))
    return int(out[0])


def evaluate_batch(hands: np.ndarray, check: bool = True) -> np.ndarray:
    """Rank values of ``hands``, shape (n, 5|6|7), any integer dtype: int32[n].

    ``check=False`` skips the test for repeated cards and (for uint8) codes
    above 51: such rows then get meaningless values, never a crash.
    """
    arr = np.asarray(hands)
    if arr.ndim != 2 or not _MIN_CARDS <= arr.shape[1] <= _MAX_CARDS:
        raise ValueError(f"hands must have shape (n, k) with 5, 6 or 7 cards per hand; got shape {arr.shape}")
    arr = np.ascontiguousarray(_as_card_array(arr, "hands", name_row=True))
    out = np.empty(arr.shape[0], np.int32)
    if arr.shape[1] == _MAX_CARDS:
        bad = _batch7(arr, out, bool(check))
    else:
        bad = _batch_any(arr, out, bool(check))
    if bad >= 0:
        raise ValueError(_bad_row_message(arr[bad], bad))
    return out


def category(rank: int) -> str:
    """Category name of a rank value, e.g. ``"full house"``."""
    rank = int(rank)
    cat = rank >> CATEGORY_SHIFT
    if rank < 0 or cat >= N_CATEGORIES or (rank & ((1 << CATEGORY_SHIFT) - 1)) >= CATEGORY_SIZES[cat]:
        raise ValueError(f"bad rank value {rank!r}: not produced by holdem.evaluator.evaluate")
    return CATEGORY_NAMES[cat]
