"""Card-abstraction throughput: dealing with buckets, the river choice, and build costs.

Prints one JSON object:

* ``deal``: hands dealt and bucketed per second (every seat, every street,
  plus 7-card strengths), heads-up and 6-max, on one core, for both ways of
  getting the river bucket: ``table`` (the river table; built in memory when
  the file has none) and ``exact`` (exact equity per dealt hand);
* ``river``: the two river ways in isolation -- one ranking of the 1081 holes
  of a board against one table lookup (index + a random read of a
  123,156,254-entry table) -- and the measured cost to build the table;
* ``mccfr`` (with ``--mccfr CONFIG``): MCCFR iterations per second of the
  config's tree with each river way, which is what the choice is about;
* ``build`` (with ``--build test,small,...``): wall time, peak memory (peak
  RSS of the building process) and file size of each preset, each built by
  ``holdem-buckets build`` in a fresh process.

    python benchmarks/buckets.py [--file BUCKETS.npz] [--build test,small] [--hands 20000] [--mccfr hu_small]
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from numba import njit

from holdem import isomorphism
from holdem.abstraction.boards import representative_boards
from holdem.abstraction.bucket_file import ensure_buckets, load_buckets
from holdem.abstraction.buckets import river_table
from holdem.abstraction.deal import HoldemDealer
from holdem.abstraction.features import HOLE_CARDS, N_HOLES, RIVER_HOLES, river_equities
from holdem.isomorphism import index_hole_board
from holdem.mccfr.rng import mix, next_below, stream_state


def _best_rate(fn, count: int, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return count / best


@njit(cache=True, nogil=True)
def _river_on_the_fly(boards, lut, out):
    eq = np.empty(N_HOLES, np.int32)
    keys = np.empty(RIVER_HOLES, np.int64)
    acc = 0
    for b in range(boards.shape[0]):
        river_equities(boards[b, 2:], eq, keys)
        for h in range(N_HOLES):
            if eq[h] >= 0:
                acc += lut[eq[h]]
                break
    out[0] = acc


@njit(cache=True, nogil=True)
def _river_table_lookups(hands, table, out):
    acc = 0
    for i in range(hands.shape[0]):
        acc += table[index_hole_board(hands[i, :2], hands[i, 2:], 5)]
    out[0] = acc


@njit(cache=True, nogil=True)
def _river_table_sweep(boards, lut, table):
    """What building a full river table costs per board: equities + an index per hole."""
    eq = np.empty(N_HOLES, np.int32)
    keys = np.empty(RIVER_HOLES, np.int64)
    five = np.empty(5, np.int64)
    for b in range(boards.shape[0]):
        for i in range(5):
            five[i] = boards[b, i]
        river_equities(five, eq, keys)
        for h in range(N_HOLES):
            if eq[h] >= 0:
                table[index_hole_board(HOLE_CARDS[h], five, 5)] = lut[eq[h]]


@njit(cache=True, nogil=True)
def _random_hands(seed, n, out):
    deck = np.empty(52, np.int64)
    for h in range(n):
        state = stream_state(mix(seed, h))
        for i in range(52):
            deck[i] = i
        for i in range(7):
            state, j = next_below(state, 52 - i)
            j += i
            deck[i], deck[j] = deck[j], deck[i]
            out[h, i] = deck[i]


def _river_modes(tables) -> dict:
    """The same buckets with the river from a table and from exact equity per hand."""
    table = tables.river if tables.river is not None else river_table(tables.river_lut, tables.preset.river_buckets)
    return {
        "table": dataclasses.replace(tables, river=table),
        "exact": dataclasses.replace(tables, river=None),
    }


def bench_deal(modes: dict, hands: int) -> dict:
    out = {}
    for mode, tables in modes.items():
        for players in (2, 6):
            dealer = HoldemDealer(tables, players)
            dealer.deal(0, 100)  # compile / load from cache
            out[f"{mode}_{players}_players_hands_per_s"] = round(_best_rate(lambda d=dealer: d.deal(1, hands), hands))
    return out


def bench_mccfr(config_name: str, path: Path, modes: dict, iterations: int) -> dict:
    from holdem.config import load_config
    from holdem.games.holdem import holdem_game
    from holdem.mccfr.solver import Solver

    config = load_config(config_name)
    spec = holdem_game(config, buckets_path=path)
    out = {"config": config_name, "iterations": iterations}
    for mode, tables in modes.items():
        game = dataclasses.replace(spec, dealer=HoldemDealer(tables, spec.n_players))
        solver = Solver(game, config.solver)
        solver.run_batch(0, 1000, 1)  # compile / warm up
        stats = solver.run_batch(1000, iterations, 2)
        out[f"{mode}_iterations_per_s"] = round(iterations / stats.seconds)
    return out


def bench_river(tables, hands: int) -> dict:
    cards = np.empty((hands, 7), np.int64)
    _random_hands(7, hands, cards)
    sink = np.zeros(1, np.int64)
    _river_on_the_fly(cards[:10], tables.river_lut, sink)
    fly = _best_rate(lambda: _river_on_the_fly(cards, tables.river_lut, sink), hands)
    size = isomorphism.size(5)
    table = np.zeros(size, np.uint8)  # the size a real one would have, so cache misses are real
    _river_table_lookups(cards[:10], table, sink)
    look = _best_rate(lambda: _river_table_lookups(cards, table, sink), hands)
    boards, _ = representative_boards(5)
    sample = boards[:: max(1, len(boards) // 2000)]
    _river_table_sweep(sample[:2], tables.river_lut, table)
    t0 = time.perf_counter()
    _river_table_sweep(sample, tables.river_lut, table)
    per_board = (time.perf_counter() - t0) / len(sample)
    return {
        "on_the_fly_boards_per_s": round(fly),
        "table_lookups_per_s": round(look),
        "table_entries": size,
        "table_bytes_uint8": size,
        "table_build_seconds_one_core_estimate": round(per_board * len(boards), 1),
        "note": "on the fly: one ranking of 1081 holes per hand serves every seat; table: one lookup per seat",
    }


# Peak memory is read by the child from /proc/self/status (VmHWM: this process
# image only); ru_maxrss would also count the parent's memory, which Linux
# carries over a fork and exec.
_BUILD_CHILD = """
import sys
from holdem.cli.buckets import main
code = main(["build", "--preset", sys.argv[1], "--out", sys.argv[2]])
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")]
print("VMHWM_KIB", hwm[0].split()[1] if hwm else -1)
sys.exit(code)
"""


def bench_build(presets: list[str], keep: Path | None = None) -> dict:
    out = {}
    for name in presets:
        with tempfile.TemporaryDirectory() as tmp:
            path = (keep or Path(tmp)) / f"{name}.npz"
            cmd = [sys.executable, "-c", _BUILD_CHILD, name, str(path)]
            t0 = time.perf_counter()
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            stdout, stderr = proc.communicate()
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            wall = time.perf_counter() - t0
            if proc.returncode:
                out[name] = {"error": stderr.decode().strip()[-500:]}
                continue
            hwm = [line.split()[1] for line in stdout.decode().splitlines() if line.startswith("VMHWM_KIB")]
            out[name] = {
                "wall_seconds": round(wall, 1),
                "cpu_seconds": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1),
                "peak_rss_mib": round(int(hwm[0]) / 1024, 1) if hwm else None,
                "file_mib": round(path.stat().st_size / 2**20, 2),
            }
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--file", type=Path, help="bucket file to deal with (default: the test preset, built if needed)")
    p.add_argument("--build", default="", help="comma-separated presets to build and measure, e.g. test,small")
    p.add_argument("--keep", type=Path, help="directory to keep the files built by --build in")
    p.add_argument("--hands", type=int, default=20000)
    p.add_argument(
        "--mccfr", metavar="CONFIG", help="also time MCCFR on this config (e.g. hu_small) with each river way"
    )
    p.add_argument("--iterations", type=int, default=50000, help="MCCFR iterations per river way")
    args = p.parse_args(argv)
    path = args.file or ensure_buckets("test")
    tables, manifest = load_buckets(path)
    result = {
        "command": "python " + " ".join([sys.argv[0]] + (argv if argv is not None else sys.argv[1:])),
        "machine": {"cpus": os.cpu_count(), "numba_threads": int(os.environ.get("NUMBA_NUM_THREADS", os.cpu_count()))},
        "buckets": {"file": str(path), "preset": manifest["preset"]["name"], "hash": manifest["content_hash"]},
        "river": bench_river(tables, args.hands),
    }
    modes = _river_modes(tables)
    result["deal"] = bench_deal(modes, args.hands)
    if args.mccfr:
        result["mccfr"] = bench_mccfr(args.mccfr, path, modes, args.iterations)
    if args.build:
        result["build"] = bench_build([s for s in args.build.split(",") if s], args.keep)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
