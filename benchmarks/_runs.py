"""Shared helpers of the supervisor benchmarks: run ``holdem-supervise`` and read its events."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path


def start(args: list[str], env_extra: dict[str, str] | None = None) -> subprocess.Popen:
    env = {**os.environ, **(env_extra or {})}
    return subprocess.Popen([sys.executable, "-m", "supervisor.cli", *args, "--log-format", "json"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def events(logdir: Path) -> list[dict]:
    path = logdir / "events.jsonl"
    if not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass  # a line being written right now
    return out


def named(evs: list[dict], name: str, **match) -> list[dict]:
    return [e for e in evs if e["event"] == name and all(e.get(k) == v for k, v in match.items())]


def stamp(event: dict) -> float:
    """An event's timestamp as seconds since the epoch."""
    return datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00")).timestamp()


def wait_for(logdir: Path, predicate, timeout: float, interval: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        evs = events(logdir)
        found = predicate(evs)
        if found:
            return found
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout} s waiting in {logdir}")


def write_config(directory: Path, name: str, text: str) -> Path:
    path = directory / f"{name}.yaml"
    path.write_text(text)
    return path


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def report(result: dict, out: Path | None) -> None:
    """Print a benchmark's JSON, and write it to ``out`` (atomically) when given."""
    from holdem.atomic import write_text_atomic

    text = json.dumps(result, indent=2)
    print(text)
    if out:
        write_text_atomic(out, text + "\n")
