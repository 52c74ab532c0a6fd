"""Worker processes: spawn, signal, and read back what they printed.

Workers are started with ``asyncio.create_subprocess_exec`` (fork+exec at
once: no process holding a ZeroMQ context is ever forked into Python code).
Their stdout and stderr go to ``DIR/workers/slot-<k>.log`` (appended across
attempts, each attempt introduced by a header line), so the supervisor can
quote a failed worker's last lines without a pipe to drain.
"""
from __future__ import annotations

import asyncio
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

from supervisor.batches import Assignment

STDERR_TAIL_LINES = 30
STDERR_TAIL_BYTES = 16 * 1024


def worker_command(endpoint: str, slot: int, attempt: int, heartbeat_interval: float, liveness: int) -> list[str]:
    """The command line of one worker; ``slot``/``attempt`` are its wire label (attempt 0 = standby)."""
    return [
        sys.executable, "-m", "worker",
        "--connect", endpoint,
        "--slot", str(slot),
        "--attempt", str(attempt),
        "--heartbeat-interval", repr(heartbeat_interval),
        "--liveness", str(liveness),
        "--owner-pid", str(os.getpid()),
    ]


@dataclass
class WorkerHandle:
    """One worker process.

    ``slot``/``attempt`` are what it serves now; ``wire_slot``/``wire_attempt``
    are the label it was started with and names itself by in its messages
    (they differ for a standby worker that took over a slot).
    """

    slot: int
    attempt: int
    proc: asyncio.subprocess.Process
    log_path: Path
    log_offset: int  # where this attempt's output starts in the slot's log
    wire_slot: int = -1
    wire_attempt: int = -1
    identity: bytes | None = None  # ZeroMQ routing id, known after hello
    assignment: Assignment | None = None  # the real batch in hand
    phase_detail: str = "starting"  # last phase the worker reported
    error: dict | None = None  # the exception the worker reported, if any
    kill_signal: str = ""  # what we sent, if we killed it
    iterations_done: int = 0
    spawned_at: float = 0.0
    exit_task: asyncio.Task | None = field(default=None, repr=False)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def signal(self, sig: int) -> None:
        """Send a signal unless the process is already reaped (its pid may be reused)."""
        if self.proc.returncode is None:
            try:
                self.proc.send_signal(sig)
            except ProcessLookupError:
                pass

    def terminate(self) -> None:
        self.kill_signal = "SIGTERM"
        self.signal(signal.SIGTERM)
        # a stopped (SIGSTOP) process only acts on SIGTERM once continued
        self.signal(signal.SIGCONT)

    def kill(self) -> None:
        self.kill_signal = "SIGKILL"
        self.signal(signal.SIGKILL)

    def output_tail(self) -> str:
        """The last lines this attempt wrote to stdout/stderr."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(0, os.SEEK_END)
                end = f.tell()
                start = max(self.log_offset, end - STDERR_TAIL_BYTES)
                f.seek(start)
                text = f.read().decode("utf-8", errors="replace")
        except OSError as exc:
            return f"(could not read {self.log_path}: {exc})"
        return "\n".join(text.splitlines()[-STDERR_TAIL_LINES:])


async def spawn(command: list[str], slot: int, attempt: int, log_dir: Path, env: dict[str, str]) -> WorkerHandle:
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"slot-{slot}.log"
    with open(log_path, "ab") as log:
        log.write(f"=== slot {slot} attempt {attempt}: {' '.join(command)}\n".encode())
        log.flush()
        offset = log.tell()
        proc = await asyncio.create_subprocess_exec(
            *command, stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log, env=env,
        )
    return WorkerHandle(slot, attempt, proc, log_path, offset, wire_slot=slot, wire_attempt=attempt)
