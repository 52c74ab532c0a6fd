"""Boards up to suit renaming: one representative per class, with the class size.

The bucket builder computes features per board (see
:mod:`holdem.abstraction.features`), so it visits one board of each
suit-isomorphism class instead of all C(52, k): 1,755 flops, 16,432 turns and
134,459 rivers.  Every (hole, board) hand is the image of some (hole', B)
with B a representative, so writing a bucket for every hole of every
representative fills every index of :mod:`holdem.isomorphism`.

A representative is the board whose sorted card codes, packed into one
integer, are the smallest over the 24 suit permutations; the class size is
the number of distinct boards those permutations give.
"""
from __future__ import annotations

from functools import lru_cache
from itertools import permutations

import numpy as np
from numba import njit

from holdem.cards import N_CARDS, N_SUITS

_PERMS = np.array(list(permutations(range(N_SUITS))), dtype=np.int64)  # 24 x 4
_CODE_BITS = 6  # one card code per 6 bits


@njit(cache=True, nogil=True)
def _code(cards, k):
    """Pack k sorted card codes into one integer (insertion sort on a copy)."""
    s = cards[:k].copy()
    for i in range(1, k):
        v = s[i]
        j = i - 1
        while j >= 0 and s[j] > v:
            s[j + 1] = s[j]
            j -= 1
        s[j + 1] = v
    code = np.int64(0)
    for i in range(k):
        code = (code << _CODE_BITS) | s[i]
    return code


@njit(cache=True, nogil=True)
def _next_combination(c, k, n):
    i = k - 1
    while i >= 0 and c[i] == n - k + i:
        i -= 1
    if i < 0:
        return False
    c[i] += 1
    for j in range(i + 1, k):
        c[j] = c[j - 1] + 1
    return True


@njit(cache=True, nogil=True)
def _representatives(k, perms):
    count = 1
    for i in range(k):
        count = count * (N_CARDS - i) // (i + 1)
    boards = np.empty((count, k), np.int8)
    weights = np.empty(count, np.int64)
    c = np.arange(k).astype(np.int64)
    moved = np.empty(k, np.int64)
    images = np.empty(perms.shape[0], np.int64)
    n = 0
    while True:
        own = _code(c, k)
        smallest = True
        for p in range(perms.shape[0]):
            for i in range(k):
                moved[i] = (c[i] & ~np.int64(3)) | perms[p, c[i] & 3]
            images[p] = _code(moved, k)
            if images[p] < own:
                smallest = False
                break
        if smallest:
            boards[n] = c
            weights[n] = np.unique(images).shape[0]
            n += 1
        if not _next_combination(c, k, N_CARDS):
            break
    return boards[:n].copy(), weights[:n].copy()


@lru_cache(maxsize=None)
def representative_boards(board_len: int) -> tuple[np.ndarray, np.ndarray]:
    """(boards int8[m, board_len] sorted ascending, class sizes int64[m]) for board_len 3, 4 or 5.

    The class sizes sum to C(52, board_len).
    """
    if board_len not in (3, 4, 5):
        raise ValueError(f"bad board length {board_len!r}: expected 3, 4 or 5")
    boards, weights = _representatives(board_len, _PERMS)
    boards.setflags(write=False)
    weights.setflags(write=False)
    return boards, weights
