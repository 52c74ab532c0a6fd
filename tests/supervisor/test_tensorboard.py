"""--tensorboard writes the run's scalars under DIR/tb (read back from the event file)."""
from __future__ import annotations

import struct
from pathlib import Path

from supervisor.run import RunOptions, run_supervisor
from supervisor.shm import REGISTRY_ENV

CONFIG = """game: {kind: kuhn}
supervisor: {heartbeat_interval: 0.2, status_interval: 0.2, standby_workers: 0}
"""


def scalar_tags(tb_dir: Path) -> dict[str, list[float]]:
    """Parse TFRecord framing (length, crc, data, crc) and the Event protos tensorboardX wrote."""
    from tensorboardX.proto import event_pb2

    tags: dict[str, list[float]] = {}
    for path in tb_dir.glob("events.out.tfevents.*"):
        data = path.read_bytes()
        at = 0
        while at + 12 <= len(data):
            (length,) = struct.unpack_from("<Q", data, at)
            record = data[at + 12: at + 12 + length]
            at += 12 + length + 4
            event = event_pb2.Event()
            event.ParseFromString(record)
            for value in event.summary.value:
                tags.setdefault(value.tag, []).append(value.simple_value)
    return tags


def test_scalars_written(tmp_path, monkeypatch):
    monkeypatch.setenv(REGISTRY_ENV, str(tmp_path / "registry"))
    config = tmp_path / "kuhn.yaml"
    config.write_text(CONFIG)
    logdir = tmp_path / "run"
    # Long enough (about a second of training) for several status ticks to sample a live worker.
    code = run_supervisor(RunOptions(config_path=str(config), logdir=logdir, workers=1, iterations=4_000_000,
                                     batch_size=100_000, tensorboard=True, log_format="json"))
    assert code == 0
    tags = scalar_tags(logdir / "tb")
    for tag in ("run/iterations_per_s", "run/workers_alive", "run/restarts", "tables/mean_positive_regret",
                "tables/exploitability"):
        assert tag in tags, f"{tag} missing; got {sorted(tags)}"
    assert max(tags["run/workers_alive"]) == 1
    assert 0 < tags["tables/exploitability"][-1] < 0.458  # better than the uniform policy (0.4583)
