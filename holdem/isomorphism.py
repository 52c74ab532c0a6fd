"""Suit-isomorphic indexing of Hold'em hands, compiled with numba.

Implements K. Waugh, "A Fast and Optimal Hand Isomorphism Algorithm" (AAAI
workshop on Computer Poker and Imperfect Information, 2013): two hands that
differ only by a renaming of suits, or by the order of cards within a round,
get the same index, and the indices of each street are dense, ``0 ..
size(board_len) - 1``.  Rounds are hole | board with the board one unordered
set, so a street is given by the board's length (0, 3, 4 or 5) and the sizes
are 169, 1,286,792, 13,960,050 and 123,156,254 (see
:mod:`holdem.isomorphism_tables` for the tables and the layout choice).

How an index is formed (Waugh, section 3): each suit's cards give one rank set
per round; a suit's *suit index* numbers its sequence of rank sets (colex rank
of each round's set among the ranks the suit has not used yet, in mixed
radix).  The count matrix of the hand selects a configuration (suits sorted
by cards per round) and the suit order; suits with equal count vectors form a
group whose suit indices are a multiset, numbered by the combinatorial number
system.  The index is the configuration's offset plus the groups' numbers in
mixed radix.

Compiled entry points for other numba code (no validation, for inner loops):
:func:`index_cards`, :func:`index_hole_board`, :func:`index_rows`,
:func:`canonical_into`.  Python entry points validate their input:
:func:`index`, :func:`index_batch`, :func:`canonical`, :func:`canonical_batch`,
:func:`size`, :func:`preflop_class`, :func:`preflop_class_name`.
Card codes are those of :mod:`holdem.cards` (``rank * 4 + suit``).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from numba import njit
from numba.core.dispatcher import Dispatcher

from holdem.cards import N_CARDS, N_RANKS, N_SUITS, RANKS, rank_of, suit_of
from holdem.isomorphism_tables import (
    BOARD_LEN_OF_STREET,
    COLEX as _COLEX,
    COLEX_UNRANK as _COLEX_UNRANK,
    HOLE_CARDS,
    LANE_BITS,
    NCR as _NCR,
    PI_BITS,
    POPCOUNT as _POPCOUNT,
    RANK_MASK,
    STREET_OF_BOARD_LEN as _STREET_OF_BOARD_LEN,
    STREET_ROUNDS,
    TABLES,
)

# numba freezes module-level arrays into the compiled code as constants
_PERM_MULT = TABLES.perm_mult
_PERM_BASE = TABLES.perm_base
_PERM_TABLE = TABLES.perm_table
_CONFIG_BASE = TABLES.config_base
_CONFIG_OFFSET = TABLES.config_offset
_CONFIG_SUIT_SIZE = TABLES.config_suit_size
_CONFIG_EQ = TABLES.config_eq
_CONFIG_COUNTS = TABLES.config_counts
_CONFIG_POS_MULT = TABLES.config_pos_mult
_CONFIG_POS_IN_GROUP = TABLES.config_pos_in_group
_CONFIG_LIVE_EQ = TABLES.config_live_eq

STREET_SIZES: tuple[int, ...] = tuple(int(s) for s in TABLES.street_size)
VALID_BOARD_LENS = BOARD_LEN_OF_STREET
N_PREFLOP_CLASSES = STREET_SIZES[0]

# The kernel is written for the hole | board layout (one round each).
_HOLE_ROUND = 0
_BOARD_ROUND = 1
if STREET_ROUNDS != tuple((HOLE_CARDS,) + ((n,) if n else ()) for n in BOARD_LEN_OF_STREET):
    raise ImportError(f"holdem.isomorphism expects rounds hole | board per street, got {STREET_ROUNDS!r}")

_SUIT_BITS = 2  # bits per sorted position in a permutation-table entry
_SUIT_FIELD = (1 << _SUIT_BITS) - 1


# --------------------------------------------------------------------------
# compiled kernels
# --------------------------------------------------------------------------


@njit(cache=True, nogil=True, inline="always")
def _multiset_term(a, j):
    """C(a + j, j + 1): the term of the j-th smallest member of a multiset (j <= 3).

    Constant divisors let the compiler replace division by multiplication.
    """
    if j == 0:
        return a
    x = a + j
    if j == 1:
        return x * (x - 1) // 2
    if j == 2:
        return x * (x - 1) * (x - 2) // 6
    return x * (x - 1) * (x - 2) * (x - 3) // 24


@njit(cache=True, nogil=True, inline="always")
def _suit_index(hole_sets, board_sets, suit):
    """Mixed-radix number of one suit's (hole ranks, board ranks), hole digit lowest.

    ``board_sets`` holds the board ranks renumbered among the ranks the suit
    left free in the hole, so each digit is a plain colex rank.
    """
    shift = LANE_BITS * suit
    hole = (hole_sets >> shift) & RANK_MASK
    board = (board_sets >> shift) & RANK_MASK
    return _COLEX[hole] + _NCR[N_RANKS, _POPCOUNT[hole]] * _COLEX[board]


@njit(cache=True, nogil=True, inline="always")
def _combine(cfg, a0, a1, a2, a3):
    """Index of a hand from its configuration and suit indices in sorted-position order."""
    eq = _CONFIG_LIVE_EQ[cfg]
    if eq:
        # Suits of one group are interchangeable: sort their indices so the group
        # is a multiset.  Odd-even transposition sort, comparators kept inside groups.
        # (Empty suits form a group too, but all their indices are 0.)
        for _ in range(2):
            if eq & 1 and a0 > a1:
                a0, a1 = a1, a0
            if eq & 4 and a2 > a3:
                a2, a3 = a3, a2
            if eq & 2 and a1 > a2:
                a1, a2 = a2, a1
    # combinatorial number system for multisets: sum over members of C(a_j + j, j + 1)
    return (
        _CONFIG_OFFSET[cfg]
        + _CONFIG_POS_MULT[cfg, 0] * _multiset_term(a0, _CONFIG_POS_IN_GROUP[cfg, 0])
        + _CONFIG_POS_MULT[cfg, 1] * _multiset_term(a1, _CONFIG_POS_IN_GROUP[cfg, 1])
        + _CONFIG_POS_MULT[cfg, 2] * _multiset_term(a2, _CONFIG_POS_IN_GROUP[cfg, 2])
        + _CONFIG_POS_MULT[cfg, 3] * _multiset_term(a3, _CONFIG_POS_IN_GROUP[cfg, 3])
    )


@njit(cache=True, nogil=True)
def index_hole_board(hole, board, board_len):
    """Index of (hole[0:2], board[0:board_len]); board_len must be 0, 3, 4 or 5.

    Compiled and unchecked: cards must be distinct codes in 0..51.
    """
    street = _STREET_OF_BOARD_LEN[board_len]
    c0 = np.int64(hole[0])
    c1 = np.int64(hole[1])
    hole_sets = np.int64(1) << (LANE_BITS * (c0 & 3) + (c0 >> 2))
    hole_sets |= np.int64(1) << (LANE_BITS * (c1 & 3) + (c1 >> 2))
    perm = _PERM_MULT[street, _HOLE_ROUND, c0 & 3] + _PERM_MULT[street, _HOLE_ROUND, c1 & 3]
    board_sets = np.int64(0)
    for k in range(board_len):
        c = np.int64(board[k])
        lane = LANE_BITS * (c & 3)
        rank = c >> 2
        # renumber the rank among the ranks this suit left free in the hole
        below = (hole_sets >> lane) & ((np.int64(1) << rank) - 1)
        board_sets |= np.int64(1) << (lane + rank - _POPCOUNT[below])
        perm += _PERM_MULT[street, _BOARD_ROUND, c & 3]
    entry = _PERM_TABLE[_PERM_BASE[street] + perm]
    a0 = _suit_index(hole_sets, board_sets, entry & _SUIT_FIELD)
    a1 = _suit_index(hole_sets, board_sets, (entry >> _SUIT_BITS) & _SUIT_FIELD)
    a2 = _suit_index(hole_sets, board_sets, (entry >> (2 * _SUIT_BITS)) & _SUIT_FIELD)
    a3 = _suit_index(hole_sets, board_sets, (entry >> (3 * _SUIT_BITS)) & _SUIT_FIELD)
    return _combine(entry >> PI_BITS, a0, a1, a2, a3)


@njit(cache=True, nogil=True)
def index_cards(cards, board_len):
    """Index of cards[0:2] (hole) + cards[2:2+board_len] (board). Compiled, unchecked."""
    return index_hole_board(cards[:HOLE_CARDS], cards[HOLE_CARDS:], board_len)


@njit(cache=True, nogil=True)
def index_rows(cards, out):
    """out[i] = index of row i of cards[n, 2 + board_len] (any integer dtype). Compiled, unchecked."""
    board_len = cards.shape[1] - HOLE_CARDS
    for i in range(cards.shape[0]):
        out[i] = index_hole_board(cards[i, :HOLE_CARDS], cards[i, HOLE_CARDS:], board_len)


@njit(cache=True, nogil=True)
def _first_bad_row(cards):
    """First row with a card outside 0..51 or a card given twice; -1 if none."""
    for i in range(cards.shape[0]):
        seen = np.int64(0)
        for j in range(cards.shape[1]):
            c = np.int64(cards[i, j])
            if c < 0 or c >= N_CARDS:
                return i
            bit = np.int64(1) << c
            if seen & bit:
                return i
            seen |= bit
    return -1


@njit(cache=True, nogil=True, inline="always")
def _sort_small(out, start, stop):
    for i in range(start + 1, stop):
        v = out[i]
        j = i - 1
        while j >= start and out[j] > v:
            out[j + 1] = out[j]
            j -= 1
        out[j + 1] = v


@njit(cache=True, nogil=True, inline="always")
def _binom_upto4(x, k):
    """C(x, k) for 1 <= k <= 4 and x >= 0, with constant divisors."""
    if k == 1:
        return x
    if k == 2:
        return x * (x - 1) // 2
    if k == 3:
        return x * (x - 1) * (x - 2) // 6
    return x * (x - 1) * (x - 2) * (x - 3) // 24


@njit(cache=True, nogil=True)
def _largest_multiset_element(part, k, lo, hi):
    """Largest b in [lo, hi] with C(b, k) <= part (C is increasing there)."""
    while lo < hi:
        mid = (lo + hi + 1) >> 1
        if _binom_upto4(mid, k) <= part:
            lo = mid
        else:
            hi = mid - 1
    return lo


@njit(cache=True, nogil=True, inline="always")
def _expand(shifted, used):
    """Inverse of the board renumbering: bit j of ``shifted`` is the j-th rank not in ``used``."""
    out = np.int64(0)
    j = 0
    for rank in range(N_RANKS):
        if not (used >> rank) & 1:
            if (shifted >> j) & 1:
                out |= np.int64(1) << rank
            j += 1
    return out


@njit(cache=True, nogil=True, inline="always")
def _write_suit(ranks, suit, out, pos):
    while ranks:
        low = ranks & -ranks
        out[pos] = _POPCOUNT[low - 1] * N_SUITS + suit
        pos += 1
        ranks ^= low
    return pos


@njit(cache=True, nogil=True)
def canonical_into(index, board_len, out):
    """Write a representative of ``index`` to out[0:2+board_len] (hole, then board).

    Sorted position i of the configuration gets suit i; hole and board come
    out sorted.  Compiled, unchecked: 0 <= index < size(board_len).
    """
    street = _STREET_OF_BOARD_LEN[board_len]
    lo = _CONFIG_BASE[street]
    hi = _CONFIG_BASE[street + 1]
    cfg = lo + np.searchsorted(_CONFIG_OFFSET[lo:hi], index, side="right") - 1
    rem = index - _CONFIG_OFFSET[cfg]
    eq = _CONFIG_EQ[cfg]

    # undo the mixed radix over groups, then each group's multiset number
    a0 = a1 = a2 = a3 = np.int64(0)
    i = 0
    while i < N_SUITS:
        m = 1
        while i + m < N_SUITS and (eq >> (i + m - 1)) & 1:
            m += 1
        n = _CONFIG_SUIT_SIZE[cfg, i]
        group_size = _binom_upto4(n + m - 1, m)
        part = rem % group_size
        rem //= group_size
        for j in range(m - 1, -1, -1):
            b = _largest_multiset_element(part, j + 1, j, n - 1 + j) if j else part
            part -= _binom_upto4(b, j + 1)
            pos = i + j
            if pos == 0:
                a0 = b - j
            elif pos == 1:
                a1 = b - j
            elif pos == 2:
                a2 = b - j
            else:
                a3 = b - j
        i += m
    a = (a0, a1, a2, a3)

    hole_pos = 0
    board_pos = HOLE_CARDS
    for suit in range(N_SUITS):
        n_hole = _CONFIG_COUNTS[cfg, suit, _HOLE_ROUND]
        n_board = _CONFIG_COUNTS[cfg, suit, _BOARD_ROUND]
        radix = _NCR[N_RANKS, n_hole]
        hole = _COLEX_UNRANK[n_hole, a[suit] % radix]
        board = _expand(_COLEX_UNRANK[n_board, a[suit] // radix], hole)
        hole_pos = _write_suit(hole, suit, out, hole_pos)
        board_pos = _write_suit(board, suit, out, board_pos)
    _sort_small(out, 0, HOLE_CARDS)
    _sort_small(out, HOLE_CARDS, HOLE_CARDS + board_len)


@njit(cache=True, nogil=True)
def _canonical_rows(indices, board_len, out):
    for i in range(indices.shape[0]):
        canonical_into(indices[i], board_len, out[i])


# --------------------------------------------------------------------------
# Python API (validated)
# --------------------------------------------------------------------------


def _check_board_len(board_len: int) -> int:
    integral = isinstance(board_len, (int, np.integer)) and not isinstance(board_len, bool)
    if not integral or int(board_len) not in VALID_BOARD_LENS:
        raise ValueError(
            f"bad board length {board_len!r}: expected one of {VALID_BOARD_LENS} (preflop, flop, turn, river)"
        )
    return int(board_len)


def size(board_len: int) -> int:
    """Number of isomorphic indices for a board of this length (0, 3, 4 or 5)."""
    return STREET_SIZES[int(_STREET_OF_BOARD_LEN[_check_board_len(board_len)])]


def _hand_array(hole: Sequence[int], board: Sequence[int]) -> np.ndarray:
    hole = list(hole)
    board = list(board)
    if len(hole) != HOLE_CARDS:
        raise ValueError(f"bad hole {hole!r}: expected exactly {HOLE_CARDS} cards")
    _check_board_len(len(board))
    cards = hole + board
    for c in cards:
        if isinstance(c, bool) or not isinstance(c, (int, np.integer)) or not 0 <= int(c) < N_CARDS:
            raise ValueError(
                f"bad card {c!r} in {cards!r}: expected an int card code 0..{N_CARDS - 1} (see holdem.cards)"
            )
    if len(set(int(c) for c in cards)) != len(cards):
        raise ValueError(f"duplicate card in hole {hole!r} + board {board!r}: every card must be distinct")
    return np.array(cards, dtype=np.int64)


def index(hole: Sequence[int], board: Sequence[int] = ()) -> int:
    """Isomorphic index of a hand; the street is given by ``len(board)`` (0, 3, 4, 5)."""
    cards = _hand_array(hole, board)
    return int(index_cards(cards, len(cards) - HOLE_CARDS))


def index_batch(cards: np.ndarray) -> np.ndarray:
    """Indices of the rows of ``cards`` (int array [n, 2 + board_len]), as int64[n]."""
    cards = np.asarray(cards)
    if cards.ndim != 2 or not np.issubdtype(cards.dtype, np.integer):
        raise ValueError(
            f"bad cards array: shape {cards.shape}, dtype {cards.dtype}; expected an integer array [n, 2 + board_len]"
        )
    _check_board_len(cards.shape[1] - HOLE_CARDS)
    cards = np.ascontiguousarray(cards)
    bad = _first_bad_row(cards)
    if bad >= 0:
        raise ValueError(
            f"bad cards in row {bad}: {cards[bad].tolist()}; every card must be a distinct code 0..{N_CARDS - 1}"
        )
    out = np.empty(cards.shape[0], dtype=np.int64)
    index_rows(cards, out)
    return out


def _check_index(idx, board_len: int) -> int:
    n = size(board_len)
    if isinstance(idx, bool) or not isinstance(idx, (int, np.integer)) or not 0 <= int(idx) < n:
        raise ValueError(f"bad index {idx!r} for board length {board_len}: expected an int in 0..{n - 1}")
    return int(idx)


def canonical(idx: int, board_len: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """A representative (hole, board) whose :func:`index` is ``idx``."""
    idx = _check_index(idx, board_len)
    out = np.empty(HOLE_CARDS + board_len, dtype=np.int64)
    canonical_into(np.int64(idx), board_len, out)
    cards = tuple(int(c) for c in out)
    return cards[:HOLE_CARDS], cards[HOLE_CARDS:]


def canonical_batch(indices: np.ndarray, board_len: int) -> np.ndarray:
    """Representatives of many indices: int8 array [n, 2 + board_len], hole then board."""
    board_len = _check_board_len(board_len)
    indices = np.ascontiguousarray(indices)
    if indices.ndim != 1 or not np.issubdtype(indices.dtype, np.integer):
        raise ValueError(f"bad indices: shape {indices.shape}, dtype {indices.dtype}; expected a 1-d integer array")
    n = size(board_len)
    if indices.size and (indices.min() < 0 or indices.max() >= n):
        raise ValueError(f"bad indices for board length {board_len}: expected values in 0..{n - 1}")
    out = np.empty((indices.shape[0], HOLE_CARDS + board_len), dtype=np.int8)
    _canonical_rows(indices.astype(np.int64, copy=False), board_len, out)
    return out


def preflop_class(hole: Sequence[int]) -> int:
    """Starting-hand class 0..168; equal to ``index(hole, [])``."""
    return index(hole, ())


def preflop_class_name(i: int) -> str:
    """Name of a preflop class: ``"QQ"``, ``"AKs"``, ``"72o"``."""
    (a, b), _ = canonical(i, 0)
    hi, lo = max(rank_of(a), rank_of(b)), min(rank_of(a), rank_of(b))
    if hi == lo:
        return RANKS[hi] * 2
    return RANKS[hi] + RANKS[lo] + ("s" if suit_of(a) == suit_of(b) else "o")


# --------------------------------------------------------------------------
# stale-cache guard
# --------------------------------------------------------------------------
# numba freezes the tables into each cached kernel but invalidates its cache
# only when *this* file changes.  After an edit of isomorphism_tables.py the
# cached kernels would silently use old tables; this canary, compiled and
# cached like them, notices and makes every kernel of this module recompile.

_FINGERPRINT_PRIME = 1_000_003
# the integer constants the kernels freeze, as an array the canary can freeze too
_SCALAR_CONSTANTS = np.array([LANE_BITS, PI_BITS, RANK_MASK, HOLE_CARDS, N_RANKS, N_SUITS], dtype=np.int64)


@njit(cache=True, nogil=True)
def _mix(h, values):
    for x in values.ravel():
        h = h * _FINGERPRINT_PRIME + np.int64(x)
    return h


@njit(cache=True, nogil=True)
def _fingerprint(
    street_of_board_len, perm_mult, perm_base, perm_table, config_base,
    config_offset, config_suit_size, config_eq, config_counts, config_pos_mult, config_pos_in_group,
    config_live_eq, colex, ncr, popcount, colex_unrank, scalars,
):  # fmt: skip
    h = np.int64(0)
    h = _mix(h, street_of_board_len)
    h = _mix(h, perm_mult)
    h = _mix(h, perm_base)
    h = _mix(h, perm_table)
    h = _mix(h, config_base)
    h = _mix(h, config_offset)
    h = _mix(h, config_suit_size)
    h = _mix(h, config_eq)
    h = _mix(h, config_counts)
    h = _mix(h, config_pos_mult)
    h = _mix(h, config_pos_in_group)
    h = _mix(h, config_live_eq)
    h = _mix(h, colex)
    h = _mix(h, ncr)
    h = _mix(h, popcount)
    h = _mix(h, colex_unrank)
    return _mix(h, scalars)


@njit(cache=True, nogil=True)
def _frozen_fingerprint():
    """Fingerprint of the tables as frozen into this module's compiled code."""
    return _fingerprint(
        _STREET_OF_BOARD_LEN, _PERM_MULT, _PERM_BASE, _PERM_TABLE, _CONFIG_BASE,
        _CONFIG_OFFSET, _CONFIG_SUIT_SIZE, _CONFIG_EQ, _CONFIG_COUNTS, _CONFIG_POS_MULT, _CONFIG_POS_IN_GROUP,
        _CONFIG_LIVE_EQ, _COLEX, _NCR, _POPCOUNT, _COLEX_UNRANK, _SCALAR_CONSTANTS,
    )  # fmt: skip


def tables_fingerprint(tables=TABLES) -> int:
    """Fingerprint of the given (Python-side) tables, comparable with the frozen one."""
    return int(
        _fingerprint(
            _STREET_OF_BOARD_LEN, tables.perm_mult, tables.perm_base,
            tables.perm_table, tables.config_base, tables.config_offset, tables.config_suit_size,
            tables.config_eq, tables.config_counts, tables.config_pos_mult, tables.config_pos_in_group,
            tables.config_live_eq, _COLEX, _NCR, _POPCOUNT, _COLEX_UNRANK, _SCALAR_CONSTANTS,
        )
    )  # fmt: skip


def _refresh_stale_kernels() -> bool:
    """Recompile every kernel of this module if its cache predates the tables; True if it did."""
    if int(_frozen_fingerprint()) == tables_fingerprint():
        return False
    for obj in list(globals().values()):
        if isinstance(obj, Dispatcher):
            obj.recompile()  # flushes the on-disk cache index, recompiles loaded signatures
    if int(_frozen_fingerprint()) != tables_fingerprint():
        raise ImportError(
            "holdem.isomorphism: compiled tables still differ from holdem.isomorphism_tables after recompiling; "
            f"delete the numba cache in {_frozen_fingerprint.stats.cache_path} and import again"
        )
    return True


_refresh_stale_kernels()
