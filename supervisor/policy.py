"""Supervision policy for one worker slot: plain code over an injectable clock.

The asyncio driver (:mod:`supervisor.run`) reports what happened to a slot
(spawned, said hello, was heard, finished a batch, exited...) and asks
:meth:`SlotPolicy.tick` what to do now; the answer is a list of actions
(:class:`Kill`, :class:`Escalate`, :class:`Start`, :class:`GiveUp`) that the
driver carries out.  Nothing here touches a process or a socket, so every
rule is unit-tested with a fake clock.

Rules (docs/architecture.md, "Supervision policy"):

- Liveness, after the zguide's Paranoid Pirate: a worker silent for
  ``heartbeat_interval * liveness`` seconds is dead.  A worker that keeps
  heartbeating but holds a batch without progress for ``stall_timeout`` is
  stalled (the start-up batch, which compiles the kernel, gets
  ``startup_timeout`` instead).  Before its hello a worker gets
  ``hello_timeout`` to start the interpreter.
- Dead or stalled: SIGTERM, then SIGKILL after ``kill_grace`` (as
  jupyter_client's KernelManager shuts a kernel down: ask, wait, kill).
- Restart with exponential backoff (``backoff_initial`` doubling up to
  ``backoff_max``), and restart intensity as Erlang/OTP supervisors: more
  than ``max_restarts`` restarts within ``restart_window`` seconds gives the
  slot up (jupyter_client's KernelRestarter likewise stops after
  ``restart_limit`` failed restarts instead of trying for ever).
"""
from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from enum import Enum
from typing import Callable

from supervisor.params import SupervisorParams

Clock = Callable[[], float]


class Phase(str, Enum):
    STARTING = "starting"  # spawned, no hello yet
    LOADING = "loading"  # welcomed; loading the game and compiling on the start-up batch
    IDLE = "idle"  # ready, waiting for a batch
    BUSY = "busy"  # holding a batch
    KILLING = "killing"  # SIGTERM sent, waiting for the exit
    BACKOFF = "backoff"  # exited; restarts at restart_at
    GIVEN_UP = "given_up"  # restart intensity exceeded
    STOPPED = "stopped"  # exited while the run was stopping


ALIVE_PHASES = (Phase.STARTING, Phase.LOADING, Phase.IDLE, Phase.BUSY)


@dataclass(frozen=True)
class Kill:
    """Send SIGTERM now; ``reason`` is ``silent``, ``stalled``, ``error`` or ``protocol``."""

    reason: str


@dataclass(frozen=True)
class Escalate:
    """The grace period after SIGTERM is over: send SIGKILL."""


@dataclass(frozen=True)
class Start:
    """Spawn the slot's next attempt."""

    attempt: int


@dataclass(frozen=True)
class GiveUp:
    """Restart intensity exceeded: leave the slot down."""

    reason: str


class SlotPolicy:
    """What one slot's worker is doing and what must happen to it next."""

    def __init__(self, slot: int, params: SupervisorParams, clock: Clock = time.monotonic) -> None:
        self.slot = slot
        self.params = params
        self.clock = clock
        self.phase = Phase.BACKOFF
        self.attempt = 0
        self.restart_at: float | None = clock()  # the first start is due at once
        self.may_restart = True  # the driver holds restarts until the start-up check passes
        self.stopping = False
        self.restarts: deque[float] = deque()  # times of restarts inside the window
        self.last_heard = 0.0
        self.last_progress = 0.0
        self.batch_limit = params.stall_timeout
        self.kill_sent_at: float | None = None
        self.escalated = False
        self.kill_reason = ""
        self.failures = 0  # exits that were not asked for, over the whole run
        self.batches_done = 0

    # ------------------------------------------------------------ events from the driver

    def spawned(self) -> None:
        now = self.clock()
        self.attempt += 1
        self.phase = Phase.STARTING
        self.restart_at = None
        self.last_heard = now
        self.last_progress = now
        self.kill_sent_at = None
        self.escalated = False
        self.kill_reason = ""

    def adopted(self) -> None:
        """A ready standby worker takes over this slot: started and ready at once."""
        self.spawned()
        self.phase = Phase.IDLE

    def handed_over(self) -> None:
        """This standby position's worker went to serve a slot: start a new standby, no failure counted."""
        self.phase = Phase.BACKOFF
        self.restart_at = self.clock()
        self.kill_sent_at = None

    def hello(self) -> None:
        """The worker said hello and was welcomed; its start-up batch follows."""
        now = self.clock()
        self.phase = Phase.LOADING
        self.last_heard = now
        self.last_progress = now
        self.batch_limit = self.params.startup_timeout

    def heard(self) -> None:
        if self.phase in ALIVE_PHASES:
            self.last_heard = self.clock()

    def progressed(self) -> None:
        """The batch in hand advanced (a progress report with more iterations done)."""
        now = self.clock()
        self.last_heard = now
        self.last_progress = now

    def ready(self) -> None:
        """The start-up batch came back: the kernel is loaded."""
        self.progressed()
        self.phase = Phase.IDLE

    def assigned(self) -> None:
        self.progressed()
        self.phase = Phase.BUSY
        self.batch_limit = self.params.stall_timeout

    def finished(self) -> None:
        self.progressed()
        self.batches_done += 1
        self.phase = Phase.IDLE

    def failed(self, reason: str) -> list:
        """The worker must go (it reported an error or broke the protocol): kill it."""
        if self.phase not in ALIVE_PHASES:
            return []
        return [self._kill(reason)]

    def exited(self) -> list:
        """The process is gone: schedule a restart (with backoff) or give the slot up.

        Returns ``[GiveUp(reason)]`` when restart intensity is exceeded, else ``[]``.
        """
        now = self.clock()
        self.kill_sent_at = None
        if self.stopping:
            self.phase = Phase.STOPPED
            return []
        self.failures += 1
        while self.restarts and now - self.restarts[0] > self.params.restart_window:
            self.restarts.popleft()
        if len(self.restarts) >= self.params.max_restarts:
            self.phase = Phase.GIVEN_UP
            self.restart_at = None
            return [GiveUp(f"more than {self.params.max_restarts} restarts in {self.params.restart_window:g} s")]
        delay = min(self.params.backoff_initial * 2 ** len(self.restarts), self.params.backoff_max)
        self.restarts.append(now)
        self.phase = Phase.BACKOFF
        self.restart_at = now + delay
        return []

    def stop(self) -> None:
        """The run is ending: no more restarts; a pending restart is dropped."""
        self.stopping = True
        if self.phase == Phase.BACKOFF:
            self.phase = Phase.STOPPED
            self.restart_at = None

    # ------------------------------------------------------------ decisions

    def tick(self) -> list:
        """Actions due now, given the time and what the slot is doing."""
        now = self.clock()
        if self.phase == Phase.KILLING:
            if not self.escalated and now - self.kill_sent_at >= self.params.kill_grace:
                self.escalated = True
                return [Escalate()]
            return []
        if self.phase == Phase.BACKOFF:
            if self.may_restart and not self.stopping and self.restart_at is not None and now >= self.restart_at:
                return [Start(self.attempt + 1)]
            return []
        if self.phase not in ALIVE_PHASES:
            return []
        silence = self.params.hello_timeout if self.phase == Phase.STARTING else self.params.silence_timeout
        if now - self.last_heard > silence:
            return [self._kill("silent")]
        if self.phase in (Phase.LOADING, Phase.BUSY) and now - self.last_progress > self.batch_limit:
            return [self._kill("stalled")]
        return []

    def _kill(self, reason: str) -> Kill:
        self.phase = Phase.KILLING
        self.kill_sent_at = self.clock()
        self.kill_reason = reason
        return Kill(reason)

    @property
    def alive(self) -> bool:
        return self.phase in ALIVE_PHASES

    @property
    def given_up(self) -> bool:
        return self.phase == Phase.GIVEN_UP
