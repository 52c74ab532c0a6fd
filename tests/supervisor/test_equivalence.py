"""A supervised run computes what the in-process trainer computes, and resumes exactly.

- one worker, same seed and batch size: bit-identical tables to ``holdem-train``,
  however many grid batches the supervisor groups into one message;
- a run stopped with SIGINT, with a group still out, and resumed reaches the
  same tables as one uninterrupted run;
- either command resumes the other's snapshots.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from supervisor.shm import REGISTRY_ENV
from worker.faults import FAULT_ENV

# Leduc with a discount every 40k iterations, so several discounts fall inside the run
CONFIG = """game: {kind: leduc}
solver: {discount_interval: 40000, discount_until: 1000000}
supervisor: {heartbeat_interval: 0.2, liveness: 5, stall_timeout: 30.0, kill_grace: 1.0, standby_workers: 0,
             stop_timeout: 2.0, status_interval: 0.2}
"""
ITERS = 300_000
BATCH = 30_000
SEED = 11


@pytest.fixture
def config(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv(REGISTRY_ENV, str(tmp_path / "registry"))
    path = tmp_path / "leduc.yaml"
    path.write_text(CONFIG)
    return path


def tables_of(logdir: Path):
    from holdem.mccfr.snapshot import read_snapshot

    tables, manifest = read_snapshot(logdir)
    return tables, manifest


def train_in_process(config: Path, logdir: Path, *extra: str) -> None:
    from holdem.cli.train import main as train_main

    code = train_main(["--config", str(config), "--logdir", str(logdir), "--seed", str(SEED),
                       "--batch-size", str(BATCH), *extra])
    assert code in (0, None)


def supervise(config: Path, logdir: Path, *extra: str, workers: int = 1) -> int:
    from supervisor.cli import main as supervise_main

    return supervise_main(["--config", str(config), "--logdir", str(logdir), "--workers", str(workers),
                           "--seed", str(SEED), "--batch-size", str(BATCH), "--log-format", "json", *extra])


def assert_same_tables(a: Path, b: Path) -> None:
    (ta, ma), (tb, mb) = tables_of(a), tables_of(b)
    assert ma["iteration"] == mb["iteration"]
    assert np.array_equal(ta.regret, tb.regret) and np.array_equal(ta.strategy, tb.strategy)
    assert np.any(ta.regret != 0)


@pytest.mark.parametrize("private_max", [1 << 20, 0], ids=["private-tables", "shared-tables"])
def test_one_worker_equals_the_in_process_trainer(config, tmp_path, private_max):
    """Leduc's tables are small enough for private mode by default; 0 forces updates in place."""
    config.write_text(config.read_text().replace("standby_workers: 0,", f"standby_workers: 0, "
                                                                        f"private_tables_max_bytes: {private_max},"))
    train_in_process(config, tmp_path / "trainer", "--iters", str(ITERS))
    assert supervise(config, tmp_path / "supervised", "--iters", str(ITERS)) == 0
    assert_same_tables(tmp_path / "trainer", tmp_path / "supervised")
    started = [json.loads(line) for line in (tmp_path / "supervised" / "events.jsonl").read_text().splitlines()
               if '"run_started"' in line]
    assert started[0]["local_tables"] == ("private" if private_max else "shared")
    assert list((tmp_path / "registry").iterdir()) == []  # lock file and registry entry gone


@pytest.mark.parametrize("first", [155_000, 165_000], ids=["cut-before-discount", "cut-after-discount"])
def test_snapshots_resume_across_commands(config, tmp_path, first):
    """--iters counts this invocation's iterations in every command; a cut batch is finished on resume.

    The split lies inside the batch [150,000, 180,000) (batches of 30,000), which
    holds a discount point (160,000), before or after it: either way the discount
    applies when the batch is complete, as in an uninterrupted run.
    """
    rest = ITERS - first
    train_in_process(config, tmp_path / "whole", "--iters", str(ITERS))

    train_in_process(config, tmp_path / "mixed", "--iters", str(first))
    assert supervise(config, tmp_path / "mixed", "--iters", str(rest), "--resume") == 0
    assert_same_tables(tmp_path / "whole", tmp_path / "mixed")

    assert supervise(config, tmp_path / "mixed2", "--iters", str(first)) == 0
    train_in_process(config, tmp_path / "mixed2", "--iters", str(rest), "--resume")
    assert_same_tables(tmp_path / "whole", tmp_path / "mixed2")

    assert supervise(config, tmp_path / "supervised", "--iters", str(first)) == 0
    assert supervise(config, tmp_path / "supervised", "--iters", str(rest), "--resume") == 0
    assert_same_tables(tmp_path / "whole", tmp_path / "supervised")


def test_tiny_grid_batches_grouped_into_messages_equal_the_trainer(config, tmp_path):
    """--batch-size 100: thousands of grid batches, sent as a few groups, each run as the trainer runs it."""
    iters, batch = 60_000, "100"
    train_in_process(config, tmp_path / "trainer", "--iters", str(iters), "--batch-size", batch)
    assert supervise(config, tmp_path / "supervised", "--iters", str(iters), "--batch-size", batch) == 0
    assert_same_tables(tmp_path / "trainer", tmp_path / "supervised")
    done = [json.loads(line) for line in (tmp_path / "supervised" / "events.jsonl").read_text().splitlines()
            if '"batch_done"' in line]
    assert sum(e["batches"] for e in done) == iters // 100 and done[-1]["total_iterations"] == iters


def test_sigint_with_a_group_out_then_resume_equals_the_whole_run(config, tmp_path):
    """The worker hangs in its third group (never finishes it), so the signal comes mid-run whatever the
    machine's speed; the stop abandons that group and the resumed run runs its batches first.

    The first three groups hold at most 1 + 4 + 16 grid batches (a group grows at most fourfold), so
    24 batches leave work after the hung group for the resumed run."""
    iters = 24 * BATCH
    whole, split = tmp_path / "whole", tmp_path / "split"
    assert supervise(config, whole, "--iters", str(iters)) == 0
    env = {**os.environ, FAULT_ENV: "heartbeat_no_progress:3@attempt=1"}
    args = [sys.executable, "-m", "supervisor.cli", "--config", str(config), "--logdir", str(split),
            "--workers", "1", "--seed", str(SEED), "--batch-size", str(BATCH), "--iters", str(iters),
            "--log-format", "json"]
    with open(tmp_path / "supervisor.out", "wb") as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=out)

    def third_group_out() -> bool:
        # the first group is batch 0 alone (no speed measured yet), the second starts at batch 1
        try:
            status = json.loads((split / "status.json").read_text())
        except (OSError, ValueError):
            return False
        return status["iterations"] > 0 and any(b >= 2 for b in status["in_flight"])

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and not third_group_out():
        time.sleep(0.05)
    assert third_group_out(), (tmp_path / "supervisor.out").read_text()[-3000:]
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=120) == 0, (tmp_path / "supervisor.out").read_text()[-3000:]
    _, stopped = tables_of(split)
    assert stopped["pending_batches"], "the hung group should have been abandoned"
    assert 0 < stopped["iteration"] < iters
    # the abandoned batches run first, on top of --iters: ask for what lies beyond the grid's next batch
    rest = iters - stopped["supervisor_next_batch"] * BATCH
    assert supervise(config, split, "--iters", str(rest), "--resume") == 0
    assert_same_tables(whole, split)
    assert list((tmp_path / "registry").glob("*.json")) == []  # every run released its shared memory


HOLDEM_CONFIG = """game: {kind: holdem, players: 2, stacks: 2000, small_blind: 50, big_blind: 100}
actions:
  default: {bet: [pot], raise: [pot], allin: true, max_raises: 1}
buckets: {preset: test}
solver: {discount_interval: 2000, discount_until: 100000, prune_after: 3000, prune_probability: 0.5}
supervisor: {heartbeat_interval: 0.2, liveness: 5, stall_timeout: 30.0, kill_grace: 1.0, standby_workers: 0,
             private_tables_max_bytes: 0}
"""


@pytest.mark.parametrize("private_max", [0, 1 << 20], ids=["shared-tables", "private-tables"])
def test_holdem_one_worker_on_the_shared_tree_equals_the_trainer(tmp_path, monkeypatch, private_max):
    """The worker walks the supervisor's tree in shared memory (Hold'em) and updates the tables: in place in
    the page-backed shared segments, or on a private copy merged after each group; both equal the trainer."""
    from holdem.abstraction.bucket_file import ensure_buckets

    monkeypatch.setenv(REGISTRY_ENV, str(tmp_path / "registry"))
    config = tmp_path / "hu_tiny.yaml"
    config.write_text(HOLDEM_CONFIG.replace("private_tables_max_bytes: 0", f"private_tables_max_bytes: {private_max}"))
    buckets = str(ensure_buckets("test"))
    small_batches = ("--batch-size", "1000")  # so discounts fall between batches
    train_in_process(config, tmp_path / "trainer", "--iters", "6000", "--buckets", buckets, *small_batches)
    assert supervise(config, tmp_path / "supervised", "--iters", "6000", "--buckets", buckets, *small_batches) == 0
    assert_same_tables(tmp_path / "trainer", tmp_path / "supervised")
    started = [json.loads(line) for line in (tmp_path / "supervised" / "events.jsonl").read_text().splitlines()
               if '"run_started"' in line][0]
    assert started["local_tables"] == ("shared" if private_max == 0 else "private")
    assert len(started["shared_memory"]) == 3
    assert list((tmp_path / "registry").glob("*.json")) == []
