"""The merge rule for tables that several writers changed from a common base, compiled.

A writer that trained on a copy of some entries sends, for each, its new
value and the value it started from (its base).  Merged into the table as it
is now: an entry still equal to the base bit for bit (nobody else touched
it) takes the writer's value as is; any other gets the writer's change
(value - base) added, as lock-free writers add theirs (Hogwild; Recht et al.
2011).  Comparing bits rather than values keeps the rule exact where it
matters: a run with one writer reproduces that writer's tables bit for bit.

Used by local workers' private copies (:mod:`worker.private`) and by remote
syncs (:mod:`worker.sync`), on both ends.
"""
from __future__ import annotations

import numpy as np
from numba import njit


def bits(a: np.ndarray) -> np.ndarray:
    """The entries as unsigned ints of their width: compared bit for bit, 0.0 vs -0.0 and NaN count as changes."""
    return a.view(np.uint32 if a.dtype.itemsize == 4 else np.uint64)


_NO_MARKS = np.zeros(0, np.uint32)
_NO_CELL = np.zeros(1, np.uint32)


@njit(cache=True, nogil=True, error_model="numpy", _nrt=False)
def _merge_in_place(table, table_bits, index, base, base_bits, values, old, marks, cell, shift):
    finite = True
    keep = marks.shape[0] != 0
    epoch = cell[0]
    for k in range(index.shape[0]):
        i = index[k]
        now = table[i]
        if table_bits[i] == base_bits[k]:
            r = values[k]
        else:
            r = now + (values[k] - base[k])
        old[k] = now
        if keep:
            marks[i >> shift] = epoch
        table[i] = r
        if not np.isfinite(r):
            finite = False
    return finite


def merge_in_place(table: np.ndarray, index: np.ndarray, base: np.ndarray, values: np.ndarray,
                   marks: np.ndarray = _NO_MARKS, cell: np.ndarray = _NO_CELL, shift: int = 0
                   ) -> tuple[np.ndarray, bool]:
    """Merge into ``table`` at ``index`` (int64) in one pass, marking each entry's block (zero-length
    ``marks``: none); returns the values it replaced (for :func:`restore`) and whether every result is
    finite."""
    base = np.ascontiguousarray(base, dtype=table.dtype)
    values = np.ascontiguousarray(values, dtype=table.dtype)
    old = np.empty(len(index), table.dtype)
    finite = _merge_in_place(table, bits(table), index, base, bits(base), values, old, marks, cell, shift)
    return old, bool(finite)


@njit(cache=True, nogil=True, error_model="numpy", _nrt=False)
def restore(table, index, old):
    """Undo :func:`merge_in_place`: put back the values it replaced."""
    for k in range(index.shape[0]):
        table[index[k]] = old[k]


def merge_values(now: np.ndarray, base: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The rule entry by entry over arrays of one length (``now``: the table's entries, gathered), as a new
    array; a non-finite result is returned as is, for the caller to refuse."""
    out = np.array(now, copy=True)
    merge_in_place(out, np.arange(len(out), dtype=np.int64), base, values)
    return out


@njit(cache=True, nogil=True, error_model="numpy", _nrt=False)
def all_finite(values) -> bool:
    for k in range(values.shape[0]):
        if not np.isfinite(values[k]):
            return False
    return True
