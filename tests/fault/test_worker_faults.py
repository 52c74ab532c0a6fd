"""Misbehaving workers (HOLDEM_FAULT) and signals from outside: the run recovers and says so.

Each case ends with the run finishing its iterations (or giving up cleanly
when every slot keeps failing), the expected events in ``events.jsonl``, no
orphan process and no leftover shared memory.
"""
from __future__ import annotations

import json
import os
import signal
import threading
import time

from faultkit import BATCH, assert_clean, named, read_events, supervise_in_process, wait_until, write_config

from supervisor.run import EXIT_ALL_SLOTS_GIVEN_UP, EXIT_OK, EXIT_STARTUP_FAILED
from worker.faults import EXIT_MID_BATCH_CODE, FAULT_ENV

ITERS = 200_000


def finished_all(events, iters=ITERS):
    done = named(events, "run_finished")
    assert len(done) == 1 and done[0]["exit_code"] == EXIT_OK, done
    assert done[0]["iterations"] == iters
    assert sum(e["iterations"] for e in named(events, "batch_done")) == iters


def batches_done(events) -> list[int]:
    """Every grid batch the ``batch_done`` summaries count, as often as they count it."""
    return [batch for e in named(events, "batch_done") for s in e["slots"]
            for first, last in s["batch_ranges"] for batch in range(first, last + 1)]


def restarted(events, slot=0):
    r = named(events, "worker_restarted", slot=slot)
    assert r, "no restart"
    assert r[0]["attempt"] == 2
    return r


def test_crash_at_start_of_one_slot_is_restarted(tmp_path, registry, monkeypatch):
    monkeypatch.setenv(FAULT_ENV, "crash_at_start@slot=1@attempt=1")
    logdir = tmp_path / "run"
    code = supervise_in_process(write_config(tmp_path), logdir, workers=2)
    events = read_events(logdir)
    assert code == EXIT_OK
    crashed = named(events, "worker_exited", slot=1, attempt=1)
    assert crashed and crashed[0]["returncode"] == 1
    assert "injected fault: crash_at_start" in crashed[0]["output_tail"]
    restarted(events, slot=1)
    finished_all(events)
    status = json.loads((logdir / "status.json").read_text())
    assert status["iterations"] == ITERS and status["restarts"] >= 1
    slots = {s["slot"]: s for s in status["slots"] if not s["standby"]}
    assert set(slots) == {0, 1} and slots[1]["attempt"] >= 2 and slots[1]["failures"] == 1
    assert sum(s["batches_done"] for s in slots.values()) == ITERS // BATCH
    assert_clean(events, registry)


def test_crash_at_start_everywhere_stops_the_run_with_the_traceback(tmp_path, registry, monkeypatch, capfd):
    monkeypatch.setenv(FAULT_ENV, "crash_at_start")
    logdir = tmp_path / "run"
    code = supervise_in_process(write_config(tmp_path), logdir, workers=2)
    events = read_events(logdir)
    assert code == EXIT_STARTUP_FAILED
    failed = named(events, "startup_failed")
    assert failed and "every worker failed" in failed[0]["reason"]
    assert "RuntimeError: injected fault: crash_at_start" in failed[0]["failure"]["output_tail"]
    err = capfd.readouterr().err
    assert "start-up check failed" in err and "Traceback" in err and "try:" in err
    assert not named(events, "worker_restarted")  # no restarting for ever
    assert_clean(events, registry)


def test_error_while_loading_stops_the_run_with_the_workers_exception(tmp_path, registry, monkeypatch, capfd):
    monkeypatch.setenv(FAULT_ENV, "raise_at_load")
    logdir = tmp_path / "run"
    code = supervise_in_process(write_config(tmp_path), logdir, workers=2)
    events = read_events(logdir)
    assert code == EXIT_STARTUP_FAILED
    failure = named(events, "startup_failed")[0]["failure"]
    assert failure["exception"]["type"] == "RuntimeError" and failure["killed"] == "error"
    assert "raise_at_load" in failure["exception"]["message"]
    err = capfd.readouterr().err
    assert "raised RuntimeError: injected fault: raise_at_load" in err and "Traceback" in err
    assert "holdem-train --config CONFIG --iters 1" in err
    assert len(named(events, "worker_error")) == 2 and not named(events, "worker_restarted")
    assert_clean(events, registry)


def test_hang_at_start_times_out(tmp_path, registry, monkeypatch, capfd):
    monkeypatch.setenv(FAULT_ENV, "hang_at_start")
    logdir = tmp_path / "run"
    code = supervise_in_process(write_config(tmp_path, startup_timeout=2.0), logdir)
    events = read_events(logdir)
    assert code == EXIT_STARTUP_FAILED
    assert "within 2 s" in named(events, "startup_failed")[0]["reason"]
    assert "startup_timeout" in capfd.readouterr().err
    assert_clean(events, registry)


def test_error_in_a_batch_is_reported_and_the_worker_restarted(tmp_path, registry, monkeypatch):
    monkeypatch.setenv(FAULT_ENV, "raise_in_batch:2@attempt=1")
    logdir = tmp_path / "run"
    assert supervise_in_process(write_config(tmp_path), logdir) == EXIT_OK
    events = read_events(logdir)
    errors = named(events, "worker_error", slot=0)
    assert len(errors) == 1 and errors[0]["exc_type"] == "RuntimeError"
    assert "raise_in_batch:2" in errors[0]["message"] and "Traceback" in errors[0]["traceback"]
    assert errors[0]["batch"] == 1
    killed = named(events, "worker_killed", slot=0)
    assert killed and killed[0]["reason"] == "error"
    restarted(events)
    finished_all(events)
    assert_clean(events, registry)


def test_silent_worker_is_killed_and_restarted(tmp_path, registry, monkeypatch):
    monkeypatch.setenv(FAULT_ENV, "hang_silent@attempt=1")
    logdir = tmp_path / "run"
    assert supervise_in_process(write_config(tmp_path), logdir) == EXIT_OK
    events = read_events(logdir)
    silent = named(events, "worker_silent", slot=0)
    assert len(silent) == 1 and silent[0]["silent_for"] > 1.0
    killed = named(events, "worker_killed", slot=0)
    assert killed[0]["reason"] == "silent" and killed[0]["batch_lost"] == 0
    restarted(events)
    finished_all(events)
    assert_clean(events, registry)


def test_heartbeats_without_progress_mean_stalled(tmp_path, registry, monkeypatch):
    monkeypatch.setenv(FAULT_ENV, "heartbeat_no_progress@attempt=1")
    logdir = tmp_path / "run"
    assert supervise_in_process(write_config(tmp_path, stall_timeout=1.5), logdir) == EXIT_OK
    events = read_events(logdir)
    stalled = named(events, "worker_stalled", slot=0)
    assert len(stalled) == 1 and stalled[0]["without_progress_for"] > 1.5 and stalled[0]["batch"] == 0
    assert not named(events, "worker_silent")  # it kept heartbeating
    assert named(events, "worker_killed", slot=0)[0]["reason"] == "stalled"
    restarted(events)
    finished_all(events)
    assert_clean(events, registry)


def test_exit_mid_batch_reissues_the_batch(tmp_path, registry, monkeypatch):
    monkeypatch.setenv(FAULT_ENV, "exit_mid_batch:3@attempt=1")
    logdir = tmp_path / "run"
    # one grid batch a message, so the third message is batch 2
    assert supervise_in_process(write_config(tmp_path, target_batch_seconds=0), logdir) == EXIT_OK
    events = read_events(logdir)
    gone = named(events, "worker_exited", slot=0, attempt=1)
    assert gone[0]["returncode"] == EXIT_MID_BATCH_CODE and gone[0]["batch_lost"] == 2
    restarted(events)
    assert batches_done(events).count(2) == 1  # counted once, after the re-issue
    finished_all(events)
    assert_clean(events, registry)


def test_malformed_messages_are_dropped_and_the_run_goes_on(tmp_path, registry, monkeypatch):
    monkeypatch.setenv(FAULT_ENV, "malformed_message")
    logdir = tmp_path / "run"
    assert supervise_in_process(write_config(tmp_path), logdir) == EXIT_OK
    events = read_events(logdir)
    bad = named(events, "bad_message", slot=0)
    assert len(bad) >= 8
    assert any("exceeds the cap" in e["error"] for e in bad)
    assert any("unknown message type" in e["error"] for e in bad)
    assert not named(events, "worker_restarted") and not named(events, "worker_killed")
    finished_all(events)
    assert_clean(events, registry)


def test_every_slot_failing_gives_up_with_a_final_snapshot(tmp_path, registry, monkeypatch):
    monkeypatch.setenv(FAULT_ENV, "raise_in_batch:2")
    logdir = tmp_path / "run"
    config = write_config(tmp_path, max_restarts=2)
    assert supervise_in_process(config, logdir, workers=2) == EXIT_ALL_SLOTS_GIVEN_UP
    events = read_events(logdir)
    assert len(named(events, "slot_given_up")) == 2
    assert named(events, "all_slots_given_up")
    assert len(named(events, "worker_restarted")) == 2 * 2  # max_restarts per slot, then no more
    finished = named(events, "run_finished")[0]
    assert finished["exit_code"] == EXIT_ALL_SLOTS_GIVEN_UP
    assert named(events, "snapshot_written", why="final")
    assert_clean(events, registry)


def _signal_first_busy_worker(logdir, sig, sent: dict) -> threading.Thread:
    """Once slot 0 has finished a batch, send ``sig`` to its process (from outside the run)."""

    def act():
        def ready():
            return any(s["slot"] == 0 for e in named(read_events(logdir), "batch_done") for s in e["slots"])

        if wait_until(ready, 120):
            pid = named(read_events(logdir), "worker_started", slot=0)[0]["pid"]
            sent["pid"], sent["at"] = pid, time.time()
            os.kill(pid, sig)

    thread = threading.Thread(target=act, daemon=True)
    thread.start()
    return thread


def test_sigkilled_worker_is_restarted(tmp_path, registry):
    logdir = tmp_path / "run"
    sent = {}
    thread = _signal_first_busy_worker(logdir, signal.SIGKILL, sent)
    assert supervise_in_process(write_config(tmp_path), logdir, iters=2_000_000) == EXIT_OK
    thread.join()
    events = read_events(logdir)
    gone = named(events, "worker_exited", slot=0, attempt=1)
    assert gone and gone[0]["pid"] == sent["pid"] and gone[0]["returncode"] == -signal.SIGKILL
    restarted(events)
    finished_all(events, 2_000_000)
    assert_clean(events, registry)


def test_sigstopped_worker_is_found_silent_and_replaced(tmp_path, registry):
    logdir = tmp_path / "run"
    sent = {}
    thread = _signal_first_busy_worker(logdir, signal.SIGSTOP, sent)
    assert supervise_in_process(write_config(tmp_path), logdir, iters=2_000_000) == EXIT_OK
    thread.join()
    events = read_events(logdir)
    silent = named(events, "worker_silent", slot=0)
    assert silent and silent[0]["pid"] == sent["pid"]
    killed = named(events, "worker_killed", slot=0)
    assert killed[0]["reason"] == "silent" and killed[0]["pid"] == sent["pid"]
    restarted(events)
    finished_all(events, 2_000_000)
    assert_clean(events, registry)
