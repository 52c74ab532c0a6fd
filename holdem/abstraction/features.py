"""Hand-strength features for card abstraction (compiled).

After Johanson, Burch, Valenzano & Bowling 2013 ("Evaluating state-space
abstractions in extensive-form games") and Ganzfried & Sandholm 2014
("Potential-aware imperfect-recall abstraction with earth mover's distance"):

* river: the exact equity of a hand against one opponent hand drawn
  uniformly from the cards left (card removal included): wins + ties / 2 over
  the 990 possible opponent holes.  Kept as the integer numerator
  ``2 * wins + ties`` out of :data:`EQUITY_DENOM` = 1980, so it is exact;
* turn and flop: the histogram of that river equity over the runouts (the
  46 river cards on the turn, the 1081 turn-river pairs on the flop).

All holes of one board at once.  For a 5-card board the 1081 possible holes
are ranked with the evaluator, sorted by rank, and swept once: a hole beats
the holes ranked below it except those sharing a card with it, which per-card
counters subtract (no hole other than itself contains both its cards).  That
is O(n log n) per board instead of O(n^2).  A turn or flop histogram reuses
each runout's sweep for every hole of the board, so features are computed per
*board*, never per hand.

Holes are numbered 0..1325 by :data:`HOLE_ID` (``b*(b-1)/2 + a`` for cards
``a < b``).  Runouts may be *sampled* (seeded per board, presets say where):
the first ``n_samples`` of a seeded shuffle of all runouts, continued until
every hole of the board has at least one runout that does not use its cards.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from holdem.abstraction.kmeans import CDF_SCALE
from holdem.cards import N_CARDS
from holdem.evaluator import CARD_KEY, CARD_MASK, KEY_EMPTY, value_from_key
from holdem.mccfr.rng import mix, next_below, stream_state

N_HOLES = 1326
N_OPPONENTS = 990  # holes disjoint from a given hole and a 5-card board
EQUITY_DENOM = 2 * N_OPPONENTS  # equity numerator 2*wins + ties lies in 0..EQUITY_DENOM
N_EQUITY_VALUES = EQUITY_DENOM + 1
RIVER_HOLES = 1081  # C(47, 2): holes possible on a 5-card board
NO_EQUITY = -1  # marks holes that meet the board

_CARD_BITS = 6  # a card code in a sort key
_CARD_MASK = (1 << _CARD_BITS) - 1
_RANK_SHIFT = 2 * _CARD_BITS  # sort key = rank << shift | card a << 6 | card b
_RADIX_BITS = 8
_RADIX = 1 << _RADIX_BITS
_RADIX_MASK = _RADIX - 1


def _hole_tables() -> tuple[np.ndarray, np.ndarray]:
    hole_id = np.full((N_CARDS, N_CARDS), -1, np.int32)
    hole_cards = np.empty((N_HOLES, 2), np.int8)
    for b in range(N_CARDS):
        for a in range(b):
            h = b * (b - 1) // 2 + a
            hole_id[a, b] = hole_id[b, a] = h
            hole_cards[h] = (a, b)
    return hole_id, hole_cards


HOLE_ID, HOLE_CARDS = _hole_tables()


@njit(cache=True, nogil=True)
def _radix_sort(keys, n):
    """keys[:n] sorted ascending by their rank part (LSD radix, 8 bits a pass); the cards ride along.

    A comparison sort of 1081 keys costs several times the 1081 evaluations
    themselves; ranks fit in two or three 8-bit digits.
    """
    top = np.int64(0)
    for i in range(n):
        top |= keys[i]
    a = keys[:n].copy()
    b = np.empty(n, np.int64)
    count = np.empty(_RADIX + 1, np.int64)
    shift = _RANK_SHIFT
    while (top >> shift) > 0:
        count[:] = 0
        for i in range(n):
            count[((a[i] >> shift) & _RADIX_MASK) + 1] += 1
        for d in range(_RADIX):
            count[d + 1] += count[d]
        for i in range(n):
            d = (a[i] >> shift) & _RADIX_MASK
            b[count[d]] = a[i]
            count[d] += 1
        a, b = b, a
        shift += _RADIX_BITS
    return a


@njit(cache=True, nogil=True)
def river_equities(board, out, keys, unused_scratch=None):
    """out[h] = equity numerator of hole h on the 5-card ``board``; NO_EQUITY where h meets the board.

    ``keys`` (int64[>= 1081]) is scratch space; ``unused_scratch`` keeps the
    first version's four-argument calls working and is ignored.  Ranks come
    from the evaluator's additive card keys: the board's key is summed once
    and each hole adds its two cards.  Sort keys pack ``rank | card a | card
    b`` so the sweep decodes cards with shifts instead of table lookups.
    """
    used = np.int64(0)
    board_key = KEY_EMPTY
    board_mask = np.uint64(0)
    for i in range(5):
        used |= np.int64(1) << board[i]
        board_key += CARD_KEY[board[i]]
        board_mask |= CARD_MASK[board[i]]
    for h in range(N_HOLES):
        out[h] = NO_EQUITY
    n = 0
    for a in range(N_CARDS):
        if (used >> a) & 1:
            continue
        key_a = board_key + CARD_KEY[a]
        mask_a = board_mask | CARD_MASK[a]
        for b in range(a + 1, N_CARDS):
            if (used >> b) & 1:
                continue
            rank = value_from_key(key_a + CARD_KEY[b], mask_a | CARD_MASK[b])
            keys[n] = (rank << _RANK_SHIFT) | (a << _CARD_BITS) | b
            n += 1
    srt = _radix_sort(keys, n)
    # per card: holes holding it ranked below the current group / inside it
    less_card = np.zeros(1 << _CARD_BITS, np.int32)
    tie_card = np.zeros(1 << _CARD_BITS, np.int32)
    below = 0
    g = 0
    while g < n:
        rank = srt[g] >> _RANK_SHIFT
        e = g
        while e < n and (srt[e] >> _RANK_SHIFT) == rank:
            tie_card[(srt[e] >> _CARD_BITS) & _CARD_MASK] += 1
            tie_card[srt[e] & _CARD_MASK] += 1
            e += 1
        size = e - g
        for t in range(g, e):
            a = (srt[t] >> _CARD_BITS) & _CARD_MASK
            b = srt[t] & _CARD_MASK
            wins = below - less_card[a] - less_card[b]
            ties = size - tie_card[a] - tie_card[b] + 1  # +1: the hole itself was taken away twice
            out[b * (b - 1) // 2 + a] = 2 * wins + ties  # HOLE_ID[a, b] for a < b
        for t in range(g, e):
            a = (srt[t] >> _CARD_BITS) & _CARD_MASK
            b = srt[t] & _CARD_MASK
            less_card[a] += 1
            less_card[b] += 1
            tie_card[a] = 0
            tie_card[b] = 0
        below += size
        g = e


@njit(cache=True, nogil=True)
def equity_bin(num, n_bins):
    """Equal-width bin of an equity numerator over [0, 1]."""
    return num * n_bins // N_EQUITY_VALUES


@njit(cache=True, nogil=True)
def runouts(board, board_len):
    """All runouts of a 3- or 4-card board to five cards, as int64[R, 2] (second column -1 for one card)."""
    used = np.int64(0)
    for i in range(board_len):
        used |= np.int64(1) << board[i]
    rest = np.empty(N_CARDS, np.int64)
    m = 0
    for c in range(N_CARDS):
        if not (used >> c) & 1:
            rest[m] = c
            m += 1
    if board_len == 4:
        out = np.full((m, 2), -1, np.int64)
        for i in range(m):
            out[i, 0] = rest[i]
        return out
    out = np.empty((m * (m - 1) // 2, 2), np.int64)
    r = 0
    for i in range(m):
        for j in range(i + 1, m):
            out[r, 0] = rest[i]
            out[r, 1] = rest[j]
            r += 1
    return out


@njit(cache=True, nogil=True)
def board_histograms(board, board_len, n_bins, n_samples, seed, counts, totals):
    """River-equity histograms of every hole on a 3- or 4-card ``board``.

    counts int32[1326, n_bins] and totals int32[1326] are overwritten; holes
    meeting the board get total 0.  ``n_samples <= 0`` means every runout
    (exact); otherwise a seeded sample (see the module docstring).
    """
    runs = runouts(board, board_len)
    n_runs = runs.shape[0]
    order = np.arange(n_runs)
    exact = n_samples <= 0 or n_samples >= n_runs
    if not exact:
        state = stream_state(seed)
        for i in range(n_runs - 1, 0, -1):  # Fisher-Yates, seeded per board
            state, j = next_below(state, i + 1)
            order[i], order[j] = order[j], order[i]
    counts[:, :] = 0
    totals[:] = 0
    used = np.int64(0)
    for i in range(board_len):
        used |= np.int64(1) << board[i]
    eq = np.empty(N_HOLES, np.int32)
    keys = np.empty(RIVER_HOLES, np.int64)
    five = np.empty(5, np.int64)
    for i in range(board_len):
        five[i] = board[i]
    for r in range(n_runs):
        if not exact and r >= n_samples and _all_holes_covered(totals, used):
            break
        run = order[r]
        five[board_len] = runs[run, 0]
        if board_len == 3:
            five[4] = runs[run, 1]
        river_equities(five, eq, keys)
        for h in range(N_HOLES):
            v = eq[h]
            if v >= 0:
                counts[h, equity_bin(v, n_bins)] += 1
                totals[h] += 1


@njit(cache=True, nogil=True)
def _all_holes_covered(totals, used):
    for h in range(N_HOLES):
        if totals[h] == 0 and not ((used >> HOLE_CARDS[h, 0]) & 1 or (used >> HOLE_CARDS[h, 1]) & 1):
            return False
    return True


@njit(cache=True, nogil=True)
def histogram_cdf(counts, total, out):
    """Fixed-point CDF of one histogram without its last entry (always 1): out[n_bins - 1]."""
    acc = 0
    for j in range(out.shape[0]):
        acc += counts[j]
        out[j] = (2 * CDF_SCALE * acc + total) // (2 * total)


@njit(cache=True, nogil=True)
def board_seed(seed, street, board):
    """Seed of one board's runout sample: a function of the board's cards, not of the order boards are visited."""
    code = np.int64(street)
    for c in board:
        code = code * N_CARDS + c
    return mix(seed, code)
