import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "eval"))
from evalkit import trained_3max_run, trained_run, trained_small_run  # noqa: E402

from holdem.cli.eval import main  # noqa: E402
from holdem.eval.raster import PNG_SIGNATURE  # noqa: E402


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return trained_run(tmp_path_factory)


def _eval(capsys, *argv):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if code == 0 else None), captured.err


def test_head_to_head_against_a_baseline(run, tmp_path, capsys):
    plot = tmp_path / "vs-call.png"
    code, out, err = _eval(capsys, run, "--vs", "call", "--hands", 21, "--seed", 4, "--plot", plot)
    assert code == 0
    assert out["opponent"] == "call" and out["hands"] == 22 and out["duplicate_groups"] == 11
    assert out["positions"] == ["BTN/SB", "BB"]  # the blueprint played each equally often
    assert out["ci95"][0] <= out["mbb_per_hand"] <= out["ci95"][1]
    assert out["command"].startswith("holdem-eval ") and "--seed 4" in out["command"]
    assert plot.read_bytes().startswith(PNG_SIGNATURE) and out["plot"] == str(plot)
    assert "vs call [" in err and "mbb/h" in err  # the progress bar
    # the same command gives the same figures
    _, again, _ = _eval(capsys, run, "--vs", "call", "--hands", 21, "--seed", 4, "--no-plot", "--no-progress")
    assert again["mbb_per_hand"] == out["mbb_per_hand"] and "plot" not in again


def test_head_to_head_against_another_snapshot(run, capsys):
    code, out, _ = _eval(capsys, run, "--vs", run, "--hands", 10, "--no-plot", "--no-progress")
    assert code == 0 and out["opponent"].startswith("snapshot:") and out["opponent_decisions"] > 0


def test_three_seats(tmp_path_factory, capsys):
    run3 = trained_3max_run(tmp_path_factory)
    code, out, _ = _eval(capsys, run3, "--vs", "tag", "--hands", 12, "--no-plot", "--no-progress")
    assert code == 0 and out["seats"] == 3 and out["hands"] == 12 and out["mode"] == "table"
    assert out["positions"] == ["BTN", "SB", "BB"]
    assert out["blueprint_decisions"] > 0
    # callers never bet off the abstract sizes, so the blueprint never leaves its tree
    code, out, _ = _eval(capsys, run3, "--vs", "call", "--hands", 30, "--no-plot", "--no-progress")
    assert code == 0 and out["blueprint_decisions"] > 30 and out["blueprint_off_tree"] == 0


def test_local_best_response_holdem(run, tmp_path, capsys):
    code, out, _ = _eval(capsys, run, "--lbr", "--hands", 4, "--runouts", 16, "--plot", tmp_path / "lbr.png",
                         "--no-progress")
    assert code == 0 and out["mode"] == "lbr" and out["hero"] == "lbr" and out["hands"] == 4
    assert out["lbr_off_tree"] == 0 and out["lbr_decisions"] > 0


def test_local_best_response_leduc_is_exact(tmp_path_factory, capsys):
    code, out, _ = _eval(capsys, trained_small_run(tmp_path_factory, "leduc"), "--lbr")
    assert code == 0 and out["mode"] == "lbr-exact" and out["game"] == "leduc"
    for lbr, br in zip(out["lbr_value_per_seat"], out["best_response_value_per_seat"]):
        assert lbr <= br + 1e-9
    code, _, err = _eval(capsys, trained_small_run(tmp_path_factory, "leduc"), "--vs", "call")
    assert code == 2 and "--lbr" in err


def test_bad_arguments_are_reported(run, tmp_path, capsys):
    code, _, err = _eval(capsys, run, "--vs", "nit", "--hands", 2)
    assert code == 2 and "neither a baseline" in err and "raise-pot" in err
    code, _, err = _eval(capsys, tmp_path, "--vs", "call")
    assert code == 2 and "no snapshot" in err
    with pytest.raises(SystemExit):
        main([str(run), "--vs", "call", "--hands", "0"])


def test_console_script_entry_point(run, tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "holdem.cli.eval", str(run), "--vs", "random", "--hands", "4", "--no-plot"],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["opponent"] == "random"
