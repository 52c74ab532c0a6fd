"""The supervision policy, driven by a fake clock: no processes, no sockets."""
import pytest
from fakeclock import FakeClock

from supervisor.params import SupervisorParams
from supervisor.policy import Escalate, GiveUp, Kill, Phase, SlotPolicy, Start

PARAMS = SupervisorParams(heartbeat_interval=1.0, liveness=5, stall_timeout=20.0, kill_grace=5.0,
                          backoff_initial=0.5, backoff_max=30.0, max_restarts=5, restart_window=60.0,
                          startup_timeout=100.0, hello_timeout=10.0)


def running_slot(clock, params=PARAMS):
    """A slot whose worker has started, said hello and finished its start-up batch."""
    slot = SlotPolicy(0, params, clock)
    assert slot.tick() == [Start(1)]
    slot.spawned()
    slot.hello()
    slot.ready()
    return slot


def test_first_start_is_due_at_once():
    slot = SlotPolicy(0, PARAMS, FakeClock())
    assert slot.tick() == [Start(1)]
    slot.spawned()
    assert slot.phase == Phase.STARTING and slot.attempt == 1 and slot.tick() == []


def test_silence_beyond_liveness_intervals_kills():
    clock = FakeClock()
    slot = running_slot(clock)
    clock.advance(PARAMS.silence_timeout)
    assert slot.tick() == []  # exactly at the limit is still alive
    clock.advance(0.01)
    assert slot.tick() == [Kill("silent")]
    assert slot.phase == Phase.KILLING


def test_heartbeats_keep_a_worker_alive():
    clock = FakeClock()
    slot = running_slot(clock)
    for _ in range(100):
        clock.advance(PARAMS.heartbeat_interval)
        slot.heard()
        assert slot.tick() == []


def test_heartbeats_without_progress_mean_stalled():
    clock = FakeClock()
    slot = running_slot(clock)
    slot.assigned()
    for _ in range(int(PARAMS.stall_timeout)):
        clock.advance(1.0)
        slot.heard()
        assert slot.tick() == []
    clock.advance(0.5)
    slot.heard()
    assert slot.tick() == [Kill("stalled")]


def test_progress_resets_the_stall_clock_and_idle_never_stalls():
    clock = FakeClock()
    slot = running_slot(clock)
    slot.assigned()
    for _ in range(3):
        clock.advance(PARAMS.stall_timeout * 0.9)
        slot.progressed()
        assert slot.tick() == []
    slot.finished()
    for _ in range(10):  # idle, heard, no batch: fine for ever
        clock.advance(PARAMS.stall_timeout)
        slot.heard()
        assert slot.tick() == []


def test_startup_batch_gets_startup_timeout_not_stall_timeout():
    clock = FakeClock()
    slot = SlotPolicy(0, PARAMS, clock)
    slot.tick()
    slot.spawned()
    slot.hello()
    clock.advance(PARAMS.stall_timeout * 2)
    slot.heard()
    assert slot.tick() == []
    clock.advance(PARAMS.startup_timeout)
    slot.heard()
    assert slot.tick() == [Kill("stalled")]


def test_hello_timeout_before_hello():
    clock = FakeClock()
    slot = SlotPolicy(0, PARAMS, clock)
    slot.tick()
    slot.spawned()
    clock.advance(PARAMS.hello_timeout - 0.1)
    assert slot.tick() == []
    clock.advance(0.2)
    assert slot.tick() == [Kill("silent")]


def test_sigkill_after_grace():
    clock = FakeClock()
    slot = running_slot(clock)
    assert slot.failed("error") == [Kill("error")]
    clock.advance(PARAMS.kill_grace - 0.1)
    assert slot.tick() == []
    clock.advance(0.2)
    assert slot.tick() == [Escalate()]
    clock.advance(10)
    assert slot.tick() == []  # escalates once


def test_failed_is_ignored_unless_alive():
    clock = FakeClock()
    slot = running_slot(clock)
    slot.failed("error")
    assert slot.failed("error") == []


def test_backoff_doubles_up_to_the_cap():
    params = SupervisorParams(backoff_initial=0.5, backoff_max=4.0, max_restarts=100, restart_window=1e6)
    clock = FakeClock()
    slot = running_slot(clock, params)
    delays = []
    for _ in range(7):
        assert slot.exited() == []
        delay = slot.restart_at - clock.now
        delays.append(delay)
        clock.advance(delay - 0.01)
        assert slot.tick() == []
        clock.advance(0.01)
        assert slot.tick() == [Start(slot.attempt + 1)]
        slot.spawned()
    assert delays == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0]


def test_restart_intensity_gives_the_slot_up():
    clock = FakeClock()
    slot = running_slot(clock)
    for attempt in range(PARAMS.max_restarts):
        assert slot.exited() == []
        clock.advance(PARAMS.backoff_max)
        assert slot.tick() == [Start(attempt + 2)]
        slot.spawned()
    # the window is 60 s; five restarts 30 s apart: the oldest ones have left the window
    assert slot.exited() == []


def test_more_than_max_restarts_within_the_window_gives_up():
    clock = FakeClock()
    slot = running_slot(clock)
    start = clock.now
    for _ in range(PARAMS.max_restarts):
        assert slot.exited() == []
        while slot.tick() == []:
            clock.advance(0.5)
        slot.spawned()
    assert clock.now - start < PARAMS.restart_window
    actions = slot.exited()
    assert len(actions) == 1 and isinstance(actions[0], GiveUp)
    assert slot.given_up and slot.tick() == []
    clock.advance(1000)
    assert slot.tick() == []


def test_restarts_held_until_released():
    clock = FakeClock()
    slot = running_slot(clock)
    slot.may_restart = False
    slot.exited()
    clock.advance(100)
    assert slot.tick() == []
    slot.may_restart = True
    assert slot.tick() == [Start(2)]


def test_stopping_means_no_restart():
    clock = FakeClock()
    slot = running_slot(clock)
    slot.stop()
    assert slot.exited() == []
    assert slot.phase == Phase.STOPPED
    clock.advance(100)
    assert slot.tick() == []


def test_stop_drops_a_pending_restart():
    clock = FakeClock()
    slot = running_slot(clock)
    slot.exited()
    slot.stop()
    clock.advance(100)
    assert slot.tick() == [] and slot.phase == Phase.STOPPED


@pytest.mark.parametrize("field, value", [("liveness", 0), ("heartbeat_interval", -1.0), ("liveness", 1.5),
                                          ("max_restarts", True), ("backoff_max", 0.1)])
def test_params_validated(field, value):
    with pytest.raises(ValueError, match=f"supervisor.{field}|backoff_max"):
        SupervisorParams(**{field: value})
