"""What the run shows between events: ``status.json``, the progress line, TensorBoard scalars.

``DIR/status.json`` is rewritten atomically every ``status_interval`` seconds
with the run's figures and each slot's state, pid, last heartbeat and batches
done, so ``cat``/``watch``/a dashboard can follow a run without parsing the
event log.  TensorBoard (``--tensorboard``) gets scalars under ``DIR/tb``.
"""
from __future__ import annotations

from pathlib import Path


def format_duration(seconds: float | None) -> str:
    if seconds is None or seconds != seconds or seconds == float("inf"):
        return "?"
    seconds = int(max(0, seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def progress_line(iterations: int, rate: float, alive: int, slots: int, restarts: int,
                  eta_seconds: float | None, state: str) -> str:
    return (f"{iterations:,} it  {rate:,.0f} it/s  workers {alive}/{slots}  restarts {restarts}  "
            f"ETA {format_duration(eta_seconds)}  [{state}]")


class RateMeter:
    """Iterations per second over a sliding window of (time, iterations) samples."""

    def __init__(self, window: float = 10.0) -> None:
        self.window = window
        self.samples: list[tuple[float, int]] = []

    def add(self, now: float, iterations: int) -> None:
        self.samples.append((now, iterations))
        while len(self.samples) > 2 and now - self.samples[1][0] >= self.window:
            self.samples.pop(0)

    def rate(self) -> float:
        if len(self.samples) < 2:
            return 0.0
        (t0, i0), (t1, i1) = self.samples[0], self.samples[-1]
        return (i1 - i0) / (t1 - t0) if t1 > t0 else 0.0


class TensorBoard:
    """Scalars under ``DIR/tb`` with tensorboardX (imported only when asked for)."""

    def __init__(self, logdir: Path) -> None:
        try:
            from tensorboardX import SummaryWriter
        except ImportError as exc:  # pragma: no cover - tensorboardX is a declared extra
            raise RuntimeError(
                "--tensorboard needs tensorboardX: pip install 'holdem[tensorboard]'"
            ) from exc
        self.writer = SummaryWriter(str(logdir / "tb"))

    def scalars(self, step: int, **values: float) -> None:
        for name, value in values.items():
            if value is not None:
                self.writer.add_scalar(name, float(value), step)
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()
