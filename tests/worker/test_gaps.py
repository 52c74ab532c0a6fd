"""Byte-coded gaps: round trips at every gap width, and bad data named, never read past."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from worker import gaps


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(1, 2**32 - 1), max_size=300), st.integers(0, 2**40))
def test_round_trip(steps, start):
    index = start + np.concatenate(([0], np.cumsum(steps, dtype=np.int64))).astype(np.int64)
    data = gaps.encode(index)
    assert len(data) == sum(1 if g < 256 else 5 for g in steps)
    out = gaps.decode(data, int(index[0]), len(index), int(index[-1]) + 1)
    assert isinstance(out, np.ndarray) and out.tolist() == index.tolist()


@pytest.mark.parametrize("index", [[3, 3], [5, 4], [0, 2**32]])
def test_gaps_that_cannot_be_coded_are_refused(index):
    with pytest.raises(ValueError):
        gaps.encode(np.array(index))


@pytest.mark.parametrize("data, count, limit, error", [
    (b"\x01", 3, 100, "end before"),
    (b"\x00\x01\x00", 2, 100, "end before"),
    (b"\x01\x01\x01", 3, 100, "left over"),
    (b"\x00\x00\x00\x00\x00", 2, 100, "zero gap"),
    (b"\x10", 2, 10, "past the table"),
    (b"", 1, 5, "past the table"),  # the start itself
    (b"x", 0, 100, "left over"),
])
def test_bad_data_is_named(data, count, limit, error):
    start = 7 if limit == 5 else 0
    out = gaps.decode(data, start, count, limit)
    assert isinstance(out, str) and error in out
