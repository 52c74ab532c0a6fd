"""Batch accounting: which batches are issued, in flight, lost, done.

A batch is the unit of work and of accounting (DESIGN.md, "Supervision
policy").  Batches lie on the in-process trainer's grid
(:mod:`holdem.mccfr.trainer`): batch ``k`` covers iterations
``[k*B, (k+1)*B)`` and is seeded ``batch_seed(run_seed, k)``; a run that
resumes in the middle of batch ``k`` finishes it from the resume point with
the same seed and deal grid (``batch_start = k*B``), and the last batch is
cut at the target.  So a batch lost to a dead worker is re-issued unchanged,
and a one-worker run walks exactly the trainer's sequence.  Iterations are
counted from completed batches only.  Plain code, no I/O.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Assignment:
    batch_id: int
    first_iteration: int
    iterations: int
    batch_start: int  # first iteration of the batch's grid cell (anchors its deal chunks)


class BatchBook:
    """Hands out batches and counts completed iterations.

    ``start_iteration``: the iterations already done (0, or a snapshot's);
    ``iterations``: how many more to run (None for a time-bounded run);
    ``next_batch``/``pending``: a supervisor snapshot's next batch and the
    batches it left unfinished (issued first, on top of ``iterations``).
    Without them the grid position follows from ``start_iteration`` as in the
    trainer, including the resume in the middle of a cut batch.
    """

    def __init__(self, batch_size: int, start_iteration: int = 0, iterations: int | None = None,
                 next_batch: int | None = None, pending: tuple[int, ...] = ()) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.batch_size = batch_size
        if next_batch is None:
            grid_start = start_iteration
            self.next_batch = start_iteration // batch_size
            self.resume_at = start_iteration if start_iteration % batch_size else None
        else:
            grid_start = next_batch * batch_size
            self.next_batch = next_batch
            self.resume_at = None
        self.target = None if iterations is None else grid_start + iterations
        self.completed_iterations = start_iteration
        self.completed_batches = 0
        self.lost: deque[int] = deque(pending)
        self.in_flight: dict[int, Assignment] = {}

    def _span(self, batch_id: int) -> tuple[int, int]:
        """(first iteration, iteration count) of a batch."""
        cell = batch_id * self.batch_size
        first = cell
        if self.resume_at is not None and batch_id == self.resume_at // self.batch_size:
            first = self.resume_at
        end = cell + self.batch_size
        if self.target is not None:
            end = min(end, self.target)
        return first, max(0, end - first)

    def take(self, lost_only: bool = False) -> Assignment | None:
        """The next batch to run (lost ones first), or None when none is left to issue."""
        if self.lost:
            batch_id = self.lost.popleft()
        else:
            if lost_only or self._span(self.next_batch)[1] == 0:
                return None
            batch_id = self.next_batch
            self.next_batch += 1
        first, count = self._span(batch_id)
        assignment = Assignment(batch_id, first, count, batch_id * self.batch_size)
        self.in_flight[batch_id] = assignment
        return assignment

    def complete(self, batch_id: int) -> Assignment:
        assignment = self.in_flight.pop(batch_id)
        self.completed_iterations += assignment.iterations
        self.completed_batches += 1
        return assignment

    def lose(self, batch_id: int) -> None:
        """A batch's worker died: issue the same batch again, before any new one."""
        if self.in_flight.pop(batch_id, None) is not None:
            self.lost.append(batch_id)

    def abandon_in_flight(self) -> list[int]:
        """Stop waiting for the batches in flight; a resume issues them again."""
        ids = sorted(self.in_flight)
        for batch_id in ids:
            self.lose(batch_id)
        return ids

    def next_start(self) -> int | None:
        """Grid start of the next new batch (``batch_start``), or None when no new batch is left to issue."""
        if self._span(self.next_batch)[1] == 0:
            return None
        return self.next_batch * self.batch_size

    @property
    def pending(self) -> list[int]:
        """Batches below next_batch that have not completed (lost or in flight)."""
        return sorted(list(self.lost) + list(self.in_flight))

    @property
    def settled(self) -> bool:
        """Nothing in flight and nothing lost: every batch below next_batch is done."""
        return not self.in_flight and not self.lost

    @property
    def finished(self) -> bool:
        """The target is reached: no batch left to issue and every issued one done."""
        return self.target is not None and self._span(self.next_batch)[1] == 0 and self.settled
