"""A new user's first hour: the older command line against the README's default run, on the same machine.

In one session, alternating (old then README, README then old, ...), it runs

- the command users already type::

    python -m holdem.cli.train_blueprint --config configs/hu_small.yaml --num-workers 2 --batch-size 100 \\
        --tensorboard --logdir DIR --time-budget S

- the README's default run::

    holdem-supervise --config configs/hu_small.yaml --workers 2 --time-budget S --logdir DIR

and prints JSON: each command's steady-state iterations/s (from the
``batch_done`` summaries once every worker, the standby one included, is
ready: :func:`scaling.steady_rate`; ``kernel_iterations_per_s`` is per
worker inside its work, ``worker_busy_share`` the share of the time workers
spent in it), the ratio old / README (goal >= 0.9),
and the same over the iterations both runs of a round covered
(``same_work_*``: the kernel speeds up as training goes on, once pruning
starts, so over equal time the faster command also measures easier
iterations), the supervisor's CPU share while training (``run_finished``; goal < 2%), how
fast ``events.jsonl`` grows (lines a second over the whole run; goal: a few)
and how much each command wrote to stderr, plus the command that reproduces
the figures.  Figures are medians over the rounds; the ratio is taken within
each round, since a shared machine's speed drifts over minutes.

The ``small`` bucket file is built first if the cache lacks it (about a
minute, not measured), as the README's first run would.

    python benchmarks/first_hour.py [--seconds 60] [--rounds 2] [--workers 2]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _runs
from scaling import steady_rate

REPO = Path(__file__).resolve().parent.parent
CONFIG = "configs/hu_small.yaml"


def commands(workers: int, seconds: float, logdir: Path) -> dict[str, list[str]]:
    return {
        "old": [sys.executable, "-m", "holdem.cli.train_blueprint", "--config", CONFIG, "--num-workers",
                str(workers), "--batch-size", "100", "--tensorboard", "--logdir", str(logdir / "old"),
                "--time-budget", str(seconds)],
        "readme": [sys.executable, "-m", "supervisor.cli", "--config", CONFIG, "--workers", str(workers),
                   "--time-budget", str(seconds), "--logdir", str(logdir / "readme")],
    }


events_by_run: dict[str, list[dict]] = {}


def measure(name: str, command: list[str], logdir: Path, workers: int) -> dict:
    stderr = logdir.with_suffix(".stderr")
    began = time.monotonic()
    with open(stderr, "wb") as err:
        code = subprocess.run(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=err).returncode
    wall = time.monotonic() - began
    evs = _runs.events(logdir)
    events_by_run[name] = evs
    started = _runs.named(evs, "run_started")
    finished = _runs.named(evs, "run_finished")
    fin = finished[0] if finished else {}
    standby = started[0]["params"]["standby_workers"] if started else 0
    lines = len((logdir / "events.jsonl").read_text().splitlines()) if (logdir / "events.jsonl").exists() else 0
    run_seconds = fin.get("seconds") or wall
    err_text = stderr.read_bytes()
    return {
        "command": name, "exit_code": code, **steady_rate(evs, workers + standby, workers),
        "iterations": fin.get("iterations"), "training_seconds": fin.get("training_seconds"),
        "supervisor_cpu_share": fin.get("supervisor_cpu_share"),
        "events_lines": lines, "events_lines_per_s": round(lines / run_seconds, 2) if run_seconds else None,
        "batch_done_lines": len(_runs.named(evs, "batch_done")),
        "stderr_lines": err_text.count(b"\n"), "stderr_bytes": len(err_text),
        "wall_seconds": round(wall, 1),
    }


def progress(evs: list[dict]) -> list[tuple[float, int]]:
    """(time, iterations done) at every ``batch_done`` summary."""
    return [(_runs.stamp(e), e["total_iterations"]) for e in _runs.named(evs, "batch_done")]


def time_at(points: list[tuple[float, int]], iterations: float) -> float | None:
    """When the run reached ``iterations`` (linear between summaries), or None if it never did."""
    for (t0, i0), (t1, i1) in zip(points, points[1:]):
        if i0 <= iterations <= i1 and i1 > i0:
            return t0 + (t1 - t0) * (iterations - i0) / (i1 - i0)
    return None


def same_work_rates(a: list[dict], b: list[dict]) -> tuple[float | None, float | None, list[int]]:
    """Each run's iterations/s over the same iterations: from where both had every worker ready to where
    the shorter one ended.  The kernel gets faster as training goes on (pruning starts after
    ``prune_after`` iterations), so a run that got further would otherwise look faster still."""
    lows, highs = [], []
    for evs in (a, b):
        points = progress(evs)
        ready = sorted(_runs.stamp(e) for e in _runs.named(evs, "worker_ready"))
        if len(points) < 2 or not ready:
            return None, None, []
        lows.append(next((i for t, i in points if t >= ready[-1]), points[-1][1]))
        highs.append(points[-1][1])
    low, high = max(lows), min(highs)
    if high <= low:
        return None, None, []
    rates = []
    for evs in (a, b):
        points = progress(evs)
        t0, t1 = time_at(points, low), time_at(points, high)
        rates.append(round((high - low) / (t1 - t0), 1) if t0 is not None and t1 and t1 > t0 else None)
    return rates[0], rates[1], [low, high]


def median(runs: list[dict], key: str):
    values = [r[key] for r in runs if isinstance(r.get(key), (int, float))]
    return round(statistics.median(values), 5) if values else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="time budget of each run")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each command, alternated")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    argv = sys.argv[1:] if argv is None else argv
    results: dict = {"command": " ".join(["python", "benchmarks/first_hour.py", *argv]),
                     "cpu_count": os.cpu_count(), "load_average_before": _runs.load_average()}

    from holdem.abstraction.bucket_file import cache_path, ensure_buckets

    built = not cache_path("small", 0).exists()
    began = time.monotonic()
    ensure_buckets("small")
    if built:
        results["bucket_build_seconds"] = round(time.monotonic() - began, 1)

    rounds = []
    with tempfile.TemporaryDirectory(prefix="holdem-first-hour-") as tmp:
        for k in range(args.rounds):
            workdir = Path(tmp) / f"round{k}"
            workdir.mkdir()
            both = commands(args.workers, args.seconds, workdir)
            order = ("old", "readme") if k % 2 == 0 else ("readme", "old")  # neither always runs first
            runs = {name: measure(name, both[name], workdir / name, args.workers) for name in order}
            old, readme = runs["old"]["iterations_per_s"], runs["readme"]["iterations_per_s"]
            same_old, same_readme, span = same_work_rates(events_by_run["old"], events_by_run["readme"])
            runs["old"]["same_work_iterations_per_s"] = same_old
            runs["readme"]["same_work_iterations_per_s"] = same_readme
            rounds.append({**runs, "ratio": round(old / readme, 3) if old and readme else None,
                           "same_work_iterations": span,
                           "same_work_ratio": round(same_old / same_readme, 3) if same_old and same_readme else None})
    summary = {}
    for name in ("old", "readme"):
        runs = [r[name] for r in rounds]
        summary[name] = {key: median(runs, key) for key in ("iterations_per_s", "supervisor_cpu_share",
                                                             "events_lines_per_s", "stderr_lines",
                                                             "worker_busy_share", "kernel_iterations_per_s",
                                                             "same_work_iterations_per_s")}
        summary[name]["exit_codes"] = sorted({r["exit_code"] for r in runs})
    ratios = [r["ratio"] for r in rounds if r["ratio"] is not None]
    same = [r["same_work_ratio"] for r in rounds if r["same_work_ratio"] is not None]
    results.update(
        seconds=args.seconds, workers=args.workers,
        ratio_old_to_readme=round(statistics.median(ratios), 3) if ratios else None,
        ratio_per_round=[r["ratio"] for r in rounds],
        same_work_ratio_old_to_readme=round(statistics.median(same), 3) if same else None,
        same_work_ratio_per_round=[r["same_work_ratio"] for r in rounds],
        goals={"ratio_at_least": 0.9, "supervisor_cpu_share_below": 0.02, "events_lines_per_s": "a few"},
        summary=summary, rounds=rounds, load_average_after=_runs.load_average(),
    )
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
