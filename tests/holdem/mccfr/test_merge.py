"""The merge rule: untouched entries take the writer's value bit for bit, touched ones get its change added."""
import numpy as np

from holdem.mccfr.blocks import BLOCK_SHIFT, BlockMarks
from holdem.mccfr.merge import merge_in_place, merge_values, restore


def test_untouched_entries_take_the_value_and_touched_ones_add_the_change():
    now = np.array([1.0, 5.0, -0.0, 0.1], np.float32)
    base = np.array([1.0, 2.0, 0.0, 0.1], np.float32)
    values = np.array([3.0, 4.0, 7.0, 0.3], np.float32)
    out = merge_values(now, base, values)
    # entry 2: -0.0 differs from 0.0 bit for bit, so the change is added (the same number, but the rule is bits)
    assert out.tolist() == [3.0, 7.0, 7.0, np.float32(0.3)]
    assert out[3].tobytes() == values[3].tobytes()  # no rounding through now + (value - base)


def test_overflow_is_reported_and_undone_exactly():
    table = np.array([3e38, 1.5], np.float32)
    index = np.array([0, 1])
    old, finite = merge_in_place(table, index, np.array([0.0, 1.5], np.float32), np.array([3e38, 2.5], np.float32))
    assert not finite and np.isinf(table[0]) and table[1] == 2.5
    restore(table, index, old)
    assert table.tolist() == [np.float32(3e38), 1.5]


def test_merge_in_place_marks_each_entrys_block():
    table = np.arange(4096, dtype=np.float64)
    index = np.array([5, 2048, 4000])
    marks = BlockMarks.zeros(len(table))
    old, finite = merge_in_place(table, index, table[index].copy(), np.array([-1.0, -2.0, -3.0]), marks.marks[1],
                                 marks.cell, BLOCK_SHIFT)
    assert finite and old.tolist() == [5.0, 2048.0, 4000.0] and table[index].tolist() == [-1.0, -2.0, -3.0]
    assert list(marks.at(1, marks.epoch)) == sorted({5 >> BLOCK_SHIFT, 2048 >> BLOCK_SHIFT, 4000 >> BLOCK_SHIFT})
