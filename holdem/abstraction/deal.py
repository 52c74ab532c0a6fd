"""The Hold'em dealer: seeded hands with every seat's bucket on every street (compiled).

For a batch of hands, each drawn from its own SplitMix64/xorshift stream
``mix(seed, hand_number)`` (so ``deal(seed, m)`` is a prefix of
``deal(seed, n)``, as :mod:`holdem.games.spec` requires), the kernel deals
two hole cards per seat and a five-card board, then computes once per hand:

* preflop bucket: the starting-hand class (:mod:`holdem.isomorphism`);
* flop and turn buckets: the bucket tables at the hand's isomorphism index;
* river bucket: the river table at the hand's index when the bucket file
  has one (memory-mapped), else the exact river equity (one ranking of the
  1081 possible holes on the board, shared by all seats;
  :func:`river_equities`) through the file's equity lookup -- the same
  bucket either way, since the table is that lookup applied to every index;
* showdown strength: the seat's 7-card rank from the evaluator.

Traversals then read ``buckets[hand, seat, street]`` and never touch cards.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from numba import njit

from holdem.abstraction.buckets import BucketTables, table_dtype
from holdem.abstraction.features import HOLE_ID, N_HOLES, RIVER_HOLES, river_equities
from holdem.cards import N_CARDS
from holdem.evaluator import eval7_codes
from holdem.isomorphism import index_hole_board
from holdem.mccfr.rng import mix, next_below, stream_state

N_STREETS = 4
BOARD_CARDS = 5
MAX_PLAYERS = 6  # 2 * 6 + 5 = 17 cards dealt at most
BOARD_LEN_OF_STREET = (0, 3, 4, 5)


@njit(cache=True, nogil=True)
def _deal_cards(state, n_cards, deck, out):
    """Partial Fisher-Yates: the first n_cards of a shuffled deck into out."""
    for i in range(N_CARDS):
        deck[i] = i
    for i in range(n_cards):
        state, j = next_below(state, N_CARDS - i)
        j += i
        deck[i], deck[j] = deck[j], deck[i]
        out[i] = deck[i]
    return state


@njit(cache=True, nogil=True)
def deal_kernel(seed, first, n_players, flop, turn, river_lut, river, cards, buckets, strength):
    """Hands first .. first+len(buckets)-1 of stream ``seed``.

    river   the river table, or an empty array to compute equity on the fly
    cards   int8[n, 2P + 5]  hole cards of seat 0, 1, ... then the board
    buckets int32[n, P, 4]
    strength int64[n, P]    7-card rank, higher wins
    """
    use_table = river.shape[0] > 0
    deck = np.empty(N_CARDS, np.int64)
    dealt = np.empty(2 * n_players + BOARD_CARDS, np.int64)
    eq = np.empty(N_HOLES, np.int32)
    keys = np.empty(RIVER_HOLES, np.int64)
    for h in range(buckets.shape[0]):
        state = stream_state(mix(seed, first + h))
        _deal_cards(state, dealt.shape[0], deck, dealt)
        board = dealt[2 * n_players :]
        if not use_table:
            river_equities(board, eq, keys)
        for p in range(n_players):
            hole = dealt[2 * p : 2 * p + 2]
            buckets[h, p, 0] = index_hole_board(hole, board, 0)
            buckets[h, p, 1] = flop[index_hole_board(hole, board, 3)]
            buckets[h, p, 2] = turn[index_hole_board(hole, board, 4)]
            if use_table:
                buckets[h, p, 3] = river[index_hole_board(hole, board, 5)]
            else:
                buckets[h, p, 3] = river_lut[eq[HOLE_ID[hole[0], hole[1]]]]
            strength[h, p] = eval7_codes(hole[0], hole[1], board[0], board[1], board[2], board[3], board[4])
        for i in range(dealt.shape[0]):
            cards[h, i] = dealt[i]


class HoldemDealer:
    """Deals Hold'em hands with buckets from one :class:`BucketTables` (see the module docstring)."""

    def __init__(self, tables: BucketTables, n_players: int):
        if not 2 <= n_players <= MAX_PLAYERS:
            raise ValueError(f"n_players must be in 2..{MAX_PLAYERS}; got {n_players}")
        self.tables = tables
        self.n_players = int(n_players)
        self.buckets_per_street = tables.buckets_per_street
        self._flop = np.ascontiguousarray(tables.flop)
        self._turn = np.ascontiguousarray(tables.turn)
        self._lut = np.ascontiguousarray(tables.river_lut)
        # an empty table selects exact equity per hand inside the kernel
        self._river = (np.asarray(tables.river) if tables.river is not None
                       else np.zeros(0, table_dtype(tables.preset.river_buckets)))

    def deal_with_cards(self, seed: int, n: int, first: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(buckets int32[n, P, 4], strength int64[n, P], cards int8[n, 2P+5]) of hands first..first+n-1."""
        if n < 0 or first < 0:
            raise ValueError(f"need n >= 0 and first >= 0; got n={n}, first={first}")
        p = self.n_players
        buckets = np.empty((n, p, N_STREETS), np.int32)
        strength = np.empty((n, p), np.int64)
        cards = np.empty((n, 2 * p + BOARD_CARDS), np.int8)
        deal_kernel(np.uint64(seed & (2**64 - 1)), np.int64(first), p, self._flop, self._turn, self._lut,
                    self._river, cards, buckets, strength)
        return buckets, strength, cards

    def deal(self, seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        buckets, strength, _ = self.deal_with_cards(seed, n)
        return buckets, strength


def hand_buckets(tables: BucketTables, hole: Sequence[int], board: Sequence[int]) -> list[int]:
    """Bucket of ``hole`` on each street that ``board`` (0, 3, 4 or 5 cards) has reached.

    Uses the dealer's own kernels and tables, so a lookup always agrees with dealing.
    """
    hole = [int(c) for c in hole]
    board = [int(c) for c in board]
    cards = hole + board
    if len(hole) != 2 or len(board) not in BOARD_LEN_OF_STREET:
        raise ValueError(f"need 2 hole cards and 0, 3, 4 or 5 board cards; got {len(hole)} and {len(board)}")
    if len(set(cards)) != len(cards) or not all(0 <= c < N_CARDS for c in cards):
        raise ValueError(f"cards must be distinct codes 0..{N_CARDS - 1}; got {cards}")
    h = np.array(hole, np.int64)
    b = np.array(board + [0] * (BOARD_CARDS - len(board)), np.int64)
    out = [int(index_hole_board(h, b, 0))]
    if len(board) >= 3:
        out.append(int(tables.flop[index_hole_board(h, b, 3)]))
    if len(board) >= 4:
        out.append(int(tables.turn[index_hole_board(h, b, 4)]))
    if len(board) == 5 and tables.river is not None:
        out.append(int(tables.river[index_hole_board(h, b, 5)]))
    elif len(board) == 5:
        eq = np.empty(N_HOLES, np.int32)
        river_equities(b, eq, np.empty(RIVER_HOLES, np.int64))
        out.append(int(tables.river_lut[eq[HOLE_ID[hole[0], hole[1]]]]))
    return out
