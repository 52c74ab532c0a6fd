"""The worker's solver: MCCFR batches on the run's shared tables (in place, or via a private copy).

``load`` builds the game from the run's config (as the in-process trainer
does), attaches the two shared-memory segments and wraps them in
:class:`holdem.mccfr.tables.Tables` without copying.  The start-up batch is a
``scratch`` one: it runs on private zero tables, so loading and compiling the
kernel is checked without touching the run's tables.  Those scratch tables
are ``np.zeros`` (calloc), so even a Hold'em-sized layout costs only the few
pages one iteration touches.  In ``private`` table mode (small games, see
:mod:`worker.private`) real batches run on a private copy that is merged into
the shared tables when the batch completes.
"""
from __future__ import annotations

import json
from pathlib import Path

from worker import protocol as p
from worker.game import load_game
from worker.private import PRIVATE_MODE, PrivateTables
from worker.shm import array_views, attach_tables, open_segment


class TrackedSolver:
    """Runs real batches on ``self.solver`` and tells the I/O thread how far the running one has got.

    The solver counts iterations in ``solver.progress`` while its kernel runs
    (nogil); the I/O thread reads it for heartbeats.  Local and remote
    workers share this; they differ in where ``self.solver``'s tables live.
    """

    solver = None
    current = p.NO_BATCH  # the real batch in the kernel right now

    def run(self, batch: p.Batch) -> tuple[int, int, float]:
        # progress is reset before the batch is published, so no reader sees the last batch's count
        self.solver.progress[:] = 0
        self.current = batch.batch_id
        try:
            stats = self.solver.run_batch(batch.first_iteration, batch.iterations, batch.seed, batch.batch_start)
        finally:
            self.current = p.NO_BATCH
        return stats.iterations, stats.nodes_visited, stats.seconds

    def iterations_done(self, batch_id: int) -> int:
        """Iterations of ``batch_id`` done so far, -1 if it is not the one running."""
        if self.solver is None or self.current != batch_id:
            return -1
        return int(self.solver.progress[0])


class SolverEngine(TrackedSolver):
    def __init__(self) -> None:
        self.solver = None
        self.scratch = None
        self.segments = []
        self.private: PrivateTables | None = None

    def load(self, welcome: p.Welcome) -> None:
        from holdem.mccfr.solver import Solver
        from holdem.mccfr.tables import Tables

        tree = self._shared_tree(welcome) if welcome.tree_segment else None
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
            self.private = PrivateTables(regret, strategy, welcome.lock_path)
            regret, strategy = self.private.regret, self.private.strategy
        self.solver = Solver(game, config.solver, Tables(regret, strategy))
        self.scratch = Solver(game, config.solver, Tables.zeros(game.layout.size))

    def _shared_tree(self, welcome: p.Welcome):
        """The supervisor's betting tree, as views of its segment."""
        from holdem.game.tree_arrays import tree_from_arrays

        segment = open_segment(welcome.tree_segment)
        self.segments.append(segment)
        try:
            layout = json.loads(welcome.tree_layout)
        except ValueError as exc:
            raise ValueError(f"welcome.tree_layout is not JSON: {exc}") from None
        return tree_from_arrays(array_views(segment, layout))

    def run(self, batch: p.Batch) -> tuple[int, int, float]:
        if self.solver is None:
            raise RuntimeError("batch before the game was loaded (the load failed; see the error before this one)")
        if batch.scratch:
            stats = self.scratch.run_batch(batch.first_iteration, batch.iterations, batch.seed, batch.batch_start)
            return stats.iterations, stats.nodes_visited, stats.seconds
        if self.private is None:
            return super().run(batch)
        self.private.refresh()
        done = super().run(batch)
        self.private.merge()  # only a completed batch reaches the shared tables
        return done
