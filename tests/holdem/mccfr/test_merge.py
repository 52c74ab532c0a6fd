"""The merge rule: untouched entries take the writer's value bit for bit, touched ones get its change added."""
import numpy as np

from holdem.mccfr.blocks import BLOCK_SHIFT, BlockMarks
from holdem.mccfr.merge import merge_at, merge_checked, merge_values, store_at


def test_untouched_entries_take_the_value_and_touched_ones_add_the_change():
    now = np.array([1.0, 5.0, -0.0, 0.1], np.float32)
    base = np.array([1.0, 2.0, 0.0, 0.1], np.float32)
    values = np.array([3.0, 4.0, 7.0, 0.3], np.float32)
    out = merge_values(now, base, values)
    # entry 2: -0.0 differs from 0.0 bit for bit, so the change is added (the same number, but the rule is bits)
    assert out.tolist() == [3.0, 7.0, 7.0, np.float32(0.3)]
    assert out[3].tobytes() == values[3].tobytes()  # no rounding through now + (value - base)


def test_overflow_is_reported_not_hidden():
    out, finite = merge_checked(np.array([3e38], np.float32), np.array([0.0], np.float32),
                                np.array([3e38], np.float32))
    assert not finite and np.isinf(out[0])


def test_merge_at_gathers_and_store_at_marks_before_it_writes():
    table = np.arange(4096, dtype=np.float64)
    index = np.array([5, 2048, 4000])
    out, finite = merge_at(table, index, table[index].copy(), np.array([-1.0, -2.0, -3.0]))
    assert finite and out.tolist() == [-1.0, -2.0, -3.0] and table[5] == 5.0  # nothing written yet
    marks = BlockMarks.zeros(len(table))
    store_at(table, index, out, marks.marks[1], marks.cell, BLOCK_SHIFT)
    assert table[index].tolist() == [-1.0, -2.0, -3.0]
    assert list(marks.at(1, marks.epoch)) == sorted({5 >> BLOCK_SHIFT, 2048 >> BLOCK_SHIFT, 4000 >> BLOCK_SHIFT})
    store_at(table, index[:1], np.array([9.0]), np.zeros(0, np.uint32), marks.cell, BLOCK_SHIFT)
    assert table[5] == 9.0
