"""The I/O loop every worker runs, local or remote, and the job thread beside it.

ZeroMQ sockets are not thread-safe, so one thread (the I/O thread) owns the
socket to the supervisor; a :class:`JobThread` runs the slow work (loading
a game, the compiled kernel, which releases the GIL) and hands outcomes
back through a queue, waking the I/O thread through an ``inproc`` PUSH
socket that it alone owns (the I/O thread's end is one PULL socket,
:func:`wake_socket`, so a remote host's several kernel threads wake it alike).

:func:`serve` is the zguide's Paranoid Pirate worker loop, once for both
kinds of worker:

- every frame from the supervisor is life, decodable or not (the peer is
  there; what it said is the handler's business);
- a heartbeat goes out every ``interval()`` seconds (None: not yet, e.g. a
  remote worker before the run's offer; the first beat goes out as soon as
  an interval is known);
- silence for longer than ``window()`` seconds ends the loop
  (``on_silence``): a local worker exits, a remote one joins again.

Everything that has arrived is read on every turn, whether or not ``poll``
reported it: a thread that got the GIL back long after ``poll`` returned
must not take queued heartbeats for silence.
"""
from __future__ import annotations

import queue
import threading
import time
from typing import Any, Callable, Sequence, TypeVar

import zmq

End = TypeVar("End")
Emit = Callable[[Any], None]


def wake_socket(context: zmq.Context, endpoint: str) -> zmq.Socket:
    """The I/O thread's end of the wake-ups: bound before any job thread starts."""
    wake = context.socket(zmq.PULL)
    wake.setsockopt(zmq.LINGER, 0)
    wake.bind(endpoint)
    return wake


class JobThread(threading.Thread):
    """Runs jobs in order, off the I/O thread; a job reports through ``emit``, which queues the
    outcome and wakes the I/O thread.  Threads given one ``inbox`` and ``outbox`` share the work."""

    def __init__(self, context: zmq.Context, wake_endpoint: str, inbox: queue.Queue | None = None,
                 outbox: queue.Queue | None = None, name: str = "kernel") -> None:
        super().__init__(name=name, daemon=True)
        self.context = context
        self.wake_endpoint = wake_endpoint
        self.inbox: queue.Queue = queue.Queue() if inbox is None else inbox
        self.outbox: queue.Queue = queue.Queue() if outbox is None else outbox

    def submit_job(self, job: Callable[[Emit], None]) -> None:
        self.inbox.put(job)

    def run(self) -> None:
        wake = self.context.socket(zmq.PUSH)
        wake.setsockopt(zmq.LINGER, 0)
        wake.connect(self.wake_endpoint)

        def emit(outcome: Any) -> None:
            self.outbox.put(outcome)
            wake.send(b"")

        try:
            while True:  # a daemon thread: it ends with the process
                self.inbox.get()(emit)
        finally:
            wake.close()


def _drain(sock: zmq.Socket) -> None:
    while True:
        try:
            sock.recv(zmq.NOBLOCK)
        except zmq.Again:
            return


def serve(sock: zmq.Socket, wake: zmq.Socket, jobs: JobThread, *, window: Callable[[], float],
          interval: Callable[[], float | None], beat: Callable[[], None],
          on_frame: Callable[[bytes], End | None], on_outcome: Callable[[Any], End | None],
          on_silence: Callable[[float], End], before: Callable[[], End | None] | None = None,
          after: Callable[[], End | None] | None = None, also_poll: Sequence[zmq.Socket] = (),
          clock: Callable[[], float] = time.monotonic) -> End:
    """Run the loop until a handler returns something other than None; return that.

    Each turn: ``before()``, every frame (``on_frame``), every outcome of ``jobs``
    (``on_outcome``), ``after()``, then the heartbeat and the silence rule.
    """
    poller = zmq.Poller()
    for socket in (sock, wake, *also_poll):
        poller.register(socket, zmq.POLLIN)
    last_heard = clock()
    next_beat: float | None = None  # None: no beat sent yet
    try:
        while True:
            wake_at = last_heard + window()
            if interval() is not None:
                wake_at = min(wake_at, clock() if next_beat is None else next_beat)
            poller.poll(max(0.0, wake_at - clock()) * 1000)
            end = before() if before is not None else None
            if end is not None:
                return end
            while True:
                try:
                    frame = sock.recv(zmq.NOBLOCK)
                except zmq.Again:
                    break
                last_heard = clock()
                end = on_frame(frame)
                if end is not None:
                    return end
            _drain(wake)
            while not jobs.outbox.empty():
                end = on_outcome(jobs.outbox.get())
                if end is not None:
                    return end
            end = after() if after is not None else None
            if end is not None:
                return end
            now = clock()
            every = interval()
            if every is not None and (next_beat is None or now >= next_beat):
                beat()
                next_beat = now + every
            if now - last_heard > window():
                return on_silence(now - last_heard)
    finally:
        for socket in (sock, wake, *also_poll):
            poller.unregister(socket)
