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


def _bits(a: np.ndarray) -> np.ndarray:
    return a.view(np.uint32 if a.dtype.itemsize == 4 else np.uint64)


@njit(cache=True, nogil=True, error_model="numpy", _nrt=False)
def _merge(now, now_bits, base, base_bits, values, out):
    finite = True
    for k in range(out.shape[0]):
        if now_bits[k] == base_bits[k]:
            r = values[k]
        else:
            r = now[k] + (values[k] - base[k])
        out[k] = r
        if not np.isfinite(r):
            finite = False
    return finite


def merge_values(now: np.ndarray, base: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The rule entry by entry over arrays of one dtype and length (``now``: the table's entries, gathered);
    a non-finite result is returned as is, for the caller to refuse."""
    now = np.ascontiguousarray(now)
    base = np.ascontiguousarray(base, dtype=now.dtype)
    values = np.ascontiguousarray(values, dtype=now.dtype)
    out = np.empty_like(now)
    _merge(now, _bits(now), base, _bits(base), values, out)
    return out


def merge_checked(now: np.ndarray, base: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, bool]:
    """:func:`merge_values` and whether every result is finite."""
    now = np.ascontiguousarray(now)
    base = np.ascontiguousarray(base, dtype=now.dtype)
    values = np.ascontiguousarray(values, dtype=now.dtype)
    out = np.empty_like(now)
    return out, bool(_merge(now, _bits(now), base, _bits(base), values, out))


@njit(cache=True, nogil=True, error_model="numpy", _nrt=False)
def all_finite(values) -> bool:
    for k in range(values.shape[0]):
        if not np.isfinite(values[k]):
            return False
    return True


@njit(cache=True, nogil=True, error_model="numpy", _nrt=False)
def _merge_at(table, table_bits, index, base, base_bits, values, out):
    finite = True
    for k in range(index.shape[0]):
        i = index[k]
        if table_bits[i] == base_bits[k]:
            r = values[k]
        else:
            r = table[i] + (values[k] - base[k])
        out[k] = r
        if not np.isfinite(r):
            finite = False
    return finite


def merge_at(table: np.ndarray, index: np.ndarray, base: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, bool]:
    """The merged values of the entries ``index`` (int64, any order) of ``table``, and whether all are finite;
    nothing is written (see :func:`store_at`)."""
    base = np.ascontiguousarray(base, dtype=table.dtype)
    values = np.ascontiguousarray(values, dtype=table.dtype)
    out = np.empty(len(index), table.dtype)
    return out, bool(_merge_at(table, _bits(table), index, base, _bits(base), values, out))


@njit(cache=True, nogil=True, error_model="numpy", _nrt=False)
def store_at(table, index, values, marks, cell, shift):
    """table[index] = values, marking each entry's block with the epoch ``cell[0]`` first (zero-length
    ``marks``: none kept)."""
    keep = marks.shape[0] != 0
    epoch = cell[0]
    for k in range(index.shape[0]):
        i = index[k]
        if keep:
            marks[i >> shift] = epoch
        table[i] = values[k]


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


def merge_in_place(table: np.ndarray, index: np.ndarray, base: np.ndarray, values: np.ndarray, marks: np.ndarray,
                   cell: np.ndarray, shift: int) -> tuple[np.ndarray, bool]:
    """Merge into ``table`` at ``index`` (int64) in one pass, marking each entry's block (zero-length
    ``marks``: none); returns the values it replaced (for :func:`restore`) and whether every result is
    finite."""
    base = np.ascontiguousarray(base, dtype=table.dtype)
    values = np.ascontiguousarray(values, dtype=table.dtype)
    old = np.empty(len(index), table.dtype)
    finite = _merge_in_place(table, _bits(table), index, base, _bits(base), values, old, marks, cell, shift)
    return old, bool(finite)


@njit(cache=True, nogil=True, error_model="numpy", _nrt=False)
def restore(table, index, old):
    """Undo :func:`merge_in_place`: put back the values it replaced."""
    for k in range(index.shape[0]):
        table[index[k]] = old[k]
