"""python -m holdem.cli.train_blueprint: the older training command, running the supervisor of holdem-supervise.

    python -m holdem.cli.train_blueprint --config CONFIG --logdir DIR [--num-workers N]
        [--iters N] [--time-budget SECONDS] [--batch-size B] [--snapshot-interval SECONDS]
        [--buckets FILE] [--tensorboard] [--resume-from DIR] [--seed S]

Example:

    python -m holdem.cli.train_blueprint --config configs/hu_small.yaml --num-workers 2 --batch-size 100 \\
        --tensorboard --time-budget 60 --logdir runs/hu_small

With neither --iters nor --time-budget the run goes on until stopped:
Ctrl-C (or SIGTERM) stops it after the batches in flight and writes a final
snapshot; a second Ctrl-C stops at once.  With both, it stops at whichever
comes first.  --num-workers 0 (the default) starts one worker per CPU core.
--resume-from DIR continues from DIR's latest snapshot and writes the new
ones under --logdir.  Exit status as holdem-supervise.
"""
from __future__ import annotations

import sys
from pathlib import Path

from holdem.cli.launch import loading_interrupted

try:  # run with -m, this module loads the supervisor itself: a Ctrl-C meanwhile gets the one line too
    from holdem.cli.command import Parser, command
    from holdem.cli.help import SUPERVISED_BATCH_SIZE_HELP, description

    # holdem/cli is the one part of the library allowed to reach the supervisor
    from supervisor.cli import SNAPSHOT_INTERVAL_HELP, check_arguments, default_workers, run
except KeyboardInterrupt:
    sys.exit(loading_interrupted("python -m holdem.cli.train_blueprint"))

PROG = "python -m holdem.cli.train_blueprint"


def build_parser() -> Parser:
    parser = Parser(prog=PROG, description=description(__doc__))
    parser.add_argument("--config", required=True, help="YAML config file or preset name")
    parser.add_argument("--buckets", type=Path, help="bucket file for Hold'em (default: the config's)")
    parser.add_argument("--logdir", required=True, type=Path, help="run directory (created if missing)")
    parser.add_argument("--num-workers", type=int, default=0, help="worker processes; 0 = one per CPU core")
    parser.add_argument("--batch-size", type=int, help=SUPERVISED_BATCH_SIZE_HELP)
    parser.add_argument("--time-budget", type=float, metavar="SECONDS",
                        help="train for this many seconds (default: until Ctrl-C)")
    parser.add_argument("--iters", type=int, help="iterations to run in this invocation (default: until Ctrl-C)")
    parser.add_argument("--snapshot-interval", type=float, metavar="SECONDS", help=SNAPSHOT_INTERVAL_HELP)
    parser.add_argument("--tensorboard", action="store_true", help="TensorBoard scalars under LOGDIR/tb")
    parser.add_argument("--resume-from", type=Path, metavar="DIR", help="continue from DIR's latest snapshot")
    parser.add_argument("--seed", type=int, help="run seed")
    return parser


@command(PROG)
def main(argv: list[str] | None = None) -> int:
    from supervisor.run import RunOptions

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
