"""holdem-buckets: build, inspect and query card-abstraction bucket files (Hold'em).

    holdem-buckets build --preset small|mid|large|test --out FILE [--seed S]
    holdem-buckets info FILE [--json]
    holdem-buckets lookup FILE --hole AsKd [--board "Qh Jh 2c 7d"]

Example:

    holdem-buckets build --preset small --out small.npz

Training builds the preset its config names on first use, into
$HOLDEM_CACHE (default ~/.cache/holdem/); build writes one where you choose,
e.g. to copy it to another host.  A bad file or argument prints one line
naming the problem and the fix and exits with status 2 (--debug shows the
traceback as well); Ctrl-C exits 130.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from holdem.abstraction.bucket_file import load_buckets, write_buckets
from holdem.abstraction.buckets import build_buckets
from holdem.abstraction.deal import hand_buckets
from holdem.abstraction.features import EQUITY_DENOM, HOLE_ID, N_HOLES, RIVER_HOLES, board_histograms, river_equities
from holdem.abstraction.presets import PRESETS, get_preset
from holdem.abstraction.progress import ProgressBar
from holdem.cards import format_cards, parse_cards
from holdem.cli.command import Parser, UsageError, command
from holdem.cli.help import description
from holdem.cli.writable import check_output_file
from holdem.isomorphism import preflop_class_name

PROG = "holdem-buckets"
STREETS = ("preflop", "flop", "turn", "river")


def _parser() -> Parser:
    p = Parser(prog=PROG, description=description(__doc__))
    p.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = p.add_subparsers(dest="command", required=True, metavar="build|info|lookup")
    b = sub.add_parser("build", help="build a preset into a bucket file",
                       description="Build a preset into a bucket file.\n\n"
                                   "Example:\n\n    holdem-buckets build --preset small --out small.npz")
    b.add_argument("--preset", required=True, choices=sorted(PRESETS), help="; ".join(
        f"{n}: {p.description}" for n, p in PRESETS.items()))
    b.add_argument("--out", required=True, type=Path, help="bucket file to write (.npz)")
    b.add_argument("--seed", type=int, default=0, help="random seed (default 0); one seed, one file")
    i = sub.add_parser("info", help="print a bucket file's preset, counts, parameters and hash",
                       description="Print a bucket file's preset, counts, parameters and hash.\n\n"
                                   "Example:\n\n    holdem-buckets info small.npz")
    i.add_argument("file", type=Path)
    i.add_argument("--json", action="store_true", help="print the manifest as JSON")
    q = sub.add_parser("lookup", help="bucket and features of one hand on each street",
                       description="Bucket and features of one hand on each street.\n\n"
                                   "Example:\n\n    holdem-buckets lookup small.npz --hole AsKd --board 'Qh Jh 2c'")
    q.add_argument("file", type=Path)
    q.add_argument("--hole", required=True, help="two cards, e.g. AsKd")
    q.add_argument("--board", default="", help="0, 3, 4 or 5 cards, e.g. 'Qh Jh 2c 7d'")
    for sp in (b, i, q):
        # SUPPRESS: a subcommand must not reset a --debug given before it
        sp.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks on errors")
    return p


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MiB"


def _build(args) -> int:
    preset = get_preset(args.preset)
    if args.seed < 0:
        raise ValueError(f"--seed must be >= 0; got {args.seed}")
    check_output_file(args.out, "--out")
    t0 = time.perf_counter()
    tables = build_buckets(preset, seed=args.seed, progress=ProgressBar(sys.stderr))
    manifest = write_buckets(tables, args.out)
    print(f"wrote {args.out} ({_size(args.out.stat().st_size)}) in {time.perf_counter() - t0:.1f} s")
    print(f"preset {preset.name}, seed {args.seed}, buckets per street {list(preset.buckets_per_street)}")
    print(f"hash {manifest['content_hash']}")
    return 0


def _info(args) -> int:
    _, manifest = load_buckets(args.file)  # full verification, not just the manifest
    if args.json:
        print(json.dumps(manifest, indent=2, sort_keys=True))
        return 0
    preset = manifest["preset"]
    print(f"file     {args.file} ({_size(args.file.stat().st_size)})")
    print(f"format   {manifest['format']} v{manifest['version']}")
    print(f"preset   {preset['name']}: {preset['description']}")
    print(f"seed     {manifest['seed']}")
    print("buckets  " + ", ".join(f"{s} {n}" for s, n in zip(STREETS, manifest["buckets_per_street"])))
    print(f"river    {manifest['river']}")
    print("params   " + ", ".join(f"{k}={v}" for k, v in preset.items() if k not in ("name", "description")))
    print(f"hash     {manifest['content_hash']}")
    build = manifest.get("build", {})
    seconds = build.get("stats", {}).get("seconds")
    if seconds:
        print(f"built    {build.get('created', '?')} in {seconds.get('total', '?')} s ({seconds})")
    return 0


def _histogram_line(counts: np.ndarray) -> str:
    total = counts.sum()
    mean = ((np.arange(len(counts)) + 0.5) / len(counts) * counts).sum() / total
    bars = " ".join(str(int(c)) for c in counts)
    return f"mean equity {mean:.3f}; river-equity histogram ({len(counts)} bins, {int(total)} runouts): {bars}"


def _lookup(args) -> int:
    hole = parse_cards(args.hole)
    board = parse_cards(args.board) if args.board.strip() else []
    if len(hole) != 2:
        raise ValueError(f"--hole needs exactly 2 cards; got {args.hole!r}")
    if len(board) not in (0, 3, 4, 5):
        raise ValueError(f"--board needs 0, 3, 4 or 5 cards; got {len(board)} in {args.board!r}")
    if set(hole) & set(board):
        raise ValueError(f"card {format_cards(sorted(set(hole) & set(board)))} is both in --hole and --board")
    tables, manifest = load_buckets(args.file)
    preset = tables.preset
    buckets = hand_buckets(tables, hole, board)
    h = HOLE_ID[hole[0], hole[1]]
    print(f"hand {format_cards(hole)} | {format_cards(board) or '-'}   "
          f"({preset.name}, {manifest['content_hash'][:19]})")
    print(f"preflop  bucket {buckets[0]:>4} / {tables.buckets_per_street[0]}   class {preflop_class_name(buckets[0])}")
    for street, n_board, bins in ((1, 3, preset.flop_bins), (2, 4, preset.turn_bins)):
        if len(board) < n_board:
            break
        counts = np.empty((N_HOLES, bins), np.int32)
        totals = np.empty(N_HOLES, np.int32)
        board_histograms(np.array(board[:n_board], np.int64), n_board, bins, 0, 0, counts, totals)
        print(f"{STREETS[street]:<8} bucket {buckets[street]:>4} / {tables.buckets_per_street[street]}   "
              f"{_histogram_line(counts[h])} (exact)")
    if len(board) == 5:
        eq = np.empty(N_HOLES, np.int32)
        river_equities(np.array(board, np.int64), eq, np.empty(RIVER_HOLES, np.int64))
        print(f"river    bucket {buckets[3]:>4} / {tables.buckets_per_street[3]}   "
              f"equity {eq[h] / EQUITY_DENOM:.4f} vs a random hand (2*wins + ties = {eq[h]} of {EQUITY_DENOM})")
    return 0


@command(PROG)
def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return {"build": _build, "info": _info, "lookup": _lookup}[args.command](args)
    except (ValueError, OSError) as e:  # bad input; BucketFileError is a ValueError
        if args.debug:
            raise
        raise UsageError(str(e)) from None


if __name__ == "__main__":
    sys.exit(main())
