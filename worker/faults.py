"""Test-only misbehaviour of a worker, driven by the environment.

Like jupyter_client's "problem kernel" tests, the fault suite starts real
workers that misbehave on purpose.  ``HOLDEM_FAULT`` holds one or more specs
separated by ``;``::

    MODE[:ARG][@slot=S][@attempt=A]

e.g. ``raise_in_batch:2@slot=0@attempt=1`` (only the first start of slot 0
raises, in its second work message, so the restart succeeds).  Without
``@slot`` or ``@attempt`` a spec applies to every slot or every attempt.  Modes:

crash_at_start        raise before saying hello (an import error, a bad file)
hang_at_start         never say hello, stay silent
raise_at_load         say hello, then raise while loading the game (a bad bucket file, say)
raise_in_batch:K      raise an exception in the K-th batch (default 1)
hang_silent           at the first batch, the I/O thread stops: no heartbeats
heartbeat_no_progress at the first batch, the kernel never returns; heartbeats go on
exit_mid_batch        at the first batch, the process exits in the middle of it
malformed_message     at the first batch, send a burst of malformed frames, then work normally

"The K-th batch" and "the first batch" count work messages: each is a group
of consecutive grid batches (a single one with
``supervisor.target_batch_seconds: 0``), and the fault strikes as the group
starts (``exit_mid_batch``: halfway through its first grid batch).  The
start-up (scratch) batch does not count.

Remote workers (``holdem-worker --connect``; ``@slot`` is the slot the run
offers, ``@attempt`` the session, 1 for the first join) have modes of their
own, striking at their K-th sync (default 1):

die_in_sync:K         send the first part of the changes, then exit (EXIT_MID_BATCH_CODE)
overlap_sync:K        send the changes plus a copy of their first part (parts that overlap)
stop_reading:K        send the changes, then never read again; heartbeats go on (a host too slow to
                      take the answer)
"""
from __future__ import annotations

import os
from dataclasses import dataclass

FAULT_ENV = "HOLDEM_FAULT"

MODES = (
    "crash_at_start",
    "hang_at_start",
    "raise_at_load",
    "raise_in_batch",
    "hang_silent",
    "heartbeat_no_progress",
    "exit_mid_batch",
    "malformed_message",
)
REMOTE_MODES = ("die_in_sync", "overlap_sync", "stop_reading")
EXIT_MID_BATCH_CODE = 17


@dataclass(frozen=True)
class Fault:
    mode: str
    batch: int = 1  # the work message (1-based, a group of grid batches) at which a batch-time fault strikes
    slot: int | None = None
    attempt: int | None = None

    def applies(self, slot: int, attempt: int) -> bool:
        return (self.slot is None or self.slot == slot) and (self.attempt is None or self.attempt == attempt)


def parse_faults(text: str) -> list[Fault]:
    """Parse ``HOLDEM_FAULT``; a bad spec raises ValueError naming it and the modes."""
    faults = []
    for spec in filter(None, (s.strip() for s in text.split(";"))):
        head, *filters = spec.split("@")
        mode, _, arg = head.partition(":")
        if mode not in MODES + REMOTE_MODES:
            raise ValueError(f"{FAULT_ENV}: unknown mode {mode!r} in {spec!r}; modes: "
                             f"{', '.join(MODES + REMOTE_MODES)}")
        kwargs = {}
        try:
            if arg:
                kwargs["batch"] = int(arg)
            for f in filters:
                key, _, value = f.partition("=")
                if key not in ("slot", "attempt"):
                    raise ValueError(key)
                kwargs[key] = int(value)
        except ValueError:
            raise ValueError(
                f"{FAULT_ENV}: bad spec {spec!r}; expected MODE[:BATCH][@slot=S][@attempt=A]"
            ) from None
        faults.append(Fault(mode, **kwargs))
    return faults


def active_fault(slot: int, attempt: int, environ=os.environ, remote: bool = False) -> Fault | None:
    """The first fault in the environment that applies to this slot and attempt (and kind of worker)."""
    for fault in parse_faults(environ.get(FAULT_ENV, "")):
        if fault.applies(slot, attempt) and (fault.mode in REMOTE_MODES) == remote:
            return fault
    return None


def malformed_frames() -> list[bytes]:
    """Frames that a strict decoder must reject, one per rule."""
    import msgpack

    from worker.protocol import MAX_MESSAGE_BYTES, PROTOCOL_VERSION

    v = PROTOCOL_VERSION
    return [
        b"\xc1 not msgpack",
        msgpack.packb([1, 2, 3]),
        msgpack.packb({"type": "nonsense", "v": v}),
        msgpack.packb({"type": "heartbeat", "v": v + 1, "slot": 0}),
        msgpack.packb({"type": "heartbeat", "v": v, "slot": "zero"}),
        msgpack.packb({"type": "heartbeat", "v": v, "slot": 0, "extra": 1}),
        msgpack.packb({"type": "result", "v": v, "slot": 0, "batch_id": 0}),
        msgpack.packb({"type": "welcome", "v": v}),  # a supervisor-only kind
        msgpack.packb({"type": "heartbeat", "v": v, "slot": msgpack.ExtType(5, b"x")}),
        b"\x00" * (MAX_MESSAGE_BYTES + 1),
    ]
