"""Where the tables were written: epochs per row block (the head), and first-write logs per entry (a host).

Syncing tables between hosts must cost what changed, not the table size, so
every writer records *where* it wrote, in one of two ways.

**Block marks** (the supervisor's tables).  A table is cut into blocks of
:data:`BLOCK_ENTRIES` consecutive entries; each table has one ``uint32``
mark per block, and a one-entry *epoch cell* says the current epoch.  Before
a writer changes entries of a block it sets the block's mark to the current
epoch (:func:`touch`).  A reader that wants "every block written since epoch
e" advances the cell and takes the blocks whose mark is at least ``e``: the
cost is one pass over the marks (a 1/1024 of the table) and the changed
blocks themselves.  Writers read the epoch cell on every first write of a
block, so a reader that advances it sees later writes under the new epoch.

**First-write capture** (a remote host's tables, :mod:`worker.host_tables`).
A host sends (value, base) pairs for the entries it changed since the last
sync (:mod:`worker.sync`), so it must know each written entry's value at the
sync.  Copying a whole block (or page) on its first write makes that memory
follow the blocks touched: on the shipped 6-max config the blocks written in
2 M iterations hold 47% of the backed tables while 16 M entries change
(``benchmarks/sync_rates.py``).  So a host records entries instead: each table
has a *written* bitmap (one bit per entry, shared by the host's threads), and
each writing thread a :class:`Capture`, append-only logs of (entry, value
before its first write) per table.  Before writing entries ``row .. row+n-1``
a writer sets each unset bit and appends the entry and its old value to its
own log (:func:`touch`): the host's memory for a sync is a bit per entry
(lazily backed) plus 8-12 bytes per entry written, and reading the changes
out costs the logs, never a pass over a table.

Compiled code cannot grow an array, so a log is grown from Python between
kernel calls: the kernel stops before an iteration when its logs have less
room than one iteration can append (:meth:`Capture.reserve`, a bound from
the betting tree, see :func:`holdem.mccfr.solver.writes_per_iteration`), and
the solver grows them and goes on with the next iteration (the iterations'
results do not depend on where a chunk is cut).  Room for a whole deal chunk
instead would be 1,024 times the bound: on the 6-max config 2,725 regrets and
16,114 strategy sums an iteration, so about 290 MB kept free per thread, where
the logs of a whole sync interval are of that order.  :func:`touch` never writes
past a log's end: an append that does not fit is counted in the capture's
overflow cell, and :meth:`Capture.check` raises (the bound makes it a bug).

Marks and logs are plain stores, as the tables' own lock-free updates are
(Hogwild; Recht et al. 2011): two threads marking one block store the same
epoch.  A written bit is claimed with an atomic fetch-or
(:func:`holdem.mccfr.atomic.fetch_or`), after reading the entry's value, so
exactly one thread logs each entry written since the sync, and with its value
at the sync: another thread that finds the bit set writes only after the
claim, so after the read.  With plain stores two threads setting bits of one
word could lose one; the entry was then logged twice, and when the later base
was taken and equalled the value, a change was kept on the host and never
sent.

Untracked tables pass zero-length marks and bitmaps (every check is then one
branch).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from holdem.mccfr.atomic import fetch_or

BLOCK_SHIFT = 10
BLOCK_ENTRIES = 1 << BLOCK_SHIFT  # 4 KiB of regrets, 8 KiB of strategy sums: a page or two of each
MARK_DTYPE = np.dtype("<u4")
FIRST_EPOCH = 1  # marks start at 0: "never written"

WORD_SHIFT = 6  # the written bitmaps are uint64 words
WORD_MASK = (1 << WORD_SHIFT) - 1
WORD_DTYPE = np.dtype(np.uint64)
# a capture's state cells (int64): the fill of each table's log, the room each keeps per iteration, overflows
FILL, RESERVE, OVERFLOW = 0, 2, 4
STATE_CELLS = 5
LOG_CAPACITY = 1 << 12  # entries a log starts with (and the least it shrinks to after a sync)
# a log names entries as uint32 (the shipped 6-max tables have 2.49 G entries): 8 bytes an entry logged with its
# float32 regret, against 12 as int64; tables past 2**32 entries log int64
LOG_INDEX_DTYPE = np.dtype(np.uint32)


def block_count(size: int) -> int:
    return -(-int(size) // BLOCK_ENTRIES)


def word_count(size: int) -> int:
    return (int(size) + WORD_MASK) >> WORD_SHIFT


@njit(cache=True, nogil=True, error_model="numpy", _nrt=False, inline="always")
def touch(marks, cell, written, log, log_base, state, t, table, row, n):
    """Entries ``row .. row + n - 1`` of ``table`` (table ``t``: 0 regret, 1 strategy) are about to be
    written: mark their blocks with the current epoch (``cell[0]``) if ``marks`` is not empty, and log
    each one whose bit in ``written`` is unset, with its value, in ``log``/``log_base`` (filled up to
    ``state[FILL + t]``) if ``written`` is not empty."""
    if marks.shape[0] != 0:
        epoch = cell[0]
        b = row >> BLOCK_SHIFT
        last = (row + n - 1) >> BLOCK_SHIFT
        while b <= last:
            if marks[b] != epoch:
                marks[b] = epoch
            b += 1
    if written.shape[0] != 0:
        w = row >> WORD_SHIFT
        if n < 64 and w == (row + n - 1) >> WORD_SHIFT:  # a row within one word (most): one test
            bits = ((np.uint64(1) << np.uint64(n)) - np.uint64(1)) << np.uint64(row & WORD_MASK)
            if written[w] & bits == bits:  # every entry logged already
                return
        k = state[FILL + t]
        capacity = log.shape[0]
        for i in range(row, row + n):
            w = i >> WORD_SHIFT
            bit = np.uint64(1) << np.uint64(i & WORD_MASK)
            if written[w] & bit == 0:
                if k >= capacity:
                    state[OVERFLOW] += 1
                    continue
                # the base is read before the bit is claimed: a thread that finds the bit set writes only
                # after the claim, so the base is the value at the sync whichever thread wins
                base = table[i]
                if fetch_or(written, w, bit) & bit == 0:
                    log[k] = i
                    log_base[k] = base
                    k += 1
        state[FILL + t] = k


@njit(cache=True, nogil=True, error_model="numpy", _nrt=False)
def touch_all(marks, cell, written, log, log_base, state, t, table):
    """Every entry of ``table`` is about to be written (a kernel that does not record its writes)."""
    if table.shape[0] != 0:
        touch(marks, cell, written, log, log_base, state, t, table, 0, table.shape[0])


@njit(cache=True, nogil=True, error_model="numpy", _nrt=False)
def _touch_entries(marks, cell, written, log, log_base, state, t, table, index):
    for k in range(index.shape[0]):
        touch(marks, cell, written, log, log_base, state, t, table, index[k], 1)


def touch_entries(marks: np.ndarray, cell: np.ndarray, log, table: np.ndarray, index: np.ndarray) -> None:
    """:func:`touch` for each of the entries ``index`` (int64) of ``table``, from Python: its blocks marked
    (zero-length ``marks``: not), and its first writes logged in ``log``, a :class:`TableLog` (grown first
    to fit), or not (a zero-length array, or None)."""
    if isinstance(log, TableLog):
        log.capture.ensure(log.t, len(index))
        _touch_entries(marks, cell, *log.capture.table_args(log.t), table, index)
        log.capture.check()
    else:
        _touch_entries(marks, cell, *_NO_CAPTURE_TABLE, table, index)


@njit(cache=True, nogil=True, error_model="numpy", _nrt=False)
def pack_keys(index, first, shift, out):
    """``out[k] = index[k] << shift | (first + k)``: log entries with their positions, as one int64 to sort."""
    for k in range(index.shape[0]):
        out[k] = (np.int64(index[k]) << shift) | (first + k)


@njit(cache=True, nogil=True, error_model="numpy", _nrt=False)
def logged_changes(entries, positions, base_bits, table_bits, written, out_index, out_position):
    """One pass over logged entries in increasing order (``entries``, and ``positions``: where each is in
    the log of bases ``base_bits``): the first of each entry whose table value differs from its base bit
    for bit (both as unsigned ints) goes to ``out_index`` (the entry) and ``out_position`` (its log
    position); returns how many.  Every logged entry's bitmap word in ``written`` is cleared on the way:
    every set bit belongs to a logged entry, so once all logs are read the words are cleared whole."""
    n = 0
    previous = -1
    for k in range(entries.shape[0]):
        i = entries[k]
        written[i >> WORD_SHIFT] = 0
        if i == previous:
            continue
        previous = i
        p = positions[k]
        if table_bits[i] != base_bits[p]:
            out_index[n] = i
            out_position[n] = p
            n += 1
    return n


def log_index_dtype(size: int) -> np.dtype:
    """The dtype a first-write log names the entries of a table of ``size`` entries with."""
    return LOG_INDEX_DTYPE if int(size) <= 1 << 32 else np.dtype(np.int64)


def written_bits(written: np.ndarray, index: np.ndarray) -> np.ndarray:
    """bool per entry of ``index`` (int64): its bit in ``written`` is set."""
    shift = (index & WORD_MASK).astype(np.uint64)
    return ((written[index >> WORD_SHIFT] >> shift) & np.uint64(1)).astype(bool)


@dataclass(frozen=True)
class TableLog:
    """Table ``t``'s logs of a :class:`Capture`, as :func:`touch_entries` takes them."""

    capture: "Capture"
    t: int


class Capture:
    """One writing thread's first-write logs over both tables (:func:`touch`): per table, the entries it
    logged and their values before its first write, in the order written."""

    def __init__(self, written: tuple[np.ndarray, np.ndarray], dtypes: tuple, capacity: int = LOG_CAPACITY) -> None:
        self.written = written
        self.dtypes = tuple(np.dtype(d) for d in dtypes)
        self.initial = max(1, int(capacity))
        self.state = np.zeros(STATE_CELLS, np.int64)
        self.index_dtype = log_index_dtype(len(written[0]) << WORD_SHIFT)
        self.index = [np.empty(self.initial, self.index_dtype) for _ in self.dtypes]
        self.base = [np.empty(self.initial, d) for d in self.dtypes]

    def fill(self, t: int) -> int:
        return int(self.state[FILL + t])

    def logged(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """Table ``t``'s log: (entries, bases), views."""
        n = self.fill(t)
        return self.index[t][:n], self.base[t][:n]

    def reserve(self, regret: int, strategy: int) -> None:
        """Room to keep free in each log before a kernel starts an iteration (the most entries one appends)."""
        self.state[RESERVE] = regret
        self.state[RESERVE + 1] = strategy

    def ensure(self, t: int, extra: int) -> None:
        """Room for ``extra`` more entries in table ``t``'s log (doubling it, or more)."""
        need = self.fill(t) + int(extra)
        capacity = self.index[t].shape[0]
        if need <= capacity:
            return
        grown = max(2 * capacity, need)
        n = self.fill(t)
        index, base = np.empty(grown, self.index_dtype), np.empty(grown, self.dtypes[t])
        index[:n] = self.index[t][:n]
        base[:n] = self.base[t][:n]
        self.index[t], self.base[t] = index, base

    def make_room(self) -> None:
        """Room for one more iteration in both logs (called between kernel calls)."""
        for t in range(len(self.dtypes)):
            self.ensure(t, int(self.state[RESERVE + t]))

    def check(self) -> None:
        if self.state[OVERFLOW]:
            raise RuntimeError(f"{int(self.state[OVERFLOW])} writes did not fit a first-write log: the bound "
                               "of entries an iteration writes is wrong, and their bases are lost")

    def clear(self) -> None:
        """Empty both logs (their entries were synced).  A log keeps its room while the interval that ended
        filled a quarter of it or more, else shrinks to twice that fill: growing it afresh every interval
        (pages faulted in again, entries copied, the kernel stopped at each doubling) cost 15% of the
        kernel's time on ``hu_mid`` with a sync every 100,000 iterations; kept, nothing measurable."""
        for t, dtype in enumerate(self.dtypes):
            fill, capacity = self.fill(t), self.index[t].shape[0]
            if capacity > self.initial and 4 * fill < capacity:
                keep = max(self.initial, 2 * fill)
                self.index[t], self.base[t] = np.empty(keep, self.index_dtype), np.empty(keep, dtype)
        self.state[FILL:FILL + len(self.dtypes)] = 0

    def table_args(self, t: int) -> tuple:
        """(written, log, log_base, state, t): :func:`touch`'s capture arguments for table ``t``."""
        return self.written[t], self.index[t], self.base[t], self.state, t

    def table(self, t: int) -> TableLog:
        return TableLog(self, t)

    def kernel_args(self) -> tuple:
        return (self.written[0], self.written[1], self.index[0], self.base[0], self.index[1], self.base[1],
                self.state)


_EMPTY_MARKS = np.zeros(0, MARK_DTYPE)
_EMPTY_CELL = np.full(1, FIRST_EPOCH, MARK_DTYPE)
# with the log dtype of most tables, so tracked and untracked runs share one compiled kernel
_NO_CAPTURE = (np.zeros(0, WORD_DTYPE), np.zeros(0, WORD_DTYPE), np.zeros(0, LOG_INDEX_DTYPE),
               np.zeros(0, np.float32), np.zeros(0, LOG_INDEX_DTYPE), np.zeros(0, np.float64),
               np.zeros(STATE_CELLS, np.int64))
_NO_CAPTURE_TABLE = (_NO_CAPTURE[0], _NO_CAPTURE[2], _NO_CAPTURE[3], _NO_CAPTURE[6], 0)


@dataclass(frozen=True)
class Tracking:
    """What a kernel records its writes with: the epoch cell and each table's block marks (zero-length:
    none), and a first-write :class:`Capture` (or none)."""

    cell: np.ndarray
    regret_marks: np.ndarray
    strategy_marks: np.ndarray
    capture: Capture | None = None

    @classmethod
    def off(cls) -> "Tracking":
        return cls(_EMPTY_CELL, _EMPTY_MARKS, _EMPTY_MARKS)

    @classmethod
    def capturing(cls, capture: Capture) -> "Tracking":
        return cls(_EMPTY_CELL, _EMPTY_MARKS, _EMPTY_MARKS, capture)

    @property
    def on(self) -> bool:
        return self.regret_marks.shape[0] != 0 or self.capture is not None

    def kernel_args(self) -> tuple:
        """cell, regret_marks, strategy_marks, regret_written, strategy_written, regret_log, regret_log_base,
        strategy_log, strategy_log_base, log_state: the kernels' last arguments."""
        capture = self.capture.kernel_args() if self.capture is not None else _NO_CAPTURE
        return (self.cell, self.regret_marks, self.strategy_marks, *capture)

    def touch_entries(self, t: int, table: np.ndarray, index: np.ndarray) -> None:
        """Record writes of table ``t`` (0 regret, 1 strategy) at ``index`` made from Python."""
        marks = self.regret_marks if t == 0 else self.strategy_marks
        touch_entries(marks, self.cell, self.capture.table(t) if self.capture is not None else None, table, index)

    def touch_all(self, t: int, table: np.ndarray) -> None:
        """Record a write of every entry of table ``t``."""
        marks = self.regret_marks if t == 0 else self.strategy_marks
        if self.capture is not None:
            self.capture.ensure(t, table.shape[0])
            touch_all(marks, self.cell, *self.capture.table_args(t), table)
            self.capture.check()
        else:
            touch_all(marks, self.cell, *_NO_CAPTURE_TABLE, table)


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

    def tracking(self) -> Tracking:
        return Tracking(self.cell, self.marks[0], self.marks[1])


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
