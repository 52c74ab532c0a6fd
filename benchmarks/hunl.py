"""Hold'em MCCFR throughput on one core: heads-up fold/call/pot/all-in against OpenSpiel, hu_mid and 6max_mid.

For each config, our compiled external-sampling MCCFR
(:meth:`holdem.mccfr.solver.Solver.run_batch` on the config's game) runs for
``--seconds`` of wall time from fresh tables, after a warm-up batch that
loads the compiled kernel; iterations and node visits are counted per wall
second and per CPU second of the training thread (``time.thread_time``: one
core's worth of work even on a shared machine).  One iteration is one
traversal per seat, each on its own dealt hand (dealing and bucketing
included); the trainer's discounts (a table-wide multiply every
``discount_interval`` iterations) are not part of these figures.

OpenSpiel's C++ ``ExternalSamplingMCCFRSolver.run_iteration()`` (also one
traversal per player) runs for the same time on ``universal_poker`` with
the fold/call/pot/all-in betting abstraction, heads-up 200 big blinds,
blinds 50/100: the game of ``configs/hu_fcpa.yaml``, but with no card
abstraction (its tabular solver keys information sets by the exact cards).
The goal for ``hu_fcpa``: at least 20 times OpenSpiel's rate, i.e. 75,000
iterations/s on one core against the 3,760/s OpenSpiel ran at on this
machine (the ratios to the OpenSpiel rate measured in the same run are
given too, by wall and by CPU time).

The configs' own card abstraction is the ``mid`` preset (an hour-long
build; its 6-max tables are ~4 GB); this benchmark uses the ``--preset``
bucket preset (default ``small``, built into the cache on first use) for
every config, ``--preset-6max`` for 6max_mid, or the file ``--buckets``.
The presets used are in the output.

    python benchmarks/hunl.py [--seconds 10] [--configs hu_fcpa,hu_mid,6max_mid] [--preset small]
                              [--preset-6max PRESET] [--buckets FILE] [--skip-openspiel] [--quick] [--out FILE]

Prints one JSON object (figures plus the command that reproduces them);
``--out`` also writes it to a file (e.g. ``benchmarks/results/hunl.json``).
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shlex
import sys
import time
from pathlib import Path

from holdem.atomic import write_text_atomic
from holdem.game.tree_arrays import NODE_DECISION
from holdem.mccfr.tables import ENTRY_BYTES

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CONFIGS = ("hu_fcpa", "hu_mid", "6max_mid")
SIX_MAX = "6max_mid"
OPENSPIEL_CONFIG = "hu_fcpa"  # the config OpenSpiel's game mirrors
OPENSPIEL_GAME = (
    "universal_poker(betting=nolimit,bettingAbstraction=fcpa,numPlayers=2,numRounds=4,blind=100 50,"
    "firstPlayer=2 1 1 1,numSuits=4,numRanks=13,numHoleCards=2,numBoardCards=0 3 1 1,stack=20000 20000)"
)
OPENSPIEL_BATCH = 100  # run_iteration calls between clock readings
OPENSPIEL_RATE_QUOTED = 3760  # iterations/s OpenSpiel's C++ ES-MCCFR ran on this machine when the goal was set
GOAL_RATIO = 20
GOAL_ITERATIONS_PER_SECOND = 75_000  # the goal: about GOAL_RATIO x OPENSPIEL_RATE_QUOTED, on one core
WARMUP_ITERATIONS = 1000
BATCH_SECONDS = 0.25  # aim for batches of about this long, so the clock is read rarely but often enough
QUICK_SECONDS = 3.0


def _rates(iterations: int, nodes: int | None, wall: float, cpu: float) -> dict:
    out = {
        "iterations": iterations,
        "wall_seconds": round(wall, 3),
        "cpu_seconds": round(cpu, 3),
        "iterations_per_second": round(iterations / wall, 1),
        "iterations_per_cpu_second": round(iterations / cpu, 1) if cpu > 0 else None,
    }
    if nodes is not None:
        out.update({
            "node_visits": nodes,
            "node_visits_per_second": round(nodes / wall),
            "node_visits_per_cpu_second": round(nodes / cpu) if cpu > 0 else None,
            "node_visits_per_iteration": round(nodes / iterations, 1),
        })
    return out


def _config(name: str, preset: str | None):
    """The shipped config ``name`` with its buckets replaced by ``preset`` (unless None)."""
    from holdem.config import config_from_dict, load_config

    config = load_config(REPO / "configs" / f"{name}.yaml")
    if preset is None:
        return config
    raw = config.to_dict()
    raw["buckets"] = {"preset": preset}
    return config_from_dict(raw, where=f"configs/{name}.yaml with buckets.preset={preset}")


def run_ours(name: str, preset: str | None, buckets: str | None, seconds: float, seed: int) -> dict:
    from holdem.games.registry import make_game
    from holdem.mccfr.solver import Solver, batch_seed

    began = time.perf_counter()
    config = _config(name, None if buckets else preset)
    game = make_game(config, buckets)
    solver = Solver(game, config.solver)
    setup = time.perf_counter() - began
    solver.run_batch(0, WARMUP_ITERATIONS, batch_seed(seed, 0))  # loads (or compiles) the kernel
    probe = solver.run_batch(WARMUP_ITERATIONS, WARMUP_ITERATIONS, batch_seed(seed, 1))
    batch = max(WARMUP_ITERATIONS, int(WARMUP_ITERATIONS / max(probe.seconds, 1e-6) * BATCH_SECONDS))
    it, k = 2 * WARMUP_ITERATIONS, 2
    first = it
    wall = cpu = 0.0
    nodes = 0
    while wall < seconds:
        w0, c0 = time.perf_counter(), time.thread_time()
        stats = solver.run_batch(it, batch, batch_seed(seed, k))
        wall += time.perf_counter() - w0
        cpu += time.thread_time() - c0
        nodes += stats.nodes_visited
        it += batch
        k += 1
    tree, layout = game.compact, game.layout  # the compact tree: expanding a 6-max one costs memory for nothing
    out = {
        "config": f"configs/{name}.yaml",
        "players": tree.n_players,
        "bucket_preset": preset if not buckets else None,
        "buckets_file": buckets,
        "buckets_per_street": list(layout.buckets_per_street),
        "abstraction_hash": game.abstraction_hash,
        "tree_nodes": tree.n_nodes,
        "decision_nodes": int((tree.kind == NODE_DECISION).sum()),
        "table_entries": layout.size,
        "tables_mib": round(layout.size * ENTRY_BYTES / 2**20, 1),
        "setup_seconds": round(setup, 2),
        "batch_size": batch,
        "first_iteration": first,
        **_rates(it - first, nodes, wall, cpu),
    }
    del solver, game
    gc.collect()  # the 6-max tree and tables are large; free them before the next config
    return out


def run_openspiel(seconds: float, seed: int) -> dict:
    try:
        import pyspiel
    except ImportError as e:
        return {"skipped": f"pyspiel not importable: {e}"}
    game = pyspiel.load_game(OPENSPIEL_GAME)
    solver = pyspiel.ExternalSamplingMCCFRSolver(game, seed, pyspiel.MCCFRAverageType.SIMPLE)
    for _ in range(OPENSPIEL_BATCH):  # warm-up, as ours
        solver.run_iteration()
    it = 0
    wall = cpu = 0.0
    while wall < seconds:
        w0, c0 = time.perf_counter(), time.thread_time()
        for _ in range(OPENSPIEL_BATCH):
            solver.run_iteration()
        wall += time.perf_counter() - w0
        cpu += time.thread_time() - c0
        it += OPENSPIEL_BATCH
    return {"game": OPENSPIEL_GAME, "solver": "ExternalSamplingMCCFRSolver (C++), simple averaging",
            **_rates(it, None, wall, cpu)}


def compare(ours: dict, openspiel: dict | None) -> dict:
    out = {
        "goal_ratio": GOAL_RATIO,
        "goal_iterations_per_second": GOAL_ITERATIONS_PER_SECOND,
        "openspiel_quoted_iterations_per_second": OPENSPIEL_RATE_QUOTED,
        "meets_goal_wall": ours["iterations_per_second"] >= GOAL_ITERATIONS_PER_SECOND,
        "meets_goal_cpu": (ours["iterations_per_cpu_second"] or 0) >= GOAL_ITERATIONS_PER_SECOND,
    }
    if openspiel and "iterations_per_second" in openspiel:
        out["ratio_wall"] = round(ours["iterations_per_second"] / openspiel["iterations_per_second"], 1)
        if ours["iterations_per_cpu_second"] and openspiel["iterations_per_cpu_second"]:
            out["ratio_cpu"] = round(ours["iterations_per_cpu_second"] / openspiel["iterations_per_cpu_second"], 1)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=10.0, help="measured wall seconds per solver (default 10)")
    p.add_argument("--configs", default=",".join(DEFAULT_CONFIGS), help="comma-separated shipped configs")
    p.add_argument("--preset", default="small", help="bucket preset for every config (default small)")
    p.add_argument("--preset-6max", help=f"bucket preset for {SIX_MAX} (default: --preset; mid needs ~4 GB of tables)")
    p.add_argument("--buckets", help="bucket file for every config instead of a preset")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--skip-openspiel", action="store_true")
    p.add_argument("--quick", action="store_true", help=f"{QUICK_SECONDS:g} seconds per solver")
    p.add_argument("--out", type=Path, help="also write the JSON here (e.g. benchmarks/results/hunl.json)")
    args = p.parse_args(argv)
    seconds = QUICK_SECONDS if args.quick else args.seconds
    if not seconds > 0:
        p.error(f"--seconds must be > 0, got {seconds}")
    names = [n.strip() for n in args.configs.split(",") if n.strip()]
    unknown = [n for n in names if not (REPO / "configs" / f"{n}.yaml").is_file()]
    if unknown:
        p.error(f"--configs: no such config(s) {unknown} in {REPO / 'configs'}")
    if args.buckets and not Path(args.buckets).is_file():
        p.error(f"--buckets {args.buckets}: no such file")
    import numba

    result = {
        "benchmark": "hunl",
        "command": shlex.join(["/tmp/venv/bin/python", "benchmarks/hunl.py",
                               *(argv if argv is not None else sys.argv[1:])]),
        "machine": {"cpus": os.cpu_count(), "load_average_at_start": list(os.getloadavg()),
                    "python": platform.python_version(), "numba": numba.__version__},
        "threads": 1,
        "seconds_per_solver": seconds,
        "games": {},
    }
    for name in names:
        preset = (args.preset_6max or args.preset) if name == SIX_MAX else args.preset
        result["games"][name] = run_ours(name, preset, args.buckets, seconds, args.seed)
        print(f"{name}: {result['games'][name]['iterations_per_second']:,.0f} it/s", file=sys.stderr)
    if not args.skip_openspiel:
        result["openspiel"] = run_openspiel(seconds, args.seed)
    if OPENSPIEL_CONFIG in result["games"]:
        result["comparison"] = compare(result["games"][OPENSPIEL_CONFIG], result.get("openspiel"))
    result["machine"]["load_average_at_end"] = list(os.getloadavg())
    text = json.dumps(result, indent=2)
    print(text)
    if args.out is not None:
        write_text_atomic(args.out, text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
