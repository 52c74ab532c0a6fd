"""Throughput of supervised training with 1..N workers, and the supervisor's own CPU share.

Runs ``holdem-supervise`` once per worker count for a fixed time budget and
prints JSON: steady-state iterations/s (from the ``batch_done`` events after
every worker is ready, so interpreter start-up and kernel loading do not
count), the speed-up over one worker, and the supervisor's CPU time per
second of training (its own threads; ``run_finished.supervisor_cpu_share``).

Goals on the 2-core development machine: 2 workers >= 1.9x one worker;
supervisor < 2% CPU.  The config keeps Pluribus-style discounting but with
10M-iteration intervals, so the figures measure the runtime rather than the
discount barrier (Leduc with the default 100k-iteration interval pauses for a
discount every ~0.1 s of work).

Measurement starts once every worker, the standby one included, is ready.
For comparison each worker count is also run as that many independent
solver processes on private tables with no supervisor at all: their summed
rate is the machine's own ceiling (on a machine shared with other work, the
2-worker goal can only be judged against it).  Hold'em presets are run as
shipped except for that discount interval.

``worker_busy_share`` (time inside batches / wall time, per worker) says
whether the supervisor kept workers waiting; ``kernel_iterations_per_s``
(per worker, inside batches) shows what the cores lose to each other.  Leduc's
672-entry tables, written in place by two processes, made each kernel run at
well under its solo speed (cache lines bouncing between cores); local workers
now train tables that small on private copies (``worker/private.py``).

Every worker count is run ``--rounds`` times, alternating (1, 2, .. N, then
again), and each speed-up is taken against the one-worker run of its own
round: on a shared machine whose speed drifts over minutes, the median of
those ratios is far steadier than one run of each.

    python benchmarks/scaling.py [--max-workers 2] [--seconds 20] [--rounds 3] [--batch-size B]
                                 [--games leduc,hu_small]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

import _runs
import yaml

# Discount intervals as in this benchmark's earlier runs, so its figures stay comparable (discounting no
# longer pauses anything: holdem.mccfr.schedule.table_scale); the shipped presets discount every 100k iterations.
SOLVER = {"discount_interval": 10_000_000, "discount_until": 100_000_000}
CONFIGS = {"leduc": {"game": {"kind": "leduc"}}}
HOLDEM_PRESETS = ("hu_small",)
# a quarter of a second of work per batch on one core (here): the supervisor's cost is per batch
BATCH_SIZES = {"leduc": 200_000, "hu_small": 50_000}


def steady_rate(evs: list[dict], processes: int, workers: int) -> dict:
    """Figures between the first and last batch done once ``processes`` workers were ready.

    ``processes`` counts the standby worker too: while it loads it competes for the cores.
    ``worker_busy_share``: the share of that time the workers spent inside batches (1.0 = the
    supervisor never kept a worker waiting); ``kernel_iterations_per_s``: per worker, inside batches.
    """
    ready = _runs.named(evs, "worker_ready")
    if len(ready) < processes:
        return {"iterations_per_s": None, "batches_measured": 0}
    t_ready = sorted(_runs.stamp(e) for e in ready)[processes - 1]
    done = [e for e in _runs.named(evs, "batch_done") if _runs.stamp(e) >= t_ready]
    if len(done) < 2:
        return {"iterations_per_s": None, "batches_measured": len(done)}
    first, last = done[0], done[-1]
    wall = _runs.stamp(last) - _runs.stamp(first)
    inside = done[1:]  # batches that ran within the window
    busy = sum(e["seconds"] for e in inside)
    return {
        "iterations_per_s": round((last["total_iterations"] - first["total_iterations"]) / wall, 1),
        "batches_measured": len(done),
        "worker_busy_share": round(busy / (wall * workers), 3),
        "kernel_iterations_per_s": round(sum(e["iterations"] for e in inside) / busy, 1) if busy else None,
    }


# N of these side by side (private tables, no supervisor) give the machine's own ceiling
SOLO = """
import sys, time
from holdem.mccfr.solver import Solver
from worker.game import load_game
config, game = load_game(sys.argv[1])
solver = Solver(game, config.solver)
batch, seconds = int(sys.argv[2]), float(sys.argv[3])
solver.run_batch(0, 1, 0)
began, done = time.perf_counter(), 0
while time.perf_counter() - began < seconds:
    solver.run_batch(done, batch, done)
    done += batch
print(done / (time.perf_counter() - began))
"""


def ceiling(config: Path, processes: int, seconds: float, batch_size: int) -> float:
    """Summed iterations/s of ``processes`` independent solvers running at once (no supervisor)."""
    import subprocess

    procs = [subprocess.Popen([sys.executable, "-c", SOLO, str(config), str(batch_size), str(seconds)],
                              stdout=subprocess.PIPE, text=True) for _ in range(processes)]
    return sum(float(p.communicate()[0]) for p in procs)


def measure(config: Path, workers: int, seconds: float, batch_size: int, workdir: Path, round_: int = 0) -> dict:
    logdir = workdir / f"{config.stem}-{workers}-round{round_}"
    args = ["--config", str(config), "--workers", str(workers), "--time-budget", str(seconds),
            "--batch-size", str(batch_size), "--logdir", str(logdir), "--snapshot-interval", "0"]
    proc = _runs.start(args)
    code = proc.wait()
    evs = _runs.events(logdir)
    standby = _runs.named(evs, "run_started")[0]["params"]["standby_workers"] if evs else 0
    finished = _runs.named(evs, "run_finished")
    fin = finished[0] if finished else {}
    return {
        "workers": workers, "exit_code": code, **steady_rate(evs, workers + standby, workers),
        "iterations": fin.get("iterations"),
        "training_seconds": fin.get("training_seconds"),
        "supervisor_cpu_share": fin.get("supervisor_cpu_share"),
        "supervisor_cpu_training_seconds": fin.get("supervisor_cpu_training_seconds"),
        "restarts": fin.get("restarts"),
    }


def summarize(same_count: list[dict]) -> dict:
    """One worker count over the rounds: medians of the rates, speed-ups (each against the same
    round's one-worker run) and CPU shares; restarts summed; failed exits kept."""
    def median(key):
        values = [r[key] for r in same_count if isinstance(r.get(key), (int, float))]
        return round(statistics.median(values), 3) if values else None

    out = {key: median(key) for key in ("iterations_per_s", "speedup", "worker_busy_share",
                                         "kernel_iterations_per_s", "supervisor_cpu_share")}
    out["workers"] = same_count[0]["workers"]
    out["rounds"] = len(same_count)
    out["speedup_per_round"] = [r.get("speedup") for r in same_count]
    out["exit_codes"] = sorted({r["exit_code"] for r in same_count})
    out["restarts"] = sum(r.get("restarts") or 0 for r in same_count)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seconds", type=float, default=20.0, help="time budget of each run")
    parser.add_argument("--rounds", type=int, default=3,
                        help="runs of every worker count, alternated; figures are medians (this machine drifts)")
    parser.add_argument("--batch-size", type=int, help=f"iterations per batch (default per game: {BATCH_SIZES})")
    parser.add_argument("--games", default="leduc,hu_small")
    parser.add_argument("--no-ceiling", action="store_true",
                        help="skip the machine-ceiling runs (N independent solvers, no supervisor)")
    args = parser.parse_args(argv)
    results = {"command": "python " + " ".join([sys.argv[0], *(argv if argv is not None else sys.argv[1:])]),
               "cpu_count": os.cpu_count(), "load_average_before": _runs.load_average(), "games": {}}
    with tempfile.TemporaryDirectory(prefix="holdem-scaling-") as tmp:
        workdir = Path(tmp)
        for game in args.games.split(","):
            if game in CONFIGS:
                raw = dict(CONFIGS[game])
            elif game in HOLDEM_PRESETS:
                try:
                    import holdem.games.holdem  # noqa: F401
                except ImportError:
                    results["games"][game] = {"skipped": "no Hold'em GameSpec (holdem.games.holdem) yet"}
                    continue
                from holdem.config import resolve_config_path

                raw = yaml.safe_load(resolve_config_path(game).read_text())
            else:
                parser.error(f"unknown game {game!r}; choose from {sorted(CONFIGS) + list(HOLDEM_PRESETS)}")
            raw["solver"] = {**raw.get("solver", {}), **SOLVER}
            config = _runs.write_config(workdir, game, yaml.safe_dump(raw))
            batch_size = args.batch_size or BATCH_SIZES[game]
            counts = range(1, args.max_workers + 1)
            rounds = []
            for k in range(args.rounds):  # 1, 2, .. N workers, then again: drift hits every count alike
                rounds.append([measure(config, n, args.seconds, batch_size, workdir, k) for n in counts])
                base = rounds[-1][0]["iterations_per_s"]
                for r in rounds[-1]:
                    r["speedup"] = round(r["iterations_per_s"] / base, 3) if base and r["iterations_per_s"] else None
            runs = [summarize([rnd[i] for rnd in rounds]) for i in range(len(counts))]
            solo = None
            for r in runs:
                if not args.no_ceiling:
                    rate = ceiling(config, r["workers"], args.seconds / 2, batch_size)
                    solo = solo or rate
                    r["independent_solvers_iterations_per_s"] = round(rate, 1)
                    r["independent_solvers_speedup"] = round(rate / solo, 3)
            results["games"][game] = {"batch_size": batch_size, "seconds": args.seconds, "runs": runs,
                                      "rounds": rounds}
    results["load_average_after"] = _runs.load_average()
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
