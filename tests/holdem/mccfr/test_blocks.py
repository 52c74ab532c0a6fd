"""Recording writes: the kernels mark every block they write and log every entry's first write with its value
before it (growing the logs between kernel calls), and train exactly as without tracking."""
from __future__ import annotations

import threading

import numpy as np
import pytest
from numba import njit

from holdem.games.leduc import leduc_game
from holdem.mccfr.blocks import (
    BLOCK_ENTRIES,
    BlockMarks,
    Capture,
    Tracking,
    block_count,
    block_runs,
    logged_changes,
    touch,
    touch_all,
    touch_entries,
    word_count,
    written_bits,
)
from holdem.mccfr.params import MCCFRParams
from holdem.mccfr.solver import Solver, writes_per_iteration
from holdem.mccfr.tables import Tables

SAMPLED = MCCFRParams(prune_probability=0.5, prune_after=0, average_streets=(0, 1), discount_interval=10**9,
                      discount_until=10**9, enumerate_own_hands=False)
OWN_HANDS = MCCFRParams(prune_probability=0.0, average_streets=(0, 1), discount_interval=10**9, discount_until=10**9,
                        enumerate_own_hands=True)


def _random_tables(game, rng) -> Tables:
    size = game.layout.size
    return Tables(rng.standard_normal(size).astype(np.float32), np.abs(rng.standard_normal(size)))


def _capture(size: int, capacity: int = 1 << 12) -> Capture:
    written = (np.zeros(word_count(size), np.uint64), np.zeros(word_count(size), np.uint64))
    return Capture(written, (np.float32, np.float64), capacity)


def _tracked(game, params, tables: Tables, capacity: int = 1 << 12) -> tuple[Solver, BlockMarks, Capture]:
    marks = BlockMarks.zeros(tables.size)
    capture = _capture(tables.size, capacity)
    solver = Solver(game, params, tables)
    solver.track(Tracking(marks.cell, marks.marks[0], marks.marks[1], capture))
    return solver, marks, capture


@pytest.mark.parametrize("params", [SAMPLED, OWN_HANDS], ids=["kernel", "own-hands"])
def test_tracking_changes_nothing_in_the_tables(params):
    game = leduc_game()
    rng = np.random.default_rng(1)
    plain = _random_tables(game, rng)
    tracked = plain.copy()
    start = plain.copy()
    solver = Solver(game, params, plain)
    tracked_solver, marks, capture = _tracked(game, params, tracked, capacity=1)  # grown as it goes
    for first in (0, 3000):
        solver.run_batch(first, 3000, 11)
        tracked_solver.run_batch(first, 3000, 11)
    assert plain.regret.tobytes() == tracked.regret.tobytes()
    assert plain.strategy.tobytes() == tracked.strategy.tobytes()
    assert (marks.marks == marks.epoch).all()  # Leduc's one block of each table was written
    for t, name in enumerate(("regret", "strategy")):
        index, base = capture.logged(t)
        assert len(np.unique(index)) == len(index)  # each entry once
        assert base.tobytes() == getattr(start, name)[index].tobytes()  # with its value before the first write
        changed = np.flatnonzero(getattr(plain, name) != getattr(start, name))
        assert set(changed) <= set(index)


HOLDEM = """game: {kind: holdem, players: 2, stacks: 2000, small_blind: 50, big_blind: 100}
actions:
  default: {bet: [0.5, pot], raise: [pot], allin: true, max_raises: 2}
buckets: {preset: test}
solver: {prune_after: 0, prune_probability: 0.5}
"""


def _holdem(tmp_path):
    from holdem.abstraction.bucket_file import ensure_buckets
    from holdem.config import load_config
    from holdem.games.registry import make_game

    path = tmp_path / "hu.yaml"
    path.write_text(HOLDEM)
    config = load_config(path)
    return config, make_game(config, str(ensure_buckets("test")))


def test_every_write_of_the_kernel_is_marked_and_logged_once_with_its_value_before(tmp_path):
    config, game = _holdem(tmp_path)
    size = game.layout.size
    assert size > 20 * BLOCK_ENTRIES
    tables = Tables.zeros(size)
    solver = Solver(game, config.solver, tables)
    solver.run_batch(0, 2000, 5)  # values to log
    marks = BlockMarks.zeros(size)
    capture = _capture(size, capacity=16)  # grown between kernel calls, many times
    solver.track(Tracking(marks.cell, marks.marks[0], marks.marks[1], capture))
    before = tables.copy()
    solver.run_batch(2000, 40, 6)
    for t, name in enumerate(("regret", "strategy")):
        now, then = getattr(tables, name), getattr(before, name)
        marked = marks.at(t, marks.epoch)
        assert 0 < len(marked) < block_count(size)  # a few iterations touch some blocks, not all
        changed = np.flatnonzero(now != then)
        assert len(changed) and set(changed >> 10) <= set(marked)
        index, base = capture.logged(t)
        assert len(np.unique(index)) == len(index) < size
        assert set(changed) <= set(index)
        assert base.tobytes() == then[index].tobytes()
        assert capture.written[t].sum() > 0  # the bits of the logged entries
        assert written_bits(capture.written[t], index).all()
        others = np.setdiff1d(np.arange(size), index)
        assert not written_bits(capture.written[t], others).any()


def _writes_oracle(tree, node: int, trav: int) -> tuple[int, int]:
    """The bound by its definition, recursively: rows of ``trav`` explored in full, others' sampled."""
    from holdem.game.tree_arrays import NODE_DECISION

    if tree.kind[node] != NODE_DECISION:
        return 0, 0
    na = int(tree.n_actions[node])
    below = [_writes_oracle(tree, int(tree.first_child[node]) + a, trav) for a in range(na)]
    if tree.actor[node] == trav:
        return na + sum(r for r, _ in below), sum(s for _, s in below)
    return max(r for r, _ in below), na + max(s for _, s in below)


def test_the_write_bound_is_its_definition(tmp_path):
    for game in (leduc_game(), _holdem(tmp_path)[1]):
        tree = game.compact
        per_seat = [_writes_oracle(tree, 0, trav) for trav in range(tree.n_players)]
        expected = sum(r for r, _ in per_seat), sum(s for _, s in per_seat)
        assert writes_per_iteration(tree) == expected == writes_per_iteration(tree)  # the second from its cache


def test_the_write_bound_holds_for_every_iteration(tmp_path):
    config, game = _holdem(tmp_path)
    regret_bound, strategy_bound = writes_per_iteration(game.compact)
    assert 0 < regret_bound and 0 < strategy_bound
    tables = Tables.zeros(game.layout.size)
    solver = Solver(game, config.solver, tables)
    for t in range(200):
        capture = _capture(game.layout.size)
        solver.track(Tracking.capturing(capture))
        solver.run_batch(t, 1, 3, batch_start=0)
        assert capture.fill(0) <= regret_bound and capture.fill(1) <= strategy_bound


def test_touch_logs_once_and_marks():
    table = np.arange(3 * BLOCK_ENTRIES, dtype=np.float64)
    marks = BlockMarks.zeros(len(table))
    capture = _capture(len(table), capacity=1)  # grown to fit
    tracking = Tracking(marks.cell, marks.marks[0], marks.marks[1], capture)
    row = BLOCK_ENTRIES - 2  # a row across two blocks
    tracking.touch_entries(1, table, np.array([row, row + 3], np.int64))
    assert list(marks.at(1, marks.epoch)) == [0, 1]
    assert list(capture.logged(1)[0]) == [row, row + 3] and list(capture.logged(1)[1]) == [row, row + 3]
    table[row] = -1.0
    tracking.touch_entries(1, table, np.array([row], np.int64))
    assert capture.fill(1) == 2 and capture.logged(1)[1][0] == row  # logged once, with its value before
    assert capture.fill(0) == 0
    ended = marks.advance()
    assert list(marks.since(1, ended)) == [0, 1] and list(marks.since(1, ended + 1)) == []
    touch_entries(marks.marks[1], marks.cell, np.zeros(0), table, np.array([5 * 0], np.int64))  # marks only
    assert list(marks.since(1, ended + 1)) == [0] and capture.fill(1) == 2


@njit(nogil=True)
def _touch_and_add(written, log, log_base, state, table, order):
    no_marks, cell = np.zeros(0, np.uint32), np.ones(1, np.uint32)
    for k in range(order.shape[0]):
        i = order[k]
        touch(no_marks, cell, written, log, log_base, state, 0, table, i, 1)
        table[i] += 1.0


def test_two_threads_writing_one_table_log_each_entry_once_with_its_value_before_either_wrote():
    size = 1 << 20
    table = np.arange(size, dtype=np.float32)
    start = table.copy()
    written = np.zeros(word_count(size), np.uint64)
    captures = [Capture((written, written), (np.float32, np.float32), size) for _ in range(2)]
    rng = np.random.default_rng(5)
    orders = [rng.permutation(size), rng.permutation(size)]
    _touch_and_add(np.zeros(1, np.uint64), *captures[0].table_args(0)[1:4], np.zeros(1, np.float32),
                   np.zeros(1, np.int64))  # compiled before the threads start
    captures[0].state[:] = 0

    def write(j: int) -> None:
        _touch_and_add(written, *captures[j].table_args(0)[1:4], table, orders[j])

    threads = [threading.Thread(target=write, args=(j,)) for j in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    index = np.concatenate([c.logged(0)[0] for c in captures])
    base = np.concatenate([c.logged(0)[1] for c in captures])
    assert len(index) == size and np.array_equal(np.sort(index), np.arange(size))  # once each, none lost
    assert base.tobytes() == start[index].tobytes()
    assert written_bits(written, np.arange(size, dtype=np.int64)).all()


def test_compiled_touch_never_writes_past_a_log():
    table = np.arange(100, dtype=np.float64)
    capture = _capture(len(table), capacity=3)
    touch_all(np.zeros(0, np.uint32), np.ones(1, np.uint32), *capture.table_args(1), table)
    assert capture.logged(1)[0].tolist() == [0, 1, 2]
    assert written_bits(capture.written[1], np.arange(100)).sum() == 3  # the others stay unlogged
    with pytest.raises(RuntimeError, match="did not fit"):
        capture.check()
    capture.ensure(1, 200)
    assert capture.logged(1)[0].tolist() == [0, 1, 2] and capture.index[1].shape[0] >= 203


def test_reading_the_logs_out_takes_each_changed_entry_once_and_clears_the_bitmap():
    from holdem.mccfr.merge import bits

    written = np.zeros(word_count(1000), np.uint64)
    capture = Capture((written, written), (np.float32, np.float64))
    table = np.zeros(1000, np.float32)
    tracking = Tracking.capturing(capture)
    tracking.touch_entries(0, table, np.array([999, 0, 63, 64, 1], np.int64))
    table[[0, 64, 999]] = 1.0  # 63 and 1 written back as they were
    written[0] = 0  # a lost bit: entry 0 is logged again, after another write
    tracking.touch_entries(0, table, np.array([0], np.int64))
    table[0] = 2.0
    index, base = capture.logged(0)
    assert index.tolist() == [999, 0, 63, 64, 1, 0] and base.tolist() == [0, 0, 0, 0, 0, 1]
    order = np.argsort(index, kind="stable")
    out_index, out_position = np.empty(len(index), np.int64), np.empty(len(index), np.int64)
    n = logged_changes(index[order], order, bits(base), bits(table), written, out_index, out_position)
    assert out_index[:n].tolist() == [0, 64, 999] and base[out_position[:n]].tolist() == [0, 0, 0]
    assert not written.any()


def test_block_runs_join_neighbours_split_long_runs_and_clip_the_end():
    size = 10 * BLOCK_ENTRIES - 5
    runs = block_runs(np.array([0, 1, 2, 5, 7, 8, 9]), size, 2 * BLOCK_ENTRIES)
    assert runs == [(0, 2 * BLOCK_ENTRIES), (2 * BLOCK_ENTRIES, BLOCK_ENTRIES), (5 * BLOCK_ENTRIES, BLOCK_ENTRIES),
                    (7 * BLOCK_ENTRIES, 2 * BLOCK_ENTRIES), (9 * BLOCK_ENTRIES, BLOCK_ENTRIES - 5)]
    assert block_runs(np.array([], np.int64), size, BLOCK_ENTRIES) == []


def test_a_capture_of_another_size_is_refused():
    game = leduc_game()
    solver = Solver(game, SAMPLED)
    with pytest.raises(ValueError, match="does not fit"):
        solver.track(Tracking.capturing(_capture(game.layout.size + 64)))
    assert not Tracking.off().on


def test_a_log_keeps_the_room_its_last_interval_needed():
    capture = _capture(1 << 16, capacity=4)
    tracking = Tracking.capturing(capture)
    table = np.zeros(1 << 16, np.float32)
    tracking.touch_entries(0, table, np.arange(1000, dtype=np.int64))
    grown = capture.index[0].shape[0]
    capture.written[0][:] = 0
    capture.clear()  # an interval that filled it: the room stays for the next
    assert capture.index[0].shape[0] == grown and capture.fill(0) == 0
    tracking.touch_entries(0, table, np.arange(10, dtype=np.int64))
    capture.clear()  # one that needed little: it shrinks to twice that
    assert capture.index[0].shape[0] == 20 and capture.index[1].shape[0] == 4
