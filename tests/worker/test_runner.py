"""The worker's I/O loop against a scripted supervisor (a ROUTER socket in the test), with a fake kernel.

Checks the Paranoid Pirate behaviour: hello first; heartbeats keep flowing
while the kernel thread is busy; the worker leaves when the supervisor is
silent; stop ends it; bad frames are dropped.
"""
from __future__ import annotations

import threading
import time

import pytest
import zmq

from worker import protocol as p
from worker.runner import EXIT_ORPHANED, EXIT_STOPPED, WorkerProcess

BEAT = 0.05
LIVENESS = 4


class FakeEngine:
    """Sleeps instead of computing, holding no GIL-bound loop (like the nogil kernel)."""

    def __init__(self, batch_seconds: float = 0.0) -> None:
        self.batch_seconds = batch_seconds
        self.loaded = None

    def load(self, welcome):
        self.loaded = welcome

    def run(self, batch):
        time.sleep(self.batch_seconds)
        return batch.iterations, 7 * batch.iterations, self.batch_seconds

    def iterations_done(self, batch_id):
        return -1


class Harness:
    def __init__(self, engine: FakeEngine) -> None:
        self.context = zmq.Context()
        self.router = self.context.socket(zmq.ROUTER)
        self.router.setsockopt(zmq.LINGER, 0)
        self.router.bind("tcp://127.0.0.1:*")
        endpoint = self.router.getsockopt(zmq.LAST_ENDPOINT).decode()
        self.worker = WorkerProcess(endpoint, slot=0, attempt=1, heartbeat_interval=BEAT, liveness=LIVENESS,
                                    owner_pid=-1, engine=engine)
        self.code = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        self.identity = None

    def _run(self):
        self.code = self.worker.run()

    def recv(self, timeout: float = 5.0) -> p.Message:
        if not self.router.poll(timeout * 1000):
            raise TimeoutError("the worker said nothing")
        identity, frame = self.router.recv_multipart()
        self.identity = identity
        return p.decode(frame, p.FROM_WORKER)

    def send(self, message: p.Message | bytes) -> None:
        frame = message if isinstance(message, bytes) else p.encode(message)
        self.router.send_multipart([self.identity, frame])

    def until(self, kind, timeout: float = 5.0, beat: bool = True) -> tuple[p.Message, list[p.Message]]:
        seen = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = self.recv(deadline - time.monotonic())
            seen.append(message)
            if beat:
                self.send(p.Heartbeat(slot=-1))
            if isinstance(message, kind):
                return message, seen
        raise TimeoutError(f"no {kind.__name__}")

    def close(self):
        self.router.close()
        self.context.term()


@pytest.fixture
def harness_factory():
    made = []

    def make(engine):
        h = Harness(engine)
        made.append(h)
        return h

    yield make
    for h in made:
        h.thread.join(timeout=5)
        h.close()


WELCOME = p.Welcome(run_id="r", config_path="c.yaml", buckets_path="", regret_segment="x", strategy_segment="y",
                    table_size=10, heartbeat_interval=BEAT, liveness=LIVENESS)


def test_hello_then_heartbeats_during_a_long_batch(harness_factory):
    engine = FakeEngine(batch_seconds=20 * BEAT)
    h = harness_factory(engine)
    hello = h.recv()
    assert isinstance(hello, p.Hello) and hello.slot == 0 and hello.attempt == 1
    h.send(WELCOME)
    h.send(p.Batch(batch_id=4, first_iteration=40, iterations=10, batch_start=40, seed=1, scratch=False))
    result, seen = h.until(p.Result)
    assert engine.loaded == WELCOME
    assert result == p.Result(0, 4, 40, 10, 70, 20 * BEAT)
    beats = sum(isinstance(m, p.Heartbeat) for m in seen)
    assert beats >= 10, f"only {beats} heartbeats during a batch of 20 intervals"
    assert any(isinstance(m, p.Progress) and m.phase == "running" and m.batch_id == 4 for m in seen)
    h.send(p.Stop(reason="done"))
    h.thread.join(timeout=5)
    assert h.code == EXIT_STOPPED


def test_worker_leaves_when_the_supervisor_is_silent(harness_factory):
    h = harness_factory(FakeEngine())
    h.recv()
    began = time.monotonic()
    h.thread.join(timeout=5)
    waited = time.monotonic() - began
    assert h.code == EXIT_ORPHANED
    assert BEAT * LIVENESS * 0.8 <= waited <= BEAT * LIVENESS + 1.0


def test_exceptions_come_back_as_error_messages(harness_factory):
    class Broken(FakeEngine):
        def run(self, batch):
            raise ValueError("bucket file truncated")

    h = harness_factory(Broken())
    h.recv()
    h.send(WELCOME)
    h.send(p.Batch(batch_id=0, first_iteration=0, iterations=1, batch_start=0, seed=1, scratch=True))
    error, _ = h.until(p.Error)
    assert error.exc_type == "ValueError" and error.message == "bucket file truncated"
    assert "Traceback" in error.traceback and "bucket file truncated" in error.traceback
    h.send(p.Stop(reason="done"))


def test_bad_frames_from_the_supervisor_are_dropped(harness_factory):
    h = harness_factory(FakeEngine())
    h.recv()
    h.send(b"garbage")
    h.send(p.encode(p.Result(0, 1, 0, 1, 1, 0.1)))  # a worker-only kind
    h.send(WELCOME)
    h.send(p.Batch(batch_id=1, first_iteration=0, iterations=3, batch_start=0, seed=1, scratch=False))
    result, _ = h.until(p.Result)
    assert result.batch_id == 1
    h.send(p.Stop(reason="done"))
    h.thread.join(timeout=5)
    assert h.code == EXIT_STOPPED


def test_a_group_is_one_piece_of_work_with_one_result(harness_factory):
    h = harness_factory(FakeEngine())
    h.recv()
    h.send(WELCOME)
    h.send(p.Group(batch_id=3, batches=5, first_iteration=300, iterations=480, batch_size=100, run_seed=7))
    result, seen = h.until(p.Result)
    assert result == p.Result(0, 3, 300, 480, 7 * 480, 0.0)
    assert any(isinstance(m, p.Progress) and m.phase == "running" and m.batch_id == 3 for m in seen)
    h.send(p.Stop(reason="done"))


def test_an_orphan_unlinks_every_segment_of_its_dead_supervisor(harness_factory):
    """Tables and the betting tree: the worker's owner (pid -1 here) is gone, so nobody else would."""
    import secrets

    from worker.shm import open_segment, segment_names

    names = [*segment_names(999_999_999, secrets.token_hex(3))]
    names.append(names[0][:-1] + "t")
    segments = [open_segment(n, create=True, nbytes=64) for n in names]
    try:
        h = harness_factory(FakeEngine())
        h.recv()
        h.send(p.Welcome(run_id="r", config_path="c.yaml", buckets_path="", regret_segment=names[0],
                         strategy_segment=names[1], table_size=4, heartbeat_interval=BEAT, liveness=LIVENESS,
                         tree_segment=names[2], tree_layout="[]"))
        h.thread.join(timeout=10)  # then the supervisor goes silent
        assert h.code == EXIT_ORPHANED
        for name in names:
            with pytest.raises(FileNotFoundError):
                open_segment(name)
    finally:
        for segment in segments:
            segment.close()
