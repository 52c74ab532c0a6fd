"""Block marks: the kernels record every block they write, copy it into the base on its first write of an
epoch, and train exactly as without tracking."""
from __future__ import annotations

import numpy as np
import pytest

from holdem.games.leduc import leduc_game
from holdem.mccfr.blocks import BLOCK_ENTRIES, BlockMarks, Tracking, block_count, block_runs, touch_entries
from holdem.mccfr.params import MCCFRParams
from holdem.mccfr.solver import Solver
from holdem.mccfr.tables import Tables

SAMPLED = MCCFRParams(prune_probability=0.5, prune_after=0, average_streets=(0, 1), discount_interval=10**9,
                      discount_until=10**9, enumerate_own_hands=False)
OWN_HANDS = MCCFRParams(prune_probability=0.0, average_streets=(0, 1), discount_interval=10**9, discount_until=10**9,
                        enumerate_own_hands=True)


def _random_tables(game, rng) -> Tables:
    size = game.layout.size
    return Tables(rng.standard_normal(size).astype(np.float32), np.abs(rng.standard_normal(size)))


def _tracked(game, params, tables: Tables) -> tuple[Solver, BlockMarks, dict]:
    marks = BlockMarks.zeros(tables.size)
    bases = {"regret": np.zeros_like(tables.regret), "strategy": np.zeros_like(tables.strategy)}
    solver = Solver(game, params, tables)
    solver.track(marks.tracking(bases["regret"], bases["strategy"]))
    return solver, marks, bases


@pytest.mark.parametrize("params", [SAMPLED, OWN_HANDS], ids=["kernel", "own-hands"])
def test_tracking_changes_nothing_in_the_tables(params):
    game = leduc_game()
    rng = np.random.default_rng(1)
    plain = _random_tables(game, rng)
    tracked = plain.copy()
    solver = Solver(game, params, plain)
    tracked_solver, marks, _ = _tracked(game, params, tracked)
    for first in (0, 3000):
        solver.run_batch(first, 3000, 11)
        tracked_solver.run_batch(first, 3000, 11)
    assert plain.regret.tobytes() == tracked.regret.tobytes()
    assert plain.strategy.tobytes() == tracked.strategy.tobytes()
    assert (marks.marks == marks.epoch).all()  # Leduc's one block of each table was written


HOLDEM = """game: {kind: holdem, players: 2, stacks: 2000, small_blind: 50, big_blind: 100}
actions:
  default: {bet: [0.5, pot], raise: [pot], allin: true, max_raises: 2}
buckets: {preset: test}
solver: {prune_after: 0, prune_probability: 0.5}
"""


def test_every_write_of_the_kernel_is_in_a_marked_block_whose_base_holds_the_epochs_start(tmp_path):
    from holdem.abstraction.bucket_file import ensure_buckets
    from holdem.config import load_config
    from holdem.games.registry import make_game

    path = tmp_path / "hu.yaml"
    path.write_text(HOLDEM)
    config = load_config(path)
    game = make_game(config, str(ensure_buckets("test")))
    size = game.layout.size
    assert size > 20 * BLOCK_ENTRIES
    tables = Tables.zeros(size)
    solver = Solver(game, config.solver, tables)
    solver.run_batch(0, 2000, 5)  # values to copy
    marks = BlockMarks.zeros(size)
    bases = {"regret": np.zeros(size, np.float32), "strategy": np.zeros(size)}
    solver.track(marks.tracking(bases["regret"], bases["strategy"]))
    before = tables.copy()
    solver.run_batch(2000, 2, 6)
    for t, name in enumerate(("regret", "strategy")):
        now, then = getattr(tables, name), getattr(before, name)
        marked = marks.at(t, marks.epoch)
        assert 0 < len(marked) < block_count(size)  # two iterations touch some blocks, not all
        changed_blocks = set(np.flatnonzero(now != then) >> 10)
        assert changed_blocks and changed_blocks <= set(marked)
        for block in marked:
            lo, hi = block * BLOCK_ENTRIES, min((block + 1) * BLOCK_ENTRIES, size)
            assert bases[name][lo:hi].tobytes() == then[lo:hi].tobytes()


def test_compiled_touch_copies_once_per_epoch_and_marks():
    table = np.arange(3 * BLOCK_ENTRIES, dtype=np.float64)
    base = np.zeros_like(table)
    marks = BlockMarks.zeros(len(table))
    row = BLOCK_ENTRIES - 2  # a row across two blocks
    touch_entries(marks.marks[1], marks.cell, base, table, np.array([row, row + 3], np.int64))
    assert list(marks.at(1, marks.epoch)) == [0, 1]
    assert base[: 2 * BLOCK_ENTRIES].tobytes() == table[: 2 * BLOCK_ENTRIES].tobytes()
    assert not base[2 * BLOCK_ENTRIES:].any()
    table[row] = -1.0
    touch_entries(marks.marks[1], marks.cell, base, table, np.array([row], np.int64))
    assert base[row] == row  # not copied again within the epoch
    ended = marks.advance()
    assert list(marks.since(1, ended)) == [0, 1] and list(marks.since(1, ended + 1)) == []
    touch_entries(marks.marks[1], marks.cell, base, table, np.array([row], np.int64))
    assert base[row] == -1.0  # a new epoch copies afresh


def test_block_runs_join_neighbours_split_long_runs_and_clip_the_end():
    size = 10 * BLOCK_ENTRIES - 5
    runs = block_runs(np.array([0, 1, 2, 5, 7, 8, 9]), size, 2 * BLOCK_ENTRIES)
    assert runs == [(0, 2 * BLOCK_ENTRIES), (2 * BLOCK_ENTRIES, BLOCK_ENTRIES), (5 * BLOCK_ENTRIES, BLOCK_ENTRIES),
                    (7 * BLOCK_ENTRIES, 2 * BLOCK_ENTRIES), (9 * BLOCK_ENTRIES, BLOCK_ENTRIES - 5)]
    assert block_runs(np.array([], np.int64), size, BLOCK_ENTRIES) == []


def test_a_base_of_another_size_is_refused():
    game = leduc_game()
    solver = Solver(game, SAMPLED)
    marks = BlockMarks.zeros(game.layout.size)
    with pytest.raises(ValueError, match="does not fit"):
        solver.track(marks.tracking(np.zeros(3, np.float32)))
    assert not Tracking.off().on
