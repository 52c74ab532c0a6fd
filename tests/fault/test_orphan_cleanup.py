"""A SIGKILLed supervisor's shared memory (tables and betting tree) is removed by its orphaned workers,
or else by the next run's sweep, which says what it removed.

The supervisor is killed at a point fixed by events, not by time: every worker
(the standby one too) has finished its start-up batch and the training ones
hang in their first group (``heartbeat_no_progress``), heartbeating, so the
run is mid-work however fast the machine is.
"""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap

from faultkit import (
    FAST,
    named,
    process_gone,
    read_events,
    segment_exists,
    supervise_in_process,
    supervise_subprocess,
    wait_until,
    write_config,
)

from supervisor.shm import REGISTRY_ENV, sweep_stale
from worker.faults import FAULT_ENV

HOLDEM = """game: {kind: holdem, players: 2, stacks: 2000, small_blind: 50, big_blind: 100}
actions:
  default: {bet: [pot], raise: [pot], allin: true, max_raises: 1}
buckets: {preset: test}
supervisor:
"""


def test_orphans_unlink_tables_and_tree_of_a_sigkilled_supervisor(tmp_path, registry):
    from holdem.abstraction.bucket_file import ensure_buckets

    config = tmp_path / "hu_tiny.yaml"
    config.write_text(HOLDEM + "".join(f"  {k}: {v}\n" for k, v in FAST.items()))
    logdir = tmp_path / "run"
    proc = supervise_subprocess(
        ["--config", str(config), "--buckets", str(ensure_buckets("test")), "--workers", "1",
         "--iters", "100000000", "--batch-size", "1000", "--logdir", str(logdir), "--log-format", "json"],
        tmp_path / "supervisor.out", {REGISTRY_ENV: str(registry), FAULT_ENV: "heartbeat_no_progress"},
    )
    try:
        def all_ready():
            events = read_events(logdir)
            started = named(events, "run_started")
            return started and len(named(events, "worker_ready")) == 1 + started[0]["params"]["standby_workers"]

        assert wait_until(all_ready, 300), (tmp_path / "supervisor.out").read_text()[-3000:]
        events = read_events(logdir)
        pids = [e["pid"] for e in named(events, "worker_started")]
        segments = named(events, "run_started")[0]["shared_memory"]
        assert len(segments) == 3 and segments[2].endswith("t")  # regret, strategy, betting tree
        assert all(segment_exists(n) for n in segments)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # heartbeat 0.2 s x liveness 5: the workers notice the silence after 1 s and leave
    assert wait_until(lambda: all(process_gone(pid) for pid in pids), 30), "orphan workers"
    assert not [n for n in segments if segment_exists(n)], "the orphans left shared memory behind"
    # only the registry entry is left, for the next run's sweep, which finds nothing more to unlink
    assert [json.loads(p.read_text())["segments"] for p in registry.glob("*.json")] == [segments]
    assert sweep_stale(registry) == []
    assert list(registry.glob("*")) == []


def test_next_run_sweeps_tables_and_tree_of_a_dead_owner_and_names_them(tmp_path, registry):
    """No worker was left to clean up: the next run removes all three segments and logs their names."""
    script = textwrap.dedent(f"""
        import time
        from pathlib import Path
        import numpy as np
        from supervisor.shm import SharedTables
        t = SharedTables(100, "dead", registry=Path({str(registry)!r}))
        t.share_arrays({{"kind": np.zeros(10, np.int8)}})
        print(" ".join([*t.names, t.arrays_name]), flush=True)
        time.sleep(600)
    """)
    owner = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    names = owner.stdout.readline().split()
    owner.send_signal(signal.SIGKILL)
    owner.wait()
    owner.stdout.close()
    assert len(names) == 3 and all(segment_exists(n) for n in names)
    logdir = tmp_path / "run"
    assert supervise_in_process(write_config(tmp_path, standby_workers=0), logdir, iters=20_000) == 0
    removed = named(read_events(logdir), "stale_shm_removed")
    assert len(removed) == 1 and sorted(removed[0]["segments"]) == sorted(names)
    assert not any(segment_exists(n) for n in names)
    assert list(registry.glob("*.json")) == []
