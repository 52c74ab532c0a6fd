"""The wire format between the supervisor and its workers (docs/architecture.md, "The wire").

Every message is one msgpack map carrying ``type`` (the message kind) and
``v`` (the protocol version) beside the message's own fields.  Each kind is a
frozen dataclass here; both sides import this module, so the two ends cannot
drift apart.

Worker to supervisor: ``hello``, ``heartbeat``, ``progress``, ``result``,
``error``.  Supervisor to worker: ``welcome``, ``batch`` (one batch of the
grid), ``group`` (consecutive grid batches, run in order, one result),
``pause``, ``stop`` and ``heartbeat`` (heartbeats flow both ways, as in the zguide's Paranoid
Pirate pattern).  Remote workers (:mod:`worker.remote`) join with ``join``,
``offer``, ``terms`` (or ``refuse``), receive and acknowledge ``tables``
parts (``ack``), and send their own ``changes``.

Decoding is strict, because a message is untrusted input that must never
crash the supervisor nor reach the tables: a size cap, no ext types, known
kinds only, exactly the declared fields, each of the declared type and range.
msgpack's own decode limits bound every string, byte string, array and map
before it is built.  Anything else raises :class:`ProtocolError`, which
callers log and drop.  Table payloads (``tables``, ``changes``) are raw bytes
whose meaning is fixed by :mod:`worker.sync` (values in each table's dtype, gap-coded
indices, zlib), which checks them in turn; no pickle anywhere.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import ClassVar

import msgpack

# 2: remote workers (join, offer, terms, refuse, tables, ack, changes); 3: welcome.table_mode; 4: group
PROTOCOL_VERSION = 5

# A local run's messages are a few hundred bytes (a traceback is the largest).
# Table parts for remote workers are larger (worker.sync.PART_ENTRIES entries
# of values and indices, at most ~1 MiB); their receivers pass this cap to
# decode() and set it as the socket's ZMQ_MAXMSGSIZE.
MAX_MESSAGE_BYTES = 1024 * 1024
MAX_REMOTE_MESSAGE_BYTES = 3 * 1024 * 1024
MAX_TEXT_CHARS = 64 * 1024  # tracebacks, stderr tails and configs stay readable
MAX_NAME_CHARS = 128  # worker names and host names
MAX_LIST_ITEMS = 4096  # batch lists in a sync
MAX_THREADS = 1024  # kernel threads of one remote host
MAX_MAP_ITEMS = 32  # the largest message has fewer fields

# Which side may send which kind; decoders check the direction too.
FROM_WORKER = "worker"
FROM_SUPERVISOR = "supervisor"

NO_BATCH = -1  # batch_id when a message is about no batch

TABLE_NAMES = ("regret", "strategy")
TABLE_MODES = ("shared", "private")  # how a local worker uses the shared tables (welcome.table_mode)


class ProtocolError(ValueError):
    """A message that does not follow this protocol; log it and drop it."""


def _min(value: int | float) -> dict:
    return {"min": value}


def _text(max_chars: int) -> dict:
    return {"max_chars": max_chars}


def _ints(max_items: int) -> dict:
    """A list of non-negative ints."""
    return {"items": "int", "max_items": max_items}


def _check_part(message) -> None:
    if message.table not in TABLE_NAMES:
        raise ProtocolError(f"{message.TYPE}.table: expected one of {TABLE_NAMES}, got {message.table!r}")
    if message.part >= message.parts:
        raise ProtocolError(f"{message.TYPE}.part {message.part} is not below parts {message.parts}")


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
    """A finished batch or group (``iterations``: all of its batches); checked against what was assigned."""

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
    file); the tables are two shared-memory segments of ``table_size`` entries
    (regret float32, strategy float64).
    ``table_mode`` "shared": update them in place; "private": run each batch on
    a private copy and merge it under an exclusive flock of ``lock_path``
    (see :mod:`worker.private`).  ``tree_segment`` (Hold'em; "" otherwise) holds
    the supervisor's betting tree, laid out as the JSON ``tree_layout`` says
    (:func:`worker.shm.pack_layout`), so workers neither build nor copy it.
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
    table_mode: str = field(default="shared", metadata=_text(16))
    lock_path: str = ""
    tree_segment: str = ""
    tree_layout: str = ""

    def __post_init__(self) -> None:
        if self.table_mode not in TABLE_MODES:
            raise ProtocolError(f"welcome.table_mode: expected one of {TABLE_MODES}, got {self.table_mode!r}")
        if self.table_mode == "private" and not self.lock_path:
            raise ProtocolError("welcome.lock_path: private tables need the run's lock file")
        if bool(self.tree_segment) != bool(self.tree_layout):
            raise ProtocolError("welcome.tree_segment and welcome.tree_layout come together")


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
class Group(Message):
    """Run the grid batches ``batch_id .. batch_id + batches - 1`` in order; one result for all of them.

    Together they cover iterations ``[first_iteration, first_iteration +
    iterations)`` of the grid of ``batch_size``-iteration cells; grid batch
    ``k`` runs its part of that range, anchored at its own cell and seeded
    ``batch_seed(run_seed, k)`` (:meth:`parts`), the in-process trainer's
    seed of that batch (:func:`holdem.mccfr.solver.batch_seed`; the worker
    derives it, so the message stays small however many batches it holds).
    Only the first batch may start inside its cell (a resumed run finishing a
    cut batch) and only the last may end inside its cell (the run's target),
    so every batch runs exactly as it would alone.  The result names
    ``batch_id``, ``first_iteration`` and ``iterations`` of the whole group.
    """

    TYPE: ClassVar[str] = "group"
    SENDERS: ClassVar[tuple[str, ...]] = (FROM_SUPERVISOR,)
    batch_id: int = field(metadata=_min(0))
    batches: int = field(metadata=_min(1))
    first_iteration: int = field(metadata=_min(0))
    iterations: int = field(metadata=_min(1))
    batch_size: int = field(metadata=_min(1))
    run_seed: int = field(metadata=_min(0))

    def __post_init__(self) -> None:
        cell = self.batch_id * self.batch_size
        end = self.first_iteration + self.iterations
        if not cell <= self.first_iteration < cell + self.batch_size:
            raise ProtocolError(f"group.first_iteration {self.first_iteration} is outside batch {self.batch_id}'s "
                                f"cell [{cell}, {cell + self.batch_size})")
        last = self.batch_id + self.batches - 1
        if not last * self.batch_size < end <= (last + 1) * self.batch_size:
            raise ProtocolError(f"group: iterations up to {end} do not end in the cell of its last batch {last}")

    def parts(self, seed_of) -> list[Batch]:
        """The group's grid batches, each as the ``batch`` that runs it alone; ``seed_of(run_seed, k)`` seeds
        batch ``k``."""
        end = self.first_iteration + self.iterations
        out = []
        for k in range(self.batch_id, self.batch_id + self.batches):
            cell = k * self.batch_size
            first = max(cell, self.first_iteration)
            out.append(Batch(batch_id=k, first_iteration=first, iterations=min(cell + self.batch_size, end) - first,
                             batch_start=cell, seed=seed_of(self.run_seed, k), scratch=False))
        return out


@dataclass(frozen=True)
class Pause(Message):
    """Sync now (remote workers): the run needs the finished batches in (a snapshot, the stop, no work left)."""

    TYPE: ClassVar[str] = "pause"
    SENDERS: ClassVar[tuple[str, ...]] = (FROM_SUPERVISOR,)
    reason: str


@dataclass(frozen=True)
class Stop(Message):
    """Exit now; the run no longer needs this worker."""

    TYPE: ClassVar[str] = "stop"
    SENDERS: ClassVar[tuple[str, ...]] = (FROM_SUPERVISOR,)
    reason: str


# ----------------------------------------------------------------- remote workers (CURVE; own copy of the tables)
#
# A remote worker joins (join -> offer -> terms -> tables... -> progress "ready"), then works as a local one
# (batch, heartbeat, progress, result, error) and syncs its copy of the tables now and then
# (changes... -> tables...); see worker/sync.py for what the table parts hold.


@dataclass(frozen=True)
class Join(Message):
    """A remote worker's first message (its CURVE key already told the authenticator who it is)."""

    TYPE: ClassVar[str] = "join"
    SENDERS: ClassVar[tuple[str, ...]] = (FROM_WORKER,)
    name: str = field(metadata=_text(MAX_NAME_CHARS))
    host: str = field(metadata=_text(MAX_NAME_CHARS))
    pid: int = field(metadata=_min(1))
    threads: int = field(metadata={"min": 1, "max": MAX_THREADS})  # kernel threads: batches it takes at once


@dataclass(frozen=True)
class Offer(Message):
    """The run's terms: the config to build the game from (JSON) and what the worker must arrive at."""

    TYPE: ClassVar[str] = "offer"
    SENDERS: ClassVar[tuple[str, ...]] = (FROM_SUPERVISOR,)
    slot: int = field(metadata=_min(0))
    run_id: str
    config: str
    config_hash: str
    game: str
    abstraction_hash: str
    table_size: int = field(metadata=_min(0))
    heartbeat_interval: float = field(metadata=_min(0.001))
    liveness: int = field(metadata=_min(1))
    sync_interval: float = field(metadata=_min(0.0))  # unasked (no pause) this long, a host syncs on its own
    private_tables_max_bytes: int = field(metadata=_min(0))  # up to this size, threads train on copies


@dataclass(frozen=True)
class Terms(Message):
    """What the worker built from the offer; the supervisor compares it with its own before sending tables."""

    TYPE: ClassVar[str] = "terms"
    SENDERS: ClassVar[tuple[str, ...]] = (FROM_WORKER,)
    slot: int = field(metadata=_min(0))
    config_hash: str
    game: str
    abstraction_hash: str
    table_size: int = field(metadata=_min(0))


@dataclass(frozen=True)
class Refuse(Message):
    """The supervisor will not (or no longer) work with this worker; ``retry``: joining again may help.

    Sent with the supervisor's protocol version; :func:`refusal_reason` reads it whatever the version.
    """

    TYPE: ClassVar[str] = "refuse"
    SENDERS: ClassVar[tuple[str, ...]] = (FROM_SUPERVISOR,)
    reason: str
    retry: bool


@dataclass(frozen=True)
class TablePart(Message):
    """Entries of the run's tables for a remote worker: the allocated ones on joining, the changed blocks
    after a sync (:mod:`worker.sync`).

    ``stream`` numbers the transfers to one worker (0: the join); ``answers``
    is the sync it answers (0: none); ``digest`` is "" except in the last
    part, where it is the SHA-256 of the stream's parts
    (:class:`worker.sync.StreamDigest`).
    """

    TYPE: ClassVar[str] = "tables"
    SENDERS: ClassVar[tuple[str, ...]] = (FROM_SUPERVISOR,)
    slot: int = field(metadata=_min(0))
    stream: int = field(metadata=_min(0))
    answers: int = field(metadata=_min(0))
    part: int = field(metadata=_min(0))
    parts: int = field(metadata=_min(1))
    digest: str = field(metadata=_text(64))
    table: str
    start: int = field(metadata=_min(0))
    count: int = field(metadata=_min(0))
    indices: bytes
    values: bytes

    def __post_init__(self) -> None:
        _check_part(self)


@dataclass(frozen=True)
class Ack(Message):
    """A remote worker got ``part`` of ``stream`` (the supervisor keeps only a few parts in flight)."""

    TYPE: ClassVar[str] = "ack"
    SENDERS: ClassVar[tuple[str, ...]] = (FROM_WORKER,)
    slot: int = field(metadata=_min(0))
    stream: int = field(metadata=_min(0))
    part: int = field(metadata=_min(0))


@dataclass(frozen=True)
class ChangePart(Message):
    """Part of a remote worker's sync: the (value, base) pairs of the entries it changed, and the batches
    they hold."""

    TYPE: ClassVar[str] = "changes"
    SENDERS: ClassVar[tuple[str, ...]] = (FROM_WORKER,)
    slot: int = field(metadata=_min(0))
    sync_id: int = field(metadata=_min(1))
    part: int = field(metadata=_min(0))
    parts: int = field(metadata=_min(1))
    batches: list = field(metadata=_ints(MAX_LIST_ITEMS))
    table: str
    start: int = field(metadata=_min(0))
    count: int = field(metadata=_min(0))
    indices: bytes
    values: bytes
    bases: bytes

    def __post_init__(self) -> None:
        _check_part(self)


MESSAGE_TYPES: dict[str, type[Message]] = {
    cls.TYPE: cls for cls in (Hello, Heartbeat, Progress, Result, Error, Welcome, Batch, Group, Pause, Stop,
                              Join, Offer, Terms, Refuse, TablePart, Ack, ChangePart)
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
    if expected == "str":
        limit = f.metadata.get("max_chars", MAX_TEXT_CHARS)
        if len(value) > limit:
            raise ProtocolError(f"{where}: text longer than {limit} characters")
    if expected == "list":
        limit = f.metadata.get("max_items", MAX_LIST_ITEMS)
        if len(value) > limit:
            raise ProtocolError(f"{where}: more than {limit} items")
        if f.metadata.get("items") == "int" and not all(type(v) is int and v >= 0 for v in value):
            raise ProtocolError(f"{where}: expected non-negative ints")
    low = f.metadata.get("min")
    if low is not None and value < low:
        raise ProtocolError(f"{where}: expected at least {low}, got {value!r}")
    high = f.metadata.get("max")
    if high is not None and value > high:
        raise ProtocolError(f"{where}: expected at most {high}, got {value!r}")


def _unpack(data: bytes, max_bytes: int):
    """msgpack with every container and string bounded before it is built."""
    return msgpack.unpackb(
        data,
        raw=False,
        use_list=True,
        strict_map_key=True,
        ext_hook=_reject_ext,
        timestamp=0,
        max_str_len=4 * MAX_TEXT_CHARS,  # UTF-8 bytes
        max_bin_len=max_bytes,
        max_array_len=MAX_LIST_ITEMS,
        max_map_len=MAX_MAP_ITEMS,
    )


def peek(data: bytes) -> tuple[object, object]:
    """(type, v) of a frame that may be of another protocol version; (None, None) if it is no map."""
    try:
        body = _unpack(data, MAX_REMOTE_MESSAGE_BYTES) if len(data) <= MAX_REMOTE_MESSAGE_BYTES else None
    except Exception:
        return None, None
    if not isinstance(body, dict):
        return None, None
    return body.get("type"), body.get("v")


def refusal_reason(data: bytes) -> str | None:
    """The reason of a ``refuse`` in any protocol version, so a worker can say why it was turned away."""
    try:
        body = _unpack(data, MAX_MESSAGE_BYTES) if len(data) <= MAX_MESSAGE_BYTES else None
    except Exception:
        return None
    if isinstance(body, dict) and body.get("type") == Refuse.TYPE and isinstance(body.get("reason"), str):
        return body["reason"][:MAX_TEXT_CHARS]
    return None


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
        body = _unpack(data, max_bytes)
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
