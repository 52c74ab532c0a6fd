"""Learning curves: a score of every snapshot of a training run, against training time or iterations.

A run keeps its snapshots in ``RUN/snapshots/<iteration>/``
(:mod:`holdem.mccfr.snapshot`).  Each chosen snapshot is scored by one or
more *scorers* (a duplicate match: local best response's winnings against
the snapshot, or the snapshot's winnings against a reference blueprint), in
milli big blinds per hand with the 95% interval over duplicate groups
(:mod:`holdem.eval.stats`).  Plotting the scores against training shows
whether, and how fast, the blueprint improves: LBR's winnings (a lower bound
on exploitability, Lisy & Bowling 2017) should fall, the snapshot's result
against the final blueprint should rise towards zero.

Training time comes from the run's event log (``RUN/events.jsonl``): the
wall-clock seconds from the ``run_started`` event to the snapshot's
``snapshot_written`` event, plus the length of earlier invocations when the
run was resumed.  Manifests do not record times.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from holdem.eval.plot import line_chart
from holdem.eval.stats import Estimate

EVENTS_FILE = "events.jsonl"
X_TIME, X_ITERATIONS = "time", "iterations"
UNITS = "mbb/hand"


@dataclass(frozen=True)
class Score:
    """One scorer's result for one snapshot."""

    estimate: Estimate  # mbb/hand with its 95% interval
    hands: int
    seconds: float = 0.0  # taken to play the hands

    def to_json(self) -> dict[str, Any]:
        e = self.estimate
        finite = math.isfinite(e.half_width)
        return {"mbb_per_hand": round(e.mean, 3), "ci95": [round(e.low, 3), round(e.high, 3)] if finite else None,
                "ci95_half_width": round(e.half_width, 3) if finite else None, "hands": self.hands,
                "seconds": round(self.seconds, 3)}


@dataclass
class CurvePoint:
    iteration: int
    snapshot: Path
    seconds: float | None  # training time when the snapshot was written; None if the event log does not say
    scores: dict[str, Score] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"iteration": self.iteration,
                "training_seconds": None if self.seconds is None else round(self.seconds, 3),
                "snapshot": str(self.snapshot), **{k: s.to_json() for k, s in self.scores.items()}}


def _timestamp(event: dict) -> float | None:
    try:
        return datetime.fromisoformat(str(event["timestamp"])).timestamp()
    except (KeyError, ValueError):
        return None


def training_seconds(events: Iterable[str]) -> dict[int, float]:
    """{iteration: training seconds} of the snapshots an event log (JSON lines) records.

    Seconds run from each ``run_started`` and add up across invocations (a
    resumed run continues the clock of the one before: its last event ends
    it).  Lines that are not JSON (one being written) are skipped.
    """
    out: dict[int, float] = {}
    before = 0.0  # seconds of the invocations before the current one
    start = last = None
    for line in events:
        try:
            event = json.loads(line)
        except ValueError:
            continue
        ts = _timestamp(event) if isinstance(event, dict) else None
        if ts is None:
            continue
        if event.get("event") == "run_started":
            if start is not None and last is not None:
                before += last - start
            start = ts
        elif event.get("event") == "snapshot_written" and start is not None and isinstance(event.get("iteration"), int):
            out[int(event["iteration"])] = before + ts - start
        last = ts
    return out


def run_training_seconds(run: Path) -> dict[int, float]:
    """:func:`training_seconds` of ``RUN/events.jsonl`` ({} without one)."""
    path = Path(run) / EVENTS_FILE
    if not path.is_file():
        return {}
    with open(path, encoding="utf-8", errors="replace") as f:
        return training_seconds(f)


def spread(items: Sequence, points: int | None) -> list:
    """``points`` items spread evenly over ``items`` (first and last always in); all when None or enough."""
    if points is None or points >= len(items):
        return list(items)
    if points < 1:
        raise ValueError(f"points must be at least 1, got {points}")
    if points == 1:
        return [items[-1]]
    picks = sorted({int(round(i)) for i in np.linspace(0, len(items) - 1, points)})
    return [items[i] for i in picks]


Scorer = Callable[[Path, int], Score]  # (snapshot directory, iteration) -> score


def score_snapshots(snapshots: Sequence[tuple[int, Path]], seconds: dict[int, float], scorers: dict[str, Scorer],
                    on_point: Callable[[CurvePoint], None] | None = None) -> list[CurvePoint]:
    """Score each (iteration, directory) with every scorer, in order."""
    out = []
    for iteration, path in snapshots:
        point = CurvePoint(iteration, path, seconds.get(iteration))
        for name, scorer in scorers.items():
            point.scores[name] = scorer(path, iteration)
        out.append(point)
        if on_point is not None:
            on_point(point)
    return out


def x_axis(points: Sequence[CurvePoint], want: str = X_TIME) -> tuple[str, np.ndarray, str]:
    """(axis used, x values, axis label with units): training time in seconds, minutes or hours, else iterations
    (in millions from ten million on); time falls back to iterations when a point has no time."""
    if want == X_TIME and all(p.seconds is not None for p in points):
        secs = np.array([p.seconds for p in points], dtype=np.float64)
        if secs.max() >= 3 * 3600:
            return X_TIME, secs / 3600, "training time, hours"
        if secs.max() >= 120:
            return X_TIME, secs / 60, "training time, minutes"
        return X_TIME, secs, "training time, seconds"
    its = np.array([p.iteration for p in points], dtype=np.float64)
    if its.max() >= 10_000_000:
        return X_ITERATIONS, its / 1e6, "iterations, millions"
    return X_ITERATIONS, its, "iterations"


def curve_chart(points: Sequence[CurvePoint], score: str, title: str, want_x: str = X_TIME) -> np.ndarray:
    """The learning curve of one scorer: mbb/hand per snapshot with its 95% band, markers at the snapshots."""
    _, x, xlabel = x_axis(points, want_x)
    mean = np.array([p.scores[score].estimate.mean for p in points])
    half = np.array([p.scores[score].estimate.half_width for p in points])
    return line_chart(x, mean, half, title=title, xlabel=xlabel, ylabel=f"{UNITS}, 95% interval", markers=True)
