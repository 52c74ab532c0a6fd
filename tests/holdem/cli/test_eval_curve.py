"""``holdem-eval --curve``: every snapshot of a tiny run scored, the figures as JSON and PNGs with bands;
where holdem-eval writes its plots and the one-line summary it prints; bad input."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "eval"))
from evalkit import bucket_file, holdem_config, trained_small_run  # noqa: E402
from pngkit import count_colour, read_png  # noqa: E402

from holdem.cli.eval import main  # noqa: E402
from holdem.eval.aivat import aivat_phrase  # noqa: E402
from holdem.eval.plot import BAND, LINE  # noqa: E402
from holdem.mccfr.snapshot import list_snapshots  # noqa: E402

SNAPSHOTS = (400, 800, 1200)


@pytest.fixture(scope="module")
def curve_run(tmp_path_factory) -> Path:
    """A tiny heads-up run trained in three invocations (resumed), so it has three snapshots and an event log."""
    from holdem.games.registry import make_game
    from holdem.mccfr.trainer import Trainer, TrainOptions

    root = tmp_path_factory.mktemp("curve")
    config = holdem_config(bucket_file(root))
    game = make_game(config, config.buckets.file)
    for k in range(len(SNAPSHOTS)):
        options = TrainOptions(root / "run", run_seed=7, batch_size=400, iterations=400, snapshot_interval=None,
                               resume=k > 0)
        Trainer(game, config.solver, options, config.to_dict()).run()
    return root / "run"


def _eval(capsys, *argv):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if code == 0 else None), captured.err


def _check_curve_png(path: Path) -> None:
    img = read_png(path)
    assert img.shape == (400, 720, 3)
    assert count_colour(img, BAND) > 1000  # the 95% band
    assert count_colour(img, LINE) >= len(SNAPSHOTS) * 7 * 7  # a marker per snapshot


def test_curve_scores_every_snapshot_against_the_final_one(curve_run, capsys):
    code, out, err = _eval(capsys, curve_run, "--curve", "--curve-scores", "vs", "--hands", 6, "--seed", 3)
    assert code == 0, err
    assert [p["iteration"] for p in out["points"]] == list(SNAPSHOTS) and out["snapshots_in_run"] == 3
    assert out["reference"] == str(curve_run / "snapshots" / "1200") and out["scores"] == ["vs"]
    for p in out["points"]:
        assert p["vs"]["hands"] == 6 and p["vs"]["ci95"][0] <= p["vs"]["mbb_per_hand"] <= p["vs"]["ci95"][1]
        assert p["training_seconds"] >= 0  # from the run's event log
    times = [p["training_seconds"] for p in out["points"]]
    assert times == sorted(times)
    assert out["x"] == "time" and out["units"] == "mbb/hand"
    figures = curve_run / "eval" / "curve-s3.json"  # in the run directory by default
    assert out["figures"] == str(figures) and json.loads(figures.read_text())["points"] == out["points"]
    assert out["plots"] == {"vs": str(curve_run / "eval" / "curve-s3-vs.png")}
    _check_curve_png(Path(out["plots"]["vs"]))
    # a progress bar per snapshot, then the summary as the last line
    assert all(f"{it:,} vs ref [" in err for it in SNAPSHOTS)
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"learning curve of {curve_run}: 3 snapshots (iterations 400 to 1,200)")
    assert "against the final snapshot" in last


def test_curve_points_and_out(curve_run, tmp_path, capsys):
    code, out, err = _eval(capsys, curve_run, "--curve", "--curve-scores", "vs", "--hands", 2, "--curve-points", 2,
                           "--curve-x", "iterations", "--out", tmp_path / "figs", "--no-progress",
                           "--curve-vs", curve_run / "snapshots" / "800")
    assert code == 0, err
    assert [p["iteration"] for p in out["points"]] == [400, 1200] and out["x"] == "iterations"
    assert out["reference"] == str(curve_run / "snapshots" / "800")
    assert sorted(p.name for p in (tmp_path / "figs").iterdir()) == ["curve-s0-vs.png", "curve-s0.json"]
    assert err.count("\n") == 1  # no progress: only the summary


def test_curve_with_local_best_response(curve_run, tmp_path, capsys):
    code, out, err = _eval(capsys, curve_run, "--curve", "--curve-scores", "lbr", "--hands", 4, "--out", tmp_path,
                           "--no-progress", "--jobs", 1, "--runouts", 16)
    assert code == 0, err
    assert [p["iteration"] for p in out["points"]] == list(SNAPSHOTS)
    assert all(p["lbr"]["hands"] == 4 for p in out["points"])
    assert "; LBR wins " in err and " mbb/hand at the first snapshot, " in err
    _check_curve_png(Path(out["plots"]["lbr"]))


def test_bad_curve_input_exits_2_in_one_line(curve_run, tmp_path, tmp_path_factory, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = _eval(capsys, empty, "--curve")
    assert code == 2 and "no snapshots" in err and err.count("\n") == 1
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = _eval(capsys, curve_run, "--curve", "--out", blocker)
    assert code == 2 and "--out" in err and err.count("\n") == 1
    code, _, err = _eval(capsys, trained_small_run(tmp_path_factory, "leduc"), "--curve")
    assert code == 2 and "Hold'em" in err and err.count("\n") == 1
    with pytest.raises(SystemExit) as e:
        main([str(curve_run), "--curve", "--curve-points", "0"])
    assert e.value.code == 2
    assert len(list_snapshots(curve_run)) == 3 and not (curve_run / "eval" / "curve-s0.json").exists()


def test_plots_go_into_the_run_directory_and_a_summary_line_to_stderr(curve_run, capsys):
    code, out, err = _eval(capsys, curve_run, "--vs", "call", "--hands", 4, "--no-progress")
    assert code == 0, err
    assert out["plot"] == str(curve_run / "eval" / "holdem-eval-call-s0.png")
    assert read_png(Path(out["plot"])).shape == (400, 720, 3)
    verb = "wins" if out["mbb_per_hand"] >= 0 else "loses"
    assert err == (f"{curve_run} {verb} {abs(out['mbb_per_hand']):,.1f} mbb/hand against call (95% interval "
                   f"{out['ci95'][0]:+,.1f} to {out['ci95'][1]:+,.1f} mbb/hand) over 4 hands; "
                   f"{aivat_phrase(out['aivat'])}\n")
    assert out["headline"] == err.strip()
