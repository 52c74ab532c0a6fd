"""One worker process: an I/O thread that owns the socket, a kernel thread that computes.

ZeroMQ sockets are not thread-safe, so exactly one thread (the main thread,
here) owns the DEALER socket to the supervisor's ROUTER.  It says hello,
forwards work to the kernel thread, sends heartbeats every
``heartbeat_interval`` and whatever the kernel thread reports, and leaves when
the supervisor has been silent for ``liveness`` intervals (the zguide's
Paranoid Pirate: no orphan outlives its supervisor).

The kernel thread runs the compiled MCCFR kernel, which releases the GIL
(``nogil=True``), so heartbeats keep flowing while a batch runs.  The loop
and the thread are :mod:`worker.loop`'s, shared with remote workers.
"""
from __future__ import annotations

import os
import socket as pysocket
import sys
import time
import traceback
from typing import Protocol

import zmq

from worker import protocol as p
from worker.faults import EXIT_MID_BATCH_CODE, Fault, malformed_frames
from worker.loop import JobThread, serve, wake_socket
from worker.shm import pid_alive, unlink_quietly

EXIT_STOPPED = 0  # the supervisor said stop
EXIT_ORPHANED = 3  # the supervisor went silent

_HANG_SECONDS = 1e9  # "forever" for the hang faults


class Engine(Protocol):
    """What the kernel thread drives: the solver on the run's tables."""

    def load(self, welcome: p.Welcome) -> None: ...

    def run(self, work: p.Batch | p.Group) -> tuple[int, int, float]:
        """Run one batch, or a group of grid batches in order; returns (iterations, nodes_visited, seconds)."""
        ...

    def iterations_done(self, batch_id: int) -> int:
        """Iterations of the work starting at ``batch_id`` finished so far, or -1 if it is not running or the
        kernel does not say."""
        ...


class KernelThread(JobThread):
    """Runs load and batch commands in order; every outcome becomes a message."""

    def __init__(self, context: zmq.Context, wake_endpoint: str, engine: Engine, slot: int,
                 fault: Fault | None) -> None:
        super().__init__(context, wake_endpoint)
        self.engine = engine
        self.slot = slot
        self.fault = fault
        self.real_batches = 0

    def submit(self, command: p.Message) -> None:
        self.submit_job(lambda emit: [emit(message) for message in self._handle(command)])

    def _handle(self, command: p.Message):
        batch_id = command.batch_id if isinstance(command, (p.Batch, p.Group)) else p.NO_BATCH
        try:
            if isinstance(command, p.Welcome):
                yield p.Progress(self.slot, "loading", p.NO_BATCH, 0)
                if self.fault is not None and self.fault.mode == "raise_at_load":
                    raise RuntimeError("injected fault: raise_at_load (HOLDEM_FAULT)")
                self.engine.load(command)
                return
            if isinstance(command, p.Batch) and command.scratch:
                yield p.Progress(self.slot, "compiling", command.batch_id, 0)
            else:
                self.real_batches += 1
                self._batch_fault(command)
            iterations, nodes, seconds = self.engine.run(command)
            yield p.Result(self.slot, command.batch_id, command.first_iteration, int(iterations), int(nodes),
                           float(seconds))
        except Exception as exc:
            yield p.Error(self.slot, batch_id, type(exc).__name__, str(exc)[: p.MAX_TEXT_CHARS],
                          traceback.format_exc()[-p.MAX_TEXT_CHARS:])

    def _batch_fault(self, work: p.Batch | p.Group) -> None:
        fault = self.fault
        if fault is None or self.real_batches != fault.batch:
            return
        if fault.mode == "raise_in_batch":
            raise RuntimeError(f"injected fault: raise_in_batch:{fault.batch} (HOLDEM_FAULT)")
        if fault.mode == "heartbeat_no_progress":
            time.sleep(_HANG_SECONDS)
        if fault.mode == "exit_mid_batch":
            # half of the first batch lands in the tables, then the process vanishes
            from holdem.mccfr.solver import batch_seed

            first = work.parts(batch_seed)[0] if isinstance(work, p.Group) else work
            half = max(1, first.iterations // 2)
            self.engine.run(p.Batch(first.batch_id, first.first_iteration, half, first.batch_start, first.seed,
                                    first.scratch))
            os._exit(EXIT_MID_BATCH_CODE)


class WorkerProcess:
    """The I/O loop of one local worker."""

    def __init__(self, endpoint: str, slot: int, attempt: int, heartbeat_interval: float, liveness: int,
                 owner_pid: int, engine: Engine, fault: Fault | None = None) -> None:
        self.endpoint = endpoint
        self.slot = slot
        self.attempt = attempt
        self.heartbeat_interval = heartbeat_interval
        self.liveness = liveness
        self.owner_pid = owner_pid
        self.engine = engine
        self.fault = fault
        self.segments: tuple[str, ...] = ()
        self.batch_id = p.NO_BATCH
        self.reported_done = 0
        self.real_batches = 0

    def run(self) -> int:
        context = zmq.Context()
        try:
            return self._loop(context)
        finally:
            context.destroy(linger=0)

    def _send(self, sock: zmq.Socket, message: p.Message | bytes) -> None:
        frame = message if isinstance(message, bytes) else p.encode(message)
        try:
            sock.send(frame, zmq.NOBLOCK)
        except zmq.Again:
            pass  # the supervisor is not reading; liveness decides what happens next

    def _loop(self, context: zmq.Context) -> int:
        sock = context.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.IDENTITY, f"{self.slot}.{self.attempt}.{os.getpid()}".encode())
        sock.connect(self.endpoint)
        wake_endpoint = f"inproc://kernel-{os.getpid()}"
        wake = wake_socket(context, wake_endpoint)
        kernel = KernelThread(context, wake_endpoint, self.engine, self.slot, self.fault)
        kernel.start()
        self._send(sock, p.Hello(self.slot, self.attempt, os.getpid(), pysocket.gethostname()))
        return serve(sock, wake, kernel, window=lambda: self.heartbeat_interval * self.liveness,
                     interval=lambda: self.heartbeat_interval, beat=lambda: self._beat(sock),
                     on_frame=lambda frame: self._on_frame(sock, kernel, frame),
                     on_outcome=lambda message: self._on_outcome(sock, message), on_silence=self._on_silence)

    def _on_frame(self, sock: zmq.Socket, kernel: KernelThread, frame: bytes) -> int | None:
        try:
            message = p.decode(frame, p.FROM_SUPERVISOR)
        except p.ProtocolError as exc:
            print(f"worker {self.slot}: dropped a bad message: {exc}", file=sys.stderr, flush=True)
            return None
        return self._on_message(sock, kernel, message)

    def _on_outcome(self, sock: zmq.Socket, message: p.Message) -> None:
        if isinstance(message, (p.Result, p.Error)):
            self.batch_id = p.NO_BATCH
        self._send(sock, message)

    def _on_silence(self, seconds: float) -> int:
        print(f"worker {self.slot}: supervisor silent for {seconds:.1f} s; exiting", file=sys.stderr, flush=True)
        self._clean_up_after_dead_owner()
        return EXIT_ORPHANED

    def _beat(self, sock: zmq.Socket) -> None:
        self._send(sock, p.Heartbeat(self.slot))
        if self.batch_id != p.NO_BATCH:
            done = self.engine.iterations_done(self.batch_id)
            if done > self.reported_done:
                self.reported_done = done
                self._send(sock, p.Progress(self.slot, "running", self.batch_id, done))

    def _on_message(self, sock: zmq.Socket, kernel: KernelThread, message: p.Message) -> int | None:
        if isinstance(message, p.Stop):
            return EXIT_STOPPED
        if isinstance(message, p.Welcome):
            self.segments = tuple(filter(None, (message.regret_segment, message.strategy_segment,
                                                 message.tree_segment)))
            self.heartbeat_interval = message.heartbeat_interval
            self.liveness = message.liveness
            kernel.submit(message)
        elif isinstance(message, (p.Batch, p.Group)):
            if isinstance(message, p.Group) or not message.scratch:
                self.real_batches += 1
                self._io_fault(sock)
            self.batch_id = message.batch_id
            self.reported_done = 0
            self._send(sock, p.Progress(self.slot, "running", message.batch_id, 0))
            kernel.submit(message)
        # Heartbeat and Pause need nothing beyond the liveness refresh
        return None

    def _io_fault(self, sock: zmq.Socket) -> None:
        fault = self.fault
        if fault is None or self.real_batches != fault.batch:
            return
        if fault.mode == "hang_silent":
            time.sleep(_HANG_SECONDS)
        if fault.mode == "malformed_message":
            for frame in malformed_frames():
                self._send(sock, frame)

    def _clean_up_after_dead_owner(self) -> None:
        """A SIGKILLed supervisor cannot unlink its segments (tables and betting tree); its orphans can.

        The registry entry stays for the next run's sweep (:func:`supervisor.shm.sweep_stale`), which
        then finds nothing left to unlink."""
        owner_gone = os.getppid() != self.owner_pid or not pid_alive(self.owner_pid)
        if self.segments and owner_gone:
            for name in self.segments:
                unlink_quietly(name)
