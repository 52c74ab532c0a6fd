"""Hold'em river payoffs over the 1,326 hole pairs in O(H), card removal included (compiled).

A dense 1,326 x 1,326 payoff matrix per terminal would cost 1.76 M
multiply-adds per terminal and per pass; CFR over a river subgame makes
thousands of such passes a second.  Johanson, Waugh, Bowling & Zinkevich
2011, "Accelerating Best Response Calculation in Large Extensive Games"
(IJCAI), section 4: sort the hands by strength once per board and sweep,
keeping the opponent reach of every weaker (stronger) hand in one running
total and in one running total per card; a hand's weaker-and-compatible
mass is then ``total - per_card[a] - per_card[b]`` (a hand that holds one of
our cards is not a possible opponent hand).  A fold needs the same
inclusion-exclusion over all hands, plus back the hand itself, which the
two per-card totals subtract twice.

Values are in chips times opponent reach mass (no chance normaliser: every
compatible (hand, hand) combination on a fixed board is equally likely, so
the common factor does not change any strategy; see
:func:`holdem.search.river_cfr.game_value` for the normalised figure).
"""
from __future__ import annotations

import numpy as np
from numba import njit

from holdem.abstraction.features import HOLE_CARDS, N_HOLES
from holdem.cards import N_CARDS
from holdem.eval.ranges import card_mask
from holdem.evaluator import evaluate_arr

DEAD = -1  # strength of a hole that shares a card with the board

__all__ = ["DEAD", "HOLE_CARDS", "N_HOLES", "fold_values", "river_strength", "showdown_values", "strength_order"]


@njit(cache=True, nogil=True)
def _river_strength(board, out):
    used = card_mask(board, 5)
    cards = np.empty(7, np.int64)
    for i in range(5):
        cards[2 + i] = board[i]
    for h in range(N_HOLES):
        a = HOLE_CARDS[h, 0]
        b = HOLE_CARDS[h, 1]
        if (used >> a) & 1 or (used >> b) & 1:
            out[h] = DEAD
            continue
        cards[0] = a
        cards[1] = b
        out[h] = evaluate_arr(cards)


def river_strength(board) -> np.ndarray:
    """int64[1326]: the 7-card rank of every hole on the 5-card ``board`` (higher wins); DEAD where it meets it."""
    b = np.asarray(board, dtype=np.int64)
    if b.shape != (5,):
        raise ValueError(f"a river board is 5 cards, got {list(board)}")
    out = np.empty(N_HOLES, np.int64)
    _river_strength(b, out)
    return out


def strength_order(strength: np.ndarray) -> np.ndarray:
    """int64[live]: the live holes sorted by strength, weakest first (the sweep order)."""
    live = np.flatnonzero(strength != DEAD)
    return live[np.argsort(strength[live], kind="stable")].astype(np.int64)


@njit(cache=True, nogil=True)
def fold_values(opp_reach, out, scale):
    """out[h] = scale * (opponent reach over every hole compatible with h)."""
    per_card = np.zeros(N_CARDS)
    total = 0.0
    for h in range(N_HOLES):
        r = opp_reach[h]
        total += r
        per_card[HOLE_CARDS[h, 0]] += r
        per_card[HOLE_CARDS[h, 1]] += r
    for h in range(N_HOLES):
        out[h] = scale * (total - per_card[HOLE_CARDS[h, 0]] - per_card[HOLE_CARDS[h, 1]] + opp_reach[h])


@njit(cache=True, nogil=True)
def showdown_values(opp_reach, order, strength, out, stake):
    """out[h] = stake * (compatible opponent reach weaker than h - stronger than h); dead holes get 0.

    ``order`` from :func:`strength_order`; ties (equal strength) count neither
    way, as a split pot of equal stakes returns each seat its own chips.
    """
    for h in range(N_HOLES):
        out[h] = 0.0
    n = order.shape[0]
    per_card = np.zeros(N_CARDS)
    total = 0.0
    i = 0
    while i < n:  # ascending: add what is weaker than each group of equal strength
        j = i
        s = strength[order[i]]
        while j < n and strength[order[j]] == s:
            h = order[j]
            out[h] = total - per_card[HOLE_CARDS[h, 0]] - per_card[HOLE_CARDS[h, 1]]
            j += 1
        for m in range(i, j):
            h = order[m]
            r = opp_reach[h]
            total += r
            per_card[HOLE_CARDS[h, 0]] += r
            per_card[HOLE_CARDS[h, 1]] += r
        i = j
    for c in range(N_CARDS):
        per_card[c] = 0.0
    total = 0.0
    i = n - 1
    while i >= 0:  # descending: subtract what is stronger
        j = i
        s = strength[order[i]]
        while j >= 0 and strength[order[j]] == s:
            h = order[j]
            out[h] = stake * (out[h] - (total - per_card[HOLE_CARDS[h, 0]] - per_card[HOLE_CARDS[h, 1]]))
            j -= 1
        for m in range(j + 1, i + 1):
            h = order[m]
            r = opp_reach[h]
            total += r
            per_card[HOLE_CARDS[h, 0]] += r
            per_card[HOLE_CARDS[h, 1]] += r
        i = j
