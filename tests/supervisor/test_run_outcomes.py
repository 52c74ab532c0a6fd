"""What a run records about itself: the exit status it really ends with, and its snapshot schedule.

Real supervisors with real (Leduc) workers, bounded by ``--iters``; nothing
here depends on the machine's speed.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from supervisor.shm import REGISTRY_ENV

CONFIG = """game: {kind: leduc}
supervisor: {heartbeat_interval: 0.2, liveness: 5, kill_grace: 1.0, standby_workers: 0%s}
"""


def events(logdir: Path) -> list[dict]:
    return [json.loads(line) for line in (logdir / "events.jsonl").read_text().splitlines()]


def named(evs: list[dict], name: str) -> list[dict]:
    return [e for e in evs if e["event"] == name]


@pytest.fixture
def config(tmp_path, monkeypatch):
    monkeypatch.setenv(REGISTRY_ENV, str(tmp_path / "registry"))

    def write(extra: str = "") -> Path:
        path = tmp_path / "leduc.yaml"
        path.write_text(CONFIG % extra)
        return path

    return write


def supervise(config: Path, logdir: Path, **options) -> int:
    from supervisor.run import RunOptions, run_supervisor

    return run_supervisor(RunOptions(config_path=str(config), logdir=logdir, workers=1, iterations=100_000,
                                     batch_size=10_000, log_format="json", **options))


# A supervisor whose TensorBoard writer fails as it opens, run as a real process: whatever status the
# process ends with is the one its run_finished event and status.json record.
BROKEN_TENSORBOARD = textwrap.dedent("""
    import sys
    import supervisor.run

    class Broken:
        def __init__(self, logdir):
            raise RuntimeError("no TensorBoard writer here")

    supervisor.run.TensorBoard = Broken
    from supervisor.cli import main
    sys.exit(main(sys.argv[1:]))
""")


def test_the_recorded_exit_status_is_the_one_the_process_ends_with(config, tmp_path):
    logdir = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-c", BROKEN_TENSORBOARD, "--config", str(config()), "--workers", "1",
                           "--iters", "20000", "--logdir", str(logdir), "--tensorboard", "--log-format", "json"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    (finished,) = named(events(logdir), "run_finished")
    assert finished["exit_code"] == proc.returncode, proc.stderr[-2000:]
    assert "no TensorBoard writer here" in finished["error"]
    assert json.loads((logdir / "status.json").read_text())["exit_code"] == proc.returncode
    assert list((tmp_path / "registry").glob("*.json")) == []  # the shared memory went anyway


def test_a_step_failing_at_shutdown_is_logged_and_changes_no_status(config, tmp_path, monkeypatch):
    import supervisor.run

    class CloseFails:
        def __init__(self, logdir):
            pass

        def scalars(self, step, **values):
            pass

        def close(self):
            raise OSError("disk full")

    monkeypatch.setattr(supervisor.run, "TensorBoard", CloseFails)
    logdir = tmp_path / "run"
    assert supervise(config(), logdir, tensorboard=True) == 0
    evs = events(logdir)
    (failed,) = named(evs, "shutdown_step_failed")
    assert failed["step"] == "close TensorBoard" and "disk full" in failed["error"]
    assert named(evs, "run_finished")[0]["exit_code"] == 0
    assert list((tmp_path / "registry").glob("*.json")) == []


def test_without_an_interval_snapshots_follow_the_adaptive_schedule_and_report_their_pause(config, tmp_path):
    """A minimum interval of a millisecond: the first dispatch after the start-up check already finds a
    snapshot due (start-up takes longer), so the run pauses for one before any work goes out."""
    logdir = tmp_path / "run"
    assert supervise(config(", snapshot_min_interval: 0.001"), logdir) == 0
    evs = events(logdir)
    assert named(evs, "run_started")[0]["snapshot_interval"] == "adaptive"
    written = named(evs, "snapshot_written")
    interval = [e for e in written if e["why"] == "interval"]
    assert interval and interval[0]["iteration"] == 0
    assert all(e["paused_seconds"] >= e["seconds"] for e in interval)  # the pause holds the write
    assert all(e["paused_seconds"] is None for e in written if e["why"] == "final")  # nothing paused
    assert written[-1]["iteration"] == 100_000


def test_an_interval_given_on_the_command_line_wins(config, tmp_path):
    logdir = tmp_path / "run"
    assert supervise(config(", snapshot_min_interval: 0.001"), logdir, snapshot_interval=0.0) == 0
    evs = events(logdir)
    assert named(evs, "run_started")[0]["snapshot_interval"] is None  # 0: only the final snapshot
    assert [e["why"] for e in named(evs, "snapshot_written")] == ["final"]
