"""Table changes between a remote worker and the supervisor: sparse, compressed, exact, checked.

A remote worker trains on a private copy of the run's tables (docs/architecture.md,
"Data layout") and keeps a *base*: the tables as the supervisor last sent them.  The
supervisor keeps its own copy of every remote worker's base
(:class:`PeerBase`), bit for bit the same.  A sync is always started by the
worker, one at a time:

1. the worker sends the new values of the entries whose bits differ from
   its base, and drops them from its copy;
2. the supervisor merges them into the shared tables: where nobody else has
   touched an entry since the base (the shared value still equals the base,
   bit for bit) it takes the worker's value as is, otherwise it adds the
   worker's change (value - base), as local workers add theirs;
3. it answers with the values of every entry where the shared tables now
   differ from that worker's base, and the base follows;
4. the worker takes those values into its copy and its base.

So after every sync the worker's copy equals the shared tables at the moment
of the answer, bit for bit, and rounding can never make the copies drift
apart.  A run whose only worker is remote computes exactly what the
in-process trainer computes (each merge then just takes the worker's values).

On the wire a change set is a list of *parts* (one message each, at most
:data:`PART_ENTRIES` entries of one table): ``start``, ``count``, the indices
(empty for a dense run ``start .. start+count``; else the gaps between
consecutive indices, which zlib shrinks to almost nothing) and the values in
the table's own dtype (regret float32, strategy float64), each
zlib-compressed.  :func:`decode_part` is the only way in: sizes,
decompressed lengths (no zip bombs), index ranges and order, and finite
values are all checked before anything touches a table.
"""
from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass

import numpy as np

from holdem.mccfr.tables import TABLE_DTYPES
from worker.protocol import ProtocolError

TABLES = ("regret", "strategy")
VALUE_DTYPES = TABLE_DTYPES  # values travel in each table's own dtype
PART_ENTRIES = 1 << 17  # 128 Ki entries: at most 1 MiB of values (+ indices) per message
ZLIB_LEVEL = 1  # speed over ratio: float deltas hardly compress; gaps compress at any level


def _bits(a: np.ndarray) -> np.ndarray:
    """The entries as unsigned ints of their width: compared bit for bit, 0.0 vs -0.0 and NaN count as changes."""
    return a.view(np.uint32 if a.dtype.itemsize == 4 else np.uint64)


class SyncError(ProtocolError):
    """A change set that does not fit the tables; nothing of it was applied."""


def index_dtype(table_size: int) -> np.dtype:
    """Gaps fit uint32 in any table below 2**32 entries."""
    return np.dtype("<u4") if table_size <= 2**32 else np.dtype("<u8")


@dataclass(frozen=True)
class Part:
    """One message's worth of changes to one table (see the module docstring)."""

    table: str
    start: int
    count: int
    indices: bytes  # zlib of gaps; b"" for a dense run
    values: bytes  # zlib of the table's dtype [count]

    @property
    def nbytes(self) -> int:
        return len(self.indices) + len(self.values)


@dataclass(frozen=True)
class Entries:
    """A decoded, checked part: ``values`` go at ``index`` (an int64 array, or a slice for a dense run)."""

    table: str
    index: np.ndarray | slice
    values: np.ndarray


def _compress(array: np.ndarray) -> bytes:
    return zlib.compress(np.ascontiguousarray(array).tobytes(), ZLIB_LEVEL)


def _inflate(data: bytes, expected: int, what: str) -> bytes:
    """Decompress exactly ``expected`` bytes; more, fewer or trailing bytes are errors."""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, expected + 1)
    except zlib.error as exc:
        raise SyncError(f"{what}: not zlib data ({exc})") from None
    if len(out) != expected or not inflater.eof or inflater.unused_data or inflater.unconsumed_tail:
        raise SyncError(f"{what}: expected {expected} bytes after decompression, got "
                        f"{'more' if len(out) > expected or inflater.unconsumed_tail else len(out)}"
                        f"{' and trailing data' if inflater.unused_data else ''}")
    return out


def dense_parts(table: str, array: np.ndarray, part_entries: int = PART_ENTRIES) -> list[Part]:
    """A whole table as dense parts (at least one, so an empty table still makes a message)."""
    parts = []
    for start in range(0, max(len(array), 1), part_entries):
        chunk = array[start:start + part_entries]
        parts.append(Part(table, start, len(chunk), b"", _compress(chunk.astype(VALUE_DTYPES[table], copy=False))))
    return parts


def empty_part(table: str = "regret") -> Part:
    """A part with no entries: a sync with nothing to send, or an answer with nothing new."""
    return Part(table, 0, 0, b"", _compress(np.zeros(0, dtype=VALUE_DTYPES[table])))


def sparse_parts(table: str, index: np.ndarray, values: np.ndarray, table_size: int,
                 part_entries: int = PART_ENTRIES) -> list[Part]:
    """Changes at strictly increasing ``index`` as parts (none when there are no changes)."""
    gap_dtype = index_dtype(table_size)
    parts = []
    for lo in range(0, len(index), part_entries):
        idx = index[lo:lo + part_entries].astype(np.int64)
        gaps = np.diff(idx, prepend=idx[0]).astype(gap_dtype)
        parts.append(Part(table, int(idx[0]), len(idx), _compress(gaps),
                          _compress(values[lo:lo + part_entries].astype(VALUE_DTYPES[table], copy=False))))
    return parts


def decode_part(part, table_size: int, part_entries: int = PART_ENTRIES) -> Entries:
    """Check one part (anything with Part's fields, e.g. a wire message) against a table of ``table_size``.

    Raises :class:`SyncError` naming the fault; a part that passes can be
    applied without further checks.
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
    if not isinstance(part.indices, bytes) or not isinstance(part.values, bytes):
        raise SyncError("indices and values must be bytes")
    dtype = VALUE_DTYPES[table]
    values = np.frombuffer(_inflate(part.values, count * dtype.itemsize, "values"), dtype=dtype)
    if not np.isfinite(values).all():
        raise SyncError(f"values: {int((~np.isfinite(values)).sum())} of {count} are not finite")
    if not part.indices:
        if start + count > table_size:
            raise SyncError(f"dense run {start}..{start + count} overruns the table of {table_size} entries")
        return Entries(table, slice(start, start + count), values)
    if count == 0:
        raise SyncError("indices given for an empty part")
    gap_dtype = index_dtype(table_size)
    gaps = np.frombuffer(_inflate(part.indices, count * gap_dtype.itemsize, "indices"), dtype=gap_dtype)
    if gaps[0] != 0 or (count > 1 and gaps[1:].min() < 1):
        raise SyncError("indices: not strictly increasing from start")
    # the sum of count uint32 gaps fits int64; compare before adding start so nothing can wrap
    span = int(gaps.sum(dtype=np.uint64))
    if span >= table_size - start:
        raise SyncError(f"indices run past the table of {table_size} entries")
    index = start + np.cumsum(gaps, dtype=np.int64)
    return Entries(table, index, values)


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return _bits(a) == _bits(b)


def _bounds(e: Entries) -> tuple[int, int]:
    """First and last index of a non-empty part."""
    if isinstance(e.index, slice):
        return e.index.start, e.index.stop - 1
    return int(e.index[0]), int(e.index[-1])


def check_disjoint(entries: list[Entries]) -> None:
    """Parts of one change set must not overlap (else a merge would count an entry twice)."""
    for table in TABLES:
        spans = sorted(_bounds(e) for e in entries if e.table == table and len(e.values))
        for (_, last), (first, _) in zip(spans, spans[1:]):
            if first <= last:
                raise SyncError(f"{table}: parts overlap at entry {first}")


def merge_values(now: np.ndarray, base: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The merge of a worker's ``values`` (computed from ``base``) into ``now``: entries still
    equal to the base bit for bit take the worker's value; others get its change added."""
    with np.errstate(over="ignore", invalid="ignore"):
        return np.where(_same(now, base), values, now + (values - base))


def changed_entries(current: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Indices where the two arrays (of one dtype) differ bit for bit."""
    return np.flatnonzero(_bits(current) != _bits(base))


def tables_digest(regret: np.ndarray, strategy: np.ndarray) -> str:
    """SHA-256 of both tables' bytes: the check on a whole-table transfer."""
    digest = hashlib.sha256()
    digest.update(memoryview(np.ascontiguousarray(regret, dtype=VALUE_DTYPES["regret"])).cast("B"))
    digest.update(memoryview(np.ascontiguousarray(strategy, dtype=VALUE_DTYPES["strategy"])).cast("B"))
    return digest.hexdigest()


class DenseParts:
    """Both tables as a sequence of dense parts, each compressed on access (a table may be gigabytes)."""

    def __init__(self, tables: dict[str, np.ndarray], part_entries: int = PART_ENTRIES) -> None:
        self.tables = tables
        self.part_entries = part_entries
        self.index = [(name, start) for name in TABLES
                      for start in range(0, max(len(tables[name]), 1), part_entries)]

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, k: int) -> Part:
        name, start = self.index[k]
        chunk = self.tables[name][start:start + self.part_entries]
        return Part(name, start, len(chunk), b"", _compress(chunk.astype(VALUE_DTYPES[name], copy=False)))


class WorkerCopy:
    """A remote worker's tables (``regret``/``strategy``, what the kernel trains on) and their base."""

    def __init__(self, size: int) -> None:
        self.size = int(size)
        self.regret = np.zeros(self.size, dtype=VALUE_DTYPES["regret"])
        self.strategy = np.zeros(self.size, dtype=VALUE_DTYPES["strategy"])
        self.base = {name: np.zeros(self.size, dtype=VALUE_DTYPES[name]) for name in TABLES}

    def table(self, name: str) -> np.ndarray:
        return self.regret if name == "regret" else self.strategy

    def digest(self) -> str:
        return tables_digest(self.regret, self.strategy)

    def outgoing(self) -> tuple[list[Part], int]:
        """The new values of the entries changed since the base, as parts; returns (parts, entries).

        The sent changes are dropped from the copy at once (the answer brings
        them back, merged): call only while the kernel is idle.
        """
        parts: list[Part] = []
        entries = 0
        for name in TABLES:
            current, base = self.table(name), self.base[name]
            index = changed_entries(current, base)
            parts += sparse_parts(name, index, current[index], self.size)
            current[index] = base[index]
            entries += len(index)
        return parts, entries

    def apply(self, changes: list[Entries]) -> None:
        """Take the supervisor's values (already checked by decode_part) into copy and base alike."""
        for c in changes:
            self.table(c.table)[c.index] = c.values
            self.base[c.table][c.index] = c.values


class PeerBase:
    """The supervisor's record of what one remote worker holds (its base), to answer its syncs.

    Costs one copy of both tables per remote worker.
    """

    def __init__(self, regret: np.ndarray, strategy: np.ndarray) -> None:
        self.size = int(regret.shape[0])
        # a copy, so the whole-table transfer is of one consistent moment while local workers write on
        self.base = {"regret": np.array(regret, dtype=VALUE_DTYPES["regret"]),
                     "strategy": np.array(strategy, dtype=VALUE_DTYPES["strategy"])}

    def digest(self) -> str:
        return tables_digest(self.base["regret"], self.base["strategy"])

    def join_parts(self, part_entries: int = PART_ENTRIES) -> "DenseParts":
        """The whole base, dense, for a worker that joins (each part compressed only when it is sent)."""
        return DenseParts(self.base, part_entries)

    def merge(self, shared: dict[str, np.ndarray], entries: list[Entries]) -> None:
        """Merge a worker's new values (checked by decode_part) into the shared tables.

        Entries nobody else changed since the base take the value; the others
        get the worker's change (value - base) added.  All or nothing: parts
        that overlap, or a result that would overflow, and nothing is
        written.
        """
        check_disjoint(entries)
        for e in entries:
            if not np.isfinite(merge_values(shared[e.table][e.index], self.base[e.table][e.index], e.values)).all():
                raise SyncError(f"{e.table}: merging these values would overflow; none applied")
        for e in entries:
            target = shared[e.table]
            # re-read: local workers keep writing meanwhile
            target[e.index] = merge_values(target[e.index], self.base[e.table][e.index], e.values)

    def answer(self, shared: dict[str, np.ndarray], part_entries: int = PART_ENTRIES) -> tuple[list[Part], int]:
        """Values of every entry where the shared tables differ from the base; the base follows.

        Returns (parts, entries); ``parts`` is never empty, so the worker always
        gets an answer that ends its sync.
        """
        parts: list[Part] = []
        entries = 0
        for name in TABLES:
            now = np.array(shared[name], dtype=VALUE_DTYPES[name])  # one moment, while local workers write on
            index = changed_entries(now, self.base[name])
            values = now[index]
            self.base[name][index] = values
            parts += sparse_parts(name, index, values, self.size, part_entries)
            entries += len(index)
        if not parts:
            parts = [empty_part()]
        return parts, entries

