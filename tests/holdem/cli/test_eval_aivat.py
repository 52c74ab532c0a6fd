"""holdem-eval --vs: the raw and the AIVAT-corrected figure side by side."""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "eval"))
from evalkit import trained_run  # noqa: E402

from holdem.cli.eval import main  # noqa: E402


def _eval(capsys, *argv):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if code == 0 else None), captured.err


def test_vs_a_snapshot_reports_the_corrected_figure(tmp_path_factory, capsys):
    run = trained_run(tmp_path_factory)
    code, out, err = _eval(capsys, run, "--vs", run, "--hands", 40, "--seed", 1, "--no-plot", "--no-progress")
    assert code == 0
    a = out["aivat"]
    assert a["value_function"] == "tree" and a["ci95"][0] <= a["mbb_per_hand"] <= a["ci95"][1]
    assert a["ci95_half_width"] < out["ci95_half_width"] and a["interval_narrower_by"] > 1
    assert "AIVAT-corrected" in out["headline"] and "AIVAT-corrected" in err


def test_vs_a_baseline_and_no_aivat(tmp_path_factory, capsys):
    run = trained_run(tmp_path_factory)
    code, out, _ = _eval(capsys, run, "--vs", "raise-pot", "--hands", 6, "--no-plot", "--no-progress")
    assert code == 0 and out["aivat"]["value_function"] == "showdown"
    code, out, err = _eval(capsys, run, "--vs", "call", "--hands", 6, "--no-plot", "--no-progress", "--no-aivat")
    assert code == 0 and "aivat" not in out and "AIVAT" not in err
