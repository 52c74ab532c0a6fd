"""The asyncio supervisor: spawns and watches workers, owns the tables, schedules the work.

One asyncio loop in one thread does everything, so no state here needs a
lock:

- the main loop waits on a ROUTER socket (``tcp://127.0.0.1:<free port>``
  by default) for at most a tick (a quarter heartbeat interval), reads every
  message that has arrived, decoded strictly (:mod:`worker.protocol`; a bad
  one is logged and dropped), and only then asks each slot's
  :class:`supervisor.policy.SlotPolicy` what to do (kill, escalate, restart):
  a loop starved of CPU never takes queued heartbeats for silence.  It also
  sends heartbeats, runs the start-up check, dispatches work, logs a summary
  of the work done once a second, and decides when to pause for a snapshot
  and when to stop;
- one task per worker process waits for its exit.

Start-up check: every slot starts at once; the run trains only after one
worker has said hello, loaded the game and finished a tiny batch on scratch
tables.  If none does within ``startup_timeout``, or every slot fails first,
the run stops (exit 3) quoting the worker's own exception or its last output,
and says what to try.

Work: an idle worker gets a group of consecutive grid batches, as many as it
runs in about ``target_batch_seconds`` (:mod:`supervisor.batches`); results
are checked against the assignment before they count.  Snapshots of tables
backed by up to ``paused_snapshot_max_bytes`` pause dispatch, wait for the
groups in flight and write (exact); bigger ones are written live while
training goes on, the groups in flight recorded as pending; the final
snapshot is always exact.  Without ``--snapshot-interval`` they come after a
minute, then at 100 times their measured cost
(:meth:`supervisor.params.SupervisorParams.snapshot_delay`).
Discounting needs no pause (each grid batch scales from its own first
iteration): discount points passed are only reported.

Remote workers (``--bind``): :class:`supervisor.remote.RemoteHub` owns a
second, CURVE-authenticated ROUTER and the remote slots; the loop drains it,
ticks it and dispatches to it beside the local slots.  Remote batches count
when their changes are merged into the shared tables.

Stop: SIGINT/SIGTERM, the time budget or the iteration target stop dispatch,
wait (at most ``stop_timeout``) for batches in flight, write a final
snapshot, stop the workers and release the shared memory; a second signal
kills the workers at once.  Every exit path releases the shared memory, and
``run_finished`` records the status the run really ends with (an exception
escaping the run is recorded as 1, Python's status for it).
"""
from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
import traceback
import uuid
from dataclasses import asdict, dataclass, replace
from enum import Enum
from pathlib import Path

import zmq
import zmq.asyncio

from holdem.atomic import write_json_atomic
from holdem.game.tree_arrays import compact_arrays, compact_from_arrays
from holdem.mccfr.blocks import BlockMarks
from holdem.mccfr.tables import ENTRY_BYTES
from supervisor import startup, training
from supervisor.batches import BatchBook, GroupSizer, batch_ranges
from supervisor.events import EventLog
from supervisor.params import SupervisorParams
from supervisor.policy import Escalate, GiveUp, Kill, Phase, SlotPolicy, Start
from supervisor.procs import WorkerHandle, spawn, worker_command
from supervisor.remote import RemoteHub
from supervisor.shm import SharedTables, sweep_stale
from supervisor.status import DoneTally, RateMeter, TensorBoard, progress_line
from worker import protocol as p
from worker.private import PRIVATE_MODE, SHARED_MODE
from worker.shm import MARKS_ARRAY, MARKS_CELL

EXIT_OK = 0
EXIT_CRASHED = 1  # an exception escaped the run (Python exits with 1 for it)
EXIT_STARTUP_FAILED = 3
EXIT_ALL_SLOTS_GIVEN_UP = 4
EXIT_FORCED = 130

DEFAULT_ENDPOINT = "tcp://127.0.0.1:*"
PROGRESS_LINE_INTERVAL = 1.0  # seconds between redraws of the terminal progress line
SUMMARY_INTERVAL = 1.0  # seconds between batch_done summaries (and discount reports) in the event log
MAX_GROUP_BATCHES = 1 << 16  # grid batches in one message at most (a worker builds one call per batch)
TICKS_PER_HEARTBEAT = 4
TABLES_EVENT_PERIOD = 60.0  # seconds between tables_allocated events (status.json has the figures always)
MAX_TICK = 0.25
ANSWER_POLL = 0.01  # seconds between reads while the stop lets remote answers in flight finish


class RunState(str, Enum):
    """Where the run is: starting -> running -> stopping -> done."""

    STARTING = "starting"  # tables, tree and workers being set up; the start-up check not yet passed
    RUNNING = "running"  # dispatching batches
    STOPPING = "stopping"  # the budget, the target, a signal or a failure ended dispatch; winding down
    DONE = "done"  # the final snapshot is written (or the run failed); the loop exits
BAD_MESSAGES_LOGGED_PER_SLOT = 20  # a flood of garbage must not flood the log


@dataclass(frozen=True)
class RunOptions:
    """What the command line asks for (see :mod:`supervisor.cli`)."""

    config_path: str
    logdir: Path
    workers: int
    iterations: int | None = None  # iterations to run in this invocation (as holdem-train --iters)
    time_budget: float | None = None  # seconds of training in this invocation
    batch_size: int | None = None
    snapshot_interval: float | None = None
    buckets: Path | None = None
    tensorboard: bool = False
    resume_from: Path | None = None
    seed: int | None = None
    log_format: str = "auto"
    endpoint: str = DEFAULT_ENDPOINT
    bind: str | None = None  # remote workers' endpoint, e.g. tcp://0.0.0.0:5555
    keys: Path | None = None  # CURVE keys directory (server.key_secret, authorized/); None: no CURVE


class Supervisor:
    def __init__(self, options: RunOptions, setup: training.RunSetup, params: SupervisorParams,
                 events: EventLog, run_id: str, clock=time.monotonic) -> None:
        self.options = options
        self.setup = setup
        self.params = params
        self.events = events
        self.run_id = run_id
        self.clock = clock
        self.n_slots = options.workers
        # positions 0..n_slots-1 are the slots that train; the rest hold standby workers
        positions = self.n_slots + params.standby_workers
        self.policies = [SlotPolicy(pos, params, clock) for pos in range(positions)]
        for policy in self.policies[self.n_slots:]:
            policy.may_restart = False  # standby workers start once the start-up check has passed
        self.handles: list[WorkerHandle | None] = [None] * positions
        self.by_identity: dict[bytes, WorkerHandle] = {}
        self.bad_messages = [0] * (positions + 1)  # last entry: unknown senders
        self.restarts = 0
        self.state = RunState.STARTING
        self.exit_code = EXIT_OK
        self.stop_reason = ""
        self.stop_began = 0.0
        self.forced = False
        self.startup_failures: list[dict] = []
        self.pause_reason = ""
        self.pause_began = 0.0
        self.barrier_task: asyncio.Task | None = None  # a snapshot with dispatch paused
        self.live_snapshot: asyncio.Task | None = None  # a snapshot written while training goes on
        self.last_tables_event = float("-inf")  # when tables_allocated was last emitted
        self.last_snapshot_at = 0.0
        self.last_snapshot_pause: float | None = None  # seconds the last interval snapshot paused dispatch
        self.last_snapshot_iteration = -1
        self.exploitability: float | None = None
        self.tables: SharedTables | None = None
        self.marks: BlockMarks | None = None  # with remote workers: blocks written, per epoch (worker.sync)
        self.table_mode = SHARED_MODE
        self.lock_path: Path | None = None
        self.tree_layout = ""  # JSON layout of the shared betting tree (Hold'em), see worker.shm.pack_layout
        self.router = None
        self.remote: RemoteHub | None = None
        self.endpoint = ""
        self.rate = RateMeter()
        self.tb: TensorBoard | None = None
        self.env = dict(os.environ)
        self.book: BatchBook | None = None  # set once the tables exist (resumed or fresh)
        self.sizer = GroupSizer(setup.batch_size, params.target_batch_seconds, MAX_GROUP_BATCHES)
        self.batches_by_slot = [0] * positions  # grid batches completed by each position's workers
        self.tally = DoneTally(clock())
        self.t0 = clock()
        self.trained = False
        self.train_began = None  # (wall, cpu) when the start-up check passed
        self.train_ended = None

    # ------------------------------------------------------------------ lifecycle

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self._on_signal, sig)
        context = zmq.asyncio.Context()
        error = None
        try:
            self._open(context)
            await self._main_loop()
        except BaseException as exc:
            self.exit_code = exit_code_of(exc)
            error = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
            # every step runs even if one before it fails; a failure is logged, the exit status stays the run's
            await self._guarded("stop workers", self._shut_down())
            if self.live_snapshot is not None:  # its thread reads the shared tables: finish before releasing them
                await self._guarded("finish the live snapshot", asyncio.shield(self.live_snapshot))
            self._guarded_call("summarize", self._summarize, self.clock())
            if self.book is not None:
                self.state = RunState.DONE
                self._guarded_call("write status", self._write_status, self.clock())
            if self.router is not None:
                self._guarded_call("close socket", self.router.close, linger=0)
            if self.remote is not None:
                self._guarded_call("close remote endpoint", self.remote.close)
            self._guarded_call("close sockets", context.term)
            if self.tables is not None:
                self._guarded_call("release shared memory", self.tables.release)
            if self.tb is not None:
                self._guarded_call("close TensorBoard", self.tb.close)
            self.events.emit("run_finished", level="error" if error else "info", reason=self.stop_reason or error,
                             exit_code=self.exit_code, error=error, **self._figures())
        return self.exit_code

    def _guarded_call(self, what: str, step, *args, **kwargs) -> None:
        try:
            step(*args, **kwargs)
        except Exception as exc:
            self.events.emit("shutdown_step_failed", level="warning", step=what, error=f"{type(exc).__name__}: {exc}")

    async def _guarded(self, what: str, step) -> None:
        try:
            await step
        except Exception as exc:
            self.events.emit("shutdown_step_failed", level="warning", step=what, error=f"{type(exc).__name__}: {exc}")

    def _open(self, context: zmq.asyncio.Context) -> None:
        setup, options = self.setup, self.options
        swept = sweep_stale()
        if swept:
            self.events.emit("stale_shm_removed", segments=swept,
                             note="shared memory of earlier runs whose supervisor died; removed")
        self.tables = SharedTables(setup.table_size, self.run_id)
        self.lock_path = self.tables.lock_path
        shared = {}
        if setup.game.exact is None:  # Hold'em: workers map this tree instead of each building one
            shared.update(compact_arrays(setup.game.compact))
        if options.bind:  # remote hosts: every writer records which blocks it wrote (worker.sync)
            fresh = BlockMarks.zeros(setup.table_size)
            shared.update({MARKS_CELL: fresh.cell, MARKS_ARRAY: fresh.marks})
        if shared:
            self.tree_layout = json.dumps(self.tables.share_arrays(shared))
        if options.bind:
            self.marks = BlockMarks(self.tables.arrays[MARKS_CELL], self.tables.arrays[MARKS_ARRAY])
        if setup.game.exact is None:  # the supervisor maps the shared tree too, and lets its own copy go
            self.setup = setup = replace(setup, game=setup.game.with_compact(compact_from_arrays(self.tables.arrays)))
        table_bytes = self.tables.regret.nbytes + self.tables.strategy.nbytes
        self.table_mode = PRIVATE_MODE if table_bytes <= self.params.private_tables_max_bytes else SHARED_MODE
        resume = setup.resume
        if resume is not None:
            training.restore(setup, self.tables)
        start_iteration = resume.iteration if resume else 0
        self.book = BatchBook(setup.batch_size, start_iteration, options.iterations,
                              resume.next_batch if resume else None, resume.pending if resume else ())
        self.batches_before = resume.batches_done if resume else 0
        self.discounted_through = start_iteration
        self.last_snapshot_iteration = start_iteration if resume else -1
        self.router = context.socket(zmq.ROUTER)
        self.router.setsockopt(zmq.LINGER, 0)
        self.router.bind(options.endpoint)
        self.endpoint = self.router.getsockopt(zmq.LAST_ENDPOINT).decode()
        # asyncio only waits; reads and writes go through a plain view of the same socket (same thread)
        self.wire = zmq.Socket.shadow(self.router.underlying)
        self.poller = zmq.asyncio.Poller()
        self.poller.register(self.router, zmq.POLLIN)
        if options.bind:
            self._open_remote(context)
        if options.tensorboard:
            self.tb = TensorBoard(options.logdir)
        self.t0 = self.clock()
        self.last_snapshot_at = self.t0
        self.next_beat = self.t0
        self.next_status = self.t0
        self.next_line = self.t0
        self.next_summary = self.t0 + SUMMARY_INTERVAL
        self.tally = DoneTally(self.t0)
        self.rate.add(self.t0, start_iteration)
        self.events.emit(
            "run_started", config=str(setup.config_path), game=setup.game_name, workers=self.n_slots,
            batch_size=setup.batch_size, seed=setup.seed, target_iterations=self.book.target,
            time_budget=options.time_budget,
            snapshot_interval=setup.snapshot_interval if options.snapshot_interval is not None else "adaptive",
            table_entries=setup.table_size, table_bytes=setup.table_size * ENTRY_BYTES,
            resumed_from=str(resume.source) if resume else None,
            start_iteration=start_iteration, endpoint=self.endpoint, supervisor_pid=os.getpid(),
            remote_endpoint=self.remote.endpoint if self.remote else None,
            remote_auth=("curve" if options.keys else "none") if self.remote else None,
            shared_memory=list(self.tables.names) + ([self.tables.arrays_name] if self.tables.arrays_name else []),
            local_tables=self.table_mode,
            params=asdict(self.params),
        )

    def _open_remote(self, context: zmq.asyncio.Context) -> None:
        params = self.params
        hub = self.remote = RemoteHub(self.options.bind, self.options.keys, self.setup, params, self.events,
                                      self.run_id, params.sync_interval, params.max_remote_workers, self.clock)
        hub.on_batch_done = self._remote_batch_done
        hub.on_idle = lambda: self._pump(self.clock())
        hub.run_state = lambda: self.state
        hub.lock_path = self.lock_path
        self.poller.register(hub.open(context, self.book, self.tables.regret, self.tables.strategy, self.marks,
                                      self.tables.extents), zmq.POLLIN)
        if not self.options.keys:
            self.events.emit("remote_insecure", level="warning", endpoint=hub.endpoint,
                             note="remote workers are neither authenticated nor encrypted (no --keys)")

    def _remote_batch_done(self, slot, a, result: p.Result) -> None:
        self.book.complete(a.batch_id)
        self.tally.add(slot.slot, a.batch_id, a.batches, a.iterations, result.nodes_visited, result.seconds,
                       name=slot.name, remote=True)
        self.rate.add(self.clock(), self.book.completed_iterations)

    async def _main_loop(self) -> None:
        tick = min(MAX_TICK, self.params.heartbeat_interval / TICKS_PER_HEARTBEAT)
        while self.state != RunState.DONE:
            if self.forced:
                self.exit_code = EXIT_FORCED
                return
            await self._tick_slots()
            now = self.clock()
            self._check_startup(now)
            self._check_stop(now)
            self._pump(now)
            if now >= self.next_summary:
                self._summarize(now)
                self.next_summary = now + SUMMARY_INTERVAL
            if self.state == RunState.STOPPING:
                self._advance_stop(now)
            if self.remote is not None:
                self.remote.tick(want_sync=bool(self.pause_reason) or self.state == RunState.STOPPING)
            if now >= self.next_beat:
                self._heartbeat()
                self.next_beat = now + self.params.heartbeat_interval
            if now >= self.next_status:
                self._write_status(now)
                self.next_status = now + self.params.status_interval
            if now >= self.next_line:
                self._progress_line(now)
                self.next_line = now + PROGRESS_LINE_INTERVAL
            if self.state != RunState.DONE:
                await self.poller.poll(timeout=tick * 1000)

    def _on_signal(self, sig: int) -> None:
        name = signal.Signals(sig).name
        if self.state in (RunState.STARTING, RunState.RUNNING):
            self.events.emit("stop_requested", signal=name, note="a second signal forces an immediate stop")
            self._begin_stop(f"signal {name}", EXIT_OK)
        elif not self.forced:
            self.events.emit("stop_forced", level="warning", signal=name,
                             note="workers killed at once; no final snapshot (a snapshot being written is finished)")
            self.forced = True
            for handle in self.handles:
                if handle is not None:
                    handle.kill()

    # ------------------------------------------------------------------ slots

    async def _tick_slots(self) -> None:
        self._drain()
        if self.remote is not None:
            self.remote.drain()
        for slot, policy in enumerate(self.policies):
            for action in policy.tick():
                handle = self.handles[slot]
                if isinstance(action, Kill):
                    self._kill(handle, policy, action.reason)
                elif isinstance(action, Escalate):
                    if handle is not None:
                        handle.kill()
                elif isinstance(action, Start):
                    await self._start(slot, action.attempt)

    def _kill(self, handle: WorkerHandle | None, policy: SlotPolicy, reason: str) -> None:
        now = self.clock()
        if handle is None:
            return
        if reason == "silent":
            self.events.emit("worker_silent", level="warning", slot=handle.slot, pid=handle.pid,
                             attempt=handle.attempt, silent_for=round(now - policy.last_heard, 3),
                             limit=(self.params.hello_timeout if handle.identity is None
                                    else self.params.silence_timeout))
        elif reason == "stalled":
            self.events.emit("worker_stalled", level="warning", slot=handle.slot, pid=handle.pid,
                             attempt=handle.attempt, batch=handle.assignment.batch_id if handle.assignment else None,
                             phase=handle.phase_detail, without_progress_for=round(now - policy.last_progress, 3))
        handle.terminate()

    def _is_standby(self, position: int) -> bool:
        return position >= self.n_slots

    def _ready_standby(self) -> int | None:
        for pos in range(self.n_slots, len(self.policies)):
            if self.policies[pos].phase == Phase.IDLE and self.handles[pos] is not None:
                return pos
        return None

    async def _start(self, slot: int, attempt: int) -> None:
        policy = self.policies[slot]
        backoff = None
        if attempt > 1 and policy.restarts:
            backoff = round(self.clock() - policy.restarts[-1], 3)
        standby = None if self._is_standby(slot) else self._ready_standby()
        if standby is not None:
            self._adopt(slot, attempt, standby, backoff)
            return
        wire_attempt = 0 if self._is_standby(slot) else attempt
        command = worker_command(self.endpoint, slot, wire_attempt, self.params.heartbeat_interval,
                                 self.params.liveness)
        try:
            handle = await spawn(command, slot, attempt, self.options.logdir / "workers", self.env)
        except OSError as exc:
            policy.spawned()
            policy.may_restart = self.state != RunState.STARTING
            self.events.emit("worker_spawn_failed", level="error", slot=slot, attempt=attempt, error=str(exc))
            if self.state == RunState.STARTING:
                self.startup_failures.append(startup.StartFailure(slot, attempt, spawn_error=str(exc)))
            self._after_exit(slot)
            return
        handle.wire_attempt = wire_attempt
        policy.spawned()
        # before the start-up check passes, a failed start is reported, not retried
        policy.may_restart = self.state != RunState.STARTING
        handle.spawned_at = self.clock()
        self.handles[slot] = handle
        handle.exit_task = asyncio.create_task(self._wait_exit(handle))
        self.events.emit("worker_started", slot=slot, pid=handle.pid, attempt=attempt,
                         standby=self._is_standby(slot))
        if attempt > 1 and not self._is_standby(slot):
            self.restarts += 1
            self.events.emit("worker_restarted", slot=slot, pid=handle.pid, attempt=attempt, after=backoff,
                             restarts_in_window=len(policy.restarts), restarts=self.restarts)

    def _adopt(self, slot: int, attempt: int, standby: int, backoff: float | None) -> None:
        """A warm standby worker takes over ``slot``; a new standby is started in its place."""
        handle = self.handles[standby]
        self.handles[standby] = None
        self.policies[standby].handed_over()
        handle.slot, handle.attempt = slot, attempt
        self.handles[slot] = handle
        policy = self.policies[slot]
        policy.adopted()
        self.restarts += 1
        self.events.emit("worker_restarted", slot=slot, pid=handle.pid, attempt=attempt, after=backoff,
                         restarts_in_window=len(policy.restarts), restarts=self.restarts, from_standby=True)
        self._pump(self.clock())

    async def _wait_exit(self, handle: WorkerHandle) -> None:
        code = await handle.proc.wait()
        self._on_exit(handle, code)

    def _on_exit(self, handle: WorkerHandle, code: int) -> None:
        slot = handle.slot
        policy = self.policies[slot]
        if self.handles[slot] is not handle:
            return  # pragma: no cover - a handle always sits at the position it serves
        self.handles[slot] = None
        self.sizer.forget(slot)
        if handle.identity is not None:
            self.by_identity.pop(handle.identity, None)
        lost = None
        if handle.assignment is not None:
            lost = handle.assignment.batch_id
            self.book.lose(lost)
            handle.assignment = None
        figures = dict(slot=slot, pid=handle.pid, attempt=handle.attempt, returncode=code, batch_lost=lost,
                       standby=self._is_standby(slot))
        if handle.kill_signal and policy.kill_reason:
            self.events.emit("worker_killed", level="warning", signal=handle.kill_signal,
                             reason=policy.kill_reason, **figures)
        elif policy.stopping:  # asked to go (stop message, or a signal for one still starting)
            self.events.emit("worker_exited", signal=handle.kill_signal or None, **figures)
        else:
            self.events.emit("worker_exited", level="warning", output_tail=handle.output_tail(), **figures)
        if self.state == RunState.STARTING and not policy.stopping and not self._is_standby(slot):
            self.startup_failures.append(startup.StartFailure(
                slot, handle.attempt, code, handle.phase_detail, policy.kill_reason if handle.kill_signal else "",
                handle.error, output_tail=handle.output_tail()))
        self._after_exit(slot)

    def _after_exit(self, slot: int) -> None:
        policy = self.policies[slot]
        for action in policy.exited():
            if isinstance(action, GiveUp):
                self.events.emit("slot_given_up", level="error", slot=slot, reason=action.reason,
                                 failures=policy.failures, standby=self._is_standby(slot))
        if (self.state in (RunState.STARTING, RunState.RUNNING) and self.n_slots
                and all(q.given_up for q in self.policies[:self.n_slots])):
            self.events.emit("all_slots_given_up", level="error",
                             message="every worker slot failed repeatedly; see worker_error/worker_exited above")
            self._begin_stop("every worker slot was given up", EXIT_ALL_SLOTS_GIVEN_UP)

    # ------------------------------------------------------------------ messages

    def _drain(self) -> None:
        """Handle every message that has arrived (never blocks)."""
        while True:
            try:
                frames = self.wire.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            try:
                self._on_frames(frames)
            except Exception as exc:  # a bug here must not take the run down; say so loudly
                self.events.emit("message_handling_failed", level="error", error=f"{type(exc).__name__}: {exc}",
                                 traceback=traceback.format_exc())

    def _on_frames(self, frames: list[bytes]) -> None:
        if len(frames) != 2:
            self._bad_message(None, f"expected 2 frames (identity, message), got {len(frames)}")
            return
        identity, frame = frames
        handle = self.by_identity.get(identity)
        try:
            message = p.decode(frame, p.FROM_WORKER)
        except p.ProtocolError as exc:
            self._bad_message(handle, str(exc))
            return
        if handle is None:
            if isinstance(message, p.Hello):
                self._on_hello(identity, message)
            return  # a late message from an attempt already gone: nothing to do
        policy = self.policies[handle.slot]
        if not policy.alive:
            return  # being killed: whatever it still says changes nothing
        if message.slot != handle.wire_slot:
            self._bad_message(handle, f"{message.TYPE} names slot {message.slot} but comes from worker "
                                      f"{handle.wire_slot}")
            return
        policy.heard()
        if isinstance(message, p.Result):
            self._on_result(handle, message)
        elif isinstance(message, p.Progress):
            handle.phase_detail = message.phase
            if (handle.assignment is not None and message.batch_id == handle.assignment.batch_id
                    and message.iterations_done > handle.iterations_done):
                handle.iterations_done = message.iterations_done
                policy.progressed()
        elif isinstance(message, p.Error):
            self._on_error(handle, message)
        elif isinstance(message, p.Hello):
            self._bad_message(handle, "a second hello from the same worker")

    def _bad_message(self, handle: WorkerHandle | None, error: str) -> None:
        index = handle.slot if handle is not None else len(self.bad_messages) - 1
        self.bad_messages[index] += 1
        if self.bad_messages[index] <= BAD_MESSAGES_LOGGED_PER_SLOT:
            self.events.emit("bad_message", level="warning", slot=handle.slot if handle else None,
                             pid=handle.pid if handle else None, error=error, count=self.bad_messages[index])

    def _on_hello(self, identity: bytes, hello: p.Hello) -> None:
        handle = self.handles[hello.slot] if 0 <= hello.slot < len(self.handles) else None
        if (handle is None or handle.identity is not None or handle.wire_attempt != hello.attempt
                or handle.pid != hello.pid):
            self._bad_message(None, f"hello from an unknown worker (slot {hello.slot}, attempt {hello.attempt}, "
                                    f"pid {hello.pid})")
            return
        policy = self.policies[hello.slot]
        if policy.phase != Phase.STARTING:
            return
        handle.identity = identity
        self.by_identity[identity] = handle
        policy.hello()
        handle.phase_detail = "loading"
        setup = self.setup
        self._send(handle, p.Welcome(
            run_id=self.run_id, config_path=str(setup.config_path),
            buckets_path=str(setup.buckets_path) if setup.buckets_path else "",
            regret_segment=self.tables.names[0], strategy_segment=self.tables.names[1],
            table_size=setup.table_size, heartbeat_interval=self.params.heartbeat_interval,
            liveness=self.params.liveness, table_mode=self.table_mode, lock_path=str(self.lock_path),
            tree_segment=self.tables.arrays_name, tree_layout=self.tree_layout,
        ))
        self._send(handle, p.Batch(batch_id=0, first_iteration=0, iterations=self.params.warmup_iterations,
                                   batch_start=0, seed=setup.seed, scratch=True))

    def _on_result(self, handle: WorkerHandle, result: p.Result) -> None:
        policy = self.policies[handle.slot]
        if policy.phase == Phase.LOADING:
            policy.ready()
            handle.phase_detail = "ready"
            self.events.emit("worker_ready", slot=handle.slot, pid=handle.pid, attempt=handle.attempt,
                             standby=self._is_standby(handle.slot),
                             startup_seconds=round(self.clock() - handle.spawned_at, 3),
                             warmup_seconds=round(result.seconds, 3))
            if self.state == RunState.STARTING and not self._is_standby(handle.slot):
                self._startup_passed()
            self._pump(self.clock())
            return
        a = handle.assignment
        problem = None
        if policy.phase != Phase.BUSY or a is None:
            problem = "a result while no batch was assigned"
        elif (result.batch_id, result.first_iteration, result.iterations) != (a.batch_id, a.first_iteration,
                                                                              a.iterations):
            problem = (f"result for batch {result.batch_id} (iterations {result.first_iteration}+{result.iterations})"
                       f" but batch {a.batch_id} ({a.first_iteration}+{a.iterations}) was assigned")
        if problem:
            self.events.emit("bad_result", level="error", slot=handle.slot, pid=handle.pid, error=problem)
            if a is not None:
                self.book.lose(a.batch_id)
                handle.assignment = None
            for action in policy.failed("protocol"):
                self._kill(handle, policy, action.reason)
            return
        self.book.complete(a.batch_id)
        handle.assignment = None
        policy.finished()
        self.batches_by_slot[handle.slot] += a.batches
        self.sizer.measured(handle.slot, a.batches, a.iterations, result.seconds)
        self.tally.add(handle.slot, a.batch_id, a.batches, a.iterations, result.nodes_visited, result.seconds,
                       pid=handle.pid)
        now = self.clock()
        self.rate.add(now, self.book.completed_iterations)
        self._pump(now)

    def _on_error(self, handle: WorkerHandle, error: p.Error) -> None:
        handle.error = {"type": error.exc_type, "message": error.message, "traceback": error.traceback}
        self.events.emit("worker_error", level="error", slot=handle.slot, pid=handle.pid, attempt=handle.attempt,
                         batch=error.batch_id if error.batch_id != p.NO_BATCH else None, exc_type=error.exc_type,
                         message=error.message, traceback=error.traceback, phase=handle.phase_detail)
        policy = self.policies[handle.slot]
        if handle.assignment is not None:
            self.book.lose(handle.assignment.batch_id)
            handle.assignment = None
        for action in policy.failed("error"):
            self._kill(handle, policy, action.reason)

    def _send(self, handle: WorkerHandle, message: p.Message) -> None:
        if handle.identity is None:
            return
        try:
            self.wire.send_multipart([handle.identity, p.encode(message)], flags=zmq.NOBLOCK)
        except zmq.Again:
            pass  # the worker is not reading; its liveness decides

    def _heartbeat(self) -> None:
        beat = p.Heartbeat(slot=-1)
        for handle in self.handles:
            if handle is not None and self.policies[handle.slot].alive:
                self._send(handle, beat)
        if self.remote is not None:
            self.remote.heartbeat()

    # ------------------------------------------------------------------ start-up check

    def _startup_passed(self) -> None:
        self.state = RunState.RUNNING
        self.train_began = (self.clock(), time.process_time())
        for policy in self.policies:
            policy.may_restart = True
        self.events.emit("startup_ok", seconds=round(self.clock() - self.t0, 3))

    def _check_startup(self, now: float) -> None:
        if self.state != RunState.STARTING:
            return
        if self.n_slots == 0:  # only remote workers: they join whenever they come, and start on their first batch
            self._startup_passed()
            return
        slots = self.policies[:self.n_slots]
        waited = now - self.t0
        if waited > self.params.startup_timeout:
            phases = sorted({h.phase_detail for h in self.handles[:self.n_slots] if h is not None})
            self._fail_startup(f"no worker finished its start-up batch within {self.params.startup_timeout:g} s "
                               f"(workers were: {', '.join(phases) or 'not running'})", timed_out=True)
        elif all(q.phase in (Phase.BACKOFF, Phase.GIVEN_UP) for q in slots) and self.startup_failures:
            self._fail_startup("every worker failed before finishing its start-up batch", timed_out=False)

    def _fail_startup(self, summary: str, timed_out: bool) -> None:
        failure = self.startup_failures[0] if self.startup_failures else None
        hints = startup.what_to_try(failure, timed_out, self.options.logdir / "workers", self.params.startup_timeout)
        self.events.emit("startup_failed", level="error", reason=summary,
                         failure=failure.to_dict() if failure else None, what_to_try=hints)
        print(startup.report(summary, failure, hints), file=sys.stderr, flush=True)
        self._begin_stop(summary, EXIT_STARTUP_FAILED)

    # ------------------------------------------------------------------ work

    def _pump(self, now: float) -> None:
        """Pause for a snapshot when due, write it once every issued group is done, else dispatch.

        While paused (or stopping) lost batches are still re-issued, so a
        snapshot has no holes: it covers exactly the batches below next_batch.
        """
        if self.barrier_task is not None or self.state not in (RunState.RUNNING, RunState.STOPPING):
            return
        if self.state == RunState.STOPPING:
            self._dispatch(lost_only=True)
            return
        if not self.pause_reason and self.live_snapshot is None and self._snapshot_due(now):
            if self._snapshot_live():
                self.last_snapshot_at = now
                self.live_snapshot = asyncio.create_task(self._write_live())
            else:
                self.pause_reason = "snapshot"
                self.pause_began = now
        if self.pause_reason:
            self._dispatch(lost_only=True)
            if self.book.settled:  # the only barrier: wait for the groups in flight (stalls get killed)
                self.barrier_task = asyncio.create_task(self._barrier())
            return
        self._dispatch()

    def _snapshot_due(self, now: float) -> bool:
        """``--snapshot-interval`` as given (0: none until the final one), else the adaptive schedule."""
        if self.options.snapshot_interval is not None:
            interval = self.setup.snapshot_interval
        else:
            interval = self.params.snapshot_delay(self.last_snapshot_pause)
        return interval is not None and now - self.last_snapshot_at >= interval

    def _snapshot_live(self) -> bool:
        """Tables this big are snapshotted while training goes on (``paused_snapshot_max_bytes``)."""
        backed = training.allocated_figures(self.tables)["allocated_bytes"] if self.tables else 0
        return backed > self.params.paused_snapshot_max_bytes

    async def _write_live(self) -> None:
        try:
            await self._snapshot("live")
        finally:
            self.live_snapshot = None

    async def _barrier(self) -> None:
        """With nothing in flight: write the snapshot, resume dispatch."""
        try:
            await self._snapshot("interval")
        finally:
            self.barrier_task = None
            self.pause_reason = ""
            self._pump(self.clock())

    def _dispatch(self, lost_only: bool = False) -> None:
        setup = self.setup
        for slot, policy in enumerate(self.policies[:self.n_slots]):
            handle = self.handles[slot]
            if policy.phase != Phase.IDLE or handle is None:
                continue
            a = self.book.take(lost_only, self.sizer.size(slot))
            if a is None:
                break
            handle.assignment = a
            handle.iterations_done = 0
            policy.assigned()
            self._send(handle, p.Group(batch_id=a.batch_id, batches=a.batches, first_iteration=a.first_iteration,
                                       iterations=a.iterations, batch_size=setup.batch_size, run_seed=setup.seed))
        if self.remote is not None:
            self.remote.dispatch(lost_only)

    def _summarize(self, now: float) -> None:
        """Log the work completed since the last summary (one ``batch_done``) and the discount points passed."""
        if self.book is None:
            return
        summary = self.tally.summary(now)
        if summary is not None:
            self.events.emit("batch_done", total_iterations=self.book.completed_iterations, **summary)
        done = self.book.completed_iterations
        if done > self.discounted_through:
            passed = training.apply_discounts(self.setup, self.tables, self.discounted_through, done)
            self.discounted_through = done
            if passed:
                self.events.emit("discount_applied", iterations=done,
                                 discounts=[{"at_iteration": at, "factor": factor} for at, factor in passed])

    async def _snapshot(self, why: str) -> None:
        try:
            iteration = self.book.completed_iterations
            began = self.clock()
            state = training.RunState(iteration=iteration,
                                      batches_done=self.batches_before + self.book.completed_batches,
                                      next_batch=self.book.next_batch, pending=tuple(self.book.pending),
                                      run_id=self.run_id)
            path, extra = await asyncio.to_thread(training.snapshot, self.setup, self.options.logdir, self.tables,
                                                   state)
            if why != "live":  # a live snapshot is not exact: the final one is written whatever it saw
                self.last_snapshot_iteration = iteration
            self.exploitability = extra.get("exploitability", self.exploitability)
            paused = None
            if why == "interval":  # from the pause request (dispatch stopped) to now (dispatch resumes)
                paused = self.last_snapshot_pause = self.clock() - self.pause_began
            elif why == "live":  # no pause; its cost is the writer's time beside the workers
                paused = 0.0
                self.last_snapshot_pause = self.clock() - began
            self.events.emit("snapshot_written", path=str(path), iteration=iteration, why=why,
                             seconds=round(self.clock() - began, 3),
                             paused_seconds=round(paused, 3) if paused is not None else None, **extra)
            if self.tb is not None:
                self.tb.scalars(iteration, **{f"tables/{k}": v for k, v in extra.items()})
        except Exception as exc:
            self.events.emit("snapshot_failed", level="error", error=f"{type(exc).__name__}: {exc}")
        finally:
            self.last_snapshot_at = self.clock()

    # ------------------------------------------------------------------ stopping

    def _check_stop(self, now: float) -> None:
        if self.state != RunState.RUNNING:
            return
        if self.book.finished:
            self._begin_stop("iteration target reached", EXIT_OK)
        elif self.options.time_budget is not None and now - self.t0 >= self.options.time_budget:
            self._begin_stop("time budget used", EXIT_OK)

    def _begin_stop(self, reason: str, code: int) -> None:
        if self.state in (RunState.STOPPING, RunState.DONE):
            return
        self.trained = self.state == RunState.RUNNING
        if self.trained:
            self.train_ended = (self.clock(), time.process_time())
        self.state = RunState.STOPPING
        self.stop_reason = reason
        self.exit_code = code
        self.stop_began = self.clock()
        self.pause_reason = ""
        for policy in self.policies:
            policy.stop()
        self.events.emit("run_stopping", reason=reason, in_flight=sorted(self.book.in_flight))

    def _advance_stop(self, now: float) -> None:
        """Once the batches in flight are in (or ``stop_timeout`` is over), start the final stage."""
        if self.barrier_task is not None:
            return
        workers_left = any(q.phase in (Phase.IDLE, Phase.BUSY) for q in self.policies[:self.n_slots]) or bool(
            self.remote and self.remote.alive())
        unfinished = self.book.in_flight or (self.book.lost and workers_left)
        if unfinished and now - self.stop_began < self.params.stop_timeout:
            return
        # a task, so the loop keeps heartbeating while a large snapshot is written
        self.barrier_task = asyncio.create_task(self._final_stage())

    async def _final_stage(self) -> None:
        """Late workers killed, work and discount points reported, final snapshot written; then the run is done."""
        try:
            if self.book.in_flight:
                # the tables must be still while the snapshot is written: the late workers go first
                late = [h for h in self.handles if h is not None and h.assignment is not None]
                for handle in late:
                    self.policies[handle.slot].kill_reason = "stop_timeout"
                    handle.kill()
                if late:
                    await asyncio.wait([h.exit_task for h in late], timeout=self.params.kill_grace)
                if self.remote is not None:
                    self.remote.abandon()
                abandoned = self.book.abandon_in_flight()
                self.events.emit("batches_abandoned", level="warning", batches=len(abandoned),
                                 batch_ranges=batch_ranges(abandoned),
                                 note="their partial updates stay in the tables; --resume runs them again")
            if self.live_snapshot is not None:  # one writer at a time; the final snapshot comes after it
                await self.live_snapshot
            if self.trained:
                self._summarize(self.clock())
                if self.book.completed_iterations != self.last_snapshot_iteration:
                    await self._snapshot("final")
        finally:
            self.state = RunState.DONE

    async def _finish_answers(self) -> None:
        """A host stopped in the middle of an answer would keep a copy that lacks the rest of it: let the
        answers in flight be taken first, within ``kill_grace`` (a host that does not take them is stopped
        all the same)."""
        for _ in range(int(self.params.kill_grace / ANSWER_POLL)):
            if self.forced or not self.remote.answering():
                return
            self.remote.drain()
            await asyncio.sleep(ANSWER_POLL)

    async def _shut_down(self) -> None:
        """Stop every worker: ask, wait ``kill_grace``, then SIGKILL (at once if forced)."""
        for policy in self.policies:
            policy.stop()
        if self.remote is not None:
            await self._finish_answers()
            self.remote.stop_all(self.stop_reason or "run over")
        live = [h for h in self.handles if h is not None]
        if not live:
            return
        if self.forced:
            for h in live:
                h.kill()
        else:
            for h in live:
                if h.identity is not None:
                    self._send(h, p.Stop(reason=self.stop_reason or "run over"))
                else:
                    h.terminate()
        waits = [h.exit_task for h in live if h.exit_task is not None]
        done, pending = await asyncio.wait(waits, timeout=self.params.kill_grace)
        if pending:
            for h in live:
                if h.proc.returncode is None:
                    h.terminate()
            done, pending = await asyncio.wait(pending, timeout=self.params.kill_grace)
        for h in live:
            if h.proc.returncode is None:
                h.kill()
        if pending:
            await asyncio.wait(pending, timeout=self.params.kill_grace)

    # ------------------------------------------------------------------ status

    def _figures(self) -> dict:
        """The run's totals, including the supervisor's own CPU time (its threads only, not the workers')."""
        book = self.book
        figures = {
            "iterations": book.completed_iterations if book else 0,
            "batches": book.completed_batches if book else 0,
            "seconds": round(self.clock() - self.t0, 3),
            "restarts": self.restarts,
            "supervisor_cpu_seconds": round(time.process_time(), 3),
        }
        if self.remote is not None:
            figures.update(self.remote.figures())
        if self.train_began and self.train_ended:
            wall = self.train_ended[0] - self.train_began[0]
            cpu = self.train_ended[1] - self.train_began[1]
            figures.update(training_seconds=round(wall, 3), supervisor_cpu_training_seconds=round(cpu, 3),
                           supervisor_cpu_share=round(cpu / wall, 5) if wall > 0 else None)
        return figures

    def _alive(self) -> int:
        local = sum(1 for q in self.policies[:self.n_slots] if q.phase in (Phase.IDLE, Phase.BUSY))
        return local + (self.remote.alive() if self.remote else 0)

    def _eta(self, now: float, rate: float) -> float | None:
        if self.book.target is not None and rate > 0:
            return (self.book.target - self.book.completed_iterations) / rate
        if self.options.time_budget is not None:
            return self.options.time_budget - (now - self.t0)
        return None

    def _progress_line(self, now: float) -> None:
        self.rate.add(now, self.book.completed_iterations)
        rate = self.rate.rate()
        state = self.pause_reason or self.state.value
        self.events.progress(progress_line(self.book.completed_iterations, rate, self._alive(),
                                           self.n_slots + (self.remote.alive() if self.remote else 0),
                                           self.restarts, self._eta(now, rate), state))

    def _write_status(self, now: float) -> None:
        self.rate.add(now, self.book.completed_iterations)
        rate = self.rate.rate()
        slots = []
        for slot, policy in enumerate(self.policies):
            handle = self.handles[slot]
            slots.append({
                "slot": slot, "standby": self._is_standby(slot), "state": policy.phase.value,
                "attempt": policy.attempt,
                "pid": handle.pid if handle else None,
                "worker_phase": handle.phase_detail if handle else None,
                "last_heartbeat_age": round(now - policy.last_heard, 3) if policy.alive else None,
                "batch": handle.assignment.batch_id if handle and handle.assignment else None,
                "batches_done": self.batches_by_slot[slot], "failures": policy.failures,
            })
        status = {
            "run_id": self.run_id, "state": self.state.value, "paused_for": self.pause_reason or None,
            "exit_code": self.exit_code if self.state == RunState.DONE else None,
            "supervisor_pid": os.getpid(), "host": socket.gethostname(), "endpoint": self.endpoint,
            "elapsed": round(now - self.t0, 3), "iterations": self.book.completed_iterations,
            "target_iterations": self.book.target, "iterations_per_s": round(rate, 1),
            "batches_done": self.book.completed_batches, "next_batch": self.book.next_batch,
            "in_flight": sorted(self.book.in_flight), "workers_alive": self._alive(), "restarts": self.restarts,
            "shared_memory": list(self.tables.names) if self.tables else [], "slots": slots,
            "remote_endpoint": self.remote.endpoint if self.remote else None,
            "remote_slots": self.remote.status(now) if self.remote else [],
            "tables": training.allocated_figures(self.tables) if self.tables else {},
            "updated": time.time(),
        }
        if status["tables"] and now - self.last_tables_event >= TABLES_EVENT_PERIOD:
            self.last_tables_event = now
            self.events.emit("tables_allocated", iterations=self.book.completed_iterations,
                             elapsed=status["elapsed"], **status["tables"])
        try:
            write_json_atomic(self.options.logdir / "status.json", status)
        except OSError as exc:
            self.events.emit("status_write_failed", level="warning", error=str(exc))
        if self.tb is not None:
            extra = dict(status["tables"])
            if self.setup.small_tables:
                extra.update(training.table_figures(self.setup, self.tables, self.book.completed_iterations))
            self.tb.scalars(self.book.completed_iterations, **{"run/iterations_per_s": rate,
                                                                  "run/workers_alive": self._alive(),
                                                                  "run/restarts": self.restarts},
                            **{f"tables/{k}": v for k, v in extra.items()})


def exit_code_of(exc: BaseException) -> int:
    """The status a process ends with when ``exc`` escapes to the interpreter."""
    if isinstance(exc, SystemExit):
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_FORCED
    return EXIT_CRASHED


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]


def run_supervisor(options: RunOptions, prepared: tuple | None = None, events_stream=None) -> int:
    """Supervise a run; returns the exit status (see the EXIT_* constants).

    ``prepared`` is what :func:`supervisor.training.prepare` returned (it is
    called here if not given, and its errors propagate).
    """
    setup, params = prepared if prepared is not None else training.prepare(options)
    del prepared
    options.logdir.mkdir(parents=True, exist_ok=True)
    run_id = new_run_id()
    events = EventLog(options.logdir, run_id, options.log_format, events_stream)
    try:
        supervisor = Supervisor(options, setup, params, events, run_id)
        del setup  # the supervisor holds the run's setup (and lets a Hold'em tree go once it is shared)
        return asyncio.run(supervisor.run())
    finally:
        events.close()


