"""HOLDEM_FAULT parsing: per-slot/attempt selection and clear errors for bad specs."""
import pytest

from worker.faults import FAULT_ENV, Fault, active_fault, parse_faults


def test_parse_with_filters():
    assert parse_faults("raise_in_batch:2@slot=0@attempt=1; hang_silent") == [
        Fault("raise_in_batch", batch=2, slot=0, attempt=1), Fault("hang_silent")]


def test_selection_by_slot_and_attempt():
    env = {FAULT_ENV: "crash_at_start@slot=1@attempt=1;exit_mid_batch@attempt=2"}
    assert active_fault(1, 1, env) == Fault("crash_at_start", slot=1, attempt=1)
    assert active_fault(0, 1, env) is None
    assert active_fault(0, 2, env) == Fault("exit_mid_batch", attempt=2)
    assert active_fault(5, 3, env) is None
    assert active_fault(0, 1, {}) is None


@pytest.mark.parametrize("spec, message", [("explode", "unknown mode 'explode'"),
                                           ("raise_in_batch:x", "bad spec"),
                                           ("hang_silent@host=3", "bad spec")])
def test_bad_specs_are_named(spec, message):
    with pytest.raises(ValueError, match=message):
        parse_faults(spec)
