"""Throughput of the suit-isomorphic indexer (holdem.isomorphism), per street.

Prints one JSON object: indexings per second of the compiled kernel
(``index_rows``, what numba callers get), of the validated ``index_batch``,
and of ``canonical_batch``, each the best of ``--repeats`` runs over the same
random hands (random indices for canonical), single-threaded, by wall clock
and by process CPU time.

    /tmp/venv/bin/python benchmarks/isomorphism.py [--hands N] [--repeats R] [--seed S]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import time

import numpy as np
from numba import njit

from holdem.cards import N_CARDS
from holdem.isomorphism import canonical_batch, index_batch, index_rows, size

STREETS = {"preflop": 0, "flop": 3, "turn": 4, "river": 5}


@njit(cache=True)
def _deal(n, n_cards, seed):
    """n rows of n_cards distinct cards (partial Fisher-Yates per row)."""
    np.random.seed(seed)
    out = np.empty((n, n_cards), dtype=np.int8)
    deck = np.arange(N_CARDS)
    for i in range(n):
        for j in range(n_cards):
            k = np.random.randint(j, N_CARDS)
            deck[j], deck[k] = deck[k], deck[j]
            out[i, j] = deck[j]
    return out


def _best_rates(fn, n: int, repeats: int) -> dict[str, int]:
    """Best rate over repeats, by wall clock and by this process's CPU time.

    On a shared machine the CPU-time figure is the steadier one.
    """
    fn()  # compile / warm up
    wall = cpu = float("inf")
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall = min(wall, time.perf_counter() - w0)
        cpu = min(cpu, time.process_time() - c0)
    return {"per_s_wall": round(n / wall), "per_s_cpu": round(n / cpu)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hands", type=int, default=2_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)

    results = {}
    for name, board_len in STREETS.items():
        cards = _deal(args.hands, 2 + board_len, args.seed)
        out = np.empty(args.hands, dtype=np.int64)
        indices = np.random.default_rng(args.seed).integers(0, size(board_len), size=args.hands)
        results[name] = {
            "size": size(board_len),
            "kernel": _best_rates(lambda c=cards, o=out: index_rows(c, o), args.hands, args.repeats),
            "index_batch": _best_rates(lambda c=cards: index_batch(c), args.hands, args.repeats),
            "canonical_batch": _best_rates(
                lambda i=indices, b=board_len: canonical_batch(i, b), args.hands, args.repeats
            ),
        }
    print(
        json.dumps(
            {
                "benchmark": "isomorphism",
                "command": shlex.join(
                    ["/tmp/venv/bin/python", "benchmarks/isomorphism.py", *(sys.argv[1:] if argv is None else argv)]
                ),
                "hands": args.hands,
                "repeats": args.repeats,
                "threads": 1,
                "machine": platform.processor() or platform.machine(),
                "cpus": os.cpu_count(),
                "load_avg_1min": round(os.getloadavg()[0], 2),
                "streets": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
