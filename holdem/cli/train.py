"""holdem-train: train a blueprint in this process (no supervisor, no workers).

    holdem-train --config CONFIG --logdir DIR (--iters N | --time-budget SECONDS)
                 [--seed S] [--batch-size B] [--snapshot-interval SECONDS] [--resume]
                 [--buckets FILE]

Example:

    holdem-train --config leduc --iters 100000 --logdir runs/leduc

One of --iters and --time-budget is required (for a run that goes on until
stopped, use holdem-supervise); Ctrl-C stops earlier, after the batch in
progress, with a final snapshot (a second Ctrl-C stops at once).  --iters
counts the iterations of this invocation (with --resume: N more).  Seed and
batch size come from the flag, else the config's seed / batch_size, else
0 / 10,000; a resumed run keeps its own (a different flag is an error, since
exact resume needs the same batch grid).  The result is bit-identical to one
supervised worker (holdem-supervise --workers 1).

Exit status: 0 done, 1 runtime error (e.g. a damaged snapshot), 2 bad config,
flags or --logdir, 130 interrupted.
"""
from __future__ import annotations

import json
import sys

from holdem.cli.command import CommandError, Parser, UsageError, command
from holdem.cli.help import BATCH_SIZE_HELP, description
from holdem.cli.writable import check_directory
from holdem.config import load_config
from holdem.mccfr.snapshot import SnapshotError
from holdem.mccfr.tables import ENTRY_BYTES
from holdem.mccfr.trainer import DEFAULT_SNAPSHOT_INTERVAL, Trainer, TrainOptions

PROG = "holdem-train"
EXIT_SNAPSHOT = 1


def build_parser() -> Parser:
    p = Parser(prog=PROG, description=description(__doc__))
    p.add_argument("--config", required=True, help="YAML config file or preset name (e.g. leduc, hu_small)")
    budget = p.add_mutually_exclusive_group(required=True)
    budget.add_argument("--iters", type=int, help="iterations to run in this invocation")
    budget.add_argument("--time-budget", type=float, metavar="SECONDS", help="stop after this many seconds")
    p.add_argument("--logdir", required=True, help="directory for snapshots and events.jsonl (created if missing)")
    p.add_argument("--seed", type=int, help="run seed (default: the config's seed, else 0)")
    p.add_argument("--batch-size", type=int, help=BATCH_SIZE_HELP + " (default: the config's batch_size, else 10000)")
    p.add_argument("--snapshot-interval", type=float, default=DEFAULT_SNAPSHOT_INTERVAL, metavar="SECONDS",
                   help=f"seconds between snapshots (default {DEFAULT_SNAPSHOT_INTERVAL:g}); "
                        "a final one is always written")
    p.add_argument("--resume", action="store_true", help="continue the run in --logdir from its latest snapshot")
    p.add_argument("--buckets", help="Hold'em bucket file (overrides the config's buckets section)")
    return p


@command(PROG)
def main(argv: list[str] | None = None) -> int:
    from holdem.games.registry import make_game  # after the arguments are checked: building a game is work

    args = build_parser().parse_args(argv)
    config = load_config(args.config)
    resuming = args.resume
    try:
        options = TrainOptions(
            logdir=args.logdir,
            run_seed=args.seed if args.seed is not None else (None if resuming else config.seed),
            batch_size=args.batch_size if args.batch_size is not None else (None if resuming else config.batch_size),
            iterations=args.iters,
            time_budget=args.time_budget,
            snapshot_interval=args.snapshot_interval,
            resume=resuming,
        )
    except ValueError as e:
        raise UsageError(str(e)) from None
    check_directory(args.logdir, f"--logdir {args.logdir}")
    try:
        game = make_game(config, args.buckets)
        trainer = Trainer(game, config.solver, options, config.to_dict(), buckets_path=args.buckets)
    except SnapshotError as e:
        raise CommandError(str(e), EXIT_SNAPSHOT) from None
    except ValueError as e:
        raise UsageError(str(e)) from None
    size = game.layout.size
    print(f"{game.name}: {size:,} table entries, {size * ENTRY_BYTES / 2**20:,.1f} MiB "
          f"(float32 regret + float64 strategy)", file=sys.stderr)
    result = trainer.run()
    print(json.dumps({
        "iteration": result.iteration,
        "iterations_run": result.iterations_run,
        "seconds": round(result.seconds, 3),
        "iterations_per_second": round(result.iterations_run / result.seconds, 1) if result.seconds > 0 else None,
        "snapshot": str(result.snapshot),
        "stopped_by": result.stopped_by,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
