"""Strategies read off the tables: regret matching (current) and normalised sums (average).

Current strategy: regret matching (Hart & Mas-Colell 2000), positive regrets
normalised, uniform when none is positive.  Average strategy: the cumulative
strategy row normalised; a row never accumulated (a street outside
``average_streets``, or never reached) falls back to the current strategy, as
Pluribus's blueprint does after the preflop.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from holdem.game.tree_arrays import NODE_DECISION


@njit(cache=True, nogil=True, inline="always")
def match_row(regret, sigma):
    """Regret matching of one row of action regrets (a 1-D view) into ``sigma``: positive regrets normalised,
    uniform when none is positive.  The one copy every solver here calls (the MCCFR kernel fuses it with
    sampling)."""
    n = regret.shape[0]
    pos = 0.0
    for a in range(n):
        if regret[a] > 0.0:
            pos += regret[a]
    for a in range(n):
        if pos > 0.0:
            sigma[a] = max(regret[a], 0.0) / pos
        else:
            sigma[a] = 1.0 / n


@njit(cache=True, nogil=True)
def match_rows(regret, sigma):
    """:func:`match_row` for every row of ``regret[H, A]`` (hands by actions) into ``sigma[H, A]``."""
    for h in range(regret.shape[0]):
        match_row(regret[h], sigma[h])


@njit(cache=True, nogil=True)
def _fill_policy(kind, street, n_actions, offset, buckets_per_street, regret, strategy, use_average, out):
    for node in range(kind.shape[0]):
        if kind[node] != NODE_DECISION:
            continue
        na = n_actions[node]
        for b in range(buckets_per_street[street[node]]):
            row = offset[node] + b * na
            if use_average:
                total = 0.0
                for a in range(na):
                    total += strategy[row + a]
                if total > 0.0:
                    for a in range(na):
                        out[row + a] = strategy[row + a] / total
                    continue
            match_row(regret[row:row + na], out[row:row + na])


def _policy(tree, layout, regret, strategy, use_average: bool) -> np.ndarray:
    out = np.zeros(layout.size, dtype=np.float64)
    _fill_policy(
        np.ascontiguousarray(tree.kind, dtype=np.int8), np.ascontiguousarray(tree.street, dtype=np.int8),
        np.ascontiguousarray(tree.n_actions, dtype=np.int8), np.ascontiguousarray(layout.offset, dtype=np.int64),
        np.asarray(layout.buckets_per_street, dtype=np.int64), regret, strategy, use_average, out,
    )
    return out


def current_strategy(tree, layout, regret: np.ndarray) -> np.ndarray:
    """float64[layout.size]: regret-matching probabilities of every row."""
    return _policy(tree, layout, regret, regret, False)


def average_strategy(tree, layout, regret: np.ndarray, strategy: np.ndarray) -> np.ndarray:
    """float64[layout.size]: normalised strategy sums; rows with no sum use the current strategy."""
    return _policy(tree, layout, regret, strategy, True)
