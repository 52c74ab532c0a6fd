"""Wall seconds of a Hold'em turn and river solve with ``search.threads`` 1 against N, in one run.

The search agent (:class:`holdem.search.holdem_agent.HoldemSearchBot`, on a
``hu_mid`` blueprint: default the 60-minute run's last snapshot) solves the
first turn decision and the first river decision of ``--states`` deals the
blueprint plays against itself, for a fixed number of DCFR iterations (no
time budget), with 1 thread and with ``--threads``.  The subtrees below the
turn's sampled river cards (public chance sampling: Johanson, Bard, Lanctot,
Gibson & Bowling 2012) and below the river's first actions are walked on
separate threads (:mod:`holdem.search.river_cfr` says how and why).

Every round solves each state with 1 thread and with N, in alternating
order (1 then N, then N then 1), and each speed-up is taken within its own
round: on a shared machine whose load drifts, the median of those ratios is
steadier than two separate runs.  Each solve's strategy is compared with
the 1-thread one (they must be equal, bit for bit).  The machine's CPU
count and load average (before and after) go in the JSON with the command
that reproduces it; ``overheads_us`` holds the two costs the design chose
between (a thread-pool round trip from Python, a compiled parallel region).

    python benchmarks/search_threads.py [--run /work/runs/hu_mid_60] [--threads 2] [--rounds 5]
                                        [--iterations 200] [--states 2] [--seed 0]
                                        [--out benchmarks/results/search_threads.json]
"""
from __future__ import annotations

import argparse
import os
import platform
import shlex
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import _runs
import numpy as np
from numba import njit, prange, threading_layer

from holdem.blueprint import Blueprint
from holdem.eval.baselines import BlueprintBot, apply_move
from holdem.game.engine import RIVER, TURN, HandState
from holdem.search.agent import SearchConfig
from holdem.search.holdem_agent import HoldemSearchBot

DEFAULT_RUN = Path("/work/runs/hu_mid_60")
DEFAULT_OUT = Path("benchmarks/results/search_threads.json")
STREET_NAMES = {TURN: "turn", RIVER: "river"}


def decision_on(bp: Blueprint, seed: int, street: int) -> HandState | None:
    """The first decision on ``street`` of a deal the blueprint plays against itself (None if it ends before)."""
    rng = np.random.default_rng(seed)
    state = HandState.start_random(bp.game_config, rng, button=seed % 2)
    bot = BlueprintBot(bp)
    while not state.is_over and state.street < street:
        apply_move(state, bot.act(state, rng))
    return None if state.is_over or state.street != street else state


def states_on(bp: Blueprint, street: int, count: int, seed: int) -> list[tuple[int, HandState]]:
    """``count`` deals (seeds from ``seed`` up) that reach a decision on ``street``."""
    out: list[tuple[int, HandState]] = []
    s = seed
    while len(out) < count:
        state = decision_on(bp, s, street)
        if state is not None:
            out.append((s, state))
        s += 1
    return out


def solve(bp: Blueprint, config: SearchConfig, state: HandState) -> dict[str, Any]:
    bot = HoldemSearchBot(bp, config, clock=time.perf_counter)
    result = bot.search(state)
    assert result is not None, "no deal reaches this state"
    return {"wall": result.solution.seconds, "cpu": bot.cpu_times[-1], "iterations": result.solution.iterations,
            "strategy": result.solution.strategy}


@njit(nogil=True, parallel=True)
def _empty_region(out):
    for t in prange(out.shape[0]):
        out[t] = t


def _nothing() -> None:
    return None


def overheads(threads: int, repeats: int = 20_000) -> dict[str, float]:
    """Microseconds: a compiled parallel region over ``threads`` lanes doing nothing (called from Python), and a
    round trip of ``threads`` empty tasks through a Python thread pool (what each synchronisation would cost
    if Python threads ran the kernels)."""
    out = np.zeros(threads, dtype=np.int64)
    _empty_region(out)
    started = time.perf_counter()
    for _ in range(repeats):
        _empty_region(out)
    region = (time.perf_counter() - started) / repeats
    with ThreadPoolExecutor(threads) as pool:
        started = time.perf_counter()
        for _ in range(repeats // 4):
            for f in [pool.submit(_nothing) for _ in range(threads)]:
                f.result()
        pool_round = (time.perf_counter() - started) / (repeats // 4)
    return {"parallel_region": round(region * 1e6, 1), "thread_pool_round": round(pool_round * 1e6, 1)}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--run", type=Path, default=DEFAULT_RUN, help="a hu_mid run directory or snapshot")
    p.add_argument("--threads", type=int, default=2, help="the thread count measured against 1")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--iterations", type=int, default=200, help="DCFR iterations of every solve (turn and river)")
    p.add_argument("--states", type=int, default=2, help="deals, each solved on the turn and on the river")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = p.parse_args(argv)
    load_before = _runs.load_average()
    bp = Blueprint.load(args.run, translation_seed=args.seed)
    base = replace(SearchConfig.holdem(), iterations=args.iterations, time_budget=None,
                   turn_iterations=args.iterations, turn_time_budget=None)
    configs = {n: replace(base, threads=n) for n in sorted({1, args.threads})}
    spots = [(street, seed, state) for street in (TURN, RIVER)
             for seed, state in states_on(bp, street, args.states, args.seed)]
    for config in configs.values():  # compile (or load) the kernels and start the threads before timing
        solve(bp, replace(config, iterations=8, turn_iterations=8), spots[0][2])
    walls: dict[tuple[int, int, int], list[float]] = {}
    cpus: dict[tuple[int, int, int], list[float]] = {}
    identical = True
    reference: dict[tuple[int, int], np.ndarray] = {}
    for r in range(args.rounds):
        order = list(configs) if r % 2 == 0 else list(reversed(configs))
        for street, seed, state in spots:
            for n in order:
                got = solve(bp, configs[n], state)
                assert got["iterations"] == args.iterations
                walls.setdefault((street, seed, n), []).append(got["wall"])
                cpus.setdefault((street, seed, n), []).append(got["cpu"])
                ref = reference.setdefault((street, seed), got["strategy"])
                identical &= bool(np.array_equal(ref, got["strategy"]))
    n = args.threads
    by_street: dict[str, Any] = {}
    for street in (TURN, RIVER):
        seeds = [seed for s, seed, _ in spots if s == street]
        ratios = [sum(walls[street, seed, 1][r] for seed in seeds) / sum(walls[street, seed, n][r] for seed in seeds)
                  for r in range(args.rounds)]
        one = [sum(walls[street, seed, 1][r] for seed in seeds) / len(seeds) for r in range(args.rounds)]
        many = [sum(walls[street, seed, n][r] for seed in seeds) / len(seeds) for r in range(args.rounds)]
        cpu_one = [sum(cpus[street, seed, 1][r] for seed in seeds) / len(seeds) for r in range(args.rounds)]
        cpu_many = [sum(cpus[street, seed, n][r] for seed in seeds) / len(seeds) for r in range(args.rounds)]
        by_street[STREET_NAMES[street]] = {
            "deal_seeds": seeds,
            "wall_seconds_1_thread": {"median": round(statistics.median(one), 3), "rounds": [round(x, 3) for x in one]},
            f"wall_seconds_{n}_threads": {"median": round(statistics.median(many), 3),
                                          "rounds": [round(x, 3) for x in many]},
            # process CPU seconds per wall second: the cores the solve got; its ratio bounds the speed-up
            "cores_used_1_thread": round(statistics.median(c / w for c, w in zip(cpu_one, one)), 2),
            f"cores_used_{n}_threads": round(statistics.median(c / w for c, w in zip(cpu_many, many)), 2),
            "speedup": {"median": round(statistics.median(ratios), 3), "rounds": [round(x, 3) for x in ratios]},
            "ms_per_iteration_1_thread": round(1e3 * statistics.median(one) / args.iterations, 2),
        }
    result = {
        "benchmark": "search_threads",
        "what": f"wall seconds of one solve of {args.iterations} DCFR iterations (no time budget), 1 thread against "
                f"{n}, averaged over {args.states} deals' first turn (4 sampled river cards an iteration) and first "
                "river decision; speed-up = 1-thread seconds / N-thread seconds within each round",
        "threads": n,
        "iterations": args.iterations,
        "rounds": args.rounds,
        "identical_strategies": identical,
        **by_street,
        "overheads_us": overheads(n),
        "machine": {"cpus": os.cpu_count(), "load_average_before": load_before,
                    "load_average_after": _runs.load_average(), "threading_layer": threading_layer(),
                    "platform": platform.platform(), "python": platform.python_version()},
        "blueprint": str(args.run),
        "command": shlex.join(["python", "benchmarks/search_threads.py", *argv]),
    }
    _runs.report(result, args.out)
    return 0 if identical else 1


if __name__ == "__main__":
    raise SystemExit(main())
