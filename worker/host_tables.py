"""A remote host's copy of the run's tables: what its kernel threads train on, with the first-write logs of
their changes since the last sync, read out as change parts and written back from the supervisor's answer.
The protocol is :mod:`worker.sync`'s, the merge rule :mod:`holdem.mccfr.merge`'s.

The host's memory is one copy of the tables plus what the sync needs, and
that follows the entries written, not the blocks or pages they lie in
(:mod:`holdem.mccfr.blocks`, "First-write capture"): a *written* bitmap per
table (a bit an entry, lazily backed; for large tables its pages are given
back at every sync) and
one :class:`holdem.mccfr.blocks.Capture` per writing thread, (entry, value at
the last sync) for each entry the thread wrote first.  Nothing here reads or
copies a whole table:

* :meth:`HostTables.outgoing` sorts the logged entries (one sort of int64
  keys; each entry is in one log once, its bit claimed atomically, though the
  code keeps the first base in the logs' order should one come twice) and in
  one pass over them
  (:func:`holdem.mccfr.blocks.logged_changes`) takes those whose value
  differs from the base bit for bit (:func:`holdem.mccfr.merge.bits`) and
  clears their bitmap words; it sends those, then empties the logs;
* :meth:`HostTables.apply` writes the supervisor's values; an entry written
  again since :meth:`outgoing` (its bit set) keeps that change by the merge
  rule, with its logged base as the worker's base, and the logged base
  becomes the supervisor's value, so the next sync sends the change against
  the value both sides now hold.
"""
from __future__ import annotations

import numpy as np

from holdem.mccfr.blocks import (
    WORD_DTYPE,
    WORD_SHIFT,
    Capture,
    Tracking,
    logged_changes,
    pack_keys,
    word_count,
    written_bits,
)
from holdem.mccfr.merge import bits, merge_values
from holdem.mccfr.pages import lazy_zeros, release_pages, resident_extents
from worker.sync import PART_ENTRIES, TABLES, VALUE_DTYPES, Entries, Part, sparse_parts, tables_digest


def _sort_keys(index: np.ndarray, first: int, shift: int) -> np.ndarray:
    """Entries ``index`` (at log positions ``first ..``) packed with their positions, sorted: by entry, equal
    entries in log order (one sort of int64s, several times faster than a stable argsort)."""
    keys = np.empty(len(index), np.int64)
    pack_keys(index, first, shift, keys)
    keys.sort()
    return keys


def _resident_bytes(array: np.ndarray) -> int:
    return sum(end - start for start, end in resident_extents(array))


class HostTables:
    """A remote host's copy of the tables, what its kernels train on, with the written bitmaps and
    first-write logs of its changes since the last sync."""

    def __init__(self, size: int) -> None:
        self.size = int(size)
        self.regret = lazy_zeros(self.size, VALUE_DTYPES["regret"])
        self.strategy = lazy_zeros(self.size, VALUE_DTYPES["strategy"])
        self.written = {name: lazy_zeros(word_count(self.size), WORD_DTYPE) for name in TABLES}
        self.captures: list[Capture] = []  # one per writing thread (and one for write())
        self._writer: Capture | None = None
        # per (capture, table): its log's entries packed with their positions (entry << shift | position), sorted
        self._sorted: dict[tuple[int, int], np.ndarray] = {}
        self._shift = 63 - max(1, self.size.bit_length())
        self._positions = (1 << self._shift) - 1

    def table(self, name: str) -> np.ndarray:
        return self.regret if name == "regret" else self.strategy

    def capture(self, capacity: int | None = None) -> Capture:
        """A new first-write log for one writing thread (``capacity``: its entries to begin with)."""
        dtypes = tuple(VALUE_DTYPES[name] for name in TABLES)
        written = (self.written["regret"], self.written["strategy"])
        capture = Capture(written, dtypes) if capacity is None else Capture(written, dtypes, capacity)
        self.captures.append(capture)
        return capture

    def tracking(self, capacity: int | None = None) -> Tracking:
        """What one of this host's solvers records its writes with (:meth:`holdem.mccfr.solver.Solver.track`):
        each call gives a new log, for one thread."""
        return Tracking.capturing(self.capture(capacity))

    def digest(self) -> str:
        return tables_digest(self.regret, self.strategy)

    def sync_bytes(self) -> int:
        """The memory the sync state holds: the bitmaps' and the logs' backed pages (a log grown to twice
        its entries backs only those it holds)."""
        logs = [a for c in self.captures for a in (*c.index, *c.base)]
        return sum(_resident_bytes(a) for a in (*self.written.values(), *logs))

    def write(self, name: str, index: np.ndarray, values: np.ndarray) -> None:
        """Store ``values`` at ``index`` as the kernels do, logging each entry's first write since the last
        sync (for writers other than the compiled kernels; one at a time)."""
        if self._writer is None:
            self._writer = self.capture()
        index = np.ascontiguousarray(index, dtype=np.int64)
        Tracking.capturing(self._writer).touch_entries(TABLES.index(name), self.table(name), index)
        self.table(name)[index] = values

    def _sorted_keys(self, index: np.ndarray) -> np.ndarray | None:
        """:func:`_sort_keys` of a whole log, or None if its positions do not fit beside the entries."""
        return _sort_keys(index, 0, self._shift) if len(index) <= self._positions else None

    def _stable_order(self, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(entries ``index`` sorted, the permutation that sorts them), equal entries in their order."""
        keys = self._sorted_keys(index)
        if keys is None:
            order = np.argsort(index, kind="stable")
            return index[order], order
        return keys >> self._shift, keys & self._positions

    def _order(self, k: int, t: int) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`_stable_order` of capture ``k``'s table-``t`` log.  Kept between calls as packed keys: only
        what was logged since is sorted, then merged (a stable sort of two sorted runs is one linear
        merge), so an answer's parts do not sort the whole log each."""
        index, _ = self.captures[k].logged(t)
        if len(index) > self._positions:
            return self._stable_order(index)
        keys = self._sorted.get((k, t))
        if keys is None:
            keys = self._sorted[(k, t)] = _sort_keys(index, 0, self._shift)
        elif len(keys) < len(index):
            keys = np.concatenate((keys, _sort_keys(index[len(keys):], len(keys), self._shift)))
            keys.sort(kind="stable")
            self._sorted[(k, t)] = keys
        return keys >> self._shift, keys & self._positions

    def _logs(self, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every log of table ``t`` as one: (bases, entries sorted, the positions of those in the bases;
        equal entries in the logs' order)."""
        found = [k for k, c in enumerate(self.captures) if c.fill(t)]
        if len(found) == 1:
            return (self.captures[found[0]].logged(t)[1], *self._order(found[0], t))
        logs = [self.captures[k].logged(t) for k in found]
        index = np.concatenate([log[0] for log in logs]) if logs else np.zeros(0, np.int64)
        base = np.concatenate([log[1] for log in logs]) if logs else np.zeros(0, VALUE_DTYPES[TABLES[t]])
        return (base, *self._stable_order(index))

    def outgoing(self, part_entries: int = PART_ENTRIES) -> tuple[list[Part], int]:
        """(value, base) of every entry changed since the last sync, as parts; returns (parts, entries).

        The logs are emptied and the bitmaps cleared (their memory let go):
        call with the kernels held still.  The copy keeps its values; the
        answer replaces the entries the supervisor merged them into.
        """
        parts: list[Part] = []
        entries = 0
        for t, name in enumerate(TABLES):
            base, logged, positions = self._logs(t)
            out_index, out_position = np.empty(len(logged), np.int64), np.empty(len(logged), np.int64)
            n = logged_changes(logged, positions, bits(base), bits(self.table(name)), self.written[name],
                               out_index, out_position)
            changed = out_index[:n]
            parts += sparse_parts(name, changed, self.table(name)[changed], self.size, part_entries,
                                  bases=base[out_position[:n]])
            entries += n
            release_pages(self.written[name])  # its words are zero already (logged_changes cleared them)
        for capture in self.captures:
            capture.clear()
        self._sorted.clear()
        return parts, entries

    def _rebase(self, t: int, kept: np.ndarray, values: np.ndarray) -> np.ndarray:
        """The logged bases of ``kept`` (entries of table ``t``, each logged), the first in the logs'
        order, as :meth:`outgoing` takes them; every log's base of them becomes ``values``."""
        base = np.empty(len(kept), VALUE_DTYPES[TABLES[t]])
        found = np.zeros(len(kept), bool)
        for k, capture in enumerate(self.captures):
            if not capture.fill(t):
                continue
            entries, order = self._order(k, t)
            logged = capture.logged(t)[1]
            at = np.searchsorted(entries, kept)
            hit = at < len(order)
            hit[hit] = entries[at[hit]] == kept[hit]
            where = order[at[hit]]
            new = hit.copy()
            new[hit] = ~found[hit]
            base[new] = logged[order[at[new]]]
            found |= hit
            logged[where] = values[hit]
        if not found.all():
            raise RuntimeError(f"{int((~found).sum())} entries with their written bit set are in no log")
        return base

    def apply(self, changes: list[Entries]) -> None:
        """Take the supervisor's values (already checked by decode_part) into the copy.

        Entries written since :meth:`outgoing` (the kernels trained on while
        the answer travelled) keep those changes: the merge rule of the
        supervisor, with this host's value and logged base as the worker's
        and the supervisor's value as the shared one; the logged base becomes
        the supervisor's value.  Call with the kernels held still.
        """
        for c in changes:
            t = TABLES.index(c.table)
            table, written = self.table(c.table), self.written[c.table]
            if not any(capture.fill(t) for capture in self.captures):
                table[c.index] = c.values
                continue
            if isinstance(c.index, slice):  # a dense run: look at its bitmap words before its entries
                first, stop = c.index.start, c.index.stop
                if stop <= first or not written[first >> WORD_SHIFT:((stop - 1) >> WORD_SHIFT) + 1].any():
                    table[c.index] = c.values
                    continue
            index = np.arange(c.index.start, c.index.stop) if isinstance(c.index, slice) else c.index
            dirty = written_bits(written, index)
            if not dirty.any():
                table[c.index] = c.values
                continue
            clean = ~dirty
            table[index[clean]] = c.values[clean]
            kept = index[dirty]
            values = np.ascontiguousarray(c.values[dirty])
            base = self._rebase(t, kept, values)
            table[kept] = merge_values(values, base, table[kept])
