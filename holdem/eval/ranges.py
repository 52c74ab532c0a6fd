"""Compiled card work: the buckets of all 1326 hole-card pairs on a board, and equity against random hands.

Holes are numbered as in :mod:`holdem.abstraction.features` (``HOLE_ID``,
``HOLE_CARDS``).

* :func:`hole_buckets`: the bucket of every hole on a board, by the same
  lookups the dealer uses (:func:`holdem.abstraction.deal.hand_buckets`);
  -1 for holes that share a card with the board, so callers can drop them
  from a range;
* :func:`equity_vs_random`: equity against ``k`` uniformly random opponent
  hands (Monte Carlo), for the rule-based baseline bot.

Equities against every hole (local best response) are in :mod:`holdem.eval.lbr_equity`.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from holdem.abstraction.features import HOLE_CARDS, HOLE_ID, N_HOLES, RIVER_HOLES, river_equities
from holdem.cards import N_CARDS
from holdem.evaluator import evaluate_arr
from holdem.isomorphism import index_hole_board
from holdem.mccfr.rng import mix, next_below, stream_state

BOARD_CARDS = 5
PREFLOP_BOARD, FLOP_BOARD, TURN_BOARD, RIVER_BOARD = 0, 3, 4, 5
NO_BUCKET = -1


@njit(cache=True, nogil=True)
def card_mask(cards, n):
    """int64 with bit c set for each of ``cards[:n]``."""
    m = np.int64(0)
    for i in range(n):
        m |= np.int64(1) << cards[i]
    return m


@njit(cache=True, nogil=True)
def hole_buckets(board, board_len, flop, turn, river_lut, river, out):
    """out[h] = bucket of hole h on ``board[:board_len]`` (0, 3, 4 or 5 cards); -1 where h meets the board.

    ``river`` is the bucket file's per-index river table, or an empty array
    when the file has none (then the river bucket is ``river_lut`` at the
    hole's exact equity), as in the dealer.
    """
    used = card_mask(board, board_len)
    eq = np.empty(N_HOLES, np.int32)
    if board_len == RIVER_BOARD and river.shape[0] == 0:
        river_equities(board, eq, np.empty(RIVER_HOLES, np.int64), np.empty(7, np.int64))
    hole = np.empty(2, np.int64)
    for h in range(N_HOLES):
        a = HOLE_CARDS[h, 0]
        b = HOLE_CARDS[h, 1]
        if (used >> a) & 1 or (used >> b) & 1:
            out[h] = NO_BUCKET
            continue
        hole[0] = a
        hole[1] = b
        if board_len == PREFLOP_BOARD:
            out[h] = index_hole_board(hole, board, 0)
        elif board_len == FLOP_BOARD:
            out[h] = flop[index_hole_board(hole, board, 3)]
        elif board_len == TURN_BOARD:
            out[h] = turn[index_hole_board(hole, board, 4)]
        elif river.shape[0] > 0:
            out[h] = river[index_hole_board(hole, board, 5)]
        else:
            out[h] = river_lut[eq[h]]


@njit(cache=True, nogil=True)
def unseen_cards(known, rest):
    """rest[:n] = the cards not in the bit set ``known``, ascending; returns n."""
    n = 0
    for c in range(N_CARDS):
        if not (known >> c) & 1:
            rest[n] = c
            n += 1
    return n


@njit(cache=True, nogil=True)
def equity_vs_random(hero, board, board_len, n_opponents, n_samples, seed):
    """Monte Carlo equity of ``hero`` against ``n_opponents`` random hands (ties split evenly)."""
    known = card_mask(board, board_len) | (np.int64(1) << hero[0]) | (np.int64(1) << hero[1])
    rest = np.empty(N_CARDS, np.int64)
    n_rest = unseen_cards(known, rest)
    state = stream_state(mix(seed, known))
    need = BOARD_CARDS - board_len + 2 * n_opponents
    cards7 = np.empty(7, np.int64)
    full = np.empty(BOARD_CARDS, np.int64)
    total = 0.0
    for _ in range(n_samples):
        for k in range(need):
            state, j = next_below(state, n_rest - k)
            j += k
            rest[k], rest[j] = rest[j], rest[k]
        for i in range(board_len):
            full[i] = board[i]
        for i in range(BOARD_CARDS - board_len):
            full[board_len + i] = rest[i]
        for i in range(BOARD_CARDS):
            cards7[2 + i] = full[i]
        cards7[0] = hero[0]
        cards7[1] = hero[1]
        mine = evaluate_arr(cards7)
        best = -1
        n_best = 0
        base = BOARD_CARDS - board_len
        for o in range(n_opponents):
            cards7[0] = rest[base + 2 * o]
            cards7[1] = rest[base + 2 * o + 1]
            r = evaluate_arr(cards7)
            if r > best:
                best = r
                n_best = 1
            elif r == best:
                n_best += 1
        if mine > best:
            total += 1.0
        elif mine == best:
            total += 1.0 / (n_best + 1)
    return total / n_samples


def board_array(board) -> np.ndarray:
    """int64[5] holding the known board cards first (padding is never read)."""
    out = np.zeros(BOARD_CARDS, np.int64)
    out[: len(board)] = np.asarray(board, dtype=np.int64)
    return out


def hole_id(hole) -> int:
    return int(HOLE_ID[int(hole[0]), int(hole[1])])
