"""The wire format between the supervisor and its workers (DESIGN.md, "The wire").

Every message is one msgpack map carrying ``type`` (the message kind) and
``v`` (the protocol version) beside the message's own fields.  Each kind is a
frozen dataclass here; both sides import this module, so the two ends cannot
drift apart.

Worker to supervisor: ``hello``, ``heartbeat``, ``progress``, ``result``,
``error``.  Supervisor to worker: ``welcome``, ``batch``, ``sync``, ``pause``,
``stop`` and ``heartbeat`` (heartbeats flow both ways, as in the zguide's
Paranoid Pirate pattern).

Decoding is strict, because a message is untrusted input that must never
crash the supervisor nor reach the tables: a size cap, no ext types, known
kinds only, exactly the declared fields, each of the declared type and range.
Anything else raises :class:`ProtocolError`, which callers log and drop.
Array payloads (``sync``) are raw bytes with their dtype and shape beside
them; no pickle anywhere.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import ClassVar

import msgpack

PROTOCOL_VERSION = 1

# A local run's messages are a few hundred bytes (a traceback is the largest).
# Table deltas for remote workers (``sync``) are larger; their receiver passes
# its own cap to decode().
MAX_MESSAGE_BYTES = 1024 * 1024
MAX_TEXT_CHARS = 64 * 1024  # tracebacks, stderr tails and names stay readable

# Which side may send which kind; decoders check the direction too.
FROM_WORKER = "worker"
FROM_SUPERVISOR = "supervisor"

NO_BATCH = -1  # batch_id when a message is about no batch

# dtypes a ``sync`` payload may carry (tables are float32; float64 for sums)
SYNC_DTYPES = ("float32", "float64")


class ProtocolError(ValueError):
    """A message that does not follow this protocol; log it and drop it."""


def _min(value: int | float) -> dict:
    return {"min": value}


@dataclass(frozen=True)
class Message:
    TYPE: ClassVar[str] = ""
    SENDERS: ClassVar[tuple[str, ...]] = ()


# ----------------------------------------------------------------- worker -> supervisor


@dataclass(frozen=True)
class Hello(Message):
    """First message of a worker: who it is.

    ``attempt`` counts starts of the slot; 0 marks a standby worker, started
    ahead of need to replace a failed one at once.
    """

    TYPE: ClassVar[str] = "hello"
    SENDERS: ClassVar[tuple[str, ...]] = (FROM_WORKER,)
    slot: int = field(metadata=_min(0))
    attempt: int = field(metadata=_min(0))
    pid: int = field(metadata=_min(1))
    host: str


@dataclass(frozen=True)
class Heartbeat(Message):
    """Liveness only (both directions); ``slot`` is -1 when the supervisor sends it."""

    TYPE: ClassVar[str] = "heartbeat"
    SENDERS: ClassVar[tuple[str, ...]] = (FROM_WORKER, FROM_SUPERVISOR)
    slot: int = field(metadata=_min(-1))


@dataclass(frozen=True)
class Progress(Message):
    """A worker's phase (``loading``, ``compiling``, ``ready``, ``running``) and batch progress."""

    TYPE: ClassVar[str] = "progress"
    SENDERS: ClassVar[tuple[str, ...]] = (FROM_WORKER,)
    PHASES: ClassVar[tuple[str, ...]] = ("loading", "compiling", "ready", "running")
    slot: int = field(metadata=_min(0))
    phase: str
    batch_id: int = field(metadata=_min(NO_BATCH))
    iterations_done: int = field(metadata=_min(0))

    def __post_init__(self) -> None:
        if self.phase not in self.PHASES:
            raise ProtocolError(f"progress.phase: expected one of {self.PHASES}, got {self.phase!r}")


@dataclass(frozen=True)
class Result(Message):
    """A finished batch; checked against what was assigned before it counts."""

    TYPE: ClassVar[str] = "result"
    SENDERS: ClassVar[tuple[str, ...]] = (FROM_WORKER,)
    slot: int = field(metadata=_min(0))
    batch_id: int = field(metadata=_min(0))
    first_iteration: int = field(metadata=_min(0))
    iterations: int = field(metadata=_min(0))
    nodes_visited: int = field(metadata=_min(0))
    seconds: float = field(metadata=_min(0.0))


@dataclass(frozen=True)
class Error(Message):
    """An exception in a worker: its type, message and traceback."""

    TYPE: ClassVar[str] = "error"
    SENDERS: ClassVar[tuple[str, ...]] = (FROM_WORKER,)
    slot: int = field(metadata=_min(0))
    batch_id: int = field(metadata=_min(NO_BATCH))
    exc_type: str
    message: str
    traceback: str


# ----------------------------------------------------------------- supervisor -> worker


@dataclass(frozen=True)
class Welcome(Message):
    """Everything a local worker needs to attach to the run.

    ``config_path``/``buckets_path`` name files on this host ("" for no bucket
    file); the tables are two shared-memory segments of ``table_size`` float32.
    """

    TYPE: ClassVar[str] = "welcome"
    SENDERS: ClassVar[tuple[str, ...]] = (FROM_SUPERVISOR,)
    run_id: str
    config_path: str
    buckets_path: str
    regret_segment: str
    strategy_segment: str
    table_size: int = field(metadata=_min(0))
    heartbeat_interval: float = field(metadata=_min(0.001))
    liveness: int = field(metadata=_min(1))


@dataclass(frozen=True)
class Batch(Message):
    """Run ``iterations`` MCCFR iterations from ``first_iteration`` with ``seed``.

    ``batch_start`` is the first iteration of the batch's cell on the batch
    grid (it anchors the deal chunks; it differs from ``first_iteration``
    only when a resumed run finishes a batch that was cut short).
    ``scratch`` batches run on private zero tables and never touch the shared
    ones: the start-up check uses one to load and compile the kernel.
    """

    TYPE: ClassVar[str] = "batch"
    SENDERS: ClassVar[tuple[str, ...]] = (FROM_SUPERVISOR,)
    batch_id: int = field(metadata=_min(0))
    first_iteration: int = field(metadata=_min(0))
    iterations: int = field(metadata=_min(1))
    batch_start: int = field(metadata=_min(0))
    seed: int = field(metadata=_min(0))
    scratch: bool

    def __post_init__(self) -> None:
        if self.batch_start > self.first_iteration:
            raise ProtocolError(f"batch.batch_start {self.batch_start} is after first_iteration {self.first_iteration}")


@dataclass(frozen=True)
class Sync(Message):
    """Table changes for a remote worker: raw bytes with dtype and shape beside them."""

    TYPE: ClassVar[str] = "sync"
    SENDERS: ClassVar[tuple[str, ...]] = (FROM_SUPERVISOR,)
    table: str
    dtype: str
    shape: list
    data: bytes

    def __post_init__(self) -> None:
        if self.table not in ("regret", "strategy"):
            raise ProtocolError(f"sync.table: expected 'regret' or 'strategy', got {self.table!r}")
        if self.dtype not in SYNC_DTYPES:
            raise ProtocolError(f"sync.dtype: expected one of {SYNC_DTYPES}, got {self.dtype!r}")
        if not all(type(d) is int and d >= 0 for d in self.shape):
            raise ProtocolError(f"sync.shape: expected non-negative ints, got {self.shape!r}")
        count = 1
        for d in self.shape:
            count *= d
        itemsize = 4 if self.dtype == "float32" else 8
        if count * itemsize != len(self.data):
            raise ProtocolError(
                f"sync.data: {len(self.data)} bytes do not match shape {self.shape} of {self.dtype}"
            )


@dataclass(frozen=True)
class Pause(Message):
    """Finish the batch in hand and wait (discounting or a snapshot is due)."""

    TYPE: ClassVar[str] = "pause"
    SENDERS: ClassVar[tuple[str, ...]] = (FROM_SUPERVISOR,)
    reason: str


@dataclass(frozen=True)
class Stop(Message):
    """Exit now; the run no longer needs this worker."""

    TYPE: ClassVar[str] = "stop"
    SENDERS: ClassVar[tuple[str, ...]] = (FROM_SUPERVISOR,)
    reason: str


MESSAGE_TYPES: dict[str, type[Message]] = {
    cls.TYPE: cls for cls in (Hello, Heartbeat, Progress, Result, Error, Welcome, Batch, Sync, Pause, Stop)
}

_ENVELOPE = ("type", "v")


def encode(message: Message) -> bytes:
    """One msgpack map: the envelope plus the message's fields."""
    body = {"type": message.TYPE, "v": PROTOCOL_VERSION}
    for f in dataclasses.fields(message):
        body[f.name] = getattr(message, f.name)
    return msgpack.packb(body, use_bin_type=True)


def _reject_ext(code: int, data: bytes):
    raise ProtocolError(f"ext type {code} is not allowed")


def _check_field(kind: str, f: dataclasses.Field, value) -> None:
    where = f"{kind}.{f.name}"
    expected = f.type if isinstance(f.type, str) else f.type.__name__
    # bool is a subclass of int in Python; on the wire they are different things
    ok = {
        "int": type(value) is int,
        "float": type(value) is float,
        "str": type(value) is str,
        "bool": type(value) is bool,
        "bytes": type(value) is bytes,
        "list": type(value) is list,
    }.get(expected)
    if ok is None:  # pragma: no cover - a programming error in this module
        raise TypeError(f"{where}: unsupported field type {expected!r}")
    if not ok:
        raise ProtocolError(f"{where}: expected {expected}, got {type(value).__name__}")
    if expected == "str" and len(value) > MAX_TEXT_CHARS:
        raise ProtocolError(f"{where}: text longer than {MAX_TEXT_CHARS} characters")
    low = f.metadata.get("min")
    if low is not None and value < low:
        raise ProtocolError(f"{where}: expected at least {low}, got {value!r}")


def decode(data: bytes, sender: str, max_bytes: int = MAX_MESSAGE_BYTES) -> Message:
    """Parse one frame from ``sender`` (FROM_WORKER or FROM_SUPERVISOR) strictly.

    Raises :class:`ProtocolError` naming the fault for anything that is not a
    well-formed message of a kind that ``sender`` may send.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ProtocolError(f"expected bytes, got {type(data).__name__}")
    if len(data) > max_bytes:
        raise ProtocolError(f"message of {len(data)} bytes exceeds the cap of {max_bytes}")
    try:
        body = msgpack.unpackb(
            data,
            raw=False,
            use_list=True,
            strict_map_key=True,
            ext_hook=_reject_ext,
            timestamp=0,
        )
    except ProtocolError:
        raise
    except Exception as exc:  # msgpack raises several unrelated exception types
        raise ProtocolError(f"not a msgpack message: {type(exc).__name__}: {exc}") from None
    if not isinstance(body, dict):
        raise ProtocolError(f"expected a map, got {type(body).__name__}")
    kind = body.get("type")
    if type(kind) is not str or kind not in MESSAGE_TYPES:
        raise ProtocolError(f"unknown message type {kind!r}")
    version = body.get("v")
    if type(version) is not int or version != PROTOCOL_VERSION:
        raise ProtocolError(f"{kind}: protocol version {version!r}, expected {PROTOCOL_VERSION}")
    cls = MESSAGE_TYPES[kind]
    if sender not in cls.SENDERS:
        raise ProtocolError(f"{kind}: not a message a {sender} may send")
    fields = dataclasses.fields(cls)
    names = {f.name for f in fields}
    unknown = set(body) - names - set(_ENVELOPE)
    if unknown:
        raise ProtocolError(f"{kind}: unknown fields {sorted(unknown)}")
    missing = names - set(body)
    if missing:
        raise ProtocolError(f"{kind}: missing fields {sorted(missing)}")
    for f in fields:
        _check_field(kind, f, body[f.name])
    try:
        return cls(**{f.name: body[f.name] for f in fields})
    except ProtocolError:
        raise
    except Exception as exc:  # pragma: no cover - __post_init__ only raises ProtocolError
        raise ProtocolError(f"{kind}: {exc}") from None
