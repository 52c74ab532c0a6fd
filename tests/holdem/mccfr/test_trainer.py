"""The in-process trainer: exact resume, determinism, budgets and manifests."""
from __future__ import annotations

import io

import numpy as np
import pytest

from holdem.games.leduc import leduc_game
from holdem.mccfr.params import MCCFRParams
from holdem.mccfr.snapshot import SnapshotError, read_snapshot
from holdem.mccfr.trainer import Trainer, TrainOptions

PARAMS = MCCFRParams(prune_probability=0.0, average_streets=(0, 1), discount_interval=1500, discount_until=10_000)
CONFIG = {"game": {"kind": "leduc"}}


def _run(logdir, iterations, resume=False, **kw):
    opts = TrainOptions(logdir=logdir, iterations=iterations, resume=resume, snapshot_interval=None, **kw)
    return Trainer(leduc_game(), PARAMS, opts, CONFIG).run()


# a whole number of batches; a cut-short batch; one cut between a discount point (1500) and its batch's end
@pytest.mark.parametrize("first", [2000, 2500, 1700])
def test_resume_is_bit_identical(tmp_path, first):
    one = _run(tmp_path / "one", 6000, run_seed=5, batch_size=1000)
    _run(tmp_path / "two", first, run_seed=5, batch_size=1000)
    two = _run(tmp_path / "two", 6000 - first, resume=True)
    assert one.iteration == two.iteration == 6000
    a, ma = read_snapshot(tmp_path / "one")
    b, mb = read_snapshot(tmp_path / "two")
    assert np.array_equal(a.regret, b.regret) and np.array_equal(a.strategy, b.strategy)
    assert ma["schedule"] == mb["schedule"] == {"discounts_applied": 4, "table_scale": 5.0}
    assert mb["next_batch_index"] == 6


def test_seed_matters(tmp_path):
    _run(tmp_path / "a", 3000, run_seed=1, batch_size=1000)
    _run(tmp_path / "b", 3000, run_seed=2, batch_size=1000)
    assert not np.array_equal(read_snapshot(tmp_path / "a")[0].regret, read_snapshot(tmp_path / "b")[0].regret)


def test_manifest_records_what_resume_needs(tmp_path):
    _run(tmp_path, 2500, run_seed=9, batch_size=1000)
    _, m = read_snapshot(tmp_path)
    assert m["game"] == "leduc" and m["abstraction_hash"] == "" and m["config"] == CONFIG
    assert m["run_seed"] == 9 and m["batch_size"] == 1000 and m["batches_done"] == 3
    assert m["iteration"] == 2500 and m["next_batch_index"] == 2
    assert MCCFRParams.from_dict(m["params"]) == PARAMS
    assert (tmp_path / "events.jsonl").read_text().count('"event": "run_finished"') == 1


def test_resume_refuses_other_seed_or_batch_size(tmp_path):
    _run(tmp_path, 1000, run_seed=1, batch_size=500)
    with pytest.raises(ValueError, match="batch-size"):
        _run(tmp_path, 1000, resume=True, batch_size=400)
    with pytest.raises(ValueError, match="seed"):
        _run(tmp_path, 1000, resume=True, run_seed=2)
    with pytest.raises(ValueError, match="--resume"):
        _run(tmp_path, 1000, run_seed=1, batch_size=500)


def test_resume_without_snapshot(tmp_path):
    with pytest.raises(SnapshotError, match="no snapshot"):
        _run(tmp_path, 1000, resume=True)


def test_time_budget_stops_the_run(tmp_path):
    ticks = iter(range(0, 10**6))
    opts = TrainOptions(logdir=tmp_path, time_budget=5.0, batch_size=100, snapshot_interval=None)
    result = Trainer(leduc_game(), PARAMS, opts, CONFIG, clock=lambda: float(next(ticks))).run()
    assert result.stopped_by == "time_budget"
    assert 0 < result.iterations_run <= 500


def test_progress_line(tmp_path):
    out = io.StringIO()
    opts = TrainOptions(logdir=tmp_path, iterations=3000, batch_size=1000, snapshot_interval=None)
    Trainer(leduc_game(), PARAMS, opts, CONFIG, progress_stream=out).run()
    assert "it/s" in out.getvalue() and "ETA" in out.getvalue()


def test_options_validation(tmp_path):
    with pytest.raises(ValueError, match="--iters"):
        TrainOptions(logdir=tmp_path)
    with pytest.raises(ValueError, match="--batch-size"):
        TrainOptions(logdir=tmp_path, iterations=1, batch_size=0)
