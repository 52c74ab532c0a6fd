"""Vectorised card work over all 1326 hole-card pairs (compiled): buckets and equities.

Holes are numbered as in :mod:`holdem.abstraction.features` (``HOLE_ID``,
``HOLE_CARDS``).  Entries of holes that share a card with the known cards are
marked (-1 buckets, NaN equities) so callers can drop them from a range.

* :func:`hole_buckets`: the bucket of every hole on a board, by the same
  lookups the dealer uses (:func:`holdem.abstraction.deal.hand_buckets`);
* :func:`equity_vs_holes`: a hand's showdown equity (win + tie/2) against each
  opponent hole, the board completed by every runout (turn and river: exact)
  or by a fixed seeded sample of runouts shared by all holes (preflop and
  flop, where enumeration costs 1.7M and 1081 runouts), as local best
  response needs (Lisy & Bowling 2017, "WpRollout");
* :func:`equity_vs_random`: equity against ``k`` uniformly random opponent
  hands (Monte Carlo), for the rule-based baseline bot.
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
def _card_mask(cards, n):
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
    used = _card_mask(board, board_len)
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
def _runout_ranks(hero, board, board_len, rest, n_rest, fill, ranks, cards7):
    """Rank every hole (and the hero) on the board completed with ``rest[fill[:]]``; -1 where cards clash."""
    full = np.empty(BOARD_CARDS, np.int64)
    for i in range(board_len):
        full[i] = board[i]
    for i in range(BOARD_CARDS - board_len):
        full[board_len + i] = rest[fill[i]]
    used = _card_mask(full, BOARD_CARDS)
    for i in range(BOARD_CARDS):
        cards7[2 + i] = full[i]
    for h in range(N_HOLES):
        a = HOLE_CARDS[h, 0]
        b = HOLE_CARDS[h, 1]
        if (used >> a) & 1 or (used >> b) & 1:
            ranks[h] = -1
            continue
        cards7[0] = a
        cards7[1] = b
        ranks[h] = evaluate_arr(cards7)
    return used


@njit(cache=True, nogil=True)
def _accumulate(hero_id, hero_mask, used, ranks, score, count):
    mine = ranks[hero_id]
    for h in range(N_HOLES):
        r = ranks[h]
        if r < 0:
            continue
        a = HOLE_CARDS[h, 0]
        b = HOLE_CARDS[h, 1]
        if (hero_mask >> a) & 1 or (hero_mask >> b) & 1:
            continue
        count[h] += 1
        if mine > r:
            score[h] += 2
        elif mine == r:
            score[h] += 1


@njit(cache=True, nogil=True)
def equity_vs_holes(hero, board, board_len, n_samples, seed, out):
    """out[h] = equity of ``hero`` (2 cards) against hole h, NaN where h meets the hero or the board.

    With 2 or fewer cards to come on the turn/river (board_len >= 4) every
    runout is enumerated; otherwise ``n_samples`` runouts are drawn from
    ``seed`` (shared by all holes; a hole counts only runouts that avoid its cards).
    """
    known = _card_mask(board, board_len) | (np.int64(1) << hero[0]) | (np.int64(1) << hero[1])
    hero_mask = (np.int64(1) << hero[0]) | (np.int64(1) << hero[1])
    rest = np.empty(N_CARDS, np.int64)
    n_rest = 0
    for c in range(N_CARDS):
        if not (known >> c) & 1:
            rest[n_rest] = c
            n_rest += 1
    hero_id = HOLE_ID[hero[0], hero[1]]
    score = np.zeros(N_HOLES, np.int64)
    count = np.zeros(N_HOLES, np.int64)
    ranks = np.empty(N_HOLES, np.int64)
    cards7 = np.empty(7, np.int64)
    missing = BOARD_CARDS - board_len
    fill = np.empty(BOARD_CARDS, np.int64)
    if missing == 0:
        used = _runout_ranks(hero, board, board_len, rest, n_rest, fill, ranks, cards7)
        _accumulate(hero_id, hero_mask, used, ranks, score, count)
    elif missing == 1:
        for i in range(n_rest):
            fill[0] = i
            used = _runout_ranks(hero, board, board_len, rest, n_rest, fill, ranks, cards7)
            _accumulate(hero_id, hero_mask, used, ranks, score, count)
    else:
        state = stream_state(mix(seed, _card_mask(board, board_len) ^ (hero_mask << 1)))
        for _ in range(n_samples):
            # a partial Fisher-Yates shuffle of the unseen cards picks the runout
            for k in range(missing):
                state, j = next_below(state, n_rest - k)
                j += k
                rest[k], rest[j] = rest[j], rest[k]
                fill[k] = k
            used = _runout_ranks(hero, board, board_len, rest, n_rest, fill, ranks, cards7)
            _accumulate(hero_id, hero_mask, used, ranks, score, count)
    for h in range(N_HOLES):
        if count[h] == 0:
            out[h] = np.nan
        else:
            out[h] = score[h] / (2.0 * count[h])
    a = HOLE_CARDS
    for h in range(N_HOLES):
        if (known >> a[h, 0]) & 1 or (known >> a[h, 1]) & 1:
            out[h] = np.nan


@njit(cache=True, nogil=True)
def equity_vs_random(hero, board, board_len, n_opponents, n_samples, seed):
    """Monte Carlo equity of ``hero`` against ``n_opponents`` random hands (ties split evenly)."""
    known = _card_mask(board, board_len) | (np.int64(1) << hero[0]) | (np.int64(1) << hero[1])
    rest = np.empty(N_CARDS, np.int64)
    n_rest = 0
    for c in range(N_CARDS):
        if not (known >> c) & 1:
            rest[n_rest] = c
            n_rest += 1
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
