"""Private table copies of local workers: exact for one worker, additive for several, merged under a lock."""
from __future__ import annotations

import multiprocessing
import time

import numpy as np
import pytest

from worker import protocol as p
from worker.private import PrivateTables, table_lock


def shared(values):
    return np.array(values, dtype=np.float32), np.zeros(len(values), dtype=np.float64)


def test_one_worker_leaves_exactly_its_values(tmp_path):
    regret, strategy = shared([0.1, 0.2, 0.3])
    mine = PrivateTables(regret, strategy, tmp_path / "lock")
    mine.refresh()
    mine.regret[:] = [0.7, np.float32(0.2) + np.float32(1e-3), -5.0]
    mine.strategy[1] = 3.0
    before = mine.regret.copy()
    mine.merge()
    # bit for bit the worker's values, not base + (value - base) rounded
    assert regret.tobytes() == before.tobytes()
    assert strategy.tolist() == [0.0, 3.0, 0.0]


def test_two_workers_add_their_changes(tmp_path):
    regret, strategy = shared([1.0, 1.0, 1.0])
    a = PrivateTables(regret, strategy, tmp_path / "lock")
    b = PrivateTables(regret, strategy, tmp_path / "lock")
    a.refresh()
    b.refresh()
    a.regret[:] += [1.0, 0.0, 2.0]
    b.regret[:] += [10.0, 4.0, 0.0]
    a.merge()
    b.merge()
    assert regret.tolist() == [12.0, 5.0, 3.0]
    b.refresh()  # the next batch starts from both workers' work
    assert b.regret.tolist() == [12.0, 5.0, 3.0]


def test_refresh_takes_what_the_supervisor_did_between_batches(tmp_path):
    regret, strategy = shared([2.0, 4.0])
    mine = PrivateTables(regret, strategy, tmp_path / "lock")
    regret *= 0.5  # a discount while no batch ran
    mine.refresh()
    assert mine.regret.tolist() == [1.0, 2.0]


def test_an_unmerged_batch_leaves_the_shared_tables_alone(tmp_path):
    regret, strategy = shared([1.0, 2.0])
    mine = PrivateTables(regret, strategy, tmp_path / "lock")
    mine.refresh()
    mine.regret[:] = 99.0  # a worker killed before the end of its batch never merges
    assert regret.tolist() == [1.0, 2.0]


def _hold(path, seconds, ready):
    with table_lock(path):
        ready.set()
        time.sleep(seconds)


def test_merge_waits_for_the_lock_held_by_another_process(tmp_path):
    lock = tmp_path / "lock"
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    holder = ctx.Process(target=_hold, args=(str(lock), 0.5, ready))
    holder.start()
    try:
        assert ready.wait(30)
        regret, strategy = shared([0.0])
        mine = PrivateTables(regret, strategy, lock)
        began = time.monotonic()
        mine.refresh()  # both take the lock: a refresh never reads half of another worker's merge
        mine.merge()
        assert time.monotonic() - began >= 0.3
    finally:
        holder.join(30)


def test_private_mode_needs_a_lock_file():
    with pytest.raises(ValueError, match="lock file"):
        PrivateTables(*shared([0.0]), "")


def test_welcome_checks_the_table_mode():
    base = dict(run_id="r", config_path="c.yaml", buckets_path="", regret_segment="x", strategy_segment="y",
                table_size=4, heartbeat_interval=1.0, liveness=5)
    assert p.Welcome(**base).table_mode == "shared"
    with pytest.raises(p.ProtocolError, match="table_mode"):
        p.Welcome(**base, table_mode="copy")
    with pytest.raises(p.ProtocolError, match="lock_path"):
        p.Welcome(**base, table_mode="private")
    message = p.Welcome(**base, table_mode="private", lock_path="/run/tables.lock")
    assert p.decode(p.encode(message), p.FROM_SUPERVISOR) == message
