"""Remote workers, supervisor side: a CURVE endpoint, their sessions, their syncs (docs/architecture.md, "The wire").

:class:`RemoteHub` owns a second ROUTER socket (``--bind``), a CURVE server
whose ZAP handler (:mod:`supervisor.auth`) admits only authorized keys, and
one :class:`RemoteSlot` per worker name.  It runs inside the supervisor's
asyncio loop (one thread: no locks), which calls :meth:`drain`,
:meth:`tick`, :meth:`dispatch` and :meth:`heartbeat` beside its own work.
The session protocol is described in :mod:`worker.remote`, the sync in
:mod:`worker.sync`.

Policy for remote slots (the supervisor cannot start or kill those
processes):

- a slot is made when a worker joins under a new name; a worker that joins
  again under the same name gets the same slot back ("welcomed back");
- silent for ``heartbeat_interval * liveness``, stalled for
  ``stall_timeout``, or not ready within ``startup_timeout`` of joining: the
  slot is dropped (its session forgotten; the worker will notice and join
  again).  These timeouts are :class:`supervisor.remote_policy.RemoteSlotPolicy`,
  plain code over the hub's clock;
- a worker started with ``--threads N`` holds up to N batches at once (one
  per kernel thread, all on one copy of the tables);
- a batch counts only when the worker's changes for it have arrived and been
  merged; a dropped slot's batches (running, or finished but not synced) are
  issued again, so its unsent work is lost but no iteration is;
- while the run pauses (a snapshot) or stops, slots holding finished
  batches are asked to sync now (``pause``).

Hardening: a message-size cap on the socket (ZeroMQ drops a connection that
exceeds it) and in the decoder, msgpack decode limits, the strict schema of
:mod:`worker.protocol`, per-peer counting of bad messages (more than
:data:`BAD_MESSAGE_LIMIT` within :data:`BAD_MESSAGE_WINDOW` seconds and the
peer is cut off for ``COOLDOWN_SECONDS``), and :func:`worker.sync.decode_part`
on every table part before anything is merged.
"""
from __future__ import annotations

import ipaddress
import json
import time
import traceback
from collections import OrderedDict, deque
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import zmq

from holdem.mccfr.blocks import BlockMarks
from supervisor.auth import CoolDown, KeyAuthenticator
from supervisor.batches import Assignment, BatchBook
from supervisor.remote_policy import RemoteSlotPolicy, Session
from worker import protocol as p
from worker.private import table_lock
from worker.sync import (
    TABLES,
    VALUE_DTYPES,
    ChangeLog,
    ChangeMerge,
    RunParts,
    StreamDigest,
    SyncError,
    answer_runs,
    decode_part,
    split_runs,
)

REMOTE_SLOT_BASE = 1000  # remote slots are numbered from here, apart from local ones
WINDOW = 4  # table parts in flight to one worker (credit-based flow control, as the zguide's file transfer)
BAD_MESSAGE_LIMIT = 20  # bad messages from one peer within BAD_MESSAGE_WINDOW before it is cut off
BAD_MESSAGE_WINDOW = 60.0
COOLDOWN_SECONDS = 300.0
BAD_MESSAGES_LOGGED_PER_PEER = 20
REMEMBERED_STRANGERS = 1024  # identities already told to join first (bounded)
CLOSE_LINGER_MS = 1000
SYNCS_AT_ONCE = 1  # change sets the head takes at once (each holds an undo record and an answer)
HOST_OWN_SYNC_INTERVALS = 10  # a host not asked for this many sync_intervals syncs on its own (a safety net)
RECEIVE_HWM = 4  # messages queued per peer (~4 x 3 MiB): a host sending faster than parts merge waits
LOG_TABLE_FRACTION = 64  # the change log holds at most 1/64 of the tables' bytes ...
LOG_MIN_BYTES = 16 << 20  # ... or 16 MiB; past it, its oldest entries are sent as whole blocks
MAX_MESSAGES_PER_DRAIN = 2000  # a flood must not starve the loop's own work (heartbeats, local workers)



@dataclass
class _OutStream:
    stream: int
    answers: int
    parts: RunParts  # each part read from the tables as it is sent
    digest: StreamDigest = field(default_factory=StreamDigest)
    sent: int = 0
    acked: int = 0
    nbytes: int = 0  # compressed bytes sent so far


@dataclass
class _InSync:
    """A change set arriving: each part merged as it comes (worker.sync.ChangeMerge), undone whole unless
    the set completes and is accepted."""

    sync_id: int
    parts: int
    batches: list
    merging: ChangeMerge | None  # None: the set is for batches the run abandoned, so nothing is merged
    got: int = 0  # parts in, in order
    bytes_in: int = 0
    merge_seconds: float = 0.0
    undo_peak_bytes: int = 0
    began: float = 0.0


@dataclass
class RemoteSlot:
    slot: int
    name: str
    policy: RemoteSlotPolicy  # the session's state and timeouts
    peer: str = ""
    identity: bytes | None = None
    host: str = ""
    pid: int = 0
    joins: int = 0
    threads: int = 1  # batches it may hold at once
    assignments: list = field(default_factory=list)  # the batches its kernel threads run
    iterations_done: dict = field(default_factory=dict)  # batch id -> iterations reported
    done: list = field(default_factory=list)  # (Assignment, Result): finished, changes not in yet
    since: int = 0  # the epoch from which blocks are new to this worker (worker.sync.answer_runs)
    abandoned: set = field(default_factory=set)  # batches the run stopped waiting for (their results are late)
    stream: _OutStream | None = None
    next_stream: int = 0
    incoming: _InSync | None = None
    last_sync_id: int = 0
    asked_sync: bool = False
    synced_at: float = 0.0  # the clock when its last sync (or its join) was complete
    batches_done: int = 0
    syncs: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    bytes_out_at_join: int = 0

    @property
    def state(self) -> Session:
        return self.policy.session

    @property
    def live(self) -> bool:
        return self.policy.live

    @property
    def holds_work(self) -> bool:
        return bool(self.assignments) or bool(self.done)

    def assignment(self, batch_id: int) -> Assignment | None:
        return next((a for a in self.assignments if a.batch_id == batch_id), None)


class RemoteHub:
    """The remote endpoint and its slots; see the module docstring."""

    def __init__(self, endpoint: str, keys_dir: Path | None, setup, params, events, run_id: str,
                 sync_interval: float, max_workers: int, clock=time.monotonic) -> None:
        self.bind_endpoint = endpoint
        self.keys_dir = keys_dir
        self.setup = setup
        self.params = params
        self.events = events
        self.run_id = run_id
        self.sync_interval = sync_interval
        self.max_workers = max_workers
        self.clock = clock
        self.cooldown = CoolDown(clock)
        self.lock_path: Path | None = None  # the run's table lock (worker.private); None: merge unlocked
        self.slots: dict[str, RemoteSlot] = {}
        self.by_identity: dict[bytes, RemoteSlot] = {}
        self.bad: dict[str, deque] = {}
        self.bad_logged: dict[str, int] = {}
        self.strangers: OrderedDict[bytes, None] = OrderedDict()
        self.ignored_messages = 0
        self.book: BatchBook | None = None
        self.shared: dict | None = None
        self.marks: BlockMarks | None = None  # where the shared tables were written, per block and epoch
        self.log: ChangeLog | None = None
        self.extents = None  # () -> {table: (first, entries) runs that hold memory}
        self.socket = None
        self.wire = None
        self.authenticator: KeyAuthenticator | None = None
        self.endpoint = ""
        self.on_batch_done = lambda slot, assignment, result: None  # set by the supervisor
        self.on_idle = lambda: None  # a slot became free for work: the supervisor dispatches
        self.run_state = lambda: "running"  # the supervisor's RunState (a str enum)
        self._terms = None
        self._want_sync = False  # the run's last word: it wants every batch in (a snapshot or the stop)

    # ------------------------------------------------------------ lifecycle

    def attach(self, book: BatchBook, regret, strategy, marks: BlockMarks | None = None, extents=None) -> None:
        """The run's batch book, shared tables and their block marks (which every local writer must keep
        too); ``extents()``: the runs of each table that hold memory (default: all of it).  ``open``
        calls it; tests call it without sockets."""
        from holdem.config import config_hash

        self.book = book
        self.shared = {"regret": regret, "strategy": strategy}
        self.marks = marks if marks is not None else BlockMarks.zeros(len(regret))
        # entries remote merges changed, until every host is answered past them (bounded: see ChangeLog)
        table_bytes = len(regret) * (regret.itemsize + strategy.itemsize)
        self.log = ChangeLog(len(regret), self.marks, max(LOG_MIN_BYTES, table_bytes // LOG_TABLE_FRACTION))
        size = len(regret)
        self.extents = extents or (lambda: {name: [(0, size)] for name in TABLES})
        game = self.setup.game
        self._terms = dict(config=json.dumps(self.setup.config.to_dict(), sort_keys=True),
                           config_hash=config_hash(self.setup.config), game=game.name,
                           abstraction_hash=game.abstraction_hash, table_size=int(game.layout.size))

    def open(self, context: zmq.Context, book: BatchBook, regret, strategy, marks: BlockMarks | None = None,
             extents=None):
        """Bind the endpoint (a CURVE server when keys are given); returns the socket to poll."""
        from worker.keys import server_key_pair

        self.attach(book, regret, strategy, marks, extents)
        sock = context.socket(zmq.ROUTER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.MAXMSGSIZE, p.MAX_REMOTE_MESSAGE_BYTES)
        sock.setsockopt(zmq.RCVHWM, RECEIVE_HWM)
        if self.keys_dir is not None:
            public, secret = server_key_pair(self.keys_dir)
            self.authenticator = KeyAuthenticator(context, self.keys_dir, self.cooldown, self._on_refused_key,
                                                  self.clock)
            self.authenticator.start()
            sock.curve_server = True
            sock.curve_publickey = public
            sock.curve_secretkey = secret
        try:
            sock.bind(self.bind_endpoint)
        except zmq.ZMQError as exc:
            sock.close(linger=0)
            raise OSError(f"--bind {self.bind_endpoint}: {exc}") from None
        self.socket = sock
        self.endpoint = sock.getsockopt(zmq.LAST_ENDPOINT).decode()
        # the asyncio socket only waits; reads and writes go through a plain view of it (same thread)
        self.wire = zmq.Socket.shadow(sock.underlying) if hasattr(sock, "underlying") else sock
        return sock

    def close(self) -> None:
        if self.socket is not None:
            # a little linger, so the stop messages just queued reach the workers
            self.socket.close(linger=CLOSE_LINGER_MS)
            self.socket = None
        if self.authenticator is not None:
            self.authenticator.stop()
            self.authenticator = None

    # ------------------------------------------------------------ reading

    def drain(self) -> None:
        """Handle the messages that have arrived, at most MAX_MESSAGES_PER_DRAIN (never blocks)."""
        for _ in range(MAX_MESSAGES_PER_DRAIN):
            try:
                frames = self.wire.recv_multipart(zmq.NOBLOCK, copy=False)
            except zmq.Again:
                return
            peer = _peer_of(frames[-1])
            try:
                self.handle(peer, [f.bytes for f in frames])
            except Exception as exc:  # a bug here must not take the run down; say so loudly
                self.events.emit("message_handling_failed", level="error", remote=True, peer=peer,
                                 error=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc())

    def handle(self, peer: str, frames: list[bytes]) -> None:
        """One multipart message from ``peer`` (its CURVE key, or its address when insecure)."""
        if self.cooldown.banned(peer):
            self.ignored_messages += 1
            return
        if len(frames) != 2:
            self._bad(peer, None, f"expected 2 frames (identity, message), got {len(frames)}")
            return
        identity, frame = frames
        slot = self.by_identity.get(identity)
        if slot is not None:
            slot.policy.heard()  # any frame is life, decodable or not (one rule with the workers')
        try:
            message = p.decode(frame, p.FROM_WORKER, max_bytes=p.MAX_REMOTE_MESSAGE_BYTES)
        except p.ProtocolError as exc:
            kind, version = p.peek(frame)
            if slot is None and kind == "join" and version != p.PROTOCOL_VERSION:
                self._refuse(identity, peer, None, f"this worker speaks protocol version {version!r}, the "
                             f"supervisor {p.PROTOCOL_VERSION}: run the same holdem version on both hosts",
                             retry=False)
                return
            self._bad(peer, slot, str(exc))
            return
        if slot is None:
            if isinstance(message, p.Join):
                self._on_join(identity, peer, message)
            else:
                self._stranger(identity, peer, message)
            return
        if isinstance(message, p.Join):
            self._bad(peer, slot, "a second join in the same session")
            return
        if message.slot != slot.slot:
            self._bad(peer, slot, f"{message.TYPE} names slot {message.slot} but comes from slot {slot.slot}")
            return
        if isinstance(message, p.Heartbeat):
            return
        handler = {
            p.Terms: self._on_terms, p.Ack: self._on_ack, p.Progress: self._on_progress,
            p.Result: self._on_result, p.Error: self._on_error, p.ChangePart: self._on_changes,
        }.get(type(message))
        if handler is None:
            self._bad(peer, slot, f"a {message.TYPE} message is not part of a remote session")
            return
        handler(slot, message)

    # ------------------------------------------------------------ joining

    def _on_join(self, identity: bytes, peer: str, join: p.Join) -> None:
        if self.book is None or self.run_state() in ("stopping", "done"):
            self._send(identity, p.Stop(reason="the run is ending"))
            return
        slot = self.slots.get(join.name)
        if slot is not None and slot.live:
            self._refuse(identity, peer, join, f"the name {join.name!r} belongs to a connected worker "
                         f"({slot.host}, pid {slot.pid}); start this one with another --name", retry=True)
            return
        if sum(s.live for s in self.slots.values()) >= self.max_workers:
            self._refuse(identity, peer, join, f"the run already has its {self.max_workers} remote workers "
                         "(supervisor.max_remote_workers)", retry=True)
            return
        if slot is None:
            slot = self.slots[join.name] = RemoteSlot(REMOTE_SLOT_BASE + len(self.slots), join.name,
                                                      RemoteSlotPolicy(self.params, self.clock))
        slot.peer, slot.identity, slot.host, slot.pid = peer, identity, join.host, join.pid
        slot.threads = join.threads
        slot.since = self.marks.epoch  # until its tables stream: keeps the change log no longer than needed
        slot.policy.joined()
        slot.joins += 1
        slot.bytes_out_at_join = slot.bytes_out
        slot.next_stream = 0
        slot.last_sync_id = 0
        slot.asked_sync = False
        slot.synced_at = self.clock()
        self.by_identity[identity] = slot
        self.strangers.pop(identity, None)
        t = self._terms
        self._send(identity, p.Offer(
            slot=slot.slot, run_id=self.run_id, config=t["config"], config_hash=t["config_hash"], game=t["game"],
            abstraction_hash=t["abstraction_hash"], table_size=t["table_size"],
            heartbeat_interval=self.params.heartbeat_interval, liveness=self.params.liveness,
            sync_interval=self.sync_interval * HOST_OWN_SYNC_INTERVALS,
            private_tables_max_bytes=self.params.private_tables_max_bytes))
        self.events.emit("remote_joining", slot=slot.slot, name=slot.name, host=join.host, pid=join.pid, peer=peer,
                         threads=join.threads, rejoin=slot.joins > 1)

    def _on_terms(self, slot: RemoteSlot, terms: p.Terms) -> None:
        if slot.state != Session.OFFERED:
            self._bad(slot.peer, slot, f"terms while {slot.state.value}")
            return
        t = self._terms
        differences = []
        if terms.game != t["game"]:
            differences.append(f"game: the worker built {terms.game!r}, the run is {t['game']!r}")
        if terms.config_hash != t["config_hash"]:
            differences.append(f"config hash: the worker's {terms.config_hash[:12]} != the run's "
                               f"{t['config_hash'][:12]} (the worker's holdem reads the run's config differently: "
                               "install the same holdem version on both hosts)")
        if terms.abstraction_hash != t["abstraction_hash"]:
            differences.append(f"abstraction hash: the worker's {terms.abstraction_hash[:12] or '(none)'} != the "
                               f"run's {t['abstraction_hash'][:12] or '(none)'} (another bucket file: give the worker "
                               "the run's with --buckets)")
        if terms.table_size != t["table_size"]:
            differences.append(f"table size: the worker's {terms.table_size} != the run's {t['table_size']}")
        if differences:
            identity = slot.identity
            self._end_session(slot)
            self._refuse(identity, slot.peer, None, "; ".join(differences), retry=False, name=slot.name)
            return
        slot.policy.agreed()
        # writes from here on are in the first answer; what is allocated now streams as it is read
        slot.since = self.marks.advance() + 1
        runs = [run for name, extents in self.extents().items() for run in split_runs(name, extents)]
        self._start_stream(slot, RunParts(self.shared, runs), answers=0)

    def _on_progress(self, slot: RemoteSlot, progress: p.Progress) -> None:
        now = self.clock()
        if progress.phase == "ready":
            if slot.state != Session.LOADING or slot.stream is not None:
                self._bad(slot.peer, slot, f"ready while {slot.state.value}")
                return
            slot.policy.ready()
            self.events.emit("remote_joined", slot=slot.slot, name=slot.name, host=slot.host, pid=slot.pid,
                             peer=slot.peer, rejoin=slot.joins > 1, joins=slot.joins,
                             seconds=round(now - slot.policy.joined_at, 3),
                             table_bytes=slot.bytes_out - slot.bytes_out_at_join)
            self.on_idle()
        elif (slot.assignment(progress.batch_id) is not None
              and progress.iterations_done > slot.iterations_done.get(progress.batch_id, 0)):
            slot.iterations_done[progress.batch_id] = progress.iterations_done
            slot.policy.progressed()

    # ------------------------------------------------------------ work

    def dispatch(self, lost_only: bool = False) -> None:
        """Give a batch to every free kernel thread of the remote slots that may train now."""
        for slot in self.slots.values():
            while (slot.policy.working and len(slot.assignments) < slot.threads and slot.stream is None
                   and slot.incoming is None and not slot.asked_sync):
                a = self.book.take(lost_only)
                if a is None:
                    self._no_more_work()
                    return
                slot.assignments.append(a)
                slot.iterations_done[a.batch_id] = 0
                slot.policy.assigned()
                self._send(slot.identity, p.Batch(batch_id=a.batch_id, first_iteration=a.first_iteration,
                                                  iterations=a.iterations, batch_start=a.batch_start,
                                                  seed=self.seed_of(a.batch_id), scratch=False))

    def _no_more_work(self) -> None:
        """Nothing left to issue now: idle slots holding finished batches sync now, not at their interval."""
        self._ask_syncs(idle_now=True)

    def _ask_syncs(self, want_sync: bool = False, idle_now: bool = False) -> None:
        """Ask hosts holding finished batches for their changes, at most SYNCS_AT_ONCE change sets in flight
        (asked, arriving, or being answered), the host that synced longest ago first: what the head holds
        for syncs is then one change set's undo record and answer, however many hosts there are.

        A host is due when its ``sync_interval`` is up, or at once when the run wants every batch in
        (``want_sync``: a snapshot or the stop) or when it is idle with nothing left to issue
        (``idle_now``).
        """
        now = self.clock()
        taking = sum(1 for slot in self.slots.values() if slot.live and (
            slot.asked_sync or slot.incoming is not None or (slot.stream is not None and slot.stream.stream > 0)))
        if taking >= SYNCS_AT_ONCE:
            return
        due = [slot for slot in self.slots.values()
               if slot.policy.working and slot.done and not slot.asked_sync and slot.incoming is None
               and slot.stream is None and (want_sync or (idle_now and slot.state == Session.IDLE)
                                            or now - slot.synced_at >= self.sync_interval)]
        for slot in sorted(due, key=lambda slot: slot.synced_at)[:SYNCS_AT_ONCE - taking]:
            slot.asked_sync = True
            self._send(slot.identity, p.Pause(reason="sync"))

    def seed_of(self, batch_id: int) -> int:
        from supervisor.training import seed_of

        return seed_of(self.setup, batch_id)

    def _on_result(self, slot: RemoteSlot, result: p.Result) -> None:
        a = slot.assignment(result.batch_id)
        if a is None and result.batch_id in slot.abandoned:
            return  # the run stopped waiting for it: late, not wrong
        if slot.state != Session.BUSY or a is None or (result.first_iteration, result.iterations) != (
                a.first_iteration, a.iterations):
            held = sorted(x.batch_id for x in slot.assignments)
            self.events.emit("bad_result", level="error", slot=slot.slot, name=slot.name,
                             error=f"result for batch {result.batch_id} but {held or 'no batch'} assigned")
            self._drop(slot, "protocol", "a result that does not match the batches assigned; join again")
            return
        slot.done.append((a, result))
        slot.assignments.remove(a)
        slot.iterations_done.pop(a.batch_id, None)
        if slot.assignments:
            slot.policy.progressed()
        else:
            slot.policy.finished()
        self.on_idle()

    def _on_error(self, slot: RemoteSlot, error: p.Error) -> None:
        self.events.emit("worker_error", level="error", slot=slot.slot, name=slot.name, remote=True, pid=slot.pid,
                         batch=error.batch_id if error.batch_id != p.NO_BATCH else None, exc_type=error.exc_type,
                         message=error.message, traceback=error.traceback)
        self._drop(slot, "error", f"dropped after {error.exc_type} in your batch; join again")

    # ------------------------------------------------------------ syncs

    def _on_changes(self, slot: RemoteSlot, part: p.ChangePart) -> None:
        if not slot.policy.working or slot.stream is not None:
            self._bad(slot.peer, slot, f"changes while {slot.state.value}{' (sending tables)' if slot.stream else ''}")
            return
        sync = slot.incoming
        if sync is None:
            if part.part != 0 or part.sync_id <= slot.last_sync_id:
                self._bad(slot.peer, slot, f"changes part {part.part} of sync {part.sync_id} out of order")
                return
            if part.parts > self._max_parts():
                self._bad(slot.peer, slot, f"a sync of {part.parts} parts; the tables need at most "
                                           f"{self._max_parts()}")
                return
            ignored = bool(set(part.batches) & slot.abandoned)
            sync = slot.incoming = _InSync(part.sync_id, part.parts, list(part.batches),
                                           None if ignored else ChangeMerge(self.shared, self.marks, self.log),
                                           began=self.clock())
        if (part.sync_id, part.parts, part.batches) != (sync.sync_id, sync.parts, sync.batches) \
                or part.part != sync.got:
            self._discard_incoming(slot)
            self._bad(slot.peer, slot, f"changes part {part.part} does not fit sync {sync.sync_id}")
            return
        sync.got += 1
        sync.bytes_in += len(part.indices) + len(part.values) + len(part.bases)
        if sync.merging is not None:
            began = self.clock()
            try:
                entries = decode_part(part, self._terms["table_size"], with_bases=True)
                if len(entries.values) and not sync.batches:
                    raise SyncError("changes without the batches that made them")
                with table_lock(self.lock_path) if self.lock_path else nullcontext():  # as local workers merge
                    sync.merging.add(entries)
            except SyncError as exc:
                self._discard_incoming(slot)
                self._bad(slot.peer, slot, f"sync {sync.sync_id}: {exc}")
                self._drop(slot, "protocol", f"sync {sync.sync_id} was refused ({exc}); join again")
                return
            sync.merge_seconds += self.clock() - began
            sync.undo_peak_bytes = max(sync.undo_peak_bytes, sync.merging.undo_bytes)
        if sync.got == sync.parts:
            self._complete(slot, sync)

    def _discard_incoming(self, slot: RemoteSlot) -> None:
        """A change set that will not complete: put back what of it was merged."""
        sync, slot.incoming = slot.incoming, None
        if sync is not None and sync.merging is not None and sync.merging.undo_records:
            with table_lock(self.lock_path) if self.lock_path else nullcontext():
                sync.merging.undo()
            self.events.emit("remote_sync_undone", slot=slot.slot, name=slot.name, sync=sync.sync_id,
                             parts_merged=sync.got, parts=sync.parts)

    def _max_parts(self) -> int:
        from worker.sync import PART_ENTRIES

        return 2 * (-(-max(self._terms["table_size"], 1) // PART_ENTRIES)) + 2

    def _complete(self, slot: RemoteSlot, sync: _InSync) -> None:
        """Every part of a change set is in (and merged): accept it, count its batches, answer."""
        held = {a.batch_id: (a, r) for a, r in slot.done}
        named = sync.batches
        if sync.merging is None or set(named) & slot.abandoned:
            # work the run stopped waiting for (it is pending for a resume): merging it would count it twice
            self._discard_incoming(slot)
            slot.asked_sync = False
            self.events.emit("remote_sync_ignored", slot=slot.slot, name=slot.name, sync=sync.sync_id,
                             batches=sorted(set(named) & slot.abandoned))
            return
        if len(set(named)) != len(named) or set(named) != set(held):
            self._discard_incoming(slot)
            self._drop(slot, "protocol", f"sync {sync.sync_id} names batches {sorted(named)} but this worker holds "
                                         f"{sorted(held)}; join again")
            return
        sync.merging.commit()
        slot.incoming = None
        began = self.clock()
        slot.last_sync_id = sync.sync_id
        slot.bytes_in += sync.bytes_in
        slot.done = []
        slot.asked_sync = False
        slot.synced_at = self.clock()
        slot.syncs += 1
        for batch_id in named:
            a, result = held[batch_id]
            slot.batches_done += 1
            self.on_batch_done(slot, a, result)
        runs, slot.since = answer_runs(self.marks, slot.since, self._terms["table_size"], log=self.log)
        self._prune_log()
        answer = RunParts(self.shared, runs)
        self._start_stream(slot, answer, answers=sync.sync_id)
        self.events.emit("remote_synced", slot=slot.slot, name=slot.name, sync=sync.sync_id, batches=len(named),
                         entries_in=sync.merging.entries, bytes_in=sync.bytes_in, entries_out=answer.entries,
                         bytes_out=sum(run[2] * VALUE_DTYPES[run[0]].itemsize
                                       for run in runs), log_bytes=self.log.nbytes, log_folded=self.log.folded,
                         undo_peak_bytes=sync.undo_peak_bytes, parts_in=sync.parts, parts_out=len(answer),
                         merge_seconds=round(sync.merge_seconds + self.clock() - began, 4),
                         seconds=round(self.clock() - sync.began, 4))
        self.on_idle()

    def _prune_log(self) -> None:
        """Keep the merged entries some live host has not been answered past."""
        live = [slot.since for slot in self.slots.values() if slot.live]
        self.log.prune(min(live) if live else None)

    # ------------------------------------------------------------ table streams

    def _start_stream(self, slot: RemoteSlot, parts: RunParts, answers: int) -> _OutStream:
        stream = slot.stream = _OutStream(slot.next_stream, answers, parts)
        slot.next_stream += 1
        slot.policy.stream_started()
        self._pump_stream(slot)
        return stream

    def _pump_stream(self, slot: RemoteSlot) -> None:
        stream = slot.stream
        while stream.sent < len(stream.parts) and stream.sent - stream.acked < WINDOW:
            part = stream.parts[stream.sent]
            stream.digest.update(part)
            last = stream.sent == len(stream.parts) - 1
            self._send(slot.identity, p.TablePart(
                slot=slot.slot, stream=stream.stream, answers=stream.answers, part=stream.sent,
                parts=len(stream.parts), digest=stream.digest.hexdigest() if last else "", table=part.table,
                start=part.start, count=part.count, indices=part.indices, values=part.values))
            slot.bytes_out += part.nbytes
            stream.nbytes += part.nbytes
            stream.sent += 1

    def _on_ack(self, slot: RemoteSlot, ack: p.Ack) -> None:
        stream = slot.stream
        if stream is None or ack.stream != stream.stream or ack.part != stream.acked or ack.part >= stream.sent:
            self._bad(slot.peer, slot, f"ack of part {ack.part} of stream {ack.stream} out of order")
            return
        stream.acked += 1
        slot.policy.progressed()
        if stream.acked == len(stream.parts):
            slot.stream = None
            slot.policy.stream_ended()
            if stream.stream > 0:
                self._ask_syncs(self._want_sync)  # an answer done: the next host's turn
                self.on_idle()
            return
        self._pump_stream(slot)

    # ------------------------------------------------------------ timing

    def heartbeat(self) -> None:
        beat = p.Heartbeat(slot=-1)
        for slot in self.slots.values():
            if slot.live:
                self._send(slot.identity, beat)

    def tick(self, want_sync: bool) -> None:
        """Drop silent, stalled or stuck slots; ask for syncs when the run needs the work in.

        ``want_sync``: the run is pausing (a snapshot) or stopping.
        """
        for slot in list(self.slots.values()):
            if not slot.live:
                continue
            end = slot.policy.tick()
            if end is not None:
                self._drop(slot, end.reason, end.tell, **end.figures)
        self._want_sync = want_sync
        self._ask_syncs(want_sync)

    # ------------------------------------------------------------ ending sessions

    def _end_session(self, slot: RemoteSlot) -> list[int]:
        """Forget a session; its batches (running or not synced) go back to the book. Returns them."""
        lost = [a.batch_id for a in slot.assignments]
        lost += [a.batch_id for a, _ in slot.done]
        for batch_id in lost:
            self.book.lose(batch_id)
        if slot.identity is not None:
            self.by_identity.pop(slot.identity, None)
        self._discard_incoming(slot)
        slot.assignments, slot.done, slot.stream, slot.asked_sync = [], [], None, False
        slot.iterations_done = {}
        slot.identity = None
        slot.policy.ended()
        if self.log is not None:
            self._prune_log()
        return lost

    def _drop(self, slot: RemoteSlot, reason: str, tell: str | None, **figures) -> None:
        identity = slot.identity
        if slot.stream is not None:  # what was queued for it and never taken: at most the window
            figures["parts_unacked"] = slot.stream.sent - slot.stream.acked
        unsynced = sum(a.iterations for a, _ in slot.done)
        lost = self._end_session(slot)
        self.events.emit("remote_dropped", level="warning", slot=slot.slot, name=slot.name, host=slot.host,
                         pid=slot.pid, reason=reason, batches_lost=lost, unsynced_iterations_lost=unsynced,
                         **figures)
        if tell and identity is not None:
            self._send(identity, p.Refuse(reason=tell, retry=True))
        self.on_idle()

    def stop_all(self, reason: str) -> None:
        for slot in self.slots.values():
            if slot.live and slot.identity is not None:
                self._send(slot.identity, p.Stop(reason=reason))
                self._end_session(slot)

    def abandon(self) -> None:
        """The run stops waiting for remote batches: forget them (the book abandons what is in flight)."""
        for slot in self.slots.values():
            slot.abandoned.update(a.batch_id for a in slot.assignments)
            slot.assignments, slot.done, slot.iterations_done = [], [], {}
            if slot.state == Session.BUSY:
                slot.policy.finished()

    # ------------------------------------------------------------ bad input

    def _bad(self, peer: str, slot: RemoteSlot | None, error: str) -> None:
        now = self.clock()
        recent = self.bad.setdefault(peer, deque())
        recent.append(now)
        while recent and now - recent[0] > BAD_MESSAGE_WINDOW:
            recent.popleft()
        logged = self.bad_logged.get(peer, 0) + 1
        self.bad_logged[peer] = logged
        if logged <= BAD_MESSAGES_LOGGED_PER_PEER:
            self.events.emit("bad_message", level="warning", remote=True, peer=peer,
                             slot=slot.slot if slot else None, name=slot.name if slot else None, error=error,
                             count=logged)
        if len(recent) > BAD_MESSAGE_LIMIT:
            self.cooldown.ban(peer, COOLDOWN_SECONDS)
            recent.clear()
            self.events.emit("remote_peer_ignored", level="warning", peer=peer, seconds=COOLDOWN_SECONDS,
                             reason=f"more than {BAD_MESSAGE_LIMIT} bad messages in {BAD_MESSAGE_WINDOW:g} s")
            for other in list(self.slots.values()):
                if other.live and other.peer == peer:
                    identity = other.identity
                    self._end_session(other)
                    self.events.emit("remote_dropped", level="warning", slot=other.slot, name=other.name,
                                     reason="bad_messages")
                    self._send(identity, p.Refuse(reason=f"too many bad messages: ignored for "
                                                         f"{COOLDOWN_SECONDS:g} s", retry=False))

    def _stranger(self, identity: bytes, peer: str, message: p.Message) -> None:
        """A message from no session (e.g. a worker the run dropped while it was away): tell it once to join."""
        if identity in self.strangers:
            return
        self.strangers[identity] = None
        if len(self.strangers) > REMEMBERED_STRANGERS:
            self.strangers.popitem(last=False)
        self._send(identity, p.Refuse(reason="no session here (the supervisor may have dropped this worker, or "
                                             "restarted): join again", retry=True))

    def _refuse(self, identity: bytes, peer: str, join: p.Join | None, reason: str, retry: bool,
                name: str | None = None) -> None:
        self._send(identity, p.Refuse(reason=reason, retry=retry))
        self.events.emit("remote_refused", level="warning", peer=peer, name=join.name if join else name,
                         host=join.host if join else None, reason=reason, retry=retry)

    def _on_refused_key(self, **figures) -> None:
        self.events.emit("remote_refused", level="warning", stage="authentication", **figures)

    # ------------------------------------------------------------ plumbing and figures

    def _send(self, identity: bytes | None, message: p.Message) -> None:
        if identity is None or self.wire is None:
            return
        try:
            self.wire.send_multipart([identity, p.encode(message)], flags=zmq.NOBLOCK)
        except zmq.Again:
            pass  # the worker is not reading; its liveness decides
        except zmq.ZMQError:
            pass  # the peer is gone

    def answering(self) -> bool:
        """Whether a live host is still taking an answer to its sync."""
        return any(slot.live and slot.stream is not None and slot.stream.stream > 0 for slot in self.slots.values())

    def alive(self) -> int:
        return sum(1 for s in self.slots.values() if s.policy.working)

    def holding_work(self) -> bool:
        return any(s.holds_work for s in self.slots.values())

    def figures(self) -> dict:
        slots = self.slots.values()
        return {"remote_workers_seen": len(self.slots), "remote_batches": sum(s.batches_done for s in slots),
                "remote_syncs": sum(s.syncs for s in slots), "remote_bytes_in": sum(s.bytes_in for s in slots),
                "remote_bytes_out": sum(s.bytes_out for s in slots),
                "remote_messages_ignored": self.ignored_messages}

    def status(self, now: float) -> list[dict]:
        return [{
            "slot": s.slot, "remote": True, "name": s.name, "state": s.state.value, "host": s.host,
            "pid": s.pid or None,
            "joins": s.joins, "last_heartbeat_age": round(now - s.policy.last_heard, 3) if s.live else None,
            "threads": s.threads, "batches": [a.batch_id for a in s.assignments],
            "unsynced_batches": [a.batch_id for a, _ in s.done], "batches_done": s.batches_done, "syncs": s.syncs,
            "bytes_in": s.bytes_in, "bytes_out": s.bytes_out,
        } for s in self.slots.values()]


def is_loopback_endpoint(endpoint: str) -> bool:
    """True for endpoints no other host can reach: tcp on a loopback address, ipc, inproc."""
    transport, _, rest = endpoint.partition("://")
    if transport in ("ipc", "inproc"):
        return True
    if transport != "tcp":
        return False
    host = rest.rsplit(":", 1)[0].strip("[]")
    if ";" in host:  # tcp://source;destination: the bind address is the last part
        host = host.rsplit(";", 1)[1]
    if host in ("localhost", "::1"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # '*', an interface name or a host name: reachable from outside


def _peer_of(frame) -> str:
    """The CURVE key (ZeroMQ's User-Id after a ZAP-approved handshake), else the peer's address."""
    for prop in ("User-Id", "Peer-Address"):
        try:
            value = frame.get(prop)
        except (zmq.ZMQError, AttributeError):
            continue
        if value:
            return value
    return "unknown"
