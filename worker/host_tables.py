"""A remote host's copy of the run's tables: what its kernel threads train on, with the block marks and
copy-on-first-write bases of their changes since the last sync, read out as change parts and written back
from the supervisor's answer.  The protocol and the merge rule are :mod:`worker.sync`'s.
"""
from __future__ import annotations

import mmap

import numpy as np

from holdem.mccfr.blocks import BLOCK_ENTRIES, BLOCK_SHIFT, BlockMarks, changed_in_blocks, touch_entries
from holdem.mccfr.merge import bits, merge_values
from holdem.mccfr.pages import lazy_zeros
from worker.sync import PART_ENTRIES, TABLES, VALUE_DTYPES, Entries, Part, sparse_parts, tables_digest

OUTGOING_BLOCKS = 4096  # dirty blocks compared per call (a 32 MiB index buffer)


def _release(array: np.ndarray) -> None:
    """Give a lazily backed array's memory back (it reads as zeros again)."""
    buffer = getattr(array.base, "obj", array.base)  # np.frombuffer holds a memoryview of the mapping
    if isinstance(buffer, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED"):
        buffer.madvise(mmap.MADV_DONTNEED)


class HostTables:
    """A remote host's copy of the tables, what its kernels train on, with the block marks and
    copy-on-first-write bases of its changes since the last sync."""

    def __init__(self, size: int) -> None:
        self.size = int(size)
        self.regret = lazy_zeros(self.size, VALUE_DTYPES["regret"])
        self.strategy = lazy_zeros(self.size, VALUE_DTYPES["strategy"])
        self.bases = {name: lazy_zeros(self.size, VALUE_DTYPES[name]) for name in TABLES}
        self.marks = BlockMarks.zeros(self.size)

    def table(self, name: str) -> np.ndarray:
        return self.regret if name == "regret" else self.strategy

    def tracking(self):
        """What this host's solvers record their writes with (:meth:`holdem.mccfr.solver.Solver.track`)."""
        return self.marks.tracking(self.bases["regret"], self.bases["strategy"])

    def digest(self) -> str:
        return tables_digest(self.regret, self.strategy)

    def write(self, name: str, index: np.ndarray, values: np.ndarray) -> None:
        """Store ``values`` at ``index`` as the kernels do: each block copied into the base on its first
        write since the last sync (for writers other than the compiled kernels)."""
        t = TABLES.index(name)
        index = np.ascontiguousarray(index, dtype=np.int64)
        touch_entries(self.marks.marks[t], self.marks.cell, self.bases[name], self.table(name), index)
        self.table(name)[index] = values

    def outgoing(self, part_entries: int = PART_ENTRIES) -> tuple[list[Part], int]:
        """(value, base) of every entry changed since the last sync, as parts; returns (parts, entries).

        A new epoch starts and the bases' memory is let go: call with the
        kernels held still.  The copy keeps its values; the answer replaces
        the blocks the supervisor merged them into.
        """
        epoch = self.marks.epoch
        parts: list[Part] = []
        entries = 0
        out = np.empty(OUTGOING_BLOCKS * BLOCK_ENTRIES, np.int64)
        for t, name in enumerate(TABLES):
            current, base = self.table(name), self.bases[name]
            dirty = self.marks.at(t, epoch)
            found = []
            for lo in range(0, len(dirty), OUTGOING_BLOCKS):
                n = changed_in_blocks(dirty[lo:lo + OUTGOING_BLOCKS], bits(current), bits(base), out)
                found.append(out[:n].copy())
            if not found:
                continue
            index = np.concatenate(found)
            parts += sparse_parts(name, index, current[index], self.size, part_entries, bases=base[index])
            entries += len(index)
        self.marks.advance()
        for base in self.bases.values():
            _release(base)
        return parts, entries

    def apply(self, changes: list[Entries]) -> None:
        """Take the supervisor's values (already checked by decode_part) into the copy.

        Blocks written since :meth:`outgoing` (the kernels trained on while
        the answer travelled) keep those changes: the merge rule of the
        supervisor, with this host's value and base as the worker's and the
        supervisor's value as the shared one; the base becomes the
        supervisor's value.  Call with the kernels held still.
        """
        epoch = self.marks.epoch
        for c in changes:
            table, base = self.table(c.table), self.bases[c.table]
            marks = self.marks.marks[TABLES.index(c.table)]
            if isinstance(c.index, slice):  # a dense run: look at its blocks before its entries
                first, stop = c.index.start, c.index.stop
                if stop <= first or not (marks[first >> BLOCK_SHIFT:((stop - 1) >> BLOCK_SHIFT) + 1] == epoch).any():
                    table[c.index] = c.values
                    continue
            index = np.arange(c.index.start, c.index.stop) if isinstance(c.index, slice) else c.index
            dirty = marks[index >> BLOCK_SHIFT] == epoch
            if not dirty.any():
                table[c.index] = c.values
                continue
            clean = ~dirty
            table[index[clean]] = c.values[clean]
            kept = index[dirty]
            table[kept] = merge_values(c.values[dirty], base[kept], table[kept])
            base[kept] = c.values[dirty]
