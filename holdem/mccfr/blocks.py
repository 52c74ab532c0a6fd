"""Which row blocks of the tables were written since when: epochs per block, and copy-on-first-write bases.

Syncing tables between hosts must cost what changed, not the table size, so
every writer records *where* it wrote.  A table is cut into blocks of
:data:`BLOCK_ENTRIES` consecutive entries; each table has one ``uint32``
mark per block, and a one-entry *epoch cell* says the current epoch.  Before
a writer changes entries of a block it sets the block's mark to the current
epoch (:func:`touch`).  A reader that wants "every block written since epoch
e" advances the cell and takes the blocks whose mark is at least ``e``: the
cost is one pass over the marks (a 1/1024 of the table) and the changed
blocks themselves.

With a *base* array beside a table, :func:`touch` also copies a block into the
base the first time it is written in an epoch (copy on first write), so the
base holds the block as it was when the epoch began: what a remote host
needs to send (value, base) pairs for the entries it changed
(:mod:`worker.sync`), for the blocks it dirtied only.  The bases are lazily
backed (:func:`holdem.mccfr.pages.lazy_zeros`), so they take memory only for
blocks written since the last sync.

Writers read the epoch cell on every first write of a block, so a reader
that advances it sees later writes under the new epoch.  Marks are plain
stores, as the tables' own lock-free updates are (Hogwild; Recht et al.
2011): two threads that both write a block first in one epoch may both copy
it, and the later copy can hold the earlier thread's first write, which then
reaches the other side as a change of the base rather than of the value.
That loses an update as a collision of two lock-free writes of one entry
does; with one writing thread the bases are exact.

Untracked tables pass zero-length marks (every check is then one branch).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

BLOCK_SHIFT = 10
BLOCK_ENTRIES = 1 << BLOCK_SHIFT  # 4 KiB of regrets, 8 KiB of strategy sums: a page or two of each
MARK_DTYPE = np.dtype("<u4")
FIRST_EPOCH = 1  # marks start at 0: "never written"


def block_count(size: int) -> int:
    return -(-int(size) // BLOCK_ENTRIES)


@njit(cache=True, nogil=True, error_model="numpy", _nrt=False, inline="always")
def touch(marks, cell, base, table, row, n):
    """Entries ``row .. row + n - 1`` of ``table`` are about to be written: mark their blocks with the
    current epoch (``cell[0]``), first copying a block not yet marked into ``base`` if ``base`` is not empty."""
    if marks.shape[0] == 0:
        return
    epoch = cell[0]
    b = row >> BLOCK_SHIFT
    last = (row + n - 1) >> BLOCK_SHIFT
    while b <= last:
        if marks[b] != epoch:
            if base.shape[0] != 0:
                lo = b << BLOCK_SHIFT
                hi = min(lo + BLOCK_ENTRIES, table.shape[0])
                for i in range(lo, hi):
                    base[i] = table[i]
            marks[b] = epoch
        b += 1


@njit(cache=True, nogil=True, error_model="numpy", _nrt=False)
def touch_all(marks, cell, base, table):
    """Every block of ``table`` is about to be written (a kernel that does not mark its writes)."""
    if marks.shape[0] != 0 and table.shape[0] != 0:
        touch(marks, cell, base, table, 0, table.shape[0])


@njit(cache=True, nogil=True, error_model="numpy", _nrt=False)
def touch_entries(marks, cell, base, table, index):
    """:func:`touch` for each of the entries ``index``."""
    for k in range(index.shape[0]):
        touch(marks, cell, base, table, index[k], 1)


_EMPTY_MARKS = np.zeros(0, MARK_DTYPE)
_EMPTY_CELL = np.full(1, FIRST_EPOCH, MARK_DTYPE)


@dataclass(frozen=True)
class Tracking:
    """What a kernel needs to record its writes: a cell, marks per table, and bases per table (or empty)."""

    cell: np.ndarray
    regret_marks: np.ndarray
    strategy_marks: np.ndarray
    regret_base: np.ndarray
    strategy_base: np.ndarray

    @classmethod
    def off(cls) -> "Tracking":
        return cls(_EMPTY_CELL, _EMPTY_MARKS, _EMPTY_MARKS, np.zeros(0, np.float32), np.zeros(0, np.float64))

    @property
    def on(self) -> bool:
        return self.regret_marks.shape[0] != 0

    def kernel_args(self) -> tuple:
        return self.cell, self.regret_marks, self.strategy_marks, self.regret_base, self.strategy_base


class BlockMarks:
    """The epoch cell and both tables' marks, over arrays it is given (shared memory, or private)."""

    def __init__(self, cell: np.ndarray, marks: np.ndarray) -> None:
        if cell.dtype != MARK_DTYPE or cell.shape != (1,):
            raise ValueError(f"the epoch cell must be one {MARK_DTYPE}, got {cell.dtype} {cell.shape}")
        if marks.dtype != MARK_DTYPE or marks.ndim != 2 or marks.shape[0] != 2:
            raise ValueError(f"marks must be {MARK_DTYPE}[2, blocks], got {marks.dtype} {marks.shape}")
        self.cell = cell
        self.marks = marks  # row 0: regret, row 1: strategy
        if self.cell[0] < FIRST_EPOCH:
            self.cell[0] = FIRST_EPOCH

    @classmethod
    def zeros(cls, size: int) -> "BlockMarks":
        return cls(np.full(1, FIRST_EPOCH, MARK_DTYPE), np.zeros((2, block_count(size)), MARK_DTYPE))

    @property
    def epoch(self) -> int:
        return int(self.cell[0])

    def advance(self) -> int:
        """Start a new epoch; returns the one that ended (writes from now on carry a larger mark)."""
        ended = int(self.cell[0])
        self.cell[0] = ended + 1
        return ended

    def since(self, table: int, epoch: int) -> np.ndarray:
        """The blocks of ``table`` marked ``epoch`` or later (sorted)."""
        return np.flatnonzero(self.marks[table] >= epoch)

    def at(self, table: int, epoch: int) -> np.ndarray:
        return np.flatnonzero(self.marks[table] == epoch)

    def tracking(self, regret_base: np.ndarray | None = None, strategy_base: np.ndarray | None = None) -> Tracking:
        off = Tracking.off()
        return Tracking(self.cell, self.marks[0], self.marks[1],
                        off.regret_base if regret_base is None else regret_base,
                        off.strategy_base if strategy_base is None else strategy_base)


def block_runs(blocks: np.ndarray, size: int, max_entries: int) -> list[tuple[int, int]]:
    """Sorted block ids as (first entry, entries) runs of consecutive blocks, each at most ``max_entries``
    (a multiple of :data:`BLOCK_ENTRIES`) and clipped to the table's ``size``."""
    runs: list[tuple[int, int]] = []
    if len(blocks) == 0:
        return runs
    breaks = np.flatnonzero(np.diff(blocks) != 1) + 1
    per_run = max(1, max_entries // BLOCK_ENTRIES)
    for group in np.split(blocks, breaks):
        first, last = int(group[0]), int(group[-1])
        for lo in range(first, last + 1, per_run):
            hi = min(lo + per_run, last + 1)
            start = lo << BLOCK_SHIFT
            end = min(hi << BLOCK_SHIFT, size)
            if end > start:
                runs.append((start, end - start))
    return runs


@njit(cache=True, nogil=True, error_model="numpy", _nrt=False)
def changed_in_blocks(blocks, bits, base_bits, out):
    """Entries of ``blocks`` whose bits differ between a table and its base (both given as unsigned-int views),
    written to ``out`` in order; returns how many.  ``out`` holds at least len(blocks) * BLOCK_ENTRIES."""
    n = 0
    size = bits.shape[0]
    for k in range(blocks.shape[0]):
        lo = blocks[k] << BLOCK_SHIFT
        hi = min(lo + BLOCK_ENTRIES, size)
        for i in range(lo, hi):
            if bits[i] != base_bits[i]:
                out[n] = i
                n += 1
    return n
