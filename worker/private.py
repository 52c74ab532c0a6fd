"""A local worker's private copy of small tables, merged into the shared ones after every group of batches.

Local workers normally update the shared tables in place, lock-free
(Hogwild-style, docs/architecture.md "Data layout").  On a game whose tables fit in a few cache
pages (Leduc: 672 entries, 8 KB) that scales badly: every write of one core invalidates
the line the other core is reading, and two workers ran at 0.8-1.4 times one
(benchmarks/scaling.py).  With tables this small a private copy costs
nothing, so a worker in *private* mode:

1. at the start of a group (the consecutive grid batches of one work
   message) copies the shared tables into its *base* and its working copy
   (a few microseconds);
2. runs the group on the working copy;
3. at the end, holding an exclusive ``flock`` on the run's lock file (the
   supervisor takes it too when it merges a remote worker's changes), merges
   with the rule remote syncs use (:mod:`holdem.mccfr.merge`): an
   entry nobody touched since the base takes the worker's value, bit for bit;
   any other gets the worker's change added.

So a one-worker run still computes exactly what the in-process trainer
computes, and a group counts in the tables only if it completes: a worker
killed mid-group leaves them untouched, which is the supervisor's rule for
iterations anyway.  ``flock`` works alike on Linux and macOS.

A remote host's kernel threads use the same copies over the host's tables
(:mod:`worker.remote`), with a ``threading.Lock`` in place of the file lock.
"""
from __future__ import annotations

import fcntl
import os
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import numpy as np

from holdem.mccfr.blocks import Tracking
from holdem.mccfr.merge import merge_values
from worker.protocol import TABLE_MODES
from worker.sync import changed_entries

SHARED_MODE, PRIVATE_MODE = TABLE_MODES
PRIVATE_TABLES_MAX_BYTES = 1 << 20  # both tables up to this size: train on a private copy (the default)


@contextmanager
def table_lock(path: str | os.PathLike):
    """Hold an exclusive advisory lock on ``path`` (created if missing) for the block."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


class PrivateTables:
    """Working copies of the shared ``regret``/``strategy`` arrays, with the base they started from.

    ``lock``: the run's lock file (local workers, one per process), or a
    ``threading.Lock`` (the kernel threads of one remote host).  ``tracking``:
    what every merge records its writes to the shared tables with
    (:mod:`holdem.mccfr.blocks`): the supervisor's block marks (a run with
    remote workers), or this thread's first-write log on a remote host.
    """

    def __init__(self, shared_regret: np.ndarray, shared_strategy: np.ndarray,
                 lock: str | Path | AbstractContextManager, tracking: Tracking | None = None) -> None:
        if isinstance(lock, (str, Path)) and not str(lock):
            raise ValueError("private tables need the run's lock file (the supervisor sends its path)")
        self.shared = (shared_regret, shared_strategy)
        self.base = tuple(np.array(a) for a in self.shared)
        self.work = tuple(np.array(a) for a in self.shared)
        self.lock_path = str(lock) if isinstance(lock, (str, Path)) else ""
        self._lock = None if isinstance(lock, (str, Path)) else lock
        self.tracking = tracking

    def lock(self) -> AbstractContextManager:
        return self._lock if self._lock is not None else table_lock(self.lock_path)

    @property
    def regret(self) -> np.ndarray:
        return self.work[0]

    @property
    def strategy(self) -> np.ndarray:
        return self.work[1]

    def refresh(self) -> None:
        """Start a group from the shared tables as they are now (other workers may have merged into them)."""
        with self.lock():
            for shared, base, work in zip(self.shared, self.base, self.work):
                base[:] = shared
                work[:] = base

    def merge(self) -> None:
        """Fold this group's changes into the shared tables (under the run's lock)."""
        track = self.tracking
        with self.lock():
            for t, (shared, base, work) in enumerate(zip(self.shared, self.base, self.work)):
                changed = changed_entries(work, base)
                if track is not None:
                    track.touch_entries(t, shared, changed)
                shared[changed] = merge_values(shared[changed], base[changed], work[changed])
