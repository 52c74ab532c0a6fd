"""Snapshots of big tables are written while training goes on.

Slot 1 hangs in its first group (``heartbeat_no_progress``, heartbeating, with
a stall timeout far beyond the test), so that group is in flight whenever the
snapshot is due, however fast the machine is.  A paused snapshot would wait
for it; a live one is written at once, records the hung group's batches as
pending (a resume runs them again), and training on slot 0 goes on.
"""
from __future__ import annotations

import json
import signal

from faultkit import assert_clean, named, read_events, supervise_subprocess, wait_until, write_config

from worker.faults import FAULT_ENV


def test_a_live_snapshot_does_not_wait_for_the_groups_in_flight(tmp_path, registry):
    config = write_config(tmp_path, "leduc", stall_timeout=600.0, paused_snapshot_max_bytes=0,
                          private_tables_max_bytes=0, snapshot_min_interval=1.0, standby_workers=0)
    logdir = tmp_path / "run"
    proc = supervise_subprocess(
        ["--config", str(config), "--workers", "2", "--iters", "1000000000", "--batch-size", "2000",
         "--logdir", str(logdir), "--log-format", "json"],
        tmp_path / "supervisor.out", {FAULT_ENV: "heartbeat_no_progress@slot=1"},
    )
    try:
        def live_written():
            return named(read_events(logdir), "snapshot_written", why="live")

        assert wait_until(live_written, 300), (tmp_path / "supervisor.out").read_text()[-3000:]
        snap = live_written()[0]
        assert snap["paused_seconds"] == 0.0
        manifest = json.loads((logdir / "snapshots" / str(snap["iteration"]) / "manifest.json").read_text())
        hung = manifest["pending_batches"]
        assert hung, "the hung group is in flight, so the live snapshot must list it as pending"
        # slot 0 kept training past the snapshot while slot 1's group never finished
        assert wait_until(lambda: json.loads((logdir / "status.json").read_text())["iterations"]
                          > snap["iteration"], 120)
        assert any(b in json.loads((logdir / "status.json").read_text())["in_flight"] for b in hung), \
            "the hung group is still out: the snapshot did not wait for it"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=120) == 0, (tmp_path / "supervisor.out").read_text()[-3000:]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    events = read_events(logdir)
    final = named(events, "snapshot_written", why="final")
    assert final and final[-1]["iteration"] > snap["iteration"]
    assert_clean(events, registry)
