"""Supervision policy for one remote slot: plain code over an injectable clock.

The supervisor cannot start or kill a remote worker; all it can do is end
the worker's session (its batches go back to the book, and the worker is
told to join again).  :class:`RemoteSlotPolicy` holds what a session is
doing and its clocks; the hub (:mod:`supervisor.remote`) reports what
happened and asks :meth:`RemoteSlotPolicy.tick` whether the session must end
now.  Nothing here touches a socket, so every rule is unit-tested with a
fake clock, as :mod:`supervisor.policy` is for local slots.

Rules (docs/architecture.md, "Supervision policy"):

- liveness as the zguide's Paranoid Pirate: a session silent for
  ``heartbeat_interval * liveness`` seconds is over (every frame counts as
  life, heartbeat or not, decodable or not: the peer is there);
- a session holding a batch without progress for ``stall_timeout`` is over,
  and so is one that takes no part of a table stream for that long (a host
  too slow to read its answer: the stream's window stays full, and nothing
  more is queued for it);
- a session not ready (tables loaded, start-up batch done) within
  ``startup_timeout`` of its join is over.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Callable

from supervisor.params import SupervisorParams

Clock = Callable[[], float]


class Session(str, Enum):
    """What a remote slot's session is doing: offered -> loading -> idle <-> busy; away when none."""

    AWAY = "away"  # no session: never joined, dropped, refused or stopped
    OFFERED = "offered"  # joined; the run's terms were sent, the worker's answer is awaited
    LOADING = "loading"  # terms agreed; the tables are streaming and the start-up batch runs
    IDLE = "idle"  # ready, no batch
    BUSY = "busy"  # holding a batch


LIVE_SESSIONS = frozenset({Session.OFFERED, Session.LOADING, Session.IDLE, Session.BUSY})
WORKING_SESSIONS = frozenset({Session.IDLE, Session.BUSY})


@dataclass(frozen=True)
class EndSession:
    """End the session now: ``reason`` (``silent``, ``stalled``, ``join_timeout``) for the log, ``tell``
    for the worker (None: it is not listening), ``figures`` for the event."""

    reason: str
    tell: str | None
    figures: dict[str, Any] = field(default_factory=dict)


class RemoteSlotPolicy:
    """The session of one remote slot and the timeouts that end it."""

    def __init__(self, params: SupervisorParams, clock: Clock = time.monotonic) -> None:
        self.params = params
        self.clock = clock
        self.session = Session.AWAY
        self.joined_at = 0.0
        self.last_heard = 0.0
        self.last_progress = 0.0
        self.streaming = False  # table parts are on their way to the worker

    @property
    def live(self) -> bool:
        return self.session in LIVE_SESSIONS

    @property
    def working(self) -> bool:
        return self.session in WORKING_SESSIONS

    # ------------------------------------------------------------ events from the hub

    def joined(self) -> None:
        now = self.clock()
        self.session = Session.OFFERED
        self.joined_at = self.last_heard = self.last_progress = now

    def agreed(self) -> None:
        """The worker accepted the run's terms; its tables start streaming."""
        self.session = Session.LOADING

    def heard(self) -> None:
        if self.live:
            self.last_heard = self.clock()

    def progressed(self) -> None:
        """The batch in hand advanced, or the session changed what it does (the stall clock restarts)."""
        self.last_progress = self.clock()

    def ready(self) -> None:
        self.progressed()
        self.session = Session.IDLE

    def assigned(self) -> None:
        self.progressed()
        self.session = Session.BUSY

    def finished(self) -> None:
        """The batch in hand came back (or was abandoned by the run)."""
        self.progressed()
        self.session = Session.IDLE

    def stream_started(self) -> None:
        self.progressed()
        self.streaming = True

    def stream_ended(self) -> None:
        self.progressed()
        self.streaming = False

    def ended(self) -> None:
        self.session = Session.AWAY
        self.streaming = False

    # ------------------------------------------------------------ decisions

    def tick(self) -> EndSession | None:
        """The session's end if one of the rules says it is due now, else None."""
        if not self.live:
            return None
        now = self.clock()
        p = self.params
        if now - self.last_heard > p.silence_timeout:
            return EndSession("silent", None, {"silent_for": round(now - self.last_heard, 3)})
        if self.streaming and self.working and now - self.last_progress > p.stall_timeout:
            return EndSession("stalled", f"dropped: no table part taken for {p.stall_timeout:g} s; join again",
                              {"streaming": True})
        if self.session == Session.BUSY and now - self.last_progress > p.stall_timeout:
            return EndSession("stalled", f"dropped: no progress in your batch for {p.stall_timeout:g} s; join again")
        if self.session in (Session.OFFERED, Session.LOADING) and now - self.joined_at > p.startup_timeout:
            return EndSession("join_timeout", f"not ready within {p.startup_timeout:g} s of joining; join again")
        return None
