"""What one host's sync carries on a config, measured on one core, and the head's load for a fleet.

Trains ``--config`` (default the shipped 6-max config) in this process, on a
remote host's tables (:class:`worker.host_tables.HostTables`: lazily backed, the
kernel logging every entry's first write with its value before it), and
cuts the run into sync intervals of growing length: ``--first`` iterations,
then ``--growth`` times more each, until ``--seconds`` have passed (after
``--warmup`` iterations, so the tables are not fresh).  For each interval:

* the row blocks written, per table (what the head would answer a host with if
  nobody else wrote: the answer is all blocks marked since, by anyone);
* the entries changed (what the host sends: a (value, base) pair each) and
  the bytes of that change set, and the seconds :meth:`HostTables.outgoing`
  took to build it;
* the tables' backed bytes, and the bytes the host's sync state holds just
  before the sync (:meth:`HostTables.sync_bytes`: the written bitmaps' backed
  pages and the first-write logs; the logs' share apart).

Then the fleet of ``--hosts`` x ``--cores``, syncing every ``--interval``
seconds: the iterations one host runs in an interval (cores x the iterations
per second measured here, or ``--rate``); the blocks and changed entries that many
iterations touch, extrapolated from the measured curve as a power law in
iterations (fitted on its last third) and capped at the tables' size; and
from those the head's traffic per interval (every host's changes in; to
every host, the entries all the others changed: as many as one host changes in all
their iterations, since they sample one tree; at most the whole tables)
and its merge time at ``--merge-rate`` entries per second
(``benchmarks/fleet.py`` measures it).

    python benchmarks/sync_rates.py [--config configs/6max_100bb.yaml] [--seconds 300] [--warmup 200000]
        [--hosts 16] [--cores 64] [--interval 60] [--merge-rate 5e7] [--rate R] [--from OLD.json] [--out FILE]

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

from holdem.mccfr.blocks import BLOCK_ENTRIES, BLOCK_SHIFT, RESERVE
from holdem.mccfr.tables import TABLE_DTYPES

REPO = Path(__file__).resolve().parent.parent


def _resident(array) -> int:
    from holdem.mccfr.pages import resident_extents

    return sum(end - start for start, end in resident_extents(array))


def _backed_bytes(host) -> int:
    return _resident(host.regret) + _resident(host.strategy)


def _blocks_written(host, t: int) -> int:
    logged = [capture.logged(t)[0] for capture in host.captures]
    return int(len(np.unique(np.concatenate(logged) >> BLOCK_SHIFT))) if logged else 0


def measure(config_path: str, seconds: float, warmup: int, first: int, growth: float, seed: int) -> dict:
    from holdem.config import load_config
    from holdem.games.registry import make_game
    from holdem.mccfr.solver import Solver
    from holdem.mccfr.tables import Tables
    from worker.host_tables import HostTables

    config = load_config(config_path)
    began = time.perf_counter()
    game = make_game(config)
    build_seconds = time.perf_counter() - began
    host = HostTables(game.layout.size)
    solver = Solver(game, config.solver, Tables(host.regret, host.strategy))
    tracking = host.tracking()
    solver.track(tracking)
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
        blocks = {name: _blocks_written(host, k) for k, name in enumerate(("regret", "strategy"))}
        sync_state = host.sync_bytes()
        log_bytes = sync_state - sum(_resident(w) for w in host.written.values())
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
            "sync_state_bytes": sync_state, "sync_log_bytes": log_bytes,
        })
        print(json.dumps(intervals[-1]), file=sys.stderr, flush=True)
        length = int(length * growth)
    rate = sum(i["iterations"] for i in intervals) / sum(i["train_seconds"] for i in intervals)
    return {"config": config_path, "game_build_seconds": round(build_seconds, 1), "table_entries": game.layout.size,
            "warmup_iterations": warmup, "iterations_per_second_one_core": round(rate, 1),
            "log_room_per_iteration": [int(n) for n in tracking.capture.state[RESERVE:RESERVE + 2]],
            "intervals": intervals}


def _power_law(points: list[tuple[float, float]], x: float) -> tuple[float, float]:
    """y at x from a log-log least-squares line through the last third of (x, y) points (at least three: the
    curves flatten, and their latest slope extrapolates least); returns (y, exponent)."""
    later = points[-max(3, len(points) // 3):]
    xs = np.log([p[0] for p in later])
    ys = np.log([max(p[1], 1.0) for p in later])
    slope, intercept = np.polyfit(xs, ys, 1)
    return float(math.exp(intercept + slope * math.log(x))), float(slope)


def fleet(measured: dict, hosts: int, cores: int, interval: float, merge_rate: float, rate: float) -> dict:
    """The head's load per sync interval for ``hosts`` x ``cores`` at ``rate`` iterations per second per core.

    What one host changes in an interval (entries, and the blocks holding
    them) is the measured curve extrapolated as a power law in iterations,
    capped at the tables' size; every host sends its changes (a (value,
    base) pair each, at the measured bytes per entry); every host receives
    the blocks all the others changed, at most the whole tables once.
    """
    rows = measured["intervals"]
    per_host = cores * rate * interval
    size = measured["table_entries"]
    entries, entries_exp = _power_law([(r["iterations"], r["entries_changed"]) for r in rows], per_host)
    entries = min(entries, 2 * size)
    all_blocks = -(-size // BLOCK_ENTRIES)
    blocks_of = {name: min(_power_law([(r["iterations"], r["blocks_marked"][name]) for r in rows], per_host)[0],
                           all_blocks) for name in ("regret", "strategy")}
    # the entries the other hosts changed in an interval: as many as one host changes in their iterations
    # together (they sample the same tree), not the sum of theirs
    union, _ = _power_law([(r["iterations"], r["entries_changed"]) for r in rows], per_host * (hosts - 1))
    union = min(union, 2 * size)
    at_end = rows[-1]
    bytes_per_entry = at_end["change_set_bytes"] / max(at_end["entries_changed"], 1)
    # an answer entry is a change without its base: a byte of gap and the value
    answer_bytes_per_entry = 1 + (bytes_per_entry - 1) / 2
    answer = union * answer_bytes_per_entry
    into_head = hosts * entries * bytes_per_entry
    out_of_head = hosts * answer
    merge_seconds = hosts * entries / merge_rate
    return {
        "hosts": hosts, "cores_per_host": cores, "sync_interval_seconds": interval,
        "iterations_per_second_per_core": rate, "iterations_per_host_interval": round(per_host),
        "measured_curve_ends_at_iterations": at_end["iterations"],
        "entries_changed_per_host_interval": round(entries), "entries_exponent": round(entries_exp, 3),
        "blocks_per_host_interval": {k: round(v) for k, v in blocks_of.items()},
        "entries_answered_per_host_interval": round(union),
        "change_set_bytes_per_entry": round(bytes_per_entry, 2),
        "head_bytes_in_per_interval": round(into_head), "head_bytes_out_per_interval": round(out_of_head),
        "head_bytes_per_second": round((into_head + out_of_head) / interval),
        "head_merge_seconds_per_interval": round(merge_seconds, 1),
        "head_merge_share_of_one_core": round(merge_seconds / interval, 3),
        "host_bytes_in_per_second": round(answer / interval),
        "merge_rate_entries_per_second": merge_rate,
    }


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
    parser.add_argument("--out", type=Path)
    parser.add_argument("--from", dest="source", type=Path, help="take the measurement from this earlier output "
                        "(its config, intervals and rate) and only redo the fleet figures")
    args = parser.parse_args(argv)
    if args.source:
        old = json.loads(args.source.read_text())
        measured = {k: v for k, v in old.items() if k not in ("benchmark", "command", "fleet")}
        measured.setdefault("measured_by", old["command"])
    else:
        measured = measure(args.config, args.seconds, args.warmup, args.first, args.growth, args.seed)
    result = {
        "benchmark": "sync_rates",
        "command": "python benchmarks/sync_rates.py " + shlex.join(argv if argv is not None else sys.argv[1:]),
        **measured,
        "fleet": [fleet(measured, args.hosts, args.cores, interval, args.merge_rate,
                        args.rate or measured["iterations_per_second_one_core"])
                  for interval in sorted({args.interval, 10.0, 60.0, 600.0})],
    }
    _runs.report(result, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
