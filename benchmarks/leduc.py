"""Leduc: our compiled ES-MCCFR against OpenSpiel's C++ ExternalSamplingMCCFRSolver, same wall time.

Each solver trains for ``--seconds`` of its own training time (evaluation and
compilation excluded; wall clock, or with ``--clock cpu`` the training
thread's CPU time), one after the other in this process; at each
checkpoint the exact exploitability of its average policy is computed
(ours with :mod:`holdem.exploitability`, OpenSpiel's with
``pyspiel.exploitability``).  Iterations are counted alike: one traversal per
player.  Both rates are given per wall second and per CPU second of the
training thread (``time.thread_time``), so a busy machine shows up as the gap
between the two; the load average at the start is printed too.

Prints one JSON object (figures plus the command that reproduces them).

    python benchmarks/leduc.py [--seconds 10] [--checkpoints 1,3,10] [--seed 0] [--config configs/leduc.yaml]
                               [--clock wall|cpu] [--with-vector-cfr]

With the shipped config (``enumerate_own_hands: true``) "ours" samples the
other seat's card and the public card and walks the tree once for each of
the traverser's hands (:mod:`holdem.mccfr.own_hands`); the same run also
gives plain external sampling (the traverser's hand sampled too, as
OpenSpiel's solver does) under ``ours_plain_external_sampling``.  Both count
one traversal per player as an iteration; an own-hands traversal carries up
to three hands, so it runs fewer of them per second and converges faster.

``--with-vector-cfr`` adds the small-game vector solvers of
:mod:`holdem.mccfr.pcs` (public chance sampling, and chance enumerated) for
the same time: different algorithms, reported under their own keys, with
OpenSpiel's C++ CFR+ (its best solver here) for the same time beside them.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import time
from dataclasses import replace
from pathlib import Path

from holdem.config import load_config
from holdem.exploitability import exploitability
from holdem.games.leduc import leduc_game
from holdem.mccfr.pcs import PCSParams, PCSSolver
from holdem.mccfr.solver import Solver, batch_seed

REPO = Path(__file__).resolve().parent.parent
OUR_BATCH = 20_000  # iterations between clock checks (~15 ms)
OPENSPIEL_BATCH = 100
CLOCK = {"cpu": False}  # checkpoints on the training thread's CPU time instead of wall time


def timed(step, evaluate, checkpoints: list[float]) -> dict:
    """Call ``step(iterations_done)`` (it runs a batch and returns (iterations, nodes)) until the last
    checkpoint of training time; ``evaluate()`` gives the exploitability at each checkpoint, untimed."""
    points = []
    wall = cpu = 0.0
    it = nodes = 0
    todo = list(checkpoints)
    while todo:
        w0, c0 = time.perf_counter(), time.thread_time()
        done, visited = step(it)
        wall += time.perf_counter() - w0
        cpu += time.thread_time() - c0
        it += done
        nodes += visited
        if (cpu if CLOCK["cpu"] else wall) >= todo[0]:
            todo.pop(0)
            points.append({"seconds": round(wall, 3), "cpu_seconds": round(cpu, 3), "iterations": it,
                           "exploitability": evaluate()})
    out = {"iterations": it, "iterations_per_second": it / wall, "iterations_per_cpu_second": it / cpu}
    if nodes:
        out["nodes_per_second"] = nodes / wall
    out["checkpoints"] = points
    return out


def run_ours(params, seconds: float, checkpoints: list[float], seed: int, batch: int) -> dict:
    game = leduc_game()
    Solver(game, params).run_batch(0, 1000, 1)  # compile (or load the cache) outside the timed run
    solver = Solver(game, params)

    def step(it: int) -> tuple[int, int]:
        stats = solver.run_batch(it, batch, batch_seed(seed, it // batch))
        return batch, stats.nodes_visited

    return timed(step, lambda: exploitability(game, solver.average_policy()), checkpoints)


def run_vector_cfr(params: PCSParams, seconds: float, checkpoints: list[float], seed: int, batch: int) -> dict:
    game = leduc_game()
    PCSSolver(game, params).run_batch(0, 2, 1)  # compile outside the timed run
    solver = PCSSolver(game, params)

    def step(it: int) -> tuple[int, int]:
        solver.run_batch(it, batch, seed)
        return batch, 0

    return timed(step, lambda: exploitability(game, solver.average_policy()), checkpoints)


def run_openspiel(seconds: float, checkpoints: list[float], seed: int, cfr_plus: bool = False) -> dict:
    """OpenSpiel's C++ external sampling, or (``cfr_plus``) its C++ CFR+: the stretch reference."""
    import pyspiel

    game = pyspiel.load_game("leduc_poker")
    if cfr_plus:
        solver = pyspiel.CFRPlusSolver(game)
        one = solver.evaluate_and_update_policy
    else:
        solver = pyspiel.ExternalSamplingMCCFRSolver(game, seed, pyspiel.MCCFRAverageType.SIMPLE)
        one = solver.run_iteration
    batch = 1 if cfr_plus else OPENSPIEL_BATCH

    def step(it: int) -> tuple[int, int]:
        for _ in range(batch):
            one()
        return batch, 0

    return timed(step, lambda: pyspiel.exploitability(game, solver.average_policy()), checkpoints)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--checkpoints", default="1,3,10", help="comma-separated training seconds")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--config", default=str(REPO / "configs" / "leduc.yaml"))
    p.add_argument("--batch", type=int, default=OUR_BATCH, help="our iterations per batch")
    p.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                   help="time checkpoints in wall seconds (default) or in CPU seconds of the training thread "
                        "(one core's worth of work, for a machine shared with other jobs)")
    p.add_argument("--skip-openspiel", action="store_true")
    p.add_argument("--with-vector-cfr", action="store_true",
                   help="also run the small-game vector solvers (holdem.mccfr.pcs): public chance sampling, and "
                        "chance enumerated; not sampling methods like ES, so reported apart")
    args = p.parse_args(argv)
    checkpoints = sorted(float(x) for x in args.checkpoints.split(",") if float(x) <= args.seconds)
    if not checkpoints or checkpoints[-1] < args.seconds:
        checkpoints.append(args.seconds)
    params = load_config(args.config).solver
    CLOCK["cpu"] = args.clock == "cpu"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    result = {
        "benchmark": "leduc_es_mccfr",
        "command": "python " + " ".join(
            shlex.quote(a)
            for a in [os.path.relpath(__file__, os.getcwd())] + (argv if argv is not None else sys.argv[1:])
        ),
        "machine": {"cpus": os.cpu_count(), "load_average_1min_at_start": load, "python": platform.python_version()},
        "clock": args.clock,
        "solver_params": params.to_dict(),
        "ours": run_ours(params, args.seconds, checkpoints, args.seed, args.batch),
    }
    if params.enumerate_own_hands:
        # the same solver sampling the traverser's hand too: plain external sampling, as OpenSpiel's
        result["ours_plain_external_sampling"] = run_ours(replace(params, enumerate_own_hands=False), args.seconds,
                                                          checkpoints, args.seed, args.batch)
    if not args.skip_openspiel:
        result["openspiel"] = run_openspiel(args.seconds, checkpoints, args.seed)
    if args.with_vector_cfr:
        result["ours_public_chance_sampling_dcfr"] = run_vector_cfr(
            PCSParams(), args.seconds, checkpoints, args.seed, 500
        )
        result["ours_chance_enumerated_dcfr"] = run_vector_cfr(PCSParams(sample_public=False), args.seconds,
                                                               checkpoints, args.seed, 50)
        if not args.skip_openspiel:
            result["openspiel_cfr_plus"] = run_openspiel(args.seconds, checkpoints, args.seed, cfr_plus=True)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
