"""How fast a supervised run notices a dead worker and has a replacement working.

For each trial, a real worker process of a running ``holdem-supervise`` (Leduc,
default supervision settings unless overridden) is frozen with SIGSTOP or
killed with SIGKILL from outside, and the event log gives:

- ``silent_to_killed``: seconds from the SIGSTOP (the moment it went silent)
  to ``worker_killed``; goal <= heartbeat_interval x liveness + 1 s;
- ``kill_to_first_batch``: seconds from the worker's death (``worker_killed``
  or, after SIGKILL, ``worker_exited``) to the first ``batch_done`` summary
  naming its replacement; goal < 3 s (restart backoff + interpreter start +
  loading the game + the start-up batch + one batch).  Summaries are logged
  once a second, so the figure includes up to a second of waiting for one.

With ``standby_workers`` (default 1) the replacement is a warm spare, so
the second figure is mostly the restart backoff; ``--standby 0`` measures a
cold start (interpreter, imports, loading the game) instead.

    python benchmarks/recovery.py [--trials 3] [--heartbeat 1.0] [--liveness 5] [--batch-size 50000] [--standby 1]
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import _runs


def done_by(evs: list[dict], **match) -> list[dict]:
    """``batch_done`` summaries with a slot entry matching ``match`` (e.g. ``slot=0`` or ``pid=...``)."""
    return [e for e in _runs.named(evs, "batch_done")
            if any(all(s.get(k) == v for k, v in match.items()) for s in e["slots"])]


def one_trial(workdir: Path, index: int, sig: int, heartbeat: float, liveness: int, batch_size: int,
              standby: int) -> dict:
    config = _runs.write_config(
        workdir, f"leduc-{index}",
        "game: {kind: leduc}\n"
        f"supervisor: {{heartbeat_interval: {heartbeat}, liveness: {liveness}, stall_timeout: 60.0, "
        f"standby_workers: {standby}}}\n",
    )
    logdir = workdir / f"trial-{index}"
    proc = _runs.start(["--config", str(config), "--workers", "2", "--time-budget", "300", "--batch-size",
                        str(batch_size), "--logdir", str(logdir), "--snapshot-interval", "0"])
    try:
        # both workers (and the standby ones) ready and slot 0 working
        _runs.wait_for(logdir, lambda e: len(_runs.named(e, "worker_ready")) >= 2 + standby
                       and len(done_by(e, slot=0)) >= 2, 300)
        victim = _runs.named(_runs.events(logdir), "worker_started", slot=0)[0]["pid"]
        sent = time.time()
        os.kill(victim, sig)
        died_name = "worker_killed" if sig == signal.SIGSTOP else "worker_exited"
        died = _runs.wait_for(logdir, lambda e: _runs.named(e, died_name, pid=victim), 120)[0]
        restarted = _runs.wait_for(logdir, lambda e: _runs.named(e, "worker_restarted", slot=0, attempt=2), 60)[0]
        first = _runs.wait_for(logdir, lambda e: done_by(e, pid=restarted["pid"]), 120)[0]
        ready = _runs.named(_runs.events(logdir), "worker_ready", pid=restarted["pid"])[0]
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except Exception:
            proc.kill()
            proc.wait()
    result = {
        "signal": signal.Signals(sig).name,
        "kill_to_first_batch": round(_runs.stamp(first) - _runs.stamp(died), 3),
        "backoff": restarted.get("after"),
        "from_standby": bool(restarted.get("from_standby")),
        "replacement_startup_seconds": ready.get("startup_seconds"),
    }
    if sig == signal.SIGSTOP:
        result["silent_to_killed"] = round(_runs.stamp(died) - sent, 3)
    else:
        result["kill_to_exit_seen"] = round(_runs.stamp(died) - sent, 3)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=3, help="trials per signal")
    parser.add_argument("--heartbeat", type=float, default=1.0, help="supervisor.heartbeat_interval")
    parser.add_argument("--liveness", type=int, default=5, help="supervisor.liveness")
    parser.add_argument("--batch-size", type=int, default=50_000)
    parser.add_argument("--standby", type=int, default=1, help="supervisor.standby_workers")
    args = parser.parse_args(argv)
    out = {"command": "python " + " ".join([sys.argv[0], *(argv if argv is not None else sys.argv[1:])]),
           "heartbeat_interval": args.heartbeat, "liveness": args.liveness,
           "standby_workers": args.standby,
           "goal_silent_to_killed": args.heartbeat * args.liveness + 1.0, "goal_kill_to_first_batch": 3.0,
           "load_average_before": _runs.load_average(), "trials": []}
    with tempfile.TemporaryDirectory(prefix="holdem-recovery-") as tmp:
        index = 0
        for sig in (signal.SIGSTOP, signal.SIGKILL):
            for _ in range(args.trials):
                out["trials"].append(one_trial(Path(tmp), index, sig, args.heartbeat, args.liveness,
                                               args.batch_size, args.standby))
                index += 1
    for key in ("silent_to_killed", "kill_to_first_batch"):
        values = [t[key] for t in out["trials"] if key in t]
        if values:
            out[f"median_{key}"] = statistics.median(values)
            out[f"max_{key}"] = max(values)
    out["load_average_after"] = _runs.load_average()
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
