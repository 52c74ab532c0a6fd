"""Remote hosts that fail in the middle of the sync protocol, as real processes over loopback.

Each host misbehaves through ``HOLDEM_FAULT`` (:mod:`worker.faults`):

- it dies after sending half of a change set;
- the head dies, and the host joins the head that resumes the run;
- it stops reading its answer (too slow to take it) while heartbeating on;
- it sends a change set whose parts overlap.

A run whose only workers are remote, one host at a time, applies its batches
in order, so it must end with exactly the tables of the in-process trainer
for the same iterations: that is the check that nothing half-sent, refused
or lost reached the tables, and that lost batches were run again.  With a
local worker beside the slow host, the check is that local training never
waited for the host and every batch counted once.
"""
from __future__ import annotations

import numpy as np
from remoterun import (
    BATCH,
    SEED,
    batch_counts,
    endpoint_of,
    events,
    named,
    remote_worker,
    stop,
    supervise,
    tables,
    wait_for,
)

from supervisor import remote as r
from worker.faults import EXIT_MID_BATCH_CODE


def sync_every_batch(env: dict) -> None:
    """A sync interval far below a batch's duration: the host syncs after every batch."""
    env["config"].write_text(env["config"].read_text().replace("sync_interval: 0.3", "sync_interval: 0.000001"))


def assert_equals_the_trainer(env: dict, logdir, iters: int) -> None:
    from holdem.cli.train import main as train_main

    trainer = env["tmp"] / "trainer"
    assert train_main(["--config", str(env["config"]), "--logdir", str(trainer), "--seed", str(SEED),
                       "--batch-size", str(BATCH), "--iters", str(iters)]) in (0, None)
    (mine, manifest), (theirs, _) = tables(logdir), tables(trainer)
    assert manifest["iteration"] == iters
    assert np.array_equal(mine.regret, theirs.regret) and np.array_equal(mine.strategy, theirs.strategy)
    assert np.any(mine.regret != 0)


def test_a_host_that_dies_in_the_middle_of_a_sync_leaves_no_trace_of_it(env):
    sync_every_batch(env)
    iters = 240_000
    logdir = env["tmp"] / "run"
    sup = supervise(env, logdir, "--iters", str(iters))
    endpoint = endpoint_of(logdir)
    dying = remote_worker(env, endpoint, fault="die_in_sync:3")
    assert dying.wait(timeout=120) == EXIT_MID_BATCH_CODE, dying.output.read_text()
    (dropped,) = wait_for(lambda: named(logdir, "remote_dropped"), 60, "the dead host's drop")
    assert dropped["reason"] == "silent" and dropped["batches_lost"]
    assert len(named(logdir, "remote_synced")) == 2  # the third sync never completed, and nothing of it merged
    again = remote_worker(env, endpoint)  # the same name is welcomed back, and finishes the run
    assert sup.wait(timeout=120) == 0, (env["tmp"] / "supervisor.out").read_text()[-3000:]
    assert again.wait(timeout=30) == 0, again.output.read_text()
    local, remote = batch_counts(logdir)
    assert local == 0 and remote == iters // BATCH  # the lost batches ran again, and counted once
    assert_equals_the_trainer(env, logdir, iters)
    assert list(env["registry"].glob("*.json")) == []


def test_a_host_joins_the_head_that_resumes_the_run_and_takes_fresh_tables(env):
    """The head is killed (no stop message) after a snapshot; the host keeps trying the endpoint, joins the
    resumed run and gets the tables as they were snapshotted: its own copy, newer, is dropped."""
    sync_every_batch(env)
    first_dir = env["tmp"] / "run"
    first = supervise(env, first_dir, "--snapshot-interval", "0.5", name="first")  # open-ended
    endpoint = endpoint_of(first_dir)
    host = remote_worker(env, endpoint)
    wait_for(lambda: any(e["iteration"] > 0 for e in named(first_dir, "snapshot_written")), 120,
             "a snapshot with the host's work in it")
    first.kill()
    first.wait()
    wait_for(lambda: "joining again" in host.output.read_text(), 30, "the host to notice")
    resumed_from = tables(first_dir)[1]["iteration"]
    assert resumed_from > 0
    more = 100_000
    second = supervise(env, first_dir, "--resume", "--iters", str(more), bind=endpoint, name="second")
    assert second.wait(timeout=180) == 0, (env["tmp"] / "second.out").read_text()[-3000:]
    assert host.wait(timeout=30) == 0, host.output.read_text()
    joins = named(first_dir, "remote_joined")
    assert joins[-1]["rejoin"] is False and joins[-1]["table_bytes"] > 0  # a new run, tables sent afresh
    final = tables(first_dir)[1]["iteration"]
    assert final >= resumed_from + more
    assert_equals_the_trainer(env, first_dir, final)


def test_a_host_too_slow_to_take_its_answer_never_holds_up_local_workers(env):
    env["config"].write_text(env["config"].read_text().replace("stall_timeout: 20.0", "stall_timeout: 4.0"))
    iters = 2_000_000
    logdir = env["tmp"] / "run"
    sup = supervise(env, logdir, "--iters", str(iters), workers=1)
    slow = remote_worker(env, endpoint_of(logdir), fault="stop_reading:2")
    (dropped,) = wait_for(lambda: named(logdir, "remote_dropped"), 120, "the slow host's drop")
    assert dropped["reason"] == "stalled" and dropped["streaming"] is True
    assert dropped["parts_unacked"] <= r.WINDOW  # all that was ever queued for it
    log = events(logdir)
    answered = [i for i, e in enumerate(log) if e["event"] == "remote_synced"][-1]
    stalled = log.index(dropped)
    local_meanwhile = [e for e in log[answered:stalled] if e["event"] == "batch_done"
                       and any("name" not in s for s in e.get("slots", [e]))]
    assert local_meanwhile, "local training stopped while the head waited for the slow host"
    assert sup.wait(timeout=300) == 0, (env["tmp"] / "supervisor.out").read_text()[-3000:]
    stop(slow, timeout=5) if slow.poll() is None else None
    local, remote = batch_counts(logdir)
    assert local + remote == iters // BATCH and remote > 0
    assert tables(logdir)[1]["iteration"] == iters


def test_a_change_set_whose_parts_overlap_is_refused_whole(env):
    sync_every_batch(env)
    iters = 240_000
    logdir = env["tmp"] / "run"
    sup = supervise(env, logdir, "--iters", str(iters))
    host = remote_worker(env, endpoint_of(logdir), fault="overlap_sync:2@attempt=1")
    assert sup.wait(timeout=120) == 0, (env["tmp"] / "supervisor.out").read_text()[-3000:]
    assert host.wait(timeout=30) == 0, host.output.read_text()
    bad = [e for e in named(logdir, "bad_message") if "overlap" in e.get("error", "")]
    assert bad
    (dropped,) = named(logdir, "remote_dropped")
    assert dropped["reason"] == "protocol" and dropped["batches_lost"]
    assert len(named(logdir, "remote_joined")) == 2  # told to join again, it did
    assert_equals_the_trainer(env, logdir, iters)
