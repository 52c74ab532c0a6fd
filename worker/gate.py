"""A gate the kernel threads of one host pass between chunks of work, so the I/O thread can hold them still.

A remote host's threads train its one copy of the tables in place
(:mod:`worker.remote`); a sync reads the changes out of that copy and later
writes the answer into it, and neither may race the kernels.  Rather than
wait for every thread to finish its batch (a barrier as long as a batch),
the I/O thread closes the gate: each thread parks at its next pause point,
between two deal chunks of :meth:`holdem.mccfr.solver.Solver.run_batch`
(at most one chunk of work away), and the I/O thread does its work once
every thread inside a batch has parked, then opens the gate again.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator


class Gate:
    """Kernel threads call :meth:`enter`/:meth:`leave` around a batch and :meth:`point` between chunks;
    the I/O thread holds them still with ``with gate.held():``."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._closed = False
        self._inside = 0  # threads inside a batch
        self._parked = 0  # of those, the ones waiting at a pause point

    def enter(self) -> None:
        with self._cond:
            while self._closed:
                self._cond.wait()
            self._inside += 1

    def leave(self) -> None:
        with self._cond:
            self._inside -= 1
            self._cond.notify_all()

    def point(self) -> None:
        with self._cond:
            if not self._closed:
                return
            self._parked += 1
            self._cond.notify_all()
            while self._closed:
                self._cond.wait()
            self._parked -= 1

    @contextmanager
    def held(self) -> Iterator[None]:
        """Every thread inside a batch parked at a pause point, and no batch starting, for the block."""
        with self._cond:
            self._closed = True
            while self._parked < self._inside:
                self._cond.wait()
        try:
            yield
        finally:
            with self._cond:
                self._closed = False
                self._cond.notify_all()
