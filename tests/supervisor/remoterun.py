"""Remote runs over loopback for the tests: keys, a supervisor with --bind, remote workers, its events.

Shared by the remote tests of this package (test_remote_run, test_remote_faults).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from supervisor.shm import REGISTRY_ENV
from worker import keys as k
from worker.faults import FAULT_ENV

CONFIG = """game: {kind: leduc}
solver: {discount_interval: 40000, discount_until: 1000000}
supervisor: {heartbeat_interval: 0.2, liveness: 15, stall_timeout: 20.0, kill_grace: 1.0, standby_workers: 0,
             sync_interval: 0.3, startup_timeout: 60.0}
"""
SEED = 9
BATCH = 20_000


def remote_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The ``env`` fixture of the remote tests (tests/supervisor/conftest.py): a shared-memory registry, a
    Leduc config, the supervisor's keys and authorized hosts; processes started are killed at the end."""
    registry = tmp_path / "registry"
    monkeypatch.setenv(REGISTRY_ENV, str(registry))
    config = tmp_path / "leduc.yaml"
    config.write_text(CONFIG)
    keys_dir = tmp_path / "keys"
    k.new_key_pair(keys_dir, k.SERVER_NAME)
    k.new_key_pair(tmp_path / "host", "alice")
    k.authorize(keys_dir, tmp_path / "host" / "alice.key")
    k.new_key_pair(tmp_path / "host", "fuzzer")
    k.authorize(keys_dir, tmp_path / "host" / "fuzzer.key")
    k.new_key_pair(tmp_path / "stranger", "mallory")  # never authorized
    procs: list[subprocess.Popen] = []
    yield {"tmp": tmp_path, "config": config, "keys": keys_dir, "registry": registry, "procs": procs,
           "process_env": {**os.environ, REGISTRY_ENV: str(registry)}}
    for proc in procs:  # a failed test leaves no open-ended run behind
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def supervise(env: dict, logdir: Path, *extra: str, workers: int = 0, bind: str = "tcp://127.0.0.1:*",
              name: str = "supervisor") -> subprocess.Popen:
    args = [sys.executable, "-m", "supervisor.cli", "--config", str(env["config"]), "--logdir", str(logdir),
            "--workers", str(workers), "--seed", str(SEED), "--batch-size", str(BATCH), "--log-format", "json",
            "--bind", bind, "--keys", str(env["keys"]), *extra]
    out = open(env["tmp"] / f"{name}.out", "wb")
    proc = subprocess.Popen(args, env=env["process_env"], stdout=out, stderr=out, cwd=env["tmp"])
    env["procs"].append(proc)
    return proc


def remote_worker(env: dict, endpoint: str, name: str = "alice", key: str | None = None,
                  *extra: str, threads: int = 1, fault: str = "") -> subprocess.Popen:
    """``holdem-worker --connect``; ``fault``: its HOLDEM_FAULT (worker.faults), if any."""
    key = key or str(env["tmp"] / "host" / "alice.key_secret")
    args = [sys.executable, "-m", "worker", "--connect", endpoint, "--server-key", str(env["keys"] / "server.key"),
            "--key", key, "--name", name, "--threads", str(threads), *extra]
    out = open(env["tmp"] / f"worker-{name}-{time.monotonic_ns()}.out", "wb")
    process_env = {**env["process_env"], FAULT_ENV: fault} if fault else env["process_env"]
    proc = subprocess.Popen(args, env=process_env, stdout=out, stderr=out, cwd=env["tmp"])
    proc.output = Path(out.name)
    env["procs"].append(proc)
    return proc


def events(logdir: Path) -> list[dict]:
    path = logdir / "events.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def named(logdir: Path, event: str, **match) -> list[dict]:
    return [e for e in events(logdir) if e["event"] == event and all(e.get(a) == b for a, b in match.items())]


def named_after(logdir: Path, first: dict, event: str, **match) -> list[dict]:
    """Events ``event`` logged after the event ``first``."""
    log = events(logdir)
    later = log[log.index(first) + 1:]
    return [e for e in later if e["event"] == event and all(e.get(a) == b for a, b in match.items())]


def batch_counts(logdir: Path) -> tuple[int, int]:
    """(local, remote) batches completed, from ``batch_done`` events.

    Read either form of the event: one per batch (``remote`` set for a remote
    worker's), or a summary of a second's work with per-slot figures under
    ``slots`` (a remote worker's entry carries its ``name``).
    """
    local = remote = 0
    for e in named(logdir, "batch_done"):
        for entry in e["slots"] if "slots" in e else [e]:
            batches = entry["batches"] if "slots" in e else 1
            if entry.get("remote") or "name" in entry:
                remote += batches
            else:
                local += batches
    return local, remote


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def endpoint_of(logdir: Path) -> str:
    started = wait_for(lambda: named(logdir, "run_started"), 60, "run_started")
    return started[0]["remote_endpoint"]


def tables(logdir: Path):
    from holdem.mccfr.snapshot import read_snapshot

    return read_snapshot(logdir)


def stop(proc: subprocess.Popen, timeout: float = 60) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    return proc.wait(timeout=timeout)


