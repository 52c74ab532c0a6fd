"""The prefetch intrinsic: it compiles in kernels, changes nothing, and takes only 1-d arrays."""
from __future__ import annotations

import numpy as np
import pytest
from numba import njit
from numba.core.errors import TypingError

from holdem.game.tree_arrays import NODE_DTYPE
from holdem.mccfr.prefetch import prefetch


@njit(cache=False)
def _sum_ahead(values, records):
    total = 0.0
    for i in range(values.shape[0]):
        prefetch(values, (i * 7919) % values.shape[0])  # anywhere in the array, in no order
        prefetch(records, i % records.shape[0])
        total += values[i]
    return total


def test_prefetching_changes_no_result():
    values = np.random.default_rng(1).random(10_000)
    records = np.zeros(5, NODE_DTYPE)
    assert _sum_ahead(values, records) == pytest.approx(values.sum(), rel=1e-12)
    assert not records["offset"].any()


def test_prefetch_takes_a_one_dimensional_array_and_an_index():
    @njit(cache=False)
    def on_matrix(a):
        prefetch(a, 0)

    with pytest.raises(TypingError):
        on_matrix(np.zeros((2, 2)))
