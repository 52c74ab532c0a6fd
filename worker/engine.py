"""The worker's solver: MCCFR batches on the run's shared tables (in place, or via a private copy).

``load`` builds the game from the run's config (as the in-process trainer
does), attaches the two shared-memory segments and wraps them in
:class:`holdem.mccfr.tables.Tables` without copying.  The start-up batch is a
``scratch`` one: it runs on private zero tables, so loading and compiling the
kernel is checked without touching the run's tables.  Those scratch tables
are ``np.zeros`` (calloc), so even a Hold'em-sized layout costs only the few
pages one iteration touches.  In ``private`` table mode (small games, see
:mod:`worker.private`) real batches run on a private copy that is merged into
the shared tables when the batch (or the whole group of batches) completes.
"""
from __future__ import annotations

import json
from pathlib import Path

from holdem.mccfr.blocks import BlockMarks, block_count
from worker import protocol as p
from worker.game import load_game
from worker.private import PRIVATE_MODE, PrivateTables
from worker.shm import MARKS_ARRAY, MARKS_CELL, array_views, attach_tables, open_segment


class TrackedSolver:
    """Runs real work on ``self.solver`` and tells the I/O thread how far the running one has got.

    Work is one grid batch or a group of them; a group calls
    :meth:`holdem.mccfr.solver.Solver.run_batch` once per grid batch, in
    order, exactly as those batches would run alone.  The solver counts
    iterations in ``solver.progress`` while its kernel runs (nogil); the I/O
    thread reads it, plus the group's batches already done, for heartbeats.
    Local and remote workers share this; they differ in where
    ``self.solver``'s tables live.  With ``self.private`` (small tables) the
    solver trains on a private copy, refreshed before the work and merged
    after it: only completed work reaches the tables (:mod:`worker.private`).
    """

    solver = None
    private: PrivateTables | None = None
    current = p.NO_BATCH  # the first batch of the real work in the kernel right now
    done_before = 0  # iterations of the current work finished in its earlier grid batches

    def run(self, work: p.Batch | p.Group) -> tuple[int, int, float]:
        from holdem.mccfr.solver import batch_seed

        parts = work.parts(batch_seed) if isinstance(work, p.Group) else (work,)
        if self.private is not None:
            self.private.refresh()
        # progress is reset before the work is published, so no reader sees the last one's count
        self.solver.progress[:] = 0
        self.done_before = 0
        self.current = work.batch_id
        iterations = nodes = 0
        seconds = 0.0
        try:
            for part in parts:
                stats = self.solver.run_batch(part.first_iteration, part.iterations, part.seed, part.batch_start)
                iterations += stats.iterations
                nodes += stats.nodes_visited
                seconds += stats.seconds
                # a reader between these two lines sees too little, never too much
                self.solver.progress[:] = 0
                self.done_before = iterations
        finally:
            self.current = p.NO_BATCH
        if self.private is not None:
            self.private.merge()  # only completed work reaches the tables: a whole group, or nothing
        return iterations, nodes, seconds

    def iterations_done(self, batch_id: int) -> int:
        """Iterations of the work starting at ``batch_id`` done so far, -1 if it is not the one running."""
        if self.solver is None or self.current != batch_id:
            return -1
        return self.done_before + int(self.solver.progress[0])


class SolverEngine(TrackedSolver):
    def __init__(self) -> None:
        self.solver = None
        self.scratch = None
        self.segments = []
        self.private: PrivateTables | None = None

    def load(self, welcome: p.Welcome) -> None:
        from holdem.mccfr.solver import Solver
        from holdem.mccfr.tables import Tables

        arrays = self._shared_arrays(welcome) if welcome.tree_segment else {}
        tree = None
        if "nodes" in arrays:
            from holdem.game.tree_arrays import compact_from_arrays

            tree = compact_from_arrays(arrays)
        marks = None
        if MARKS_CELL in arrays:
            marks = BlockMarks(arrays[MARKS_CELL], arrays[MARKS_ARRAY])
            if marks.marks.shape[1] != block_count(welcome.table_size):
                raise ValueError(f"the block marks cover {marks.marks.shape[1]} blocks; tables of "
                                 f"{welcome.table_size} entries have {block_count(welcome.table_size)}")
        config, game = load_game(welcome.config_path, Path(welcome.buckets_path) if welcome.buckets_path else None,
                                 tree=tree)
        if game.layout.size != welcome.table_size:
            raise ValueError(
                f"the supervisor's tables hold {welcome.table_size} entries but {welcome.config_path} "
                f"gives {game.layout.size} for this host: are the config and bucket files the same on both sides?"
            )
        segments, regret, strategy = attach_tables((welcome.regret_segment, welcome.strategy_segment),
                                                   welcome.table_size)
        self.segments += segments
        if welcome.table_mode == PRIVATE_MODE:
            self.private = PrivateTables(regret, strategy, welcome.lock_path,
                                         marks.tracking() if marks is not None else None)
            regret, strategy = self.private.regret, self.private.strategy
        self.solver = Solver(game, config.solver, Tables(regret, strategy))
        if marks is not None and self.private is None:  # in place: the kernel marks what it writes
            self.solver.track(marks.tracking())
        self.scratch = Solver(game, config.solver, Tables.zeros(game.layout.size))

    def _shared_arrays(self, welcome: p.Welcome) -> dict:
        """The supervisor's shared arrays (betting tree, block marks), as views of its segment."""
        segment = open_segment(welcome.tree_segment)
        self.segments.append(segment)
        try:
            layout = json.loads(welcome.tree_layout)
        except ValueError as exc:
            raise ValueError(f"welcome.tree_layout is not JSON: {exc}") from None
        return array_views(segment, layout)

    def run(self, work: p.Batch | p.Group) -> tuple[int, int, float]:
        if self.solver is None:
            raise RuntimeError("batch before the game was loaded (the load failed; see the error before this one)")
        if isinstance(work, p.Batch) and work.scratch:
            stats = self.scratch.run_batch(work.first_iteration, work.iterations, work.seed, work.batch_start)
            return stats.iterations, stats.nodes_visited, stats.seconds
        return super().run(work)
