"""The training kernel's speed in one process, per config, and against another checkout.

Runs ``--iterations`` of :meth:`holdem.mccfr.solver.Solver.run_batch` from
fresh tables on one thread, in a fresh process per run, and counts
iterations and nodes per CPU-second of that thread (``time.thread_time``, so
other load on the machine costs less than it would in wall time).  Every
config runs once a round, ``--rounds`` times, the order turned around every
other round.

With ``--against DIR`` (a checkout of another revision, e.g. made with
``git worktree add /tmp/before REV``) every run is made in both checkouts,
the same configs (this checkout's files) and seeds, alternated: the JSON
then gives each config's speed in this checkout over the other's, measured
side by side, which is what a change to the kernel or the tree's layout is
judged by on a noisy machine.

    python benchmarks/kernel_speed.py [--configs 6max_mid,6max_100bb] [--iterations 500000] [--rounds 2]
                                      [--against DIR] [--out FILE]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
from pathlib import Path

import _runs

REPO = Path(__file__).resolve().parent.parent

# Run in the checkout under test (its directory first on sys.path): load a config, compile on a warm-up
# batch, then time the batches of fresh tables on this thread.
PROBE = """
import json, sys, time
import holdem
from holdem.config import load_config
from holdem.games.registry import make_game
from holdem.mccfr.solver import Solver, batch_seed
path, iterations, seed, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
config = load_config(path)
game = make_game(config, None)
Solver(game, config.solver).run_batch(0, 1000, batch_seed(seed + 1, 0))
solver = Solver(game, config.solver)
cpu, nodes, done = 0.0, 0, 0
while done < iterations:
    n = min(batch, iterations - done)
    began = time.thread_time()
    stats = solver.run_batch(done, n, batch_seed(seed, done // batch))
    cpu += time.thread_time() - began
    nodes += stats.nodes_visited
    done += n
print(json.dumps({"checkout": str(holdem.__file__).rsplit("/holdem/", 1)[0], "iterations": done,
                  "iterations_per_cpu_second": round(done / cpu), "nodes_per_cpu_second": round(nodes / cpu),
                  "nodes_per_iteration": round(nodes / done, 1)}))
"""
BATCH = 50_000


def one_run(checkout: Path, config: Path, iterations: int, seed: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    done = subprocess.run([sys.executable, "-c", PROBE, str(config), str(iterations), str(seed), str(BATCH)],
                          cwd=checkout, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"kernel_speed: a run in {checkout} failed:\n{done.stderr.strip()[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if Path(result["checkout"]).resolve() != checkout.resolve():
        raise SystemExit(f"kernel_speed: a run meant for {checkout} imported holdem from {result['checkout']}")
    return result


def measure(checkouts: dict[str, Path], configs: list[str], iterations: int, rounds: int, seed: int) -> dict:
    arms = [(side, name) for name in configs for side in checkouts]
    runs: dict[str, dict[str, list[dict]]] = {name: {side: [] for side in checkouts} for name in configs}
    for r in range(rounds):
        for side, name in arms if r % 2 == 0 else arms[::-1]:
            run = one_run(checkouts[side], REPO / "configs" / f"{name}.yaml", iterations, seed)
            runs[name][side].append(run)
            print(side, name, run, file=sys.stderr, flush=True)
    out: dict = {}
    for name in configs:
        medians = {side: statistics.median(x["iterations_per_cpu_second"] for x in runs[name][side])
                   for side in checkouts}
        out[name] = {"config": f"configs/{name}.yaml", "runs": runs[name],
                     "median_iterations_per_cpu_second": medians}
        if "against" in checkouts:
            ratios = [a["iterations_per_cpu_second"] / b["iterations_per_cpu_second"]
                      for a, b in zip(runs[name]["this"], runs[name]["against"])]
            out[name]["this_over_against"] = [round(x, 3) for x in ratios]
            out[name]["this_over_against_median"] = round(statistics.median(ratios), 3)
    return out


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--configs", default="6max_mid,6max_100bb", help="comma-separated names in configs/")
    ap.add_argument("--iterations", type=int, default=500_000, help="timed iterations of each run")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--against", type=Path, help="a checkout of another revision to compare with")
    ap.add_argument("--out", type=Path, help="also write the JSON here")
    args = ap.parse_args(argv)
    configs = [c for c in args.configs.split(",") if c]
    missing = [c for c in configs if not (REPO / "configs" / f"{c}.yaml").is_file()]
    if missing or args.iterations < 1 or args.rounds < 1:
        ap.error(f"no such config in configs/: {missing}" if missing else "--iterations and --rounds must be >= 1")
    checkouts = {"this": REPO}
    if args.against is not None:
        if not (args.against / "holdem" / "__init__.py").is_file():
            ap.error(f"--against {args.against}: not a checkout of this project (no holdem/__init__.py)")
        checkouts["against"] = args.against
    load = _runs.load_average()
    results = measure(checkouts, configs, args.iterations, args.rounds, args.seed)
    revisions = {side: subprocess.run(["git", "describe", "--always", "--dirty"], cwd=path, capture_output=True,
                                      text=True).stdout.strip() or None for side, path in checkouts.items()}
    report = {"benchmark": "kernel_speed", "command": shlex.join(["python", "benchmarks/kernel_speed.py", *argv]),
              "revisions": revisions, "iterations": args.iterations, "configs": results,
              "machine": {"cpus": os.cpu_count(), "load_average_before": load,
                          "platform": platform.platform(), "python": platform.python_version()}}
    if len(configs) == 2:  # the second config's speed over the first's, in each checkout
        a, b = configs
        report[f"{b}_over_{a}"] = {side: round(results[b]["median_iterations_per_cpu_second"][side]
                                               / results[a]["median_iterations_per_cpu_second"][side], 3)
                                   for side in checkouts}
    _runs.report(report, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
