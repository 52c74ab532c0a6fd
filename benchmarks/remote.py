"""Throughput of one local plus one remote worker (CURVE over loopback) against two local workers.

Runs ``holdem-supervise`` twice on Leduc for the same time budget and prints
JSON:

- ``two_local``: ``--workers 2``;
- ``local_plus_remote``: ``--workers 1 --bind tcp://127.0.0.1:* --keys DIR``
  plus one ``holdem-worker --connect ... --server-key ... --key ... --threads 1`` process
  (CURVE-authenticated and encrypted, as across hosts, but over loopback);

each with its steady-state iterations/s (iterations merged into the shared
tables, from the moment every worker is ready to the last batch counted,
which for a remote worker is its last sync), the ratio of the two, and per
sync the bytes and entries each way (``remote_synced`` events), plus the
bytes of the whole-table transfer on joining.

The config keeps Pluribus-style discounting, every 10M iterations (as
benchmarks/scaling.py).

    python benchmarks/remote.py [--seconds 20] [--batch-size 200000] [--sync-interval 2]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import _runs

CONFIG = """game: {{kind: leduc}}
solver: {{discount_interval: 10000000, discount_until: 100000000}}
supervisor: {{standby_workers: 0, sync_interval: {sync_interval}}}
"""


def steady(evs: list[dict], ready_events: list[dict]) -> dict:
    """Iterations/s merged between the moment every worker was ready and the last batch counted."""
    t_ready = max(_runs.stamp(e) for e in ready_events)
    done = _runs.named(evs, "batch_done")
    before = [e for e in done if _runs.stamp(e) < t_ready]
    after = [e for e in done if _runs.stamp(e) >= t_ready]
    if not after:
        return {"iterations_per_s": None}
    start = before[-1]["total_iterations"] if before else 0
    seconds = _runs.stamp(after[-1]) - t_ready
    finished = _runs.named(evs, "run_finished")[-1]
    by_remote = sum(s["iterations"] for e in after for s in e["slots"] if "name" in s)  # a local slot has a pid
    return {
        "iterations_per_s": round((after[-1]["total_iterations"] - start) / seconds, 1) if seconds > 0 else None,
        "measured_seconds": round(seconds, 2),
        "iterations_measured": after[-1]["total_iterations"] - start,
        "share_by_remote": round(by_remote / (after[-1]["total_iterations"] - start), 3) if after else None,
        "supervisor_cpu_share": finished.get("supervisor_cpu_share"),
    }


def run_two_local(base: list[str], logdir: Path) -> dict:
    proc = _runs.start([*base, "--workers", "2", "--logdir", str(logdir)])
    code = proc.wait()
    evs = _runs.events(logdir)
    return {"exit_code": code, **steady(evs, _runs.named(evs, "worker_ready"))}


def run_local_plus_remote(base: list[str], logdir: Path, keys: Path, worker_keys: Path) -> dict:
    proc = _runs.start([*base, "--workers", "1", "--logdir", str(logdir), "--bind", "tcp://127.0.0.1:*",
                        "--keys", str(keys)])
    started = _runs.wait_for(logdir, lambda evs: _runs.named(evs, "run_started"), 60)[0]
    worker = subprocess.Popen(
        [sys.executable, "-m", "worker", "--connect", started["remote_endpoint"], "--server-key",
         str(keys / "server.key"), "--key", str(worker_keys / "bench.key_secret"), "--name", "bench",
         "--threads", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    code = proc.wait()
    worker_code = worker.wait(timeout=60)
    evs = _runs.events(logdir)
    ready = _runs.named(evs, "worker_ready") + _runs.named(evs, "remote_joined")
    syncs = [e for e in _runs.named(evs, "remote_synced")]
    counting = [e for e in syncs if e["batches"]]  # syncs that brought work (not the pulls after a pause)
    joined = _runs.named(evs, "remote_joined")

    def med(key, rows):
        return statistics.median(e[key] for e in rows) if rows else None

    return {
        "exit_code": code, "remote_worker_exit_code": worker_code, **steady(evs, ready),
        "syncs": len(syncs),
        "per_sync": {
            "median_bytes_to_supervisor": med("bytes_in", counting),
            "median_bytes_to_worker": med("bytes_out", counting),
            "median_entries_to_supervisor": med("entries_in", counting),
            "median_entries_to_worker": med("entries_out", counting),
            "median_batches": med("batches", counting),
            "median_merge_seconds": med("merge_seconds", counting),
        },
        "join_table_bytes": joined[0]["table_bytes"] if joined else None,
        "table_entries": started["table_entries"],
        "table_bytes_uncompressed": started["table_bytes"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--batch-size", type=int, default=200_000)
    parser.add_argument("--sync-interval", type=float, default=2.0)
    args = parser.parse_args()
    from worker import keys as k

    with tempfile.TemporaryDirectory(prefix="holdem-remote-bench-") as tmp:
        tmp = Path(tmp)
        config = _runs.write_config(tmp, "leduc", CONFIG.format(sync_interval=args.sync_interval))
        k.new_key_pair(tmp / "keys", k.SERVER_NAME)
        k.new_key_pair(tmp / "host", "bench")
        k.authorize(tmp / "keys", tmp / "host" / "bench.key")
        base = ["--config", str(config), "--time-budget", str(args.seconds), "--batch-size", str(args.batch_size),
                "--snapshot-interval", "0"]
        two_local = run_two_local(base, tmp / "two_local")
        mixed = run_local_plus_remote(base, tmp / "mixed", tmp / "keys", tmp / "host")
    rate_a, rate_b = two_local.get("iterations_per_s"), mixed.get("iterations_per_s")
    print(json.dumps({
        "benchmark": "remote",
        "game": "leduc",
        "seconds": args.seconds,
        "batch_size": args.batch_size,
        "sync_interval": args.sync_interval,
        "two_local": two_local,
        "local_plus_remote": mixed,
        "ratio_local_plus_remote_to_two_local": round(rate_b / rate_a, 3) if rate_a and rate_b else None,
        "cpu_count": os.cpu_count(),
        "load_average_after": _runs.load_average(),
        "command": " ".join(["python", "benchmarks/remote.py", "--seconds", str(args.seconds), "--batch-size",
                             str(args.batch_size), "--sync-interval", str(args.sync_interval)]),
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
