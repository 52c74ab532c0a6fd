"""Supervision settings: the config's ``supervisor:`` section (docs/architecture.md, "Supervision policy").

Every timeout and limit the supervisor uses is a named field here with its
default; a config overrides any of them.  Defaults follow the zguide's
Paranoid Pirate (heartbeat every second, dead after a few silent intervals)
and Erlang/OTP restart intensity (give a slot up after more than
``max_restarts`` restarts within ``restart_window`` seconds).
"""
from __future__ import annotations

from dataclasses import dataclass, fields

from worker.private import PRIVATE_TABLES_MAX_BYTES


@dataclass(frozen=True)
class SupervisorParams:
    heartbeat_interval: float = 1.0
    """Seconds between heartbeats, both ways."""
    liveness: int = 5
    """Heartbeat intervals of silence after which a peer is dead."""
    stall_timeout: float = 120.0
    """Seconds a worker may hold a batch without finishing it; also bounds waits for batches in flight."""
    kill_grace: float = 5.0
    """Seconds between SIGTERM and SIGKILL."""
    backoff_initial: float = 0.5
    """First restart delay in seconds; doubles with each restart inside the window."""
    backoff_max: float = 30.0
    """Longest restart delay in seconds."""
    max_restarts: int = 5
    """Restarts allowed per slot within restart_window; one more gives the slot up."""
    restart_window: float = 60.0
    """Seconds over which restarts are counted."""
    hello_timeout: float = 30.0
    """Seconds a freshly spawned worker gets to start Python and say hello."""
    startup_timeout: float = 300.0
    """Seconds for the first worker to say hello, compile the kernel and finish a tiny batch."""
    standby_workers: int = 1
    """Warm spare workers (loaded, kernel compiled) that replace a failed worker at once; 0 = none.
    Each costs one idle process and its private memory (bucket tables for Hold'em)."""
    warmup_iterations: int = 1
    """Iterations of the start-up batch (run on private scratch tables)."""
    status_interval: float = 2.0
    """Seconds between rewrites of status.json (and TensorBoard scalars)."""
    stop_timeout: float = 30.0
    """Seconds a graceful stop waits for batches in flight before abandoning them."""
    sync_interval: float = 10.0
    """Seconds between a remote worker's syncs (its changes in, the run's out), asked for one host at a
    time.  A remote worker that dies or loses its connection loses at most this much work (plus its wait
    for its turn) and its batches in hand: the run issues those batches again."""
    max_remote_workers: int = 16
    """Remote workers at once; each costs the supervisor one copy of the tables (its sync base)."""
    target_batch_seconds: float = 0.5
    """Seconds of work a worker gets per message: consecutive grid batches (``--batch-size`` iterations each,
    the unit of reproducibility and resume) are grouped to about this long, from the worker's measured speed,
    so a small batch size costs no speed; 0 = one grid batch per message."""
    snapshot_min_interval: float = 60.0
    """Without ``--snapshot-interval``: seconds to the first snapshot, and the shortest time between two."""
    snapshot_max_loss: float = 0.01
    """Without ``--snapshot-interval``: the share of the run's time snapshots may take.  Each snapshot pauses
    dispatch (measured: ``snapshot_written.paused_seconds``); the next comes that pause divided by this share
    later (100 x the pause by default), but never sooner than ``snapshot_min_interval``.  So by default the
    first snapshot comes after one minute, then one every minute while a pause costs under 0.6 s (longer
    when it costs more): pauses take at most 1% of the run, and a killed run loses at most that interval."""
    paused_snapshot_max_bytes: int = 256 << 20
    """Tables backed by up to this many bytes (both, as training touched them) are snapshotted with dispatch
    paused: the snapshot is exact and a resume continues bit for bit.  Bigger ones would pause training for
    seconds (about 4 s a GB here), so they are written *live*, training going on: the groups in flight when it
    starts are recorded as pending and run again by a resume, so what they wrote before the snapshot read it
    counts twice after such a resume.  The final snapshot of a run is always exact.  0 = always live."""
    private_tables_max_bytes: int = PRIVATE_TABLES_MAX_BYTES
    """Local workers run on a private copy of tables up to this size (both tables, bytes), merged into the
    shared ones after each batch; larger tables are updated in place.  Small tables shared in place thrash
    the cores' caches (Leduc, 672 entries: two workers ran at 0.8-1.4x one); 0 = always in place."""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"supervisor.{f.name}: expected a number, got {value!r}")
            if value < 0 or (value == 0 and f.name not in ("standby_workers", "private_tables_max_bytes",
                                                            "target_batch_seconds", "paused_snapshot_max_bytes")):
                raise ValueError(f"supervisor.{f.name}: must be positive, got {value!r}")
        for name in ("liveness", "max_restarts", "warmup_iterations", "standby_workers", "max_remote_workers",
                     "private_tables_max_bytes", "paused_snapshot_max_bytes"):
            if not isinstance(getattr(self, name), int):
                raise ValueError(f"supervisor.{name}: expected an integer, got {getattr(self, name)!r}")
        if self.snapshot_max_loss > 1:
            raise ValueError(f"supervisor.snapshot_max_loss: a share of the run's time, at most 1, got "
                             f"{self.snapshot_max_loss!r}")
        if self.backoff_max < self.backoff_initial:
            raise ValueError(
                f"supervisor.backoff_max ({self.backoff_max}) must be at least backoff_initial ({self.backoff_initial})"
            )

    @property
    def silence_timeout(self) -> float:
        """Seconds of silence after which a peer is dead."""
        return self.heartbeat_interval * self.liveness

    def snapshot_delay(self, last_pause: float | None) -> float:
        """Seconds from one snapshot to the next when ``--snapshot-interval`` is not given: the first
        (``last_pause`` None) after ``snapshot_min_interval``, then the last pause over ``snapshot_max_loss``."""
        if last_pause is None:
            return self.snapshot_min_interval
        return max(self.snapshot_min_interval, last_pause / self.snapshot_max_loss)
