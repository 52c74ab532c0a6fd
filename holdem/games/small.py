"""Shared pieces of the small exact games: a compiled dealer wrapper and deal enumeration.

Kuhn and Leduc deal a few distinct cards from a tiny deck: one private card
per seat, then (Leduc) one public card.  A partial Fisher-Yates shuffle
(Knuth, TAOCP vol. 2, Algorithm P) draws them; it is uniform whatever order
the deck array is in, so the deck is not reset between hands.
"""
from __future__ import annotations

import itertools
from typing import Callable

import numpy as np
from numba import njit

from holdem.mccfr.rng import next_below


@njit(cache=True, nogil=True, inline="always")
def draw_distinct(state, deck, k, out):
    """Draw ``k`` distinct cards of ``deck`` (permuted in place) into ``out[:k]``; returns the new state."""
    size = deck.shape[0]
    for i in range(k):
        state, j = next_below(state, size - i)
        j += i
        tmp = deck[i]
        deck[i] = deck[j]
        deck[j] = tmp
        out[i] = deck[i]
    return state


class SmallDealer:
    """:class:`holdem.games.spec.Dealer` over a compiled ``fill(seed, buckets, strength)``.

    ``fill`` deals ``buckets.shape[0]`` hands one after the other from one
    stream seeded by ``seed`` (hence prefix-stable).
    """

    def __init__(self, fill: Callable, n_players: int, n_streets: int):
        self._fill = fill
        self.n_players = n_players
        self.n_streets = n_streets

    def deal(self, seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        if n < 0:
            raise ValueError(f"number of hands must be >= 0, got {n}")
        buckets = np.empty((n, self.n_players, self.n_streets), dtype=np.int32)
        strength = np.empty((n, self.n_players), dtype=np.int64)
        self._fill(np.int64(int(seed) & ((1 << 63) - 1)), buckets, strength)
        return buckets, strength


def enumerate_deals(deck_size: int, n_cards: int) -> np.ndarray:
    """Every ordered tuple of ``n_cards`` distinct cards of ``range(deck_size)``: int64[D, n_cards]."""
    return np.asarray(list(itertools.permutations(range(deck_size), n_cards)), dtype=np.int64)


def history_on_street(tree, node: int, street: int) -> list[tuple[int, int]]:
    """(node, action index) pairs on the path to ``node`` taken on ``street``, in order."""
    steps: list[tuple[int, int]] = []
    while tree.parent[node] >= 0:
        parent = int(tree.parent[node])
        if tree.street[parent] == street:
            steps.append((parent, int(tree.parent_action[node])))
        node = parent
    return steps[::-1]
