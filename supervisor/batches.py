"""Batch accounting: which batches are issued, in flight, lost, done; and how many go in one message.

A grid batch is the unit of reproducibility, accounting and exact resume
(docs/architecture.md, "Supervision policy").  Batches lie on the in-process
trainer's grid (:mod:`holdem.mccfr.trainer`): batch ``k`` covers iterations
``[k*B, (k+1)*B)`` and is seeded ``batch_seed(run_seed, k)``; a run that
resumes in the middle of batch ``k`` finishes it from the resume point with
the same seed and deal grid (``batch_start = k*B``), and the last batch is
cut at the target.  So a batch lost to a dead worker is re-issued unchanged,
and a one-worker run walks exactly the trainer's sequence.

A worker is handed a *group* of consecutive grid batches at once (one
message, one result), so a small ``B`` costs no speed: :class:`GroupSizer`
picks the group's length from the worker's measured speed.  A group counts,
or is lost and re-issued, as a whole.  Iterations are counted from completed
groups only.  Plain code, no I/O.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Assignment:
    batch_id: int  # the first grid batch of the group
    first_iteration: int
    iterations: int  # of the whole group
    batch_start: int  # first iteration of the first batch's grid cell (anchors its deal chunks)
    batches: int = 1  # consecutive grid batches from batch_id

    @property
    def batch_ids(self) -> range:
        return range(self.batch_id, self.batch_id + self.batches)


class BatchBook:
    """Hands out groups of grid batches and counts completed iterations.

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
        self.lost: deque[int] = deque(sorted(pending))
        self.in_flight: dict[int, Assignment] = {}  # by first batch id

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

    def take(self, lost_only: bool = False, max_batches: int = 1) -> Assignment | None:
        """The next group of at most ``max_batches`` consecutive batches (lost ones first), or None when none
        is left to issue.  Lost batches are grouped only with the lost batches that follow them."""
        ids = []
        if self.lost:
            ids.append(self.lost.popleft())
            while len(ids) < max_batches and self.lost and self.lost[0] == ids[-1] + 1:
                ids.append(self.lost.popleft())
        else:
            while not lost_only and len(ids) < max_batches and self._span(self.next_batch)[1] > 0:
                ids.append(self.next_batch)
                self.next_batch += 1
            if not ids:
                return None
        first, _ = self._span(ids[0])
        last_first, last_count = self._span(ids[-1])
        assignment = Assignment(ids[0], first, last_first + last_count - first, ids[0] * self.batch_size, len(ids))
        self.in_flight[ids[0]] = assignment
        return assignment

    def complete(self, batch_id: int) -> Assignment:
        """The group starting at ``batch_id`` is done: all its batches count."""
        assignment = self.in_flight.pop(batch_id)
        self.completed_iterations += assignment.iterations
        self.completed_batches += assignment.batches
        return assignment

    def lose(self, batch_id: int) -> None:
        """A group's worker died: issue its batches again, before any new one (in grid order)."""
        assignment = self.in_flight.pop(batch_id, None)
        if assignment is not None:
            self.lost = deque(sorted([*self.lost, *assignment.batch_ids]))

    def abandon_in_flight(self) -> list[int]:
        """Stop waiting for the groups in flight; a resume issues their batches again.  Returns the batches."""
        ids = sorted(i for a in self.in_flight.values() for i in a.batch_ids)
        for batch_id in list(self.in_flight):
            self.lose(batch_id)
        return ids

    @property
    def pending(self) -> list[int]:
        """Batches below next_batch that have not completed (lost or in flight)."""
        return sorted([*self.lost, *(i for a in self.in_flight.values() for i in a.batch_ids)])

    @property
    def settled(self) -> bool:
        """Nothing in flight and nothing lost: every batch below next_batch is done."""
        return not self.in_flight and not self.lost

    @property
    def finished(self) -> bool:
        """The target is reached: no batch left to issue and every issued one done."""
        return self.target is not None and self._span(self.next_batch)[1] == 0 and self.settled


def batch_ranges(batch_ids) -> list[list[int]]:
    """Sorted batch ids as ``[first, last]`` runs of consecutive ids: a short line however many there are."""
    out: list[list[int]] = []
    for batch_id in sorted(batch_ids):
        if out and out[-1][1] + 1 == batch_id:
            out[-1][1] = batch_id
        else:
            out.append([batch_id, batch_id])
    return out


class GroupSizer:
    """How many grid batches to hand one worker so that its group takes about ``target_seconds``.

    From each worker's last measured speed (iterations per second of kernel
    time, as its result reports): ``target_seconds * speed / batch_size``
    batches, at least 1, at most ``max_batches``, and at most ``growth``
    times the larger of the group it was measured on and its current size, so
    a first measurement on a tiny group cannot send a huge one.  A worker not
    measured yet (a new process: :meth:`forget`) gets 1 batch;
    ``target_seconds`` 0 always gives 1.
    """

    def __init__(self, batch_size: int, target_seconds: float, max_batches: int, growth: int = 4) -> None:
        if batch_size < 1 or target_seconds < 0 or max_batches < 1 or growth < 1:
            raise ValueError("GroupSizer: batch_size, max_batches, growth >= 1 and target_seconds >= 0")
        self.batch_size = batch_size
        self.target_seconds = target_seconds
        self.max_batches = max_batches
        self.growth = growth
        self.sizes: dict[object, int] = {}

    def size(self, worker) -> int:
        return self.sizes.get(worker, 1)

    def forget(self, worker) -> None:
        """``worker``'s process is gone: its successor starts at 1 batch, so one that keeps failing early
        loses little work."""
        self.sizes.pop(worker, None)

    def measured(self, worker, batches: int, iterations: int, seconds: float) -> None:
        """``worker`` ran ``batches`` batches (``iterations`` iterations) in ``seconds`` of kernel time."""
        if seconds <= 0 or iterations <= 0:
            return
        want = int(self.target_seconds * iterations / seconds / self.batch_size)
        grown = self.growth * max(batches, self.size(worker))
        self.sizes[worker] = max(1, min(want, self.max_batches, grown))
