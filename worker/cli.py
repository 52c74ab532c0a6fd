"""``holdem-worker``: one worker process (local mode).

The supervisor starts it as ``python -m worker --connect ENDPOINT --slot S
--attempt A ...``; it is not meant to be typed by hand.  Remote workers
(``--server-key``/``--key`` with CURVE, DESIGN.md) are not implemented yet.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import time

from worker.faults import active_fault


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="holdem-worker", description="One worker process of a supervised run "
                                     "(started by holdem-supervise; not meant to be typed by hand).")
    parser.add_argument("--connect", required=True, help="supervisor endpoint, e.g. tcp://127.0.0.1:5555")
    parser.add_argument("--slot", type=int, required=True, help="worker slot number (0-based)")
    parser.add_argument("--attempt", type=int, default=1, help="how many times this slot has been started; 0 = a standby worker")
    parser.add_argument("--heartbeat-interval", type=float, default=1.0, help="seconds between heartbeats")
    parser.add_argument("--liveness", type=int, default=5, help="silent intervals before the supervisor is dead")
    parser.add_argument("--owner-pid", type=int, default=0,
                        help="pid of the supervisor that owns the tables (default: the parent)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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
