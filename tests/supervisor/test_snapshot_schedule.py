"""When snapshots come without --snapshot-interval: after a minute, then at 100 times their measured pause."""
import pytest

from supervisor.params import SupervisorParams


def test_default_schedule_keeps_snapshot_pauses_under_one_percent():
    params = SupervisorParams()
    assert params.snapshot_delay(None) == 60.0  # the first one
    assert params.snapshot_delay(0.2) == 60.0  # cheap: every minute
    assert params.snapshot_delay(0.6) == pytest.approx(60.0)
    assert params.snapshot_delay(3.0) == pytest.approx(300.0)  # 3 s of pause every 300 s: 1%


def test_schedule_settings_come_from_the_config():
    params = SupervisorParams(snapshot_min_interval=5.0, snapshot_max_loss=0.05)
    assert params.snapshot_delay(None) == 5.0 and params.snapshot_delay(1.0) == pytest.approx(20.0)
    with pytest.raises(ValueError, match="snapshot_max_loss"):
        SupervisorParams(snapshot_max_loss=2.0)
    with pytest.raises(ValueError, match="snapshot_min_interval"):
        SupervisorParams(snapshot_min_interval=0)


def test_target_batch_seconds_may_be_zero_but_not_negative():
    assert SupervisorParams(target_batch_seconds=0).target_batch_seconds == 0
    with pytest.raises(ValueError, match="target_batch_seconds"):
        SupervisorParams(target_batch_seconds=-1)
