"""Local-best-response throughput on a heads-up blueprint: hands per second by action set and thread count.

For each action set (default fc-fcpa and fcpa) and each thread count
(default 1 and 2) it runs :func:`holdem.eval.lbr.evaluate_lbr` on the same
snapshot (a run directory's latest, resolved once at the start so a run that
is still training does not change it between measurements) and prints one
JSON object with, per setting:

* ``hands_per_second``: hands over the wall time of playing them, after the
  one-time setup (load the blueprint, build the preflop equity table,
  compile or load the compiled code), reported apart as ``setup_seconds``;
* ``cpu_hands_per_second``: hands per CPU second of the threads playing
  them, what one core delivers even when the machine is shared;
* the result (mbb/hand, 95% interval) and LBR's counters.

The machine's load average is recorded before and after: on a shared
machine wall rates are lower bounds.  The blueprint is loaded once; each
setting builds its tables (the preflop equity table) in ``setup_seconds``.

    python benchmarks/lbr.py [RUN] [--hands 20000] [--actions fc-fcpa fcpa] [--jobs 1 2] [--runouts 256] [--seed 0]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
from pathlib import Path

from holdem.blueprint import Blueprint
from holdem.eval.lbr import DEFAULT_RUNOUTS, evaluate_lbr
from holdem.mccfr.snapshot import resolve_snapshot

DEFAULT_RUN = "runs/hu_mid_60"  # the README's 60-minute hu_mid run


def measure(blueprint: Blueprint, hands: int, seed: int, actions: str, jobs: int, runouts: int) -> dict:
    return evaluate_lbr(Path(str(blueprint.source)), hands=hands, seed=seed, actions=actions, jobs=jobs,
                        runouts=runouts, blueprint=blueprint).summary()


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("run", nargs="?", default=DEFAULT_RUN, help=f"run or snapshot directory (default {DEFAULT_RUN})")
    p.add_argument("--hands", type=int, default=20000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--actions", nargs="+", default=["fc-fcpa", "fcpa"])
    p.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    p.add_argument("--runouts", type=int, default=DEFAULT_RUNOUTS)
    args = p.parse_args(argv)
    snapshot = resolve_snapshot(args.run)
    blueprint = Blueprint.load(snapshot, translation_seed=args.seed)  # once, shared by every setting
    report: dict = {
        "benchmark": "lbr",
        "snapshot": str(snapshot),
        "hands": args.hands,
        "runouts": args.runouts,
        "cores": os.cpu_count(),
        "machine": platform.platform(),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "settings": [],
    }
    for actions in args.actions:
        for jobs in args.jobs:
            report["settings"].append(measure(blueprint, args.hands, args.seed, actions, jobs, args.runouts))
    report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    report["command"] = shlex.join(["python", "benchmarks/lbr.py", *argv])
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
