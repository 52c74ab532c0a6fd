"""A group of grid batches runs exactly as its batches would one by one: one solver call per batch, in order."""
from __future__ import annotations

import numpy as np

from holdem.mccfr.solver import BatchStats, Solver, batch_seed
from holdem.mccfr.tables import Tables
from worker import protocol as p
from worker.engine import TrackedSolver
from worker.game import load_game
from worker.private import PrivateTables


class RecordingSolver:
    def __init__(self) -> None:
        self.progress = np.zeros(2, dtype=np.int64)
        self.calls = []
        self.seen_done = []
        self.tracker = None

    def run_batch(self, first_iteration, iterations, seed, batch_start=None):
        self.seen_done.append(self.tracker.iterations_done(self.tracker.current))
        self.calls.append((first_iteration, iterations, seed, batch_start))
        self.progress[0] = iterations
        return BatchStats(iterations, 10 * iterations, 0.5)


def test_group_calls_the_solver_once_per_grid_batch_and_sums_the_figures():
    tracker = TrackedSolver()
    tracker.solver = solver = RecordingSolver()
    solver.tracker = tracker
    group = p.Group(batch_id=2, batches=3, first_iteration=250, iterations=220, batch_size=100, run_seed=5)
    assert tracker.run(group) == (220, 2200, 1.5)
    assert solver.calls == [(250, 50, batch_seed(5, 2), 200), (300, 100, batch_seed(5, 3), 300),
                            (400, 70, batch_seed(5, 4), 400)]
    assert solver.seen_done == [0, 50, 150]  # the heartbeat's count goes on across the group's batches
    assert tracker.iterations_done(2) == -1  # nothing running any more


def _leduc():
    config, game = load_game("leduc")
    return config, game


def test_a_group_on_private_tables_equals_its_batches_run_alone(tmp_path):
    config, game = _leduc()
    size = game.layout.size
    alone = Solver(game, config.solver, Tables.zeros(size))
    for k, first, count in ((0, 0, 500), (1, 500, 500), (2, 1000, 500), (3, 1500, 200)):
        alone.run_batch(first, count, batch_seed(9, k), k * 500)

    shared = Tables.zeros(size)
    private = PrivateTables(shared.regret, shared.strategy, tmp_path / "lock")
    tracker = TrackedSolver()
    tracker.solver = Solver(game, config.solver, Tables(private.regret, private.strategy))
    private.refresh()
    tracker.run(p.Group(batch_id=0, batches=4, first_iteration=0, iterations=1700, batch_size=500, run_seed=9))
    assert not shared.regret.any()  # nothing reaches the shared tables before the merge (the tracker has no
    # ``private``: the engine's own merge is what this test leaves out)
    assert np.array_equal(private.regret, alone.tables.regret)
    assert np.array_equal(private.strategy, alone.tables.strategy)
