"""What one host's sync carries on a config, measured on one core, and the head's load for a fleet.

Trains ``--config`` (default the shipped 6-max config) in this process, on a
remote host's tables (:class:`worker.sync.HostTables`: lazily backed, the
kernel marking every block it writes and copying it on first write), and
cuts the run into sync intervals of growing length: ``--first`` iterations,
then ``--growth`` times more each, until ``--seconds`` have passed (after
``--warmup`` iterations, so the tables are not fresh).  For each interval:

* the row blocks marked, per table (what the head would answer a host with if
  nobody else wrote: the answer is all blocks marked since, by anyone);
* the entries changed (what the host sends: a (value, base) pair each) and
  the bytes of that change set, and the seconds :meth:`HostTables.outgoing`
  took to build it;
* the tables' backed bytes.

Then the fleet of ``--hosts`` x ``--cores``, syncing every ``--interval``
seconds: the iterations one host runs in an interval (cores x the iterations
per second measured here, or ``--rate``); the blocks and changed entries that many
iterations touch, read off the measured curve (log-log interpolation; past
its end the last point, a lower bound); and from those the head's traffic
per interval (every host's changes in; to every host, the blocks all the
others changed, at most the backed tables) and its merge time at
``--merge-rate`` entries per second (``benchmarks/fleet.py`` measures it).
A lower bound stops at the measured curve's last point; an upper bound has
every entry of ``--tables-bytes`` of tables change in every interval.

    python benchmarks/sync_rates.py [--config configs/6max_100bb.yaml] [--seconds 300] [--warmup 200000]
        [--hosts 16] [--cores 64] [--interval 60] [--merge-rate 5e7] [--rate R] [--tables-bytes B] [--out FILE]

Prints one JSON object with the figures and the command that reproduces them.
"""
from __future__ import annotations

import argparse
import json
import math
import shlex
import sys
import time
from pathlib import Path

import _runs
import numpy as np

from holdem.mccfr.blocks import BLOCK_ENTRIES
from holdem.mccfr.tables import ENTRY_BYTES, TABLE_DTYPES

REPO = Path(__file__).resolve().parent.parent


def _backed_bytes(host) -> int:
    from holdem.mccfr.pages import resident_extents

    return sum(end - start for a in (host.regret, host.strategy) for start, end in resident_extents(a))


def measure(config_path: str, seconds: float, warmup: int, first: int, growth: float, seed: int) -> dict:
    from holdem.config import load_config
    from holdem.games.registry import make_game
    from holdem.mccfr.solver import Solver
    from holdem.mccfr.tables import Tables
    from worker.sync import HostTables

    config = load_config(config_path)
    began = time.perf_counter()
    game = make_game(config)
    build_seconds = time.perf_counter() - began
    host = HostTables(game.layout.size)
    solver = Solver(game, config.solver, Tables(host.regret, host.strategy))
    solver.track(host.tracking())
    batch = 10_000
    t = 0
    while t < warmup:
        n = min(batch, warmup - t)
        solver.run_batch(t, n, seed, t - t % batch)
        t += n
    host.outgoing()  # the warm-up is not an interval
    intervals = []
    length = first
    end_at = time.perf_counter() + seconds
    while time.perf_counter() < end_at:
        ran = 0
        train_began = time.perf_counter()
        while ran < length:
            n = min(batch - t % batch, length - ran)
            solver.run_batch(t, n, seed, t - t % batch)
            t += n
            ran += n
        train_seconds = time.perf_counter() - train_began
        epoch = host.marks.epoch
        blocks = {name: int(len(host.marks.at(i, epoch))) for i, name in enumerate(("regret", "strategy"))}
        out_began = time.perf_counter()
        parts, entries = host.outgoing()
        out_seconds = time.perf_counter() - out_began
        intervals.append({
            "iterations": ran, "train_seconds": round(train_seconds, 3),
            "iterations_per_second": round(ran / train_seconds, 1),
            "blocks_marked": blocks, "entries_changed": entries,
            "change_set_bytes": sum(p.nbytes for p in parts),
            "answer_bytes_if_alone": sum(blocks[name] * BLOCK_ENTRIES * TABLE_DTYPES[name].itemsize
                                         for name in blocks),
            "outgoing_seconds": round(out_seconds, 4), "backed_bytes": _backed_bytes(host),
        })
        print(json.dumps(intervals[-1]), file=sys.stderr, flush=True)
        length = int(length * growth)
    rate = sum(i["iterations"] for i in intervals) / sum(i["train_seconds"] for i in intervals)
    return {"config": config_path, "game_build_seconds": round(build_seconds, 1), "table_entries": game.layout.size,
            "warmup_iterations": warmup, "iterations_per_second_one_core": round(rate, 1), "intervals": intervals}


def _interpolate(points: list[tuple[float, float]], x: float) -> float:
    """log-log interpolation on (x, y) points sorted by x; the last y past the end, the first before it."""
    xs = np.log([p[0] for p in points])
    ys = np.log([max(p[1], 1.0) for p in points])
    return float(math.exp(np.interp(math.log(x), xs, ys)))


def fleet(measured: dict, hosts: int, cores: int, interval: float, merge_rate: float, tables_bytes: int,
          rate: float) -> dict:
    """The head's load per sync interval: a lower bound read off the measured curve (the last point past its
    end), and an upper bound where one interval changes every entry of tables of ``tables_bytes``."""
    rows = measured["intervals"]
    per_host = cores * rate * interval
    at_end = rows[-1]
    blocks = {name: _interpolate([(r["iterations"], r["blocks_marked"][name]) for r in rows], per_host)
              for name in ("regret", "strategy")}
    entries = _interpolate([(r["iterations"], r["entries_changed"]) for r in rows], per_host)
    bytes_per_entry = at_end["change_set_bytes"] / max(at_end["entries_changed"], 1)
    block_bytes = sum(blocks[name] * BLOCK_ENTRIES * TABLE_DTYPES[name].itemsize for name in blocks)
    low_in = hosts * entries * bytes_per_entry
    low_out = hosts * min(block_bytes * (hosts - 1), tables_bytes)  # the others' blocks, at most the tables
    # every entry changed: a (value, base) pair each in, the whole tables out to every host
    high_entries = tables_bytes / ENTRY_BYTES * 2  # both tables' entries, as if all were backed evenly
    high_in = hosts * 2 * tables_bytes
    high_out = hosts * tables_bytes
    return {
        "hosts": hosts, "cores_per_host": cores, "sync_interval_seconds": interval,
        "iterations_per_second_per_core": rate, "iterations_per_host_interval": round(per_host),
        "measured_curve_ends_at_iterations": at_end["iterations"],
        "low": {"entries_changed_per_host": round(entries), "head_bytes_in": round(low_in),
                "head_bytes_out": round(low_out), "head_bytes_per_second": round((low_in + low_out) / interval),
                "head_merge_seconds": round(hosts * entries / merge_rate, 1)},
        "high": {"entries_changed_per_host": round(high_entries), "head_bytes_in": round(high_in),
                 "head_bytes_out": round(high_out), "head_bytes_per_second": round((high_in + high_out) / interval),
                 "head_merge_seconds": round(hosts * high_entries / merge_rate, 1)},
        "tables_bytes": tables_bytes, "merge_rate_entries_per_second": merge_rate,
    }


def _hour_tables_bytes() -> int | None:
    """The backed tables after an hour of the shipped 6-max config (benchmarks/results/scale.json), if there."""
    try:
        return int(json.loads((REPO / "benchmarks" / "results" / "scale.json").read_text())["run"]["peak_shm_bytes"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default=str(REPO / "configs" / "6max_100bb.yaml"))
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--warmup", type=int, default=200_000)
    parser.add_argument("--first", type=int, default=1_000)
    parser.add_argument("--growth", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--hosts", type=int, default=16)
    parser.add_argument("--cores", type=int, default=64)
    parser.add_argument("--interval", type=float, default=60.0)
    parser.add_argument("--merge-rate", type=float, default=5e7)
    parser.add_argument("--rate", type=float, help="iterations per second per core for the fleet (default: "
                        "as measured here; on a loaded machine, give one measured quietly)")
    parser.add_argument("--tables-bytes", type=int, help="the tables' backed bytes for the upper bound (default: "
                        "the shipped 6-max config's after an hour, from benchmarks/results/scale.json, else what "
                        "this run backed)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    measured = measure(args.config, args.seconds, args.warmup, args.first, args.growth, args.seed)
    tables_bytes = args.tables_bytes or _hour_tables_bytes() or measured["intervals"][-1]["backed_bytes"]
    result = {
        "benchmark": "sync_rates",
        "command": "python benchmarks/sync_rates.py " + shlex.join(argv if argv is not None else sys.argv[1:]),
        **measured,
        "fleet": [fleet(measured, args.hosts, args.cores, interval, args.merge_rate, tables_bytes,
                        args.rate or measured["iterations_per_second_one_core"])
                  for interval in sorted({args.interval, 10.0, 60.0, 600.0})],
    }
    _runs.report(result, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
