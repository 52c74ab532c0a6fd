"""What the run shows between events: ``status.json``, the progress line, work summaries, TensorBoard scalars.

``DIR/status.json`` is rewritten atomically every ``status_interval`` seconds
with the run's figures and each slot's state, pid, last heartbeat and batches
done, so ``cat``/``watch``/a dashboard can follow a run without parsing the
event log.  TensorBoard (``--tensorboard``) gets scalars under ``DIR/tb``.
"""
from __future__ import annotations

from pathlib import Path

from supervisor.batches import batch_ranges


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


class DoneTally:
    """Work completed since the last summary, per slot: the run logs one ``batch_done`` a second, not one a batch.

    :meth:`add` takes each completed group (local) or batch (remote);
    :meth:`summary` returns the figures of the interval and starts a new one:
    totals (``batches``, ``iterations``, ``nodes``, ``seconds`` of kernel
    time) and, per slot, the same figures, who ran them (``pid`` or remote
    ``name``) and the grid batches done as ``[first, last]`` ranges.
    """

    def __init__(self, began: float) -> None:
        self.began = began
        self.slots: dict[int, dict] = {}

    def add(self, slot: int, first_batch: int, batches: int, iterations: int, nodes: int, seconds: float,
            **who) -> None:
        entry = self.slots.get(slot)
        if entry is None:
            entry = self.slots[slot] = {"slot": slot, **who, "batches": 0, "iterations": 0, "nodes": 0,
                                        "seconds": 0.0, "batch_ranges": []}
        entry.update(who)
        entry["batches"] += batches
        entry["iterations"] += iterations
        entry["nodes"] += nodes
        entry["seconds"] += seconds
        entry["batch_ranges"].extend(range(first_batch, first_batch + batches))  # made ranges in summary()

    def summary(self, now: float) -> dict | None:
        """The interval's figures (None if nothing completed in it); the next interval starts now."""
        slots = [self.slots[k] for k in sorted(self.slots)]
        interval = now - self.began
        self.slots, self.began = {}, now
        if not slots:
            return None
        for entry in slots:
            entry["seconds"] = round(entry["seconds"], 4)
            entry["batch_ranges"] = batch_ranges(entry["batch_ranges"])
        total = {key: sum(e[key] for e in slots) for key in ("batches", "iterations", "nodes")}
        return {**total, "seconds": round(sum(e["seconds"] for e in slots), 4), "interval": round(interval, 3),
                "iterations_per_s": round(total["iterations"] / interval, 1) if interval > 0 else None,
                "slots": slots}


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
