"""A worker on another host: joins a run over CURVE, trains on its own copy of the tables, syncs.

``holdem-worker --connect tcp://HOST:PORT --server-key server.key --key me.key_secret [--name NAME] [--threads N]``

One process per host: ``--threads N`` kernel threads (default: the host's
cores) train on one copy of the tables (:class:`worker.host_tables.HostTables`),
lock-free between themselves as local workers are, each on its own batch.

A session (docs/architecture.md, "The wire"; messages in :mod:`worker.protocol`):

1. ``join`` (name, host, pid); the supervisor's authenticator has already
   checked this host's CURVE key;
2. the supervisor's ``offer``: the run's config (JSON), its hash, the game,
   the abstraction hash, the table size and the run's timings;
3. the worker builds the game from that config (and its own bucket file for
   Hold'em) and answers ``terms``: what it arrived at.  The supervisor
   compares and either refuses, saying what differs, or sends the tables in
   ``tables`` parts (acknowledged one by one, hash-checked at the end);
4. ``progress ready``; then ``batch`` / ``result`` as a local worker, up to one
   batch per kernel thread, with heartbeats (and each running batch's
   progress) both ways from this (I/O) thread while the kernels run;
5. every ``sync_interval`` seconds (or when the supervisor pauses for a
   snapshot or a stop), a sync: ``changes`` (the (value, base) pairs of the
   entries this host changed, and the batches finished since the last sync),
   then the supervisor's answer in ``tables`` parts (:mod:`worker.sync`).
   The kernel threads train on meanwhile: they are held still only while the
   changes are read out of the tables and while the answer is written in
   (a lock for threads on private copies of small tables, else
   :class:`worker.gate.Gate`, between two deal chunks).  Threads training in
   place may have sent part of a batch still running; if the host is lost
   before that batch is named in a sync, the batch runs again and that part
   counts twice, as for a local worker killed in shared mode.

When the supervisor goes silent for its liveness window the session is
over: the worker drops its copy and joins again, after 1 s, then 2, 4, ... up
to 32 s between attempts (the zguide's Paranoid Pirate).  Work done since the
last sync is lost with the session, by design: the supervisor counts a
batch only when its changes have arrived, and issues it again otherwise.
``stop`` ends the process (exit 0); a refusal that joining again cannot cure
(other protocol version, config or abstraction; a rejected key) ends it with
the reason and a non-zero exit.
"""
from __future__ import annotations

import json
import os
import queue
import socket as pysocket
import sys
import threading
import time
import traceback
from collections import deque
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import zmq
from zmq.utils.monitor import recv_monitor_message

from holdem.mccfr.tables import ENTRY_BYTES
from worker import protocol as p
from worker.engine import TrackedSolver
from worker.faults import EXIT_MID_BATCH_CODE, Fault, active_fault
from worker.gate import Gate
from worker.host_tables import HostTables
from worker.loop import JobThread, serve, wake_socket
from worker.private import PrivateTables
from worker.sync import StreamDigest, SyncError, decode_part, empty_part

EXIT_STOPPED = 0
EXIT_REFUSED = 5  # refused for good: other protocol version, config or abstraction, or too many bad messages
EXIT_AUTH = 6  # the supervisor's authenticator rejected this key
EXIT_LOAD = 7  # the game cannot be built on this host (config or bucket file)
EXIT_GAVE_UP = 8  # --retry-for passed without a session

BACKOFF_INITIAL = 1.0  # seconds before the first reconnection; doubles up to BACKOFF_MAX
BACKOFF_MAX = 32.0
JOIN_TIMEOUT = 10.0  # seconds to wait for the offer (before the run's own liveness is known)
DIGEST_MAX_ENTRIES = 4_000_000  # on a stop, say the SHA-256 of tables up to this size (a check of the last sync)
_AUTH_FAILED = zmq.EVENT_HANDSHAKE_FAILED_AUTH
_HANDSHAKE_FAILED = zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL | zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL


@dataclass(frozen=True)
class Credentials:
    """Z85 CURVE keys: the supervisor's public key and this worker's pair."""

    server_public: bytes
    public: bytes
    secret: bytes


def load_credentials(server_key: str | os.PathLike, key: str | os.PathLike) -> tuple[Credentials, list[str]]:
    """Read ``--server-key`` (public) and ``--key`` (this host's secret); returns (credentials, warnings).

    Raises :class:`worker.keys.KeyFileError` naming the file and the fix.
    """
    from worker.keys import load_key_pair, load_public_key, secret_mode_warning

    server_public = load_public_key(server_key)
    public, secret = load_key_pair(key)
    warning = secret_mode_warning(key)
    return Credentials(server_public, public, secret), [warning] if warning else []


# ----------------------------------------------------------------- the game and the kernel


def build_game(offer: p.Offer, buckets: Path | None):
    """The config of an offer and the game it gives on this host (as the supervisor builds it)."""
    from holdem.config import config_from_dict
    from holdem.games.registry import make_game

    try:
        raw = json.loads(offer.config)
    except ValueError as exc:
        raise ValueError(f"the run's config is not JSON: {exc}") from None
    config = config_from_dict(raw, where="the run's config")
    return config, make_game(config, str(buckets) if buckets else None)


@dataclass(frozen=True)
class Built:
    """What this host built from an offer: compared by the supervisor before it sends the tables."""

    config_hash: str
    game: str
    abstraction_hash: str
    table_size: int


class Lane(TrackedSolver):
    """One kernel thread's solver over the host's tables (passing ``gate`` between chunks), or over its
    private copy of small ones."""

    def __init__(self, solver, private: PrivateTables | None, gate: Gate | None) -> None:
        self.solver = solver
        self.private = private
        self.gate = gate
        if gate is not None:
            solver.pause_point = gate.point

    def run(self, work: p.Batch | p.Group) -> tuple[int, int, float]:
        if self.gate is None:
            return super().run(work)
        self.gate.enter()
        try:
            return super().run(work)
        finally:
            self.gate.leave()


class Engine:
    """The game, and one solver per kernel thread, all on this host's one copy of the tables."""

    def __init__(self, buckets: Path | None, game_builder: Callable = build_game) -> None:
        self.buckets = buckets
        self.game_builder = game_builder
        self.config = self.game = None
        self.lanes: list[Lane] = []
        self.private = False  # small tables: each thread trains on a copy, merged under self.lock
        self.lock = threading.Lock()  # held to write the host's tables, when the threads use copies
        self.gate = Gate()  # passed by threads training the host's tables in place
        self._built_for: tuple[str, str] | None = None

    def load(self, offer: p.Offer) -> Built:
        from holdem.config import config_hash

        # a reconnection to the same run keeps the game (a Hold'em bucket file takes a while to load)
        if self._built_for != (offer.config_hash, offer.abstraction_hash):
            self.config, self.game = self.game_builder(offer, self.buckets)
            self._built_for = (offer.config_hash, offer.abstraction_hash)
        return Built(config_hash(self.config), self.game.name, self.game.abstraction_hash,
                     int(self.game.layout.size))

    def attach(self, copy: HostTables, threads: int, private_max_bytes: int) -> None:
        from holdem.mccfr.solver import Solver
        from holdem.mccfr.tables import Tables

        # small tables shared in place thrash the cores' caches, as for local workers (worker.private)
        self.private = copy.size * ENTRY_BYTES <= private_max_bytes
        self.lanes = []
        for _ in range(threads):
            if self.private:
                private = PrivateTables(copy.regret, copy.strategy, self.lock, copy.tracking())
                solver = Solver(self.game, self.config.solver, Tables(private.regret, private.strategy))
                self.lanes.append(Lane(solver, private, None))
            else:
                solver = Solver(self.game, self.config.solver, Tables(copy.regret, copy.strategy))
                solver.track(copy.tracking())  # each thread logs its writes in its own log, lock-free
                self.lanes.append(Lane(solver, None, self.gate))

    def tables_lock(self) -> AbstractContextManager:
        """Held while the I/O thread reads or writes the host's tables: the lock the threads merge their
        copies under, or the gate that holds the threads training in place still between two chunks."""
        return self.lock if self.private else self.gate.held()

    def run(self, lane: int, work: p.Batch) -> tuple[int, int, float]:
        return self.lanes[lane].run(work)

    def iterations_done(self, lane: int, batch_id: int) -> int:
        return self.lanes[lane].iterations_done(batch_id)

class Kernel:
    """``threads`` job threads sharing one queue of jobs (load, attach, batches), off the I/O thread;
    each outcome is (session, tag, value, error).  Load and attach are submitted one at a time, and a
    batch only to a free lane, so at most one job per thread is ever waiting."""

    def __init__(self, context: zmq.Context, wake_endpoint: str, threads: int) -> None:
        self.inbox: queue.Queue = queue.Queue()
        self.outbox: queue.Queue = queue.Queue()
        self.threads = [JobThread(context, wake_endpoint, self.inbox, self.outbox, name=f"kernel-{i}")
                        for i in range(threads)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def submit(self, session: int, tag: str, job: Callable, *args) -> None:
        self.inbox.put(lambda emit: emit(_outcome(session, tag, job, args)))


def _outcome(session: int, tag: str, job: Callable, args) -> tuple:
    try:
        return session, tag, job(*args), None
    except Exception as exc:
        return session, tag, None, (type(exc).__name__, str(exc)[: p.MAX_TEXT_CHARS],
                                    traceback.format_exc()[-p.MAX_TEXT_CHARS:])


# ----------------------------------------------------------------- sessions


@dataclass
class End:
    """How a session ended: ``stop``, ``lost``, ``refused``, ``auth`` or ``load``."""

    kind: str
    reason: str = ""
    retry: bool = True
    joined: bool = False  # the session got as far as training: the backoff starts over


@dataclass
class _Stream:
    """A transfer of table parts in progress."""

    stream: int
    answers: int
    parts: int
    got: int = 0  # parts applied
    entries: int = 0
    nbytes: int = 0
    digest: StreamDigest = field(default_factory=StreamDigest)


@dataclass
class _Session:
    number: int
    offer: p.Offer | None = None
    slot: int = -1
    state: str = "joining"  # joining -> loading -> checking -> receiving -> attaching -> ready
    copy: HostTables | None = None
    stream: _Stream | None = None
    queue: deque = field(default_factory=deque)  # batches waiting for a kernel thread
    running: dict = field(default_factory=dict)  # lane -> the batch it runs
    reported_done: dict = field(default_factory=dict)  # batch id -> iterations reported
    unsynced: list = field(default_factory=list)  # finished batches whose changes are not sent yet
    sync_id: int = 0
    syncing: bool = False
    sync_wanted: bool = False
    sync_began: float = 0.0
    sync_sent_bytes: int = 0
    sync_sent_entries: int = 0
    last_sync: float = 0.0
    syncs: int = 0
    batches: int = 0
    fault: Fault | None = None  # test-only misbehaviour (worker.faults)


class RemoteWorker:
    """The I/O loop of a remote worker: sessions, reconnection with backoff, the sync protocol."""

    def __init__(self, endpoint: str, credentials: Credentials | None, name: str, buckets: Path | None = None,
                 game_builder: Callable = build_game, backoff_initial: float = BACKOFF_INITIAL,
                 backoff_max: float = BACKOFF_MAX, join_timeout: float = JOIN_TIMEOUT,
                 retry_for: float | None = None, out=None, threads: int = 1) -> None:
        self.endpoint = endpoint
        self.threads = threads
        self.credentials = credentials
        self.name = name
        self.engine = Engine(buckets, game_builder)
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.join_timeout = join_timeout
        self.retry_for = retry_for
        self.out = out if out is not None else sys.stderr
        self.sessions = 0

    def say(self, text: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        print(f"{stamp} holdem-worker[{self.name}] {text}", file=self.out, flush=True)

    def run(self) -> int:
        context = zmq.Context()
        wake_endpoint = f"inproc://remote-kernel-{os.getpid()}"
        wake = wake_socket(context, wake_endpoint)
        kernel = Kernel(context, wake_endpoint, self.threads)
        kernel.start()
        try:
            return self._sessions(context, wake, kernel)
        finally:
            wake.close()
            context.destroy(linger=0)

    def _sessions(self, context: zmq.Context, wake: zmq.Socket, kernel: Kernel) -> int:
        backoff = self.backoff_initial
        began = time.monotonic()
        while True:
            end = self._session(context, wake, kernel)
            if end.kind == "stop":
                self.say(f"stopped by the supervisor ({end.reason})")
                return EXIT_STOPPED
            if end.kind == "auth":
                self.say(f"refused: {end.reason}")
                return EXIT_AUTH
            if end.kind == "load":
                self.say(f"cannot build the run's game here: {end.reason}")
                return EXIT_LOAD
            if end.kind == "refused" and not end.retry:
                self.say(f"refused by the supervisor: {end.reason}")
                return EXIT_REFUSED
            if end.joined:
                backoff = self.backoff_initial
                began = time.monotonic()
            if self.retry_for is not None and time.monotonic() - began + backoff > self.retry_for:
                self.say(f"{end.reason}; no session for {self.retry_for:g} s, giving up")
                return EXIT_GAVE_UP
            self.say(f"{end.reason}; joining again in {backoff:g} s")
            time.sleep(backoff)
            backoff = min(backoff * 2, self.backoff_max)

    # ------------------------------------------------------------ one session

    def _open(self, context: zmq.Context) -> tuple[zmq.Socket, zmq.Socket]:
        sock = context.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.MAXMSGSIZE, p.MAX_REMOTE_MESSAGE_BYTES)
        if self.credentials is not None:
            sock.curve_serverkey = self.credentials.server_public
            sock.curve_publickey = self.credentials.public
            sock.curve_secretkey = self.credentials.secret
        monitor = sock.get_monitor_socket(_AUTH_FAILED | _HANDSHAKE_FAILED)
        sock.connect(self.endpoint)
        return sock, monitor

    def _session(self, context: zmq.Context, wake: zmq.Socket, kernel: Kernel) -> End:
        self.sessions += 1
        s = _Session(self.sessions)
        sock, monitor = self._open(context)
        self.say(f"joining {self.endpoint}")
        self._send(sock, p.Join(self.name, pysocket.gethostname()[: p.MAX_NAME_CHARS], os.getpid(), self.threads))

        def window() -> float:
            return s.offer.heartbeat_interval * s.offer.liveness if s.offer else self.join_timeout

        def after() -> End | None:
            end = self._maybe_sync(sock, s)
            if end is None:
                self._maybe_start(sock, kernel, s)
            return end

        def silence(seconds: float) -> End:
            what = "no answer to join" if s.offer is None else f"supervisor silent for {seconds:.1f} s"
            return End("lost", what, joined=s.state == "ready")

        try:
            return serve(sock, wake, kernel, window=window,
                         interval=lambda: s.offer.heartbeat_interval if s.offer else None,
                         beat=lambda: self._beat(sock, s),
                         on_frame=lambda frame: self._on_frame(sock, kernel, s, frame),
                         on_outcome=lambda outcome: self._on_kernel(sock, kernel, s, *outcome), on_silence=silence,
                         before=lambda: self._monitor_events(monitor), after=after, also_poll=(monitor,))
        finally:
            sock.disable_monitor()
            monitor.close(linger=0)
            sock.close(linger=0)

    def _monitor_events(self, monitor: zmq.Socket) -> End | None:
        while True:
            try:
                event = recv_monitor_message(monitor, zmq.NOBLOCK)
            except zmq.Again:
                return None
            if event["event"] == _AUTH_FAILED:
                return End("auth", f"the supervisor's authenticator rejected this worker's key (status "
                                   f"{event['value']}): the supervisor's operator must run holdem-keys authorize "
                                   "KEYS <this host's NAME.key>", retry=False)
            if event["event"] & _HANDSHAKE_FAILED:
                self.say("CURVE handshake failed: is --server-key the supervisor's KEYS/server.key, and does the "
                         "supervisor use CURVE (--keys) as this worker does?")

    def _send(self, sock: zmq.Socket, message: p.Message, block: bool = False) -> bool:
        try:
            sock.send(p.encode(message), 0 if block else zmq.NOBLOCK)
        except zmq.Again:
            return False  # the supervisor is not reading; its liveness decides
        return True

    def _beat(self, sock: zmq.Socket, s: _Session) -> None:
        self._send(sock, p.Heartbeat(s.slot))
        for lane, batch in s.running.items():  # each kernel thread's progress
            done = self.engine.iterations_done(lane, batch.batch_id)
            if done > s.reported_done.get(batch.batch_id, 0):
                s.reported_done[batch.batch_id] = done
                self._send(sock, p.Progress(s.slot, "running", batch.batch_id, done))

    def _on_frame(self, sock: zmq.Socket, kernel: Kernel, s: _Session, frame: bytes) -> End | None:
        try:
            message = p.decode(frame, p.FROM_SUPERVISOR, max_bytes=p.MAX_REMOTE_MESSAGE_BYTES)
        except p.ProtocolError as exc:
            reason = p.refusal_reason(frame)  # a refusal in another protocol version is still read
            if reason is not None:
                return End("refused", reason, retry=False)
            self.say(f"dropped a bad message from the supervisor: {exc}")
            return None
        if isinstance(message, p.Stop):
            digest = s.copy.digest() if s.copy is not None and s.copy.size <= DIGEST_MAX_ENTRIES else ""
            return End("stop", message.reason + (f"; its tables' sha256 {digest}" if digest else ""))
        if isinstance(message, p.Refuse):
            return End("refused", message.reason, retry=message.retry, joined=s.state == "ready")
        if isinstance(message, p.Heartbeat):
            return None
        if isinstance(message, p.Offer):
            if s.state != "joining":
                self.say("ignored a second offer")
                return None
            s.offer, s.slot, s.state = message, message.slot, "loading"
            s.fault = active_fault(message.slot, s.number, remote=True)
            self.say(f"offered slot {message.slot} of run {message.run_id} ({message.game}, "
                     f"{message.table_size:,} entries per table); building the game")
            kernel.submit(s.number, "load", self.engine.load, message)
            return None
        if s.offer is None:
            self.say(f"ignored {message.TYPE} before the offer")
            return None
        if isinstance(message, p.TablePart):
            return self._on_tables(sock, kernel, s, message)
        if isinstance(message, p.Batch):
            if message.scratch:
                self.say("ignored a scratch batch (remote workers compile on their first batch)")
            else:
                s.queue.append(message)
            return None
        if isinstance(message, p.Pause):
            s.sync_wanted = True
            return None
        self.say(f"ignored a {message.TYPE} message")
        return None

    def _on_tables(self, sock: zmq.Socket, kernel: Kernel, s: _Session, part: p.TablePart) -> End | None:
        stream = s.stream
        if part.stream != 0 and not s.syncing:
            return End("lost", f"tables stream {part.stream} arrived without a sync in progress", joined=True)
        if stream is None or stream.stream != part.stream:
            if part.part != 0 or (part.stream == 0) != (s.state == "checking"):
                return End("lost", f"tables part {part.part} of stream {part.stream} out of order")
            stream = s.stream = _Stream(part.stream, part.answers, part.parts)
            if part.stream == 0:
                s.state = "receiving"
                s.copy = HostTables(s.offer.table_size)
        if part.parts != stream.parts or part.part != stream.got or part.answers != stream.answers:
            return End("lost", f"tables part {part.part} of stream {part.stream} does not fit the stream")
        try:
            entries = decode_part(part, s.offer.table_size)
        except SyncError as exc:
            return End("lost", f"bad tables part from the supervisor: {exc}")
        # each part goes in as it comes (the kernels held still only for it); a stream that fails its check
        # ends the session, and the copy with it
        with self.engine.tables_lock():
            s.copy.apply([entries])
        stream.got += 1
        stream.entries += len(entries.values)
        stream.digest.update(part)
        stream.nbytes += len(part.indices) + len(part.values)
        self._send(sock, p.Ack(s.slot, part.stream, part.part))
        if stream.got < stream.parts:
            return None
        s.stream = None
        if part.digest != stream.digest.hexdigest():
            return End("lost", f"the parts of stream {stream.stream} fail their SHA-256 check",
                       joined=stream.stream > 0)
        if stream.stream == 0:
            s.state = "attaching"
            self.say(f"received the tables ({stream.nbytes:,} bytes)")
            kernel.submit(s.number, "attach", self.engine.attach, s.copy, self.threads,
                          s.offer.private_tables_max_bytes)
        elif stream.answers == s.sync_id and s.syncing:
            s.syncing = False
            s.syncs += 1
            s.last_sync = time.monotonic()
            self.say(f"sync {s.sync_id}: sent {s.sync_sent_entries:,} entries ({s.sync_sent_bytes:,} bytes), "
                     f"got {stream.entries:,} ({stream.nbytes:,} bytes) "
                     f"in {s.last_sync - s.sync_began:.3f} s")
        return None

    def _on_kernel(self, sock: zmq.Socket, kernel: Kernel, s: _Session, session: int, tag: str, value,
                   error) -> End | None:
        if session != s.number:
            return None  # the kernel finished something for a session already over
        if tag == "load":
            if error is not None:
                self._send(sock, p.Error(s.slot, p.NO_BATCH, *error))
                hint = ""
                if s.offer.game == "holdem" and self.engine.buckets is None:
                    hint = " (a Hold'em run needs its bucket file on this host too: pass --buckets FILE)"
                return End("load", f"{error[0]}: {error[1]}{hint}", retry=False)
            built: Built = value
            s.state = "checking"
            self._send(sock, p.Terms(s.slot, built.config_hash, built.game, built.abstraction_hash,
                                     built.table_size))
        elif tag == "attach":
            if error is not None:
                self._send(sock, p.Error(s.slot, p.NO_BATCH, *error))
                return End("load", f"{error[0]}: {error[1]}", retry=False)
            s.state = "ready"
            s.last_sync = time.monotonic()
            self.say(f"joined as slot {s.slot}; training")
            self._send(sock, p.Progress(s.slot, "ready", p.NO_BATCH, 0))
        elif tag.startswith("batch:"):
            batch = s.running.pop(int(tag[len("batch:"):]))
            s.reported_done.pop(batch.batch_id, None)
            if error is not None:
                self._send(sock, p.Error(s.slot, batch.batch_id, *error))
                self.say(f"batch {batch.batch_id} failed: {error[0]}: {error[1]}")
                return None  # the supervisor drops this session and says so
            iterations, nodes, seconds = value
            s.unsynced.append(batch.batch_id)
            s.batches += 1
            self._send(sock, p.Result(s.slot, batch.batch_id, batch.first_iteration, int(iterations), int(nodes),
                                      float(seconds)))
        return None

    def _maybe_start(self, sock: zmq.Socket, kernel: Kernel, s: _Session) -> None:
        """Start waiting batches on free kernel threads (syncs do not wait for them: they hold the threads
        still for a moment, see Engine.tables_lock)."""
        while s.state == "ready" and s.queue:
            lane = next((k for k in range(self.threads) if k not in s.running), None)
            if lane is None:
                return
            batch = s.queue.popleft()
            s.running[lane] = batch
            s.reported_done[batch.batch_id] = 0
            self._send(sock, p.Progress(s.slot, "running", batch.batch_id, 0))
            kernel.submit(s.number, f"batch:{lane}", self.engine.run, lane, batch)

    def _sync_due(self, s: _Session) -> bool:
        return bool(s.unsynced) and time.monotonic() - s.last_sync >= s.offer.sync_interval

    def _maybe_sync(self, sock: zmq.Socket, s: _Session) -> End | None:
        """Between batches: send this worker's changes when the interval is up or the supervisor asks."""
        if s.state != "ready" or s.syncing:
            return None
        if not s.unsynced:  # nothing to name: an ask that crossed this host's own sync is already answered
            s.sync_wanted = False
            return None
        if not (self._sync_due(s) or s.sync_wanted):
            return None
        s.sync_id += 1
        fault = s.fault if s.fault is not None and s.fault.batch == s.sync_id else None
        s.sync_wanted = False
        s.sync_began = time.monotonic()
        with self.engine.tables_lock():
            parts, entries = s.copy.outgoing()
        if not parts:  # nothing changed: an empty part still carries the batch list and asks for an answer
            parts = [empty_part()]
        if fault is not None and fault.mode == "overlap_sync":
            parts.append(parts[0])
        batches, s.unsynced = s.unsynced, []
        s.sync_sent_entries = entries
        s.sync_sent_bytes = 0
        for i, part in enumerate(parts):
            message = p.ChangePart(s.slot, s.sync_id, i, len(parts), batches, part.table, part.start, part.count,
                                   part.indices, part.values, part.bases)
            s.sync_sent_bytes += part.nbytes
            if not self._send(sock, message, block=True):
                return End("lost", "could not send changes to the supervisor", joined=True)
            if fault is not None and fault.mode == "die_in_sync":
                self.say(f"injected fault: {fault.mode}:{fault.batch} (HOLDEM_FAULT): exiting mid-sync")
                sock.close(linger=2000)  # the part sent so far reaches the supervisor
                os._exit(EXIT_MID_BATCH_CODE)
        if fault is not None and fault.mode == "stop_reading":
            self._stop_reading(sock, s)
        s.syncing = True
        return None

    def _stop_reading(self, sock: zmq.Socket, s: _Session) -> None:
        """Heartbeats only, never reading again (a fault: a host too slow to take its answer)."""
        self.say("injected fault: stop_reading (HOLDEM_FAULT): heartbeats only from now on")
        while True:
            time.sleep(s.offer.heartbeat_interval)
            self._send(sock, p.Heartbeat(s.slot))


# ----------------------------------------------------------------- command line


def default_threads() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def default_name() -> str:
    return f"{pysocket.gethostname().split('.')[0]}-{os.getpid()}"[: p.MAX_NAME_CHARS]


def run_remote(args) -> int:
    """``holdem-worker`` in remote mode (arguments from :mod:`worker.cli`)."""
    from worker.keys import KeyFileError

    credentials = None
    if args.insecure:
        if args.server_key or args.key:
            print("error: --insecure and --server-key/--key exclude each other", file=sys.stderr)
            return 2
        print("warning: --insecure: traffic to the supervisor is neither authenticated nor encrypted",
              file=sys.stderr)
    else:
        if not (args.server_key and args.key):
            print("error: a remote worker needs --server-key (the supervisor's server.key) and --key (this host's "
                  ".key_secret; make one with holdem-keys new DIR NAME), or --insecure", file=sys.stderr)
            return 2
        try:
            credentials, warnings = load_credentials(args.server_key, args.key)
        except KeyFileError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        for warning in warnings:
            print(f"warning: {warning}", file=sys.stderr)
    if args.buckets is not None and not Path(args.buckets).is_file():
        print(f"error: --buckets {args.buckets}: no such file", file=sys.stderr)
        return 2
    worker = RemoteWorker(args.connect, credentials, args.name or default_name(),
                          Path(args.buckets) if args.buckets else None, retry_for=args.retry_for,
                          threads=args.threads or default_threads())
    try:
        return worker.run()
    except KeyboardInterrupt:
        worker.say("interrupted")
        return 130
