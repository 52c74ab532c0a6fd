"""A SIGKILLed supervisor leaves no orphans, and the next run cleans what it left."""
from __future__ import annotations

import json
import signal

from faultkit import (
    assert_clean,
    named,
    process_gone,
    read_events,
    segment_exists,
    supervise_subprocess,
    wait_until,
    write_config,
)

from supervisor.shm import REGISTRY_ENV, sweep_stale
from worker.faults import FAULT_ENV


def test_sigkilled_supervisor_leaves_no_orphans_and_no_segments(tmp_path, registry):
    logdir = tmp_path / "run"
    config = write_config(tmp_path)
    proc = supervise_subprocess(
        ["--config", str(config), "--workers", "2", "--time-budget", "120", "--batch-size", "20000",
         "--logdir", str(logdir), "--log-format", "json"],
        tmp_path / "supervisor.out", {REGISTRY_ENV: str(registry)},
    )
    try:
        assert wait_until(lambda: len(named(read_events(logdir), "batch_done")) >= 2, 120), \
            (tmp_path / "supervisor.out").read_text()
        events = read_events(logdir)
        pids = [e["pid"] for e in named(events, "worker_started")]
        segments = named(events, "run_started")[0]["shared_memory"]
        assert all(segment_exists(n) for n in segments)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    # heartbeat 0.2 s x liveness 5: workers notice the silence after 1 s and leave
    assert wait_until(lambda: all(process_gone(pid) for pid in pids), 10), "orphan workers"
    # the orphans unlink the dead owner's tables on their way out
    assert wait_until(lambda: not any(segment_exists(n) for n in segments), 5)
    # the registry still names the dead run until the next run sweeps it
    assert [json.loads(p.read_text())["segments"] for p in registry.glob("*.json")] == [segments]
    assert sweep_stale(registry) == []
    assert list(registry.glob("*.json")) == []


def _held_by_the_hung_slot(events: list[dict]) -> set[int]:
    """Grid batches below the highest one counted that no ``batch_done`` counts: only slot 1's hung group."""
    done = {batch for e in named(events, "batch_done") for s in e["slots"]
            for first, last in s["batch_ranges"] for batch in range(first, last + 1)}
    return set(range(max(done) + 1)) - done if done else set()


def test_second_sigint_forces_the_stop(tmp_path, registry):
    """First Ctrl-C: wait for the batches in flight; second: kill everything now, exit 130, still clean."""
    logdir = tmp_path / "run"
    # slot 1's kernel never returns from its first group (its heartbeats go on), and neither the stall
    # check nor the stop's wait gives up on it: the first signal waits for that group until the second comes
    config = write_config(tmp_path, stall_timeout=3600.0, stop_timeout=3600.0)
    proc = supervise_subprocess(
        ["--config", str(config), "--workers", "2", "--time-budget", "3600", "--batch-size", "20000",
         "--logdir", str(logdir), "--log-format", "json"],
        tmp_path / "supervisor.out", {REGISTRY_ENV: str(registry), FAULT_ENV: "heartbeat_no_progress@slot=1"},
    )
    try:
        # slot 0 has finished a batch after the one slot 1 holds: the hang is in place
        assert wait_until(lambda: _held_by_the_hung_slot(read_events(logdir)), 120), \
            (tmp_path / "supervisor.out").read_text()
        hung = _held_by_the_hung_slot(read_events(logdir))
        proc.send_signal(signal.SIGINT)
        assert wait_until(lambda: named(read_events(logdir), "run_stopping"), 30)
        assert min(hung) in named(read_events(logdir), "run_stopping")[0]["in_flight"]
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    events = read_events(logdir)
    assert named(events, "stop_forced")
    assert named(events, "run_finished")[0]["exit_code"] == 130
    # the hung kernel thread never silenced the worker's heartbeats (0.2 s)
    assert not named(events, "worker_silent") and not named(events, "worker_stalled")
    assert_clean(events, registry)
