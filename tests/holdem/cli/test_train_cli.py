"""``holdem-train`` end to end: runs, resumes exactly, and refuses bad configs and flags clearly."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from holdem.cli.train import main
from holdem.mccfr.snapshot import read_snapshot

LEDUC_YAML = str(Path(__file__).resolve().parents[3] / "configs" / "leduc.yaml")


def _train(capsys, *argv):
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_train_then_resume_equals_one_run(tmp_path, capsys):
    fixed = ("--batch-size", "4000", "--seed", "3")
    one = _train(capsys, "--config", "leduc", "--iters", "30000", "--logdir", str(tmp_path / "one"), *fixed)
    _train(capsys, "--config", LEDUC_YAML, "--iters", "18000", "--logdir", str(tmp_path / "two"), *fixed)
    two = _train(capsys, "--config", LEDUC_YAML, "--iters", "12000", "--logdir", str(tmp_path / "two"), "--resume")
    assert one["iteration"] == two["iteration"] == 30000 and two["iterations_run"] == 12000
    a, _ = read_snapshot(tmp_path / "one")
    b, manifest = read_snapshot(tmp_path / "two")
    assert np.array_equal(a.regret, b.regret) and np.array_equal(a.strategy, b.strategy)
    assert manifest["config"]["game"] == {"kind": "leduc"} and manifest["run_seed"] == 3


def test_kuhn_config_trains(tmp_path, capsys):
    out = _train(capsys, "--config", "kuhn", "--iters", "1000", "--logdir", str(tmp_path))
    assert out["stopped_by"] == "iterations" and (tmp_path / "latest").is_file()


def test_bad_config_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("game: {kind: leduc}\nsolver: {prune_probability: 2}\n")
    assert main(["--config", str(bad), "--iters", "10", "--logdir", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("holdem-train: error: ") and "solver.prune_probability" in err
    assert not (tmp_path / "x").exists()  # stopped before touching the log directory


def test_resume_with_other_batch_size_exits_2(tmp_path, capsys):
    _train(capsys, "--config", "kuhn", "--iters", "1000", "--logdir", str(tmp_path), "--batch-size", "500")
    assert main(["--config", "kuhn", "--iters", "10", "--logdir", str(tmp_path), "--resume",
                 "--batch-size", "400"]) == 2
    assert "batch-size" in capsys.readouterr().err


def test_a_budget_is_required(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["--config", "kuhn", "--logdir", str(tmp_path)])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--iters" in err and "holdem-train --help" in err


def test_resume_of_a_damaged_run_exits_1(tmp_path, capsys):
    _train(capsys, "--config", "kuhn", "--iters", "1000", "--logdir", str(tmp_path))
    (tmp_path / "snapshots" / "1000" / "tables.npz").write_bytes(b"garbage")
    assert main(["--config", "kuhn", "--iters", "10", "--logdir", str(tmp_path), "--resume"]) == 1
    assert "corrupt" in capsys.readouterr().err


def test_console_script(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "holdem.cli.train", "--config", "kuhn", "--iters", "2000", "--logdir", str(tmp_path)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["iteration"] == 2000
