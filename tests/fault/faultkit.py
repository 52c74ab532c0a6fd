"""Helpers for the fault suite: real supervisors and real (misbehaving) worker processes.

Every run uses a private shared-memory registry and small timeouts
(heartbeat 0.2 s, dead after 1 s of silence), and every test ends by checking
that no worker process outlived the run and no shared-memory segment is left.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from worker.shm import open_segment

FAST = {
    "heartbeat_interval": 0.2,
    "liveness": 5,
    "stall_timeout": 3.0,
    "kill_grace": 1.0,
    "backoff_initial": 0.1,
    "backoff_max": 1.0,
    "max_restarts": 5,
    "restart_window": 60.0,
    "startup_timeout": 120.0,
    "hello_timeout": 20.0,
    "stop_timeout": 10.0,
    "status_interval": 0.5,
}
BATCH = 20_000  # Leduc: a few tens of milliseconds per batch


def write_config(directory: Path, game: str = "leduc", **supervisor) -> Path:
    settings = {**FAST, **supervisor}
    lines = [f"game: {{kind: {game}}}", "supervisor:"] + [f"  {k}: {v}" for k, v in settings.items()]
    path = directory / f"{game}.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def read_events(logdir: Path) -> list[dict]:
    path = logdir / "events.jsonl"
    if not path.exists():
        return []
    events = []
    for line in path.read_text().splitlines():
        if line.strip():
            events.append(json.loads(line))
    return events


def named(events: list[dict], name: str, **match) -> list[dict]:
    return [e for e in events if e["event"] == name and all(e.get(k) == v for k, v in match.items())]


def process_gone(pid: int) -> bool:
    """Gone, or a zombie (exited; reaping it is its parent's business)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    if stat.exists():
        try:
            return stat.read_text().rsplit(")", 1)[1].split()[0] == "Z"
        except (OSError, IndexError):
            return True
    out = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True)
    return out.stdout.strip().startswith("Z") or out.returncode != 0


def wait_until(predicate, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def segment_exists(name: str) -> bool:
    try:
        segment = open_segment(name)
    except FileNotFoundError:
        return False
    segment.close()
    return True


def assert_clean(events: list[dict], registry: Path, wait: float = 5.0) -> None:
    """No worker outlives the run; no segment and no registry entry is left."""
    pids = [e["pid"] for e in named(events, "worker_started")]
    assert pids, "no worker was ever started"
    assert wait_until(lambda: all(process_gone(pid) for pid in pids), wait), \
        f"orphan workers: {[pid for pid in pids if not process_gone(pid)]}"
    for started in named(events, "run_started"):
        leftover = [n for n in started["shared_memory"] if segment_exists(n)]
        assert not leftover, f"shared memory left behind: {leftover}"
    assert list(registry.glob("*.json")) == [], "registry entries left behind"


def supervise_in_process(config: Path, logdir: Path, workers: int = 1, iters: int | None = 200_000,
                         batch_size: int = BATCH, **options) -> int:
    """Run the supervisor in this process (its workers are real processes)."""
    from supervisor.run import RunOptions, run_supervisor

    return run_supervisor(RunOptions(config_path=str(config), logdir=logdir, workers=workers, iterations=iters,
                                     batch_size=batch_size, log_format="json", **options))


def supervise_subprocess(args: list[str], output: Path, env_extra: dict[str, str] | None = None) -> subprocess.Popen:
    """``holdem-supervise`` in its own process; its stdout and stderr go to the file ``output``."""
    env = {**os.environ, **(env_extra or {})}
    with open(output, "wb") as out:
        return subprocess.Popen([sys.executable, "-m", "supervisor.cli", *args], env=env, stdout=out, stderr=out)
