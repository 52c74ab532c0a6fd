"""A supervised Hold'em run records the bucket file it trained with, as holdem-train does."""
from __future__ import annotations

from pathlib import Path

from holdem.abstraction.bucket_file import ensure_buckets, read_manifest
from holdem.mccfr.snapshot import read_snapshot
from supervisor.shm import REGISTRY_ENV

CONFIG = """game: {kind: holdem, players: 2, stacks: 2000, small_blind: 50, big_blind: 100}
actions:
  default: {bet: [pot], raise: [pot], allin: true, max_raises: 1}
buckets: {preset: test}
supervisor: {heartbeat_interval: 0.2, standby_workers: 0}
"""


def test_manifest_names_the_bucket_file(tmp_path, monkeypatch):
    from supervisor.cli import main as supervise_main

    monkeypatch.setenv(REGISTRY_ENV, str(tmp_path / "registry"))
    buckets = ensure_buckets("test")
    config = tmp_path / "hu_tiny.yaml"
    config.write_text(CONFIG)
    logdir = tmp_path / "run"
    code = supervise_main(["--config", str(config), "--logdir", str(logdir), "--workers", "1",
                           "--iters", "4000", "--batch-size", "2000", "--buckets", str(buckets),
                           "--log-format", "json"])
    assert code == 0
    _, manifest = read_snapshot(logdir)
    assert manifest["buckets_path"] == str(Path(buckets).resolve())
    assert manifest["abstraction_hash"] == read_manifest(buckets)["content_hash"]
