"""The one worker I/O loop (worker/loop.py) over real inproc sockets: frames, outcomes, beats, silence."""
import os

import pytest
import zmq

from worker.loop import JobThread, serve, wake_socket


@pytest.fixture
def wires():
    context = zmq.Context()
    supervisor = context.socket(zmq.PAIR)
    supervisor.bind(f"inproc://supervisor-{os.getpid()}")
    sock = context.socket(zmq.PAIR)
    sock.connect(f"inproc://supervisor-{os.getpid()}")
    wake = wake_socket(context, f"inproc://wake-{os.getpid()}")
    jobs = JobThread(context, f"inproc://wake-{os.getpid()}")
    jobs.start()
    yield supervisor, sock, wake, jobs
    context.destroy(linger=0)  # as the workers do: it also closes the job thread's (idle) wake socket


def run(sock, wake, jobs, **handlers):
    defaults = dict(window=lambda: 60.0, interval=lambda: None, beat=lambda: None, on_frame=lambda f: None,
                    on_outcome=lambda o: None, on_silence=lambda s: ("silent", s))
    defaults.update(handlers)
    return serve(sock, wake, jobs, **defaults)


def test_every_frame_reaches_the_handler_undecodable_ones_too(wires):
    supervisor, sock, wake, jobs = wires
    frames = [b"\x00garbage", b"hello", b"stop"]
    for frame in frames:
        supervisor.send(frame)
    seen = []

    def on_frame(frame):
        seen.append(frame)
        return "stopped" if frame == b"stop" else None

    assert run(sock, wake, jobs, on_frame=on_frame) == "stopped"
    assert seen == frames


def test_silence_past_the_window_ends_the_loop_through_on_silence(wires):
    _, sock, wake, jobs = wires
    end = run(sock, wake, jobs, window=lambda: 0.0)
    assert end[0] == "silent" and end[1] >= 0.0


def test_no_heartbeat_until_an_interval_is_known_then_one_at_once(wires):
    _, sock, wake, jobs = wires
    beats = []
    assert run(sock, wake, jobs, window=lambda: 0.0, beat=lambda: beats.append(1))[0] == "silent"
    assert beats == []
    assert run(sock, wake, jobs, window=lambda: 0.0, interval=lambda: 30.0, beat=lambda: beats.append(1))[0] \
        == "silent"
    assert beats == [1]


def test_job_outcomes_wake_the_loop_in_order(wires):
    _, sock, wake, jobs = wires
    got = []

    def job(emit):
        emit("loading")
        emit("ready")

    def on_outcome(outcome):
        got.append(outcome)
        return "done" if outcome == "ready" else None

    jobs.submit_job(job)
    assert run(sock, wake, jobs, on_outcome=on_outcome) == "done"
    assert got == ["loading", "ready"]


def test_before_and_after_run_every_turn_and_may_end_it(wires):
    supervisor, sock, wake, jobs = wires
    supervisor.send(b"x")
    order = []
    end = run(sock, wake, jobs, before=lambda: order.append("before"),
              on_frame=lambda f: order.append("frame"), after=lambda: "after-ended")
    assert end == "after-ended" and order == ["before", "frame"]
