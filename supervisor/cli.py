"""holdem-supervise: train a blueprint with supervised worker processes on this host (and others).

    holdem-supervise --config CONFIG --logdir DIR [--workers N] [--iters N | --time-budget SECONDS]
                     [--batch-size B] [--snapshot-interval SECONDS] [--buckets FILE]
                     [--tensorboard] [--resume] [--seed S] [--log-format json|console]

Example:

    holdem-supervise --config hu_small --workers 2 --time-budget 120 --logdir runs/hu_small

With neither --iters nor --time-budget the run goes on until stopped: Ctrl-C
(or SIGTERM) stops it after the batches in flight and writes a final
snapshot; a second Ctrl-C stops at once.  --iters counts the iterations of
this invocation (with --resume: N more), as holdem-train; seed and batch size
come from the flag, else the config, else 0 / 10,000, and a resumed run keeps
its own.

Remote workers: with --bind tcp://ADDRESS:PORT --keys DIR, workers on other
hosts join the run (holdem-worker --connect ...); CURVE keys come from
holdem-keys.  --workers may then be 0.

Exit status: 0 finished or stopped cleanly (Ctrl-C/SIGTERM, time budget,
iteration target; a final snapshot is written), 1 damaged snapshot, 2 bad
config, arguments, --logdir or bucket file, 3 start-up check failed, 4 every
worker slot was given up, 130 forced stop (a second Ctrl-C, or Ctrl-C before
training started).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from holdem.cli.command import CommandError, Parser, UsageError, command
from holdem.cli.help import SUPERVISED_BATCH_SIZE_HELP, description
from holdem.cli.writable import check_directory
from supervisor.events import LOG_FORMATS

PROG = "holdem-supervise"
EXIT_SNAPSHOT = 1
# the figures are supervisor.params defaults (snapshot_min_interval, snapshot_max_loss), which a config may change
SNAPSHOT_INTERVAL_HELP = (
    "seconds between snapshots; 0 = only the final one (default: adaptive: the first after 60 s, then 100 x "
    "the last snapshot's cost, at least 60 s; tables backed by more than supervisor.paused_snapshot_max_bytes "
    "are written live, without pausing training)")


def default_workers() -> int:
    return os.cpu_count() or 1


def build_parser(prog: str = PROG) -> Parser:
    parser = Parser(prog=prog, description=description(__doc__))
    parser.add_argument("--config", required=True, help="YAML config file or preset name (e.g. leduc, hu_small)")
    parser.add_argument("--workers", type=int, default=default_workers(),
                        help="worker processes (default: the number of CPU cores, here %(default)s)")
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("--iters", type=int, help="iterations to run in this invocation (default: until Ctrl-C)")
    budget.add_argument("--time-budget", type=float, metavar="SECONDS",
                        help="train for this many seconds (default: until Ctrl-C)")
    parser.add_argument("--logdir", required=True, type=Path, help="run directory: events, status, snapshots")
    parser.add_argument("--batch-size", type=int,
                        help=SUPERVISED_BATCH_SIZE_HELP + " (default: the config's batch_size, else 10000)")
    parser.add_argument("--snapshot-interval", type=float, metavar="SECONDS", help=SNAPSHOT_INTERVAL_HELP)
    parser.add_argument("--buckets", type=Path, help="bucket file for Hold'em (default: the config's)")
    parser.add_argument("--tensorboard", action="store_true", help="write TensorBoard scalars under LOGDIR/tb")
    parser.add_argument("--resume", action="store_true", help="continue from LOGDIR/latest")
    parser.add_argument("--seed", type=int, help="run seed (default: the config's, else 0)")
    parser.add_argument("--log-format", choices=[f for f in LOG_FORMATS if f != "auto"],
                        help="stderr event format (default: console on a terminal, else json)")
    remote = parser.add_argument_group("remote workers (holdem-worker --connect on other hosts)")
    remote.add_argument("--bind", metavar="ENDPOINT",
                        help="accept remote workers here, e.g. tcp://0.0.0.0:5555 (--workers may then be 0)")
    remote.add_argument("--keys", type=Path, metavar="DIR",
                        help="CURVE keys: DIR/server.key_secret and the workers' public keys in DIR/authorized/ "
                             "(make them with holdem-keys)")
    remote.add_argument("--insecure", action="store_true",
                        help="allow --bind on a non-loopback address without --keys (no authentication, "
                             "no encryption)")
    return parser


def check_arguments(parser: argparse.ArgumentParser, args) -> None:
    """Flag values that argparse cannot check itself; parser.error (one line, exit 2) on the first bad one."""
    bind = getattr(args, "bind", None)  # the legacy command (holdem.cli.train_blueprint) has no remote flags
    if args.workers < 0 or (args.workers == 0 and not bind):
        parser.error(f"--workers must be at least 1 (or 0 with --bind, for remote workers only), got {args.workers}")
    check_remote_arguments(parser, args)
    if args.iters is not None and args.iters < 1:
        parser.error(f"--iters must be at least 1, got {args.iters}")
    if args.time_budget is not None and args.time_budget <= 0:
        parser.error(f"--time-budget must be positive, got {args.time_budget}")
    if args.batch_size is not None and args.batch_size < 1:
        parser.error(f"--batch-size must be at least 1, got {args.batch_size}")
    if args.snapshot_interval is not None and args.snapshot_interval < 0:
        parser.error(f"--snapshot-interval must be 0 or more, got {args.snapshot_interval}")
    if args.seed is not None and args.seed < 0:
        parser.error(f"--seed must be 0 or more, got {args.seed}")
    if args.buckets is not None and not args.buckets.is_file():
        parser.error(f"--buckets {args.buckets}: no such file (build one with holdem-buckets build)")


def check_remote_arguments(parser: argparse.ArgumentParser, args) -> None:
    from supervisor.auth import check_keys_dir
    from supervisor.remote import is_loopback_endpoint

    if not getattr(args, "bind", None):
        if getattr(args, "keys", None) or getattr(args, "insecure", False):
            parser.error("--keys and --insecure apply to --bind; add --bind tcp://ADDRESS:PORT")
        return
    if args.keys is not None:
        if args.insecure:
            parser.error("--insecure and --keys exclude each other")
        problems = check_keys_dir(args.keys)
        if problems:
            parser.error(f"--keys {args.keys}: " + "; ".join(problems))
    elif not is_loopback_endpoint(args.bind):
        if not args.insecure:
            parser.error(f"--bind {args.bind} accepts workers from other hosts: pass --keys DIR (holdem-keys new DIR "
                         "server; holdem-keys authorize DIR WORKER.key) so they are authenticated and encrypted, "
                         "or --insecure to run without")
        print(f"warning: --insecure: workers connecting to {args.bind} are neither authenticated nor encrypted; "
              "anyone who can reach it can join the run and write to its tables", file=sys.stderr)


def check_run_inputs(options) -> None:
    """The cheap checks, before any work: the config (with its supervisor section), then the log directory.

    supervisor.training.prepare checks the config again, but only after
    building the game, which may mean building a bucket file first.
    """
    from holdem.config import load_config, validate_section
    from supervisor.params import SupervisorParams

    config = load_config(options.config_path)
    validate_section(config.supervisor, SupervisorParams, f"{config.source or options.config_path}: supervisor")
    check_directory(options.logdir, f"--logdir {options.logdir}")


def run(options) -> int:
    """Check the inputs, then run the supervisor; an input problem raises UsageError or CommandError."""
    from holdem.mccfr.snapshot import SnapshotError
    from supervisor.run import run_supervisor
    from supervisor.training import prepare

    check_run_inputs(options)
    try:
        prepared = [prepare(options)]
    except SnapshotError as exc:
        raise CommandError(str(exc), EXIT_SNAPSHOT) from None
    except (ValueError, OSError) as exc:  # ConfigError, ResumeError, a bad bucket file, an unreadable path
        raise UsageError(str(exc)) from None
    # hand over the only reference: the supervisor drops its own Hold'em tree once it is in shared memory
    return run_supervisor(options, prepared.pop())


@command(PROG)
def main(argv: list[str] | None = None) -> int:
    from holdem.heap import return_large_blocks
    from supervisor.run import RunOptions

    return_large_blocks()  # a run lasts hours: what a sync's buffers took goes back when they are freed

    parser = build_parser()
    args = parser.parse_args(argv)
    check_arguments(parser, args)
    options = RunOptions(
        config_path=args.config, logdir=args.logdir, workers=args.workers, iterations=args.iters,
        time_budget=args.time_budget, batch_size=args.batch_size, snapshot_interval=args.snapshot_interval,
        buckets=args.buckets, tensorboard=args.tensorboard, resume_from=args.logdir if args.resume else None,
        seed=args.seed, log_format=args.log_format or "auto", bind=args.bind, keys=args.keys,
    )
    return run(options)


if __name__ == "__main__":
    sys.exit(main())
