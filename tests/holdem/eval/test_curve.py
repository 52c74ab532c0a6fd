"""Learning curves: training time from the event log, snapshots spread over a run, scoring, the chart."""
import json
from pathlib import Path

import numpy as np
import pytest
from pngkit import count_colour

from holdem.eval.curve import (
    X_ITERATIONS,
    X_TIME,
    CurvePoint,
    Score,
    curve_chart,
    run_training_seconds,
    score_snapshots,
    spread,
    training_seconds,
    x_axis,
)
from holdem.eval.plot import BAND, LINE
from holdem.eval.stats import Estimate


def _event(kind: str, second: float, **fields) -> str:
    stamp = f"2026-01-01T10:{int(second) // 60:02d}:{second % 60:06.3f}Z"
    return json.dumps({"event": kind, "timestamp": stamp, **fields})


def test_training_time_runs_from_each_start_and_adds_up_over_resumes():
    lines = [
        _event("run_started", 0), _event("snapshot_written", 60, iteration=1000),
        _event("snapshot_written", 120.5, iteration=2000), _event("run_finished", 121),
        '{"event": "half a line', "",
        # resumed 10 minutes later: the clock continues from 121 s
        _event("run_started", 721), _event("snapshot_written", 751, iteration=2500),
        _event("snapshot_written", 760, path="no iteration"),
    ]
    assert training_seconds(lines) == pytest.approx({1000: 60.0, 2000: 120.5, 2500: 151.0})
    assert training_seconds([_event("snapshot_written", 5, iteration=1)]) == {}  # no start: no time


def test_a_run_without_an_event_log_has_no_times(tmp_path):
    assert run_training_seconds(tmp_path) == {}


def test_spread_keeps_the_first_and_the_last():
    items = list(range(10))
    assert spread(items, None) == items and spread(items, 10) == items and spread(items, 50) == items
    assert spread(items, 2) == [0, 9] and spread(items, 4) == [0, 3, 6, 9] and spread(items, 1) == [9]
    with pytest.raises(ValueError):
        spread(items, 0)


def _point(iteration: int, seconds, mean: float, half: float) -> CurvePoint:
    return CurvePoint(iteration, Path(f"run/snapshots/{iteration}"), seconds,
                      {"lbr": Score(Estimate(mean, half, 50), 100)})


def test_snapshots_are_scored_in_order_by_every_scorer():
    calls = []

    def scorer(name):
        def score(path, iteration):
            calls.append((name, iteration, path))
            return Score(Estimate(float(iteration), 1.0, 10), 20)
        return score

    seen = []
    points = score_snapshots([(10, Path("a")), (20, Path("b"))], {20: 5.0}, {"x": scorer("x"), "y": scorer("y")},
                             on_point=seen.append)
    assert calls == [("x", 10, Path("a")), ("y", 10, Path("a")), ("x", 20, Path("b")), ("y", 20, Path("b"))]
    assert seen == points and [p.seconds for p in points] == [None, 5.0]
    j = points[1].to_json()
    assert j["iteration"] == 20 and j["snapshot"] == "b" and j["x"] == {
        "mbb_per_hand": 20.0, "ci95": [19.0, 21.0], "ci95_half_width": 1.0, "hands": 20, "seconds": 0.0}
    one_group = Score(Estimate(3.0, float("inf"), 1), 2).to_json()
    assert one_group["ci95"] is None and one_group["ci95_half_width"] is None


def test_the_x_axis_has_units_and_falls_back_to_iterations():
    points = [_point(1_000_000, 30.0, 900, 100), _point(20_000_000, 7200.0, 300, 80)]
    axis, x, label = x_axis(points)
    assert axis == X_TIME and label == "training time, minutes" and x == pytest.approx([0.5, 120])
    axis, x, label = x_axis(points, X_ITERATIONS)
    assert axis == X_ITERATIONS and label == "iterations, millions" and x == pytest.approx([1, 20])
    points.append(_point(30_000_000, None, 200, 60))
    assert x_axis(points)[0] == X_ITERATIONS  # one snapshot without a time: iterations for all
    assert x_axis([_point(5, 50.0, 1, 1)])[2] == "training time, seconds"


def test_curve_chart_draws_markers_and_the_interval_band():
    points = [_point(i * 1000, i * 60.0, 1000 / i, 200 / np.sqrt(i)) for i in range(1, 6)]
    img = curve_chart(points, "lbr", "LBR winnings")
    assert img.shape == (400, 720, 3)
    assert count_colour(img, BAND) > 5000  # the band spans the whole curve
    assert count_colour(img, LINE) >= 5 * 7 * 7  # five square markers at least
