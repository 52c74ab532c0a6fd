"""Table changes between a remote host and the supervisor: sent entry by entry, merged exactly, checked.

A remote host trains on its own copy of the run's tables (docs/architecture.md,
"Data layout"), all its kernel threads on that one copy
(:mod:`worker.host_tables`).  Both sides record where they write
(:mod:`holdem.mccfr.blocks`): the host's kernels log each entry's first
write since the last sync with its value then (its *base*); the
supervisor's local workers and its merges mark the blocks they write with
the run's current epoch.  A sync is started by the host when the supervisor
asks (one host at a time; a host not asked for long syncs on its own); its
kernel threads are held still only while steps 1 and 4 run:

1. the host sends, for every logged entry whose bits differ from its base,
   the pair (new value, base value), in increasing order per table; then it
   empties its logs;
2. the supervisor merges each part as it arrives (:class:`ChangeMerge`):
   where the shared entry still equals the base bit for bit (nobody else
   touched it) it takes the host's value as is, otherwise it adds the host's
   change (value - base), as local workers add theirs; the merged entries
   are logged (:class:`ChangeLog`); a set that never completes is undone;
3. it answers with every entry logged and every block marked since its
   previous answer to this host (the host's own merged entries among them),
   and starts a new epoch;
4. the host takes those entries into its copy; an entry its kernels wrote
   since step 1 keeps that change (the merge rule again, with the
   supervisor's value as the shared one), and it goes in the next sync.

So the supervisor keeps no copy per host: its state per host is one epoch
number, the marks are 4 bytes per block of 1,024 entries per table, and the
log is bounded.  A sync costs the changed entries (and blocks local workers
wrote) and one pass over the marks, never a copy or scan of the tables.
With no other writer the host's copy equals the shared tables after every
sync, bit for bit, and a run whose only worker is one remote host with one
thread computes exactly what the in-process trainer computes.

Joining, a host receives only the parts of the tables that hold memory (rows
nobody touched stay unallocated on both sides).

On the wire a change set is a list of *parts* (one message each, at most
:data:`PART_ENTRIES` entries of one table): ``start``, ``count``, the indices
(empty for a dense run ``start .. start+count``; else :data:`SPARSE` and
the gaps between consecutive indices, byte-coded by :mod:`worker.gaps`,
about a byte an entry), the values and, in a host's changes, the bases,
both raw in the table's own dtype (regret float32, strategy float64: float
bits hardly compress, and inflating them would cost the merge more than the
bytes cost the wire).  :func:`decode_part` is the only way in: sizes,
index ranges and order, and finite values are all checked before anything
touches a table.  A stream of parts ends with the SHA-256 of
everything it carried (:class:`StreamDigest`), which the receiver checks.
"""
from __future__ import annotations

import hashlib
from collections import deque
from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np
from numba import njit

from holdem.mccfr.blocks import (
    BLOCK_SHIFT,
    BlockMarks,
    Tracking,
    block_runs,
)
from holdem.mccfr.merge import all_finite, bits, merge_in_place, restore
from holdem.mccfr.tables import TABLE_DTYPES
from worker import gaps
from worker.protocol import ProtocolError

TABLES = ("regret", "strategy")
VALUE_DTYPES = TABLE_DTYPES  # values travel in each table's own dtype
PART_ENTRIES = 1 << 17  # 128 Ki entries: at most 2 MiB of values and bases (+ indices) per message
WINDOW_ENTRIES = 1 << 20  # entries an answer's union of the change log takes at a time (about)
SPARSE = b"\x01"  # the first byte of a sparse part's indices (a dense run has none)


class SyncError(ProtocolError):
    """A change set that does not fit the tables; nothing of it was applied."""


@dataclass(frozen=True)
class Part:
    """One message's worth of entries of one table (see the module docstring)."""

    table: str
    start: int
    count: int
    indices: bytes  # SPARSE + the coded gaps (worker.gaps); b"" for a dense run
    values: bytes  # the table's dtype [count]
    bases: bytes = b""  # the table's dtype [count] in a host's changes; b"" in the supervisor's parts

    @property
    def nbytes(self) -> int:
        return len(self.indices) + len(self.values) + len(self.bases)


@dataclass(frozen=True)
class Entries:
    """A decoded, checked part: ``values`` (and ``bases``) go at ``index`` (an int64 array, or a slice)."""

    table: str
    index: np.ndarray | slice
    values: np.ndarray
    bases: np.ndarray | None = None
    coded: bytes = b""  # a sparse part's coded indices, as it came (kept to undo a merge)


def _raw(array: np.ndarray, table: str) -> bytes:
    return np.ascontiguousarray(array, dtype=VALUE_DTYPES[table]).tobytes()


def dense_part(table: str, start: int, values: np.ndarray) -> Part:
    return Part(table, int(start), len(values), b"", _raw(values, table))


def empty_part(table: str = "regret") -> Part:
    """A part with no entries: a sync with nothing to send, or an answer with nothing new."""
    return Part(table, 0, 0, b"", b"")


def sparse_parts(table: str, index: np.ndarray, values: np.ndarray, table_size: int,
                 part_entries: int = PART_ENTRIES, bases: np.ndarray | None = None) -> list[Part]:
    """Entries at strictly increasing ``index`` as parts (none when there are none); with their ``bases``
    when given (a host's changes)."""
    parts = []
    for lo in range(0, len(index), part_entries):
        idx = index[lo:lo + part_entries].astype(np.int64)
        parts.append(Part(table, int(idx[0]), len(idx), SPARSE + gaps.encode(idx),
                          _raw(values[lo:lo + part_entries], table),
                          b"" if bases is None else _raw(bases[lo:lo + part_entries], table)))
    return parts


def _values(data, count: int, dtype: np.dtype, what: str) -> np.ndarray:
    if not isinstance(data, bytes):
        raise SyncError(f"{what} must be bytes")
    if len(data) != count * dtype.itemsize:
        raise SyncError(f"{what}: expected {count * dtype.itemsize} bytes for {count} entries, got {len(data)}")
    values = np.frombuffer(data, dtype=dtype)
    if not all_finite(values):
        raise SyncError(f"{what}: {int((~np.isfinite(values)).sum())} of {count} are not finite")
    return values


def decode_part(part, table_size: int, part_entries: int = PART_ENTRIES, with_bases: bool = False) -> Entries:
    """Check one part (anything with Part's fields, e.g. a wire message) against a table of ``table_size``.

    ``with_bases``: a host's change part, which must carry a base per entry
    (the supervisor's parts carry none).  Raises :class:`SyncError` naming the
    fault; a part that passes can be applied without further checks.
    """
    table, start, count = part.table, part.start, part.count
    if table not in TABLES:
        raise SyncError(f"table {table!r}: expected one of {TABLES}")
    for name, value in (("start", start), ("count", count)):
        if type(value) is not int or value < 0:
            raise SyncError(f"{name}: expected a non-negative int, got {value!r}")
    if count > part_entries:
        raise SyncError(f"count {count} exceeds {part_entries} entries per part")
    if count and start >= table_size:
        raise SyncError(f"start {start} is outside the table of {table_size} entries")
    if not isinstance(part.indices, bytes):
        raise SyncError("indices must be bytes")
    dtype = VALUE_DTYPES[table]
    values = _values(part.values, count, dtype, "values")
    bases = _values(part.bases, count, dtype, "bases") if with_bases else None
    if not with_bases and getattr(part, "bases", b""):
        raise SyncError("bases in a part that carries none")
    if not part.indices:
        if start + count > table_size:
            raise SyncError(f"dense run {start}..{start + count} overruns the table of {table_size} entries")
        return Entries(table, slice(start, start + count), values, bases)
    if count == 0:
        raise SyncError("indices given for an empty part")
    if not part.indices.startswith(SPARSE):
        raise SyncError("indices: not a sparse part's coding")
    index = gaps.decode(part.indices[len(SPARSE):], start, count, table_size)
    if isinstance(index, str):
        raise SyncError(f"indices: {index} of {table_size} entries" if "past" in index else f"indices: {index}")
    return Entries(table, index, values, bases, part.indices)


def _bounds(e: Entries) -> tuple[int, int]:
    """First and last index of a non-empty part."""
    if isinstance(e.index, slice):
        return e.index.start, e.index.stop - 1
    return int(e.index[0]), int(e.index[-1])


class ChangeMerge:
    """One host's change set merged into the shared tables part by part, as its parts arrive, and undone
    whole if it is refused or never completes.

    Each part is merged by the rule of :mod:`holdem.mccfr.merge` and recorded:
    entry by entry in ``log`` if given (at the current epoch of ``marks``),
    else by marking its blocks.  What a part replaced is kept until
    :meth:`commit`, so the change set stays all or nothing while the
    supervisor holds only one part of it at a time: the undo record is the
    replaced values and the part's coded indices (about a byte an entry),
    about half of what the part carried.  Within a table, parts must come in
    increasing order of entries and must not overlap (else a merge would count
    an entry twice); a host's :meth:`worker.host_tables.HostTables.outgoing`
    sends them so.

    :meth:`undo` puts the replaced values back in reverse order and records the
    restored entries again at the current epoch, so that a host that was
    answered with a merged value in between is sent the restored one next.
    Local workers keep writing meanwhile; one of their writes landing between
    a merge's read and write of an entry, or between a merge and its undo, is
    lost, as a collision of two lock-free writes is.
    """

    def __init__(self, shared: dict[str, np.ndarray], marks: BlockMarks | None, log: ChangeLog | None = None):
        self.shared, self.marks, self.log = shared, marks, log
        self.size = len(shared["regret"])
        # (table, first entry, where, old): where is a sparse part's coded indices as they came, a dense
        # run's entry count, or the index itself for a part built in this process
        self.undo_records: list[tuple[str, int, bytes | int | np.ndarray, np.ndarray]] = []
        self.last = {name: -1 for name in TABLES}  # the last entry merged, per table
        self.entries = 0
        self.undo_bytes = 0

    def add(self, e: Entries) -> None:
        """Merge one checked part (``decode_part(..., with_bases=True)``); a refused part is undone with
        every part before it, and raises :class:`SyncError`."""
        if e.bases is None:
            self.undo()
            raise SyncError("a change part without bases")
        if not len(e.values):
            return
        first, last = _bounds(e)
        if first <= self.last[e.table]:
            self.undo()
            raise SyncError(f"{e.table}: parts overlap or come out of order at entry {first}")
        self.last[e.table] = last
        index = np.arange(first, last + 1) if isinstance(e.index, slice) else e.index
        track = self.marks.tracking() if self.marks is not None and self.log is None else Tracking.off()
        table_marks = track.regret_marks if e.table == "regret" else track.strategy_marks
        replaced, finite = merge_in_place(self.shared[e.table], index, e.bases, e.values, table_marks, track.cell,
                                          BLOCK_SHIFT)
        where: bytes | int | np.ndarray = (
            len(e.values) if isinstance(e.index, slice) else e.coded or e.index)
        self.undo_records.append((e.table, first, where, replaced))
        self.undo_bytes += replaced.nbytes + (len(where) if isinstance(where, bytes) else
                                              where.nbytes if isinstance(where, np.ndarray) else 0)
        self.entries += len(e.values)
        if not finite:
            self.undo()
            raise SyncError(f"{e.table}: merging these values would overflow; none applied")
        if self.log is not None and self.marks is not None:
            self.log.add(self.marks.epoch, TABLES.index(e.table), index)

    def _index(self, first: int, where: bytes | int | np.ndarray, count: int) -> np.ndarray:
        if isinstance(where, np.ndarray):
            return where
        if isinstance(where, int):
            return np.arange(first, first + where)
        index = gaps.decode(where[len(SPARSE):], first, count, self.size)
        assert not isinstance(index, str), index  # it decoded once already
        return index

    def undo(self) -> None:
        """Put back everything merged so far (the blocks it marked stay marked: that costs an answer only
        bytes)."""
        for table, first, where, old in reversed(self.undo_records):
            index = self._index(first, where, len(old))
            restore(self.shared[table], index, old)
            if self.log is not None and self.marks is not None:
                self.log.add(self.marks.epoch, TABLES.index(table), index)
        self.commit()

    def commit(self) -> None:
        """The change set is complete and accepted: forget what it replaced."""
        self.undo_records = []
        self.undo_bytes = 0


def merge(shared: dict[str, np.ndarray], marks: BlockMarks | None, entries: list[Entries],
          log: ChangeLog | None = None) -> None:
    """A whole change set at once (:class:`ChangeMerge`): all or nothing, in order, each part once."""
    merging = ChangeMerge(shared, marks, log)
    for e in entries:
        merging.add(e)
    merging.commit()


def changed_entries(current: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Indices where the two arrays (of one dtype) differ bit for bit."""
    return np.flatnonzero(bits(current) != bits(base))


def tables_digest(regret: np.ndarray, strategy: np.ndarray) -> str:
    """SHA-256 of both tables' bytes (tests compare copies with it)."""
    digest = hashlib.sha256()
    digest.update(memoryview(np.ascontiguousarray(regret, dtype=VALUE_DTYPES["regret"])).cast("B"))
    digest.update(memoryview(np.ascontiguousarray(strategy, dtype=VALUE_DTYPES["strategy"])).cast("B"))
    return digest.hexdigest()


class StreamDigest:
    """SHA-256 of a stream's parts in order (table, start, count, indices, values): the sender puts it in
    the last part, the receiver checks what it got against it."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()

    def update(self, part) -> None:
        self._hash.update(f"{part.table}:{part.start}:{part.count}:{len(part.indices)}:".encode())
        self._hash.update(part.indices)
        self._hash.update(part.values)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


Run = tuple[str, int, int]  # (table, first entry, entries)
Spot = tuple[str, int, int, bytes]  # (table, first entry, entries, a sparse part's indices: SPARSE + coded gaps)


def spots(table: str, index: np.ndarray, part_entries: int = PART_ENTRIES) -> list[Spot]:
    """Strictly increasing entries of ``table`` as spots of at most ``part_entries``: named as the wire
    names them (about a byte an entry where changes are dense), so an answer waiting to be sent holds
    that rather than 4-8 bytes an entry."""
    out = []
    for lo in range(0, len(index), part_entries):
        idx = np.ascontiguousarray(index[lo:lo + part_entries], dtype=np.int64)
        out.append((table, int(idx[0]), len(idx), SPARSE + gaps.encode(idx)))
    return out


class RunParts:
    """Parts over runs of the tables (dense) and lists of entries (sparse), each read when it is asked for
    (just before it is sent): the join's allocated runs, or an answer's changed blocks and entries.  At
    least one part, so a stream always has a message that ends it."""

    def __init__(self, tables: dict[str, np.ndarray], runs: Sequence[Run | Spot]) -> None:
        self.tables = tables
        self.runs = list(runs)
        self.entries = sum(run[2] for run in self.runs)

    def __len__(self) -> int:
        return max(len(self.runs), 1)

    def __getitem__(self, k: int) -> Part:
        if not self.runs:
            return empty_part()
        run = self.runs[k]
        table = self.tables[run[0]]
        if len(run) == 4:
            name, start, count, coded = run
            index = gaps.decode(coded[len(SPARSE):], start, count, len(table))
            if isinstance(index, str):
                raise RuntimeError(f"a spot of {name} does not decode: {index}")
            return Part(name, start, count, coded, _raw(table[index], name))
        _, start, count = run
        return dense_part(run[0], start, table[start:start + count])


@njit(cache=True, nogil=True, error_model="numpy", _nrt=False)
def mark_at_least(marks, index, epoch):
    """Mark the blocks of the sorted entries ``index`` with ``epoch`` unless they carry a later mark (a
    change recorded elsewhere, given back to the marks).  Element by element, so a writer marking a block
    at the same time can lose its mark only in the instant between this read and write, as with
    :func:`holdem.mccfr.blocks.touch`'s own plain stores."""
    last = -1
    for k in range(index.shape[0]):
        b = index[k] >> BLOCK_SHIFT
        if b != last:
            if marks[b] < epoch:
                marks[b] = epoch
            last = b


def _position(index: np.ndarray, value: int) -> int:
    """Where ``value`` goes in sorted ``index``: searched in the array's own dtype (a Python int would
    have numpy cast the whole array first)."""
    if value > np.iinfo(index.dtype).max:
        return len(index)
    return int(np.searchsorted(index, index.dtype.type(max(value, 0))))


@dataclass(frozen=True)
class _Record:
    """Entries of one table changed at one epoch: sorted indices, or (when smaller) a bitmap from ``first``."""

    epoch: int
    table: int
    first: int
    count: int  # entries, or bits in the bitmap
    index: np.ndarray | None  # the log's dtype
    bitmap: np.ndarray | None  # np.packbits of the entries first .. first + count - 1
    entries_held: int

    @classmethod
    def of(cls, epoch: int, table: int, index: np.ndarray, dtype: np.dtype) -> "_Record":
        first, span = int(index[0]), int(index[-1]) - int(index[0]) + 1
        if -(-span // 8) >= len(index) * dtype.itemsize:
            return cls(epoch, table, first, len(index), np.asarray(index).astype(dtype), None, len(index))
        bits = np.zeros(span, bool)
        bits[np.asarray(index) - first] = True
        return cls(epoch, table, first, span, None, np.packbits(bits), len(index))

    @property
    def nbytes(self) -> int:
        return self.index.nbytes if self.index is not None else self.bitmap.nbytes

    @property
    def stop(self) -> int:
        """One past the last entry it can hold."""
        return int(self.index[-1]) + 1 if self.index is not None else self.first + self.count

    def entries(self, dtype: np.dtype, lo: int = 0, hi: int | None = None) -> np.ndarray:
        """Its entries (those in ``lo .. hi - 1`` if given), sorted: a view of its indices, or unpacked from
        the bitmap's bytes that span the window."""
        hi = self.stop if hi is None else min(hi, self.stop)
        if self.index is not None:
            return self.index[_position(self.index, lo):_position(self.index, hi)]
        a, b = max(lo, self.first) - self.first, hi - self.first  # bits of the window
        if a >= b:
            return np.zeros(0, dtype)
        byte = a >> 3
        bits = np.unpackbits(self.bitmap[byte:-(-b // 8)], count=b - (byte << 3))[a - (byte << 3):]
        return (np.flatnonzero(bits) + (self.first + a)).astype(dtype)


@njit(cache=True, nogil=True, error_model="numpy", _nrt=False)
def _union_sorted(a, b, out):
    """The entries of two sorted arrays, each once, in order, into ``out``; returns how many."""
    i = j = n = 0
    while i < a.shape[0] or j < b.shape[0]:
        if j >= b.shape[0] or (i < a.shape[0] and a[i] < b[j]):
            v = a[i]
            i += 1
        elif i >= a.shape[0] or b[j] < a[i]:
            v = b[j]
            j += 1
        else:
            v = a[i]
            i += 1
            j += 1
        if n == 0 or out[n - 1] != v:
            out[n] = v
            n += 1
    return n


@njit(cache=True, nogil=True, error_model="numpy", _nrt=False)
def _outside_blocks(index, marks, since, shift):
    """Keep, in place at the front of ``index``, the entries whose block is marked before ``since`` (the
    rest go out with their whole block); returns how many."""
    n = 0
    for k in range(index.shape[0]):
        if marks[index[k] >> shift] < since:
            index[n] = index[k]
            n += 1
    return n


class ChangeLog:
    """The entries remote merges changed, by epoch, until every host has been answered past them: an
    answer sends these entry by entry (blocks that local writers marked go whole).  An answer of whole
    blocks carried, on ``6max_mid``, 60-85 entries for each that changed.

    Each record (a merged part) is kept as sorted indices or, where the
    changes are dense (``hu_mid`` changes a third of its entries between two
    syncs), as a bitmap over the entries it spans, whichever is smaller.  The
    log holds at most ``budget`` bytes: past it, its oldest records become
    block marks (each block marked with the record's epoch unless it carries a
    later one), so the supervisor's memory stays bounded however many hosts
    lag behind, and answers to them send those blocks whole instead.
    """

    def __init__(self, size: int, marks: BlockMarks | None = None, budget: int | None = None) -> None:
        self.dtype = np.dtype(np.uint32) if size <= 2**32 else np.dtype(np.int64)
        self.records: deque[_Record] = deque()  # oldest first
        self.marks = marks
        self.budget = budget
        self.nbytes = 0
        self.folded = 0  # records turned into block marks

    def add(self, epoch: int, table: int, index: np.ndarray) -> None:
        """Record sorted entries of ``table`` changed at ``epoch`` (epochs never decrease)."""
        if not len(index):
            return
        record = _Record.of(epoch, table, index, self.dtype)
        self.records.append(record)
        self.nbytes += record.nbytes
        if self.marks is not None and self.budget is not None:
            while self.nbytes > self.budget and self.records:
                self._fold(self.records.popleft())

    def _fold(self, record: _Record) -> None:
        self.nbytes -= record.nbytes
        self.folded += 1
        mark_at_least(self.marks.marks[record.table], record.entries(self.dtype), record.epoch)

    def since(self, table: int, epoch: int) -> np.ndarray:
        """The entries of ``table`` changed at ``epoch`` or later, sorted, each once, as a new array (in the
        log's dtype)."""
        return next(self.windows(table, epoch, None), np.zeros(0, self.dtype))  # one window: all of it

    def windows(self, table: int, epoch: int, entries: int | None) -> Iterator[np.ndarray]:
        """:meth:`since` about ``entries`` at a time (None: all at once), each a new array: an answer's union
        then takes memory for one window, not for every entry it sends.  The windows split the span the
        records cover evenly by the entries they hold, so their number follows the entries, not the
        table's size or the records'."""
        records = [r for r in self.records if r.table == table and r.epoch >= epoch]
        if not records:
            return
        lo, end = min(r.first for r in records), max(r.stop for r in records)
        held = sum(r.entries_held for r in records)
        span = end - lo if entries is None else max(1, -(-(end - lo) * entries // held))
        while lo < end:
            hi = min(end, lo + span)
            window = self._union([r.entries(self.dtype, lo, hi) for r in records])
            if len(window):
                yield window
            lo = hi

    def _union(self, slices: list[np.ndarray]) -> np.ndarray:
        """The sorted union of sorted arrays, as a new array."""
        # a change set's parts come in increasing order, so consecutive records mostly follow each other:
        # those are joined end to end, and only the runs they form are merged, two at a time
        runs: list[np.ndarray] = []
        pending: list[np.ndarray] = []
        for entries in slices:
            if not len(entries):
                continue
            if pending and entries[0] <= pending[-1][-1]:
                runs.append(np.concatenate(pending))
                pending = []
            pending.append(entries)
        if pending:
            runs.append(np.concatenate(pending))  # a new array even for one record
        if not runs:
            return np.zeros(0, self.dtype)
        merged = runs[0]
        for run in runs[1:]:
            out = np.empty(len(merged) + len(run), self.dtype)
            merged = out[:_union_sorted(merged, run, out)]
        return merged

    def prune(self, epoch: int | None) -> None:
        """Forget what every host has been answered past (None: no host left)."""
        while self.records and (epoch is None or self.records[0].epoch < epoch):
            self.nbytes -= self.records.popleft().nbytes


def split_runs(table: str, extents: np.ndarray, part_entries: int = PART_ENTRIES) -> list[Run]:
    """(first entry, entries) extents as runs of at most ``part_entries``."""
    runs = []
    for first, count in np.asarray(extents, dtype=np.int64).reshape(-1, 2):
        for start in range(int(first), int(first + count), part_entries):
            runs.append((table, start, min(part_entries, int(first + count) - start)))
    return runs


def answer_runs(marks: BlockMarks, since: int, size: int, part_entries: int = PART_ENTRIES,
                log: ChangeLog | None = None) -> tuple[list[Run | Spot], int]:
    """What is new to a host answered last at ``since``: the runs of blocks marked at ``since`` or later,
    and the entries ``log`` has from then on outside those blocks; and the ``since`` of the next answer (a
    new epoch starts now: writes from here on are in the next answer)."""
    ended = marks.advance()
    runs: list[Run | Spot] = []
    for t, name in enumerate(TABLES):
        runs += [(name, start, count) for start, count in block_runs(marks.since(t, since), size, part_entries)]
        if log is not None:
            pending: list[np.ndarray] = []  # fewer than part_entries entries, carried to the next window
            held = 0
            for index in log.windows(t, since, WINDOW_ENTRIES):  # new arrays: filtered in place
                index = index[:_outside_blocks(index, marks.marks[t], since, BLOCK_SHIFT)]
                pending.append(index)
                held += len(index)
                if held >= part_entries:
                    index = np.concatenate(pending)
                    full = len(index) - len(index) % part_entries
                    runs += spots(name, index[:full], part_entries)
                    pending, held = [index[full:]], len(index) - full
            if held:
                runs += spots(name, np.concatenate(pending), part_entries)
    return runs, ended + 1
