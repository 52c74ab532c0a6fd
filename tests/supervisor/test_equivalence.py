"""A supervised run computes what the in-process trainer computes, and resumes exactly.

- one worker, same seed and batch size: bit-identical tables to ``holdem-train``;
- a run stopped with SIGINT and resumed reaches the same iteration count, and
  (one worker) the same tables, as one uninterrupted run;
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

# Leduc with a discount every 40k iterations, so several discounts fall inside the run
CONFIG = """game: {kind: leduc}
solver: {discount_interval: 40000, discount_until: 1000000}
supervisor: {heartbeat_interval: 0.2, liveness: 5, stall_timeout: 30.0, kill_grace: 1.0, standby_workers: 0}
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
    config.write_text(config.read_text().replace("standby_workers: 0", f"standby_workers: 0, "
                                                                       f"private_tables_max_bytes: {private_max}"))
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


def test_sigint_then_resume_reaches_the_same_iterations(config, tmp_path):
    whole, split = tmp_path / "whole", tmp_path / "split"
    assert supervise(config, whole, "--iters", str(ITERS)) == 0
    env = {**os.environ}
    args = [sys.executable, "-m", "supervisor.cli", "--config", str(config), "--logdir", str(split),
            "--workers", "1", "--seed", str(SEED), "--batch-size", str(BATCH), "--iters", str(ITERS),
            "--log-format", "json"]
    with open(tmp_path / "supervisor.out", "wb") as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=out)
    events = split / "events.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not events.exists() or events.read_text().count('"batch_done"') < 2):
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=120) == 0, (tmp_path / "supervisor.out").read_text()
    _, stopped = tables_of(split)
    assert 0 < stopped["iteration"] < ITERS, "the run should have been stopped part way"
    assert supervise(config, split, "--iters", str(ITERS - stopped["iteration"]), "--resume") == 0
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


def test_holdem_one_worker_on_the_shared_tree_equals_the_trainer(tmp_path, monkeypatch):
    """The worker walks the supervisor's tree in shared memory (Hold'em) and updates the tables in place."""
    from holdem.abstraction.bucket_file import ensure_buckets

    monkeypatch.setenv(REGISTRY_ENV, str(tmp_path / "registry"))
    config = tmp_path / "hu_tiny.yaml"
    config.write_text(HOLDEM_CONFIG)
    buckets = str(ensure_buckets("test"))
    small_batches = ("--batch-size", "1000")  # so discounts fall between batches
    train_in_process(config, tmp_path / "trainer", "--iters", "6000", "--buckets", buckets, *small_batches)
    assert supervise(config, tmp_path / "supervised", "--iters", "6000", "--buckets", buckets, *small_batches) == 0
    assert_same_tables(tmp_path / "trainer", tmp_path / "supervised")
    started = [json.loads(line) for line in (tmp_path / "supervised" / "events.jsonl").read_text().splitlines()
               if '"run_started"' in line][0]
    assert started["local_tables"] == "shared" and len(started["shared_memory"]) == 3
    assert list((tmp_path / "registry").glob("*.json")) == []
