"""fetch_or: one atomic read-modify-write, so two threads claiming bits of the same words claim each once."""
from __future__ import annotations

import threading

import numpy as np
from numba import njit

from holdem.mccfr.atomic import fetch_or


@njit(nogil=True)
def _claim(words, order, won):
    n = 0
    for k in range(order.shape[0]):
        i = order[k]
        bit = np.uint64(1) << np.uint64(i & 63)
        if fetch_or(words, i >> 6, bit) & bit == 0:
            won[n] = i
            n += 1
    return n


@njit
def _or_at(words, index, value):
    return fetch_or(words, index, value)


def test_fetch_or_returns_the_old_word_and_sets_the_bits():
    words = np.array([0b0101, 7], np.uint64)
    assert _or_at(words, 0, np.uint64(0b0011)) == 0b0101
    assert words.tolist() == [0b0111, 7]
    assert _or_at(words, 1, np.uint64(1) << np.uint64(63)) == 7
    assert words[1] == (1 << 63) | 7


def test_two_threads_claim_every_bit_exactly_once():
    size = 1 << 21  # bits; plain load-or-store loses some hundreds of them to the other thread at this size
    words = np.zeros(size >> 6, np.uint64)
    rng = np.random.default_rng(3)
    orders = [rng.permutation(size) for _ in range(2)]
    won = [np.empty(size, np.int64) for _ in range(2)]
    _claim(np.zeros(1, np.uint64), np.zeros(1, np.int64), won[0])  # compiled before the threads start
    counts = [0, 0]

    def claim(j: int) -> None:
        counts[j] = _claim(words, orders[j], won[j])

    threads = [threading.Thread(target=claim, args=(j,)) for j in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    claimed = np.concatenate([won[j][:counts[j]] for j in range(2)])
    assert len(claimed) == size and np.array_equal(np.sort(claimed), np.arange(size))
    assert (words == np.iinfo(np.uint64).max).all()
