"""6-max at scale: the compact tree, tables that grow with what training touches, and 6max_mid's walls.

Measures, in one session:

* the compact tree of ``--config`` (default the shipped 6-max config): nodes,
  bytes a node, build seconds and the build's peak RSS (a fresh process);
* a supervised run of ``--config`` for ``--seconds`` with ``--workers`` (none
  with ``--seconds 0``):
  peak memory of the whole run (every process's RssAnon + RssFile, plus the
  bytes the run's shared-memory files hold, counted once), time until the
  first worker is ready, iterations per second per worker, and the tables'
  allocated bytes over time (from ``status.json``), drawn as a PNG and
  extrapolated to 64 cores for 8 days;
* speed per worker of ``--config`` against ``--baseline`` (``6max_mid``)
  from short runs of each, alternated ``--rounds`` times (the median ratio:
  the machines are noisy, so only ratios measured side by side count);
* on ``--baseline``: the supervisor's CPU share, the workers' ready times and
  the longest snapshot pause.

Prints one JSON object with the figures and the command that reproduces them.
The extrapolation fits allocated bytes ~ a * iterations^b on the later half of
the curve (log-log least squares) and caps it at the tables' full size.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import _runs
import numpy as np

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CORES, DAYS = 64, 8

TREE_PROBE = """
import json, resource, sys, time
from holdem.config import load_config
from holdem.game.tree import build_compact
c = load_config(sys.argv[1])
t = time.perf_counter()
tree = build_compact(c.game, c.actions)
secs = time.perf_counter() - t
print(json.dumps({"nodes": tree.n_nodes, "decision_nodes": int((tree.kind == 0).sum()), "build_seconds": round(secs, 2),
                  "bytes_per_node": round(tree.node_bytes() / tree.n_nodes, 2), "tree_bytes": tree.node_bytes(),
                  "build_peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""


def _children(root: int) -> list[int]:
    kids: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as f:
                    kids.setdefault(int(f.read().rsplit(")", 1)[1].split()[1]), []).append(int(name))
            except (OSError, IndexError, ValueError):
                pass
    out, stack = [], [root]
    while stack:
        pid = stack.pop()
        out.append(pid)
        stack.extend(kids.get(pid, []))
    return out


def _rss(pid: int) -> int:
    total = 0
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("RssAnon:", "RssFile:")):
                    total += int(line.split()[1]) * 1024
    except OSError:
        pass
    return total


def _shm_bytes(skip: set[str]) -> int:
    total = 0
    for name in os.listdir("/dev/shm"):
        if name not in skip:
            try:
                total += os.stat(os.path.join("/dev/shm", name)).st_blocks * 512
            except OSError:
                pass
    return total


def supervised(config: str, workers: int, seconds: float, logdir: Path) -> dict:
    """One run with memory sampled every second; figures from its events and status.json."""
    skip = set(os.listdir("/dev/shm"))
    cmd = [PYTHON, "-m", "supervisor.cli", "--config", config, "--workers", str(workers), "--time-budget",
           str(seconds), "--logdir", str(logdir)]
    began = time.time()
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = {"bytes": 0, "rss": 0, "shm": 0}
    curve: list[tuple[float, int, int]] = []

    def watch() -> None:
        while proc.poll() is None:
            rss = sum(_rss(p) for p in _children(proc.pid))
            shm = _shm_bytes(skip)
            peak.update(bytes=max(peak["bytes"], rss + shm), rss=max(peak["rss"], rss), shm=max(peak["shm"], shm))
            try:
                status = json.loads((logdir / "status.json").read_text())
                tables = status.get("tables") or {}
                if "allocated_bytes" in tables:
                    curve.append((round(time.time() - began, 1), int(status["iterations"]),
                                  int(tables["allocated_bytes"])))
            except (OSError, ValueError, KeyError):
                pass
            time.sleep(1.0)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    code = proc.wait()
    watcher.join(timeout=5)
    events = _runs.events(logdir)
    first = {}
    for e in events:
        first.setdefault(e["event"], e)
    started = [e for e in events if e["event"] == "worker_started"]
    ready = [e for e in events if e["event"] == "worker_ready"]
    run_started = first.get("run_started")
    finished = first.get("run_finished", {})
    snaps = [e for e in events if e["event"] == "snapshot_written"]
    iterations = int(finished.get("iterations", curve[-1][1] if curve else 0))
    train_seconds = finished.get("training_seconds") or seconds
    return {
        "command": " ".join(shlex.quote(a) for a in ["holdem-supervise", *cmd[3:]]),
        "exit_code": code,
        "peak_bytes": peak["bytes"], "peak_rss_bytes": peak["rss"], "peak_shm_bytes": peak["shm"],
        "seconds_to_tables_and_tree_shared": round(_runs.stamp(run_started) - began, 2) if run_started else None,
        "seconds_to_first_worker_ready": round(_runs.stamp(ready[0]) - began, 2) if ready else None,
        "worker_ready_seconds": [round(_runs.stamp(r) - _runs.stamp(s), 2) for s, r in zip(started, ready)],
        "iterations": iterations,
        "training_seconds": train_seconds,
        "iterations_per_second_per_worker": round(iterations / train_seconds / workers, 1) if train_seconds else None,
        "supervisor_cpu_share": finished.get("supervisor_cpu_share"),
        "snapshot_paused_seconds": [s.get("paused_seconds") for s in snaps],
        "curve_seconds_iterations_allocated_bytes": curve,
        "table_bytes": next((json.loads((logdir / "status.json").read_text()).get("tables", {}).get("table_bytes")
                             for _ in [0] if (logdir / "status.json").is_file()), None),
    }


def extrapolate(curve: list, rate_per_worker: float, table_bytes: int | None) -> dict | None:
    """Allocated bytes after CORES workers train DAYS days, from a power law fit to the later half."""
    points = [(it, b) for _, it, b in curve if it > 0 and b > 0]
    points = points[len(points) // 2:]
    if len(points) < 3 or not rate_per_worker:
        return None
    x = np.log([p[0] for p in points])
    y = np.log([p[1] for p in points])
    slope, intercept = np.polyfit(x, y, 1)
    iterations = rate_per_worker * CORES * DAYS * 86400
    projected = math.exp(intercept) * iterations ** slope
    if table_bytes:
        projected = min(projected, table_bytes)
    return {"cores": CORES, "days": DAYS, "iterations": int(iterations), "exponent": round(float(slope), 3),
            "allocated_bytes": int(projected), "capped_at_table_bytes": bool(table_bytes and projected >= table_bytes)}


def draw(curve: list, path: Path, config: str) -> str | None:
    if len(curve) < 2:
        return None
    from holdem.eval.plot import plot_running

    seconds = np.array([c[0] for c in curve], dtype=np.float64)
    gib = np.array([c[2] for c in curve], dtype=np.float64) / 2**30
    return str(plot_running(path, seconds, gib, title=f"Tables backed as training touches them: {Path(config).stem}",
                            xlabel="seconds of training", ylabel="GiB backed"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="configs/6max_100bb.yaml")
    ap.add_argument("--json-out", default=None, help="also write the JSON here")
    ap.add_argument("--baseline", default="configs/6max_mid.yaml")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=3600.0,
                    help="training seconds of the long run (goal: 3600; 0: no long run, only the speed rounds)")
    ap.add_argument("--speed-seconds", type=float, default=90.0, help="training seconds of each speed round")
    ap.add_argument("--rounds", type=int, default=3, help="alternating speed rounds of each config")
    ap.add_argument("--out", default=None, help="directory for the runs and the PNG (default: a temporary one)")
    args = ap.parse_args(argv)
    out = Path(args.out or tempfile.mkdtemp(prefix="holdem-scale-"))
    out.mkdir(parents=True, exist_ok=True)
    runs = ["big"] * (args.seconds > 0) + [f"speed-{side}-{k}" for k in range(args.rounds)
                                          for side in ("config", "baseline")]
    stale = [name for name in runs if (out / name).exists()]
    if stale:  # the supervisor refuses a directory with an earlier run in it, whose events would be read here
        ap.error(f"--out {out} already holds {', '.join(stale)}: give an empty or new directory")
    probe = subprocess.run([PYTHON, "-c", TREE_PROBE, args.config], cwd=REPO, capture_output=True, text=True,
                           check=True)
    result: dict = {"benchmark": "scale",
                    "command": "python benchmarks/scale.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:])),
                    "machine": {"cpus": os.cpu_count()}, "tree": json.loads(probe.stdout.strip().splitlines()[-1])}
    big = None
    if args.seconds > 0:
        big = supervised(args.config, args.workers, args.seconds, out / "big")
        big["curve_png"] = draw(big["curve_seconds_iterations_allocated_bytes"], out / "allocated.png", args.config)
        big["extrapolation"] = extrapolate(big["curve_seconds_iterations_allocated_bytes"],
                                           big["iterations_per_second_per_worker"], big["table_bytes"])
    rounds = []
    for k in range(args.rounds):
        a = supervised(args.config, args.workers, args.speed_seconds, out / f"speed-config-{k}")
        b = supervised(args.baseline, args.workers, args.speed_seconds, out / f"speed-baseline-{k}")
        rounds.append({"config": a, "baseline": b})
    ratios = [r["config"]["iterations_per_second_per_worker"] / r["baseline"]["iterations_per_second_per_worker"]
              for r in rounds if all(side["exit_code"] == 0 and side["iterations_per_second_per_worker"]
                                     for side in r.values())]  # a run that failed is reported, not compared
    for r in rounds:  # the curves of short runs are not needed in the report
        for side in r.values():
            side.pop("curve_seconds_iterations_allocated_bytes", None)
    result.update(run=big, speed_rounds=rounds,
                  speed_per_worker_ratios=[round(x, 3) for x in ratios],
                  speed_per_worker_ratio_median=round(float(np.median(ratios)), 3) if ratios else None)
    text = json.dumps(result, indent=2)
    print(text)
    if args.json_out:
        Path(args.json_out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
