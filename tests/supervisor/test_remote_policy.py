"""The remote slots' supervision policy, driven by a fake clock: no sockets."""
from fakeclock import FakeClock

from supervisor.params import SupervisorParams
from supervisor.remote_policy import EndSession, RemoteSlotPolicy, Session

PARAMS = SupervisorParams(heartbeat_interval=1.0, liveness=5, stall_timeout=20.0, startup_timeout=100.0)


def heartbeats(slot: RemoteSlotPolicy, clock: FakeClock, beats: int, progress: bool = False) -> None:
    """``beats`` heartbeats 4 s apart (inside the 5 s window), each followed by a tick that must not end it."""
    for _ in range(beats):
        clock.advance(4.0)
        slot.heard()
        if progress:
            slot.progressed()
        assert slot.tick() is None


def working(clock) -> RemoteSlotPolicy:
    """A session that joined, agreed to the terms and is ready."""
    slot = RemoteSlotPolicy(PARAMS, clock)
    slot.joined()
    slot.agreed()
    slot.ready()
    return slot


def test_a_slot_with_no_session_is_never_ended():
    clock = FakeClock()
    slot = RemoteSlotPolicy(PARAMS, clock)
    clock.advance(10_000)
    assert slot.session == Session.AWAY and not slot.live and slot.tick() is None


def test_the_session_goes_through_its_states():
    clock = FakeClock()
    slot = RemoteSlotPolicy(PARAMS, clock)
    slot.joined()
    assert slot.session == Session.OFFERED and slot.live and not slot.working
    slot.agreed()
    assert slot.session == Session.LOADING and not slot.working
    slot.ready()
    assert slot.session == Session.IDLE and slot.working
    slot.assigned()
    assert slot.session == Session.BUSY and slot.working
    slot.finished()
    assert slot.session == Session.IDLE
    slot.ended()
    assert slot.session == Session.AWAY and not slot.live


def test_silence_ends_the_session_after_heartbeat_interval_times_liveness():
    clock = FakeClock()
    slot = working(clock)
    clock.advance(5.0)
    assert slot.tick() is None  # exactly the window: still alive
    clock.advance(0.01)
    end = slot.tick()
    assert isinstance(end, EndSession) and end.reason == "silent" and end.tell is None
    assert end.figures == {"silent_for": 5.01}


def test_hearing_from_the_worker_keeps_it_alive():
    clock = FakeClock()
    heartbeats(working(clock), clock, 20)


def test_a_busy_session_without_progress_is_stalled_even_while_heartbeating():
    clock = FakeClock()
    slot = working(clock)
    slot.assigned()
    heartbeats(slot, clock, 5)
    clock.advance(0.5)
    slot.heard()
    end = slot.tick()
    assert end is not None and end.reason == "stalled" and "20 s" in end.tell


def test_progress_restarts_the_stall_clock():
    clock = FakeClock()
    slot = working(clock)
    slot.assigned()
    heartbeats(slot, clock, 10, progress=True)


def test_an_idle_session_is_never_stalled():
    clock = FakeClock()
    heartbeats(working(clock), clock, 10)


def test_a_session_not_ready_within_the_startup_timeout_is_ended():
    for agreed in (False, True):
        clock = FakeClock()
        slot = RemoteSlotPolicy(PARAMS, clock)
        slot.joined()
        if agreed:
            slot.agreed()
        heartbeats(slot, clock, 25)  # heartbeating all along: only the start-up rule can end it
        clock.advance(0.5)
        slot.heard()
        end = slot.tick()
        assert end is not None and end.reason == "join_timeout" and "100 s" in end.tell


def test_a_ready_session_is_past_the_startup_rule():
    clock = FakeClock()
    heartbeats(working(clock), clock, 50)


def test_a_new_join_resets_the_clocks():
    clock = FakeClock()
    slot = working(clock)
    clock.advance(60.0)
    assert slot.tick().reason == "silent"
    slot.ended()
    slot.joined()
    assert slot.session == Session.OFFERED and slot.tick() is None


def test_a_host_that_takes_no_part_of_its_answer_is_stalled_while_an_idle_one_is_not():
    clock = FakeClock()
    slot = working(clock)
    heartbeats(slot, clock, 10)  # idle and heard from: never stalled
    slot.stream_started()
    heartbeats(slot, clock, 4)  # 16 s: parts may take a while
    slot.progressed()  # one part acknowledged restarts the clock
    heartbeats(slot, clock, 4)
    clock.advance(4.1)
    slot.heard()
    end = slot.tick()
    assert isinstance(end, EndSession) and end.reason == "stalled" and end.figures == {"streaming": True}
    assert "no table part" in end.tell


def test_a_finished_stream_stops_the_stall_clock():
    clock = FakeClock()
    slot = working(clock)
    slot.stream_started()
    slot.stream_ended()
    heartbeats(slot, clock, 20)
    assert slot.tick() is None
