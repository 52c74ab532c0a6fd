"""holdem-worker: one worker process of a supervised run, local or remote.

Remote mode (no --slot): a person starts it on another host to join a run
(see worker/remote.py).

Example:

    holdem-worker --connect tcp://HEAD:5555 --server-key server.key --key me.key_secret [--name NAME] [--threads N]

The supervisor's host runs holdem-supervise --bind tcp://0.0.0.0:5555 --keys
DIR; key files come from holdem-keys.  The worker trains until the
supervisor stops the run; Ctrl-C leaves it.

Local mode: holdem-supervise starts it as python -m worker --connect
ENDPOINT --slot S --attempt A ...; it is not meant to be typed by hand.

Exit status in remote mode: 0 stopped by the supervisor, 2 bad arguments or
key files, 5 refused (other protocol version, config or abstraction), 6 key
not authorized, 7 the game cannot be built here, 8 --retry-for passed, 130
interrupted.
"""
from __future__ import annotations

import os
import signal
import sys
import time

from holdem.cli.command import Parser, command
from worker.faults import active_fault


def _threads(text: str) -> int:
    import argparse

    from worker.protocol import MAX_THREADS

    try:
        n = int(text)
    except ValueError:
        n = 0
    if not 1 <= n <= MAX_THREADS:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to {MAX_THREADS}, got {text!r}")
    return n


def build_parser() -> Parser:
    parser = Parser(prog="holdem-worker", description=__doc__.strip())
    parser.add_argument("--connect", required=True, help="supervisor endpoint, e.g. tcp://head:5555")
    remote = parser.add_argument_group("remote mode")
    remote.add_argument("--server-key", help="the supervisor's public key file (its KEYS/server.key)")
    remote.add_argument("--key", help="this host's secret key file (NAME.key_secret, from holdem-keys new)")
    remote.add_argument("--name", help="this worker's name in the run (default: HOST-PID); a worker that joins "
                        "again under the same name gets its slot back")
    remote.add_argument("--threads", type=_threads, metavar="N",
                        help="kernel threads training on this host's one copy of the tables (default: its cores)")
    remote.add_argument("--buckets", help="bucket file for a Hold'em run (default: the run config's)")
    remote.add_argument("--insecure", action="store_true", help="connect without CURVE (the supervisor must "
                        "run with --insecure or bind a loopback address without --keys)")
    remote.add_argument("--retry-for", type=float, metavar="SECONDS",
                        help="give up after this long without a session (default: keep trying)")
    local = parser.add_argument_group("local mode (started by holdem-supervise)")
    local.add_argument("--slot", type=int, help="worker slot number (0-based)")
    local.add_argument("--attempt", type=int, default=1,
                       help="how many times this slot has been started; 0 = a standby worker")
    local.add_argument("--heartbeat-interval", type=float, default=1.0, help="seconds between heartbeats")
    local.add_argument("--liveness", type=int, default=5, help="silent intervals before the supervisor is dead")
    local.add_argument("--owner-pid", type=int, default=0,
                        help="pid of the supervisor that owns the tables (default: the parent)")
    return parser


@command("holdem-worker")
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.slot is None:
        from worker.remote import run_remote

        code = run_remote(args)
        sys.stdout.flush()
        sys.stderr.flush()
        # the kernel thread may still be inside the compiled kernel (nogil): leave without waiting for it
        os._exit(code)
    # Ctrl-C in a terminal reaches the whole process group; the supervisor
    # decides how its workers stop (after their batch in flight).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    fault = active_fault(args.slot, args.attempt)
    if fault is not None and fault.mode == "crash_at_start":
        raise RuntimeError("injected fault: crash_at_start (HOLDEM_FAULT)")
    if fault is not None and fault.mode == "hang_at_start":
        time.sleep(1e9)

    from worker.engine import SolverEngine
    from worker.runner import WorkerProcess

    owner = args.owner_pid or os.getppid()
    worker = WorkerProcess(args.connect, args.slot, args.attempt, args.heartbeat_interval, args.liveness,
                           owner, SolverEngine(), fault)
    code = worker.run()
    sys.stdout.flush()
    sys.stderr.flush()
    # The kernel thread may still be inside the compiled kernel (nogil); leave
    # without waiting for it or running interpreter teardown around it.
    os._exit(code)


if __name__ == "__main__":
    main()
