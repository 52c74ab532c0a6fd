import numpy as np
import pytest
from numba import njit

from holdem.mccfr.rng import mix, mix_py, next_below, next_float, splitmix64, splitmix64_py, stream_state


def test_splitmix64_reference_value():
    # first output of SplitMix64 seeded with 0 (Steele et al. 2014 / Vigna's reference splitmix64.c)
    assert splitmix64_py(0) == 0xE220A8397B1DCDAF
    assert int(splitmix64(0)) == 0xE220A8397B1DCDAF


@pytest.mark.parametrize("seed,index", [(0, 0), (1, 2), (2**63 - 1, 12345), (987654321, 2**40)])
def test_python_and_compiled_mix_agree(seed, index):
    assert mix_py(seed, index) == int(mix(seed, index))
    assert 0 <= mix_py(seed, index) < 2**63


@njit(cache=True)
def _draws(seed, n, k):
    s = stream_state(seed)
    ints = np.empty(n, dtype=np.int64)
    floats = np.empty(n)
    for i in range(n):
        s, ints[i] = next_below(s, k)
        s, floats[i] = next_float(s)
    return ints, floats


def test_draws_are_in_range_and_roughly_uniform():
    ints, floats = _draws(5, 200_000, 6)
    assert ints.min() == 0 and ints.max() == 5
    assert np.all((floats >= 0) & (floats < 1))
    counts = np.bincount(ints, minlength=6) / len(ints)
    assert np.abs(counts - 1 / 6).max() < 0.005
    assert abs(floats.mean() - 0.5) < 0.005
