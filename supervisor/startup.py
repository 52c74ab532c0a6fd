"""What a failed start-up check says: what failed, the worker's own words, and what to try.

The check (docs/architecture.md, "Supervision policy"): before training, one worker
must say hello, load the game, compile the kernel and finish a tiny batch
within ``startup_timeout``.  When it cannot, the run stops instead of
restarting for ever, and this report is printed on stderr (and logged as
``startup_failed``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class StartFailure:
    """One worker that failed before finishing its start-up batch."""

    slot: int
    attempt: int
    returncode: int | None = None
    phase: str = ""  # what the worker last said it was doing
    killed: str = ""  # why the supervisor killed it, if it did
    exception: dict | None = None  # {"type", "message", "traceback"} the worker reported
    spawn_error: str = ""  # the process could not even be started
    output_tail: str = ""  # its last lines of stdout/stderr

    def to_dict(self) -> dict:
        return asdict(self)


def what_to_try(failure: StartFailure | None, timed_out: bool, log_dir: Path, startup_timeout: float) -> list[str]:
    hints = []
    if failure is not None and failure.exception:
        hints.append("fix the error the worker reported above; `holdem-train --config CONFIG --iters 1` runs "
                     "the same code in one process")
    elif failure is not None and failure.spawn_error:
        hints.append("check that this Python can run `python -m worker --help`")
    elif failure is not None:
        hints.append("the worker died without reporting an exception: read its output above "
                     f"(all of it: {log_dir}/slot-{failure.slot}.log)")
    if timed_out:
        hints.append("compiling the kernel the first time can take minutes on a busy machine: raise "
                     f"supervisor.startup_timeout (now {startup_timeout:g} s) in the config")
    return hints


def report(summary: str, failure: StartFailure | None, hints: list[str]) -> str:
    lines = [f"error: start-up check failed: {summary}"]
    if failure is not None:
        who = f"worker slot {failure.slot}"
        if failure.exception:
            lines.append(f"{who} raised {failure.exception['type']}: {failure.exception['message']}")
            lines.append(failure.exception["traceback"].rstrip())
        if failure.spawn_error:
            lines.append(f"{who} could not be started: {failure.spawn_error}")
        if failure.output_tail:
            lines.append(f"last output of {who} (exit code {failure.returncode}):")
            lines.append(failure.output_tail.rstrip())
    lines += [f"try: {hint}" for hint in hints]
    return "\n".join(lines)
