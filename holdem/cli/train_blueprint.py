"""The older training command, kept working: it runs the same supervisor as ``holdem-supervise``.

``python -m holdem.cli.train_blueprint --config ... --buckets ... --logdir ...
--num-workers N --batch-size B --time-budget S --snapshot-interval S
--tensorboard --iters N --resume-from DIR``.  ``--num-workers 1`` is one
worker process, ``0`` one per CPU core; ``--resume-from DIR`` continues from
DIR's latest snapshot and writes the new ones under ``--logdir``.
(holdem/cli is the one part of the library allowed to import supervisor/.)
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from supervisor.cli import check_arguments, default_workers, run
from supervisor.run import RunOptions


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m holdem.cli.train_blueprint",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True, help="YAML config file or preset name")
    parser.add_argument("--buckets", type=Path, help="bucket file for Hold'em (default: the config's)")
    parser.add_argument("--logdir", required=True, type=Path, help="run directory")
    parser.add_argument("--num-workers", type=int, default=0, help="worker processes; 0 = one per CPU core")
    parser.add_argument("--batch-size", type=int, help="iterations per batch")
    parser.add_argument("--time-budget", type=float, metavar="SECONDS", help="train for this many seconds")
    parser.add_argument("--snapshot-interval", type=float, metavar="SECONDS", help="seconds between snapshots")
    parser.add_argument("--tensorboard", action="store_true", help="TensorBoard scalars under LOGDIR/tb")
    parser.add_argument("--iters", type=int, help="iterations to run in this invocation")
    parser.add_argument("--resume-from", type=Path, metavar="DIR", help="continue from DIR's latest snapshot")
    parser.add_argument("--seed", type=int, help="run seed")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.num_workers < 0:
        parser.error(f"--num-workers must be 0 (all cores) or more, got {args.num_workers}")
    args.workers = args.num_workers or default_workers()
    check_arguments(parser, args)
    options = RunOptions(
        config_path=args.config, logdir=args.logdir, workers=args.workers, iterations=args.iters,
        time_budget=args.time_budget, batch_size=args.batch_size, snapshot_interval=args.snapshot_interval,
        buckets=args.buckets, tensorboard=args.tensorboard, resume_from=args.resume_from, seed=args.seed,
    )
    return run(options)


if __name__ == "__main__":
    sys.exit(main())
