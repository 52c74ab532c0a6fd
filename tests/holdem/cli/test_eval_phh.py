"""holdem-eval --hands-out: every hand of a match as PHH hand histories pokerkit replays."""
import json
import sys
from pathlib import Path

import pytest
from pokerkit import HandHistory

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "eval"))
from evalkit import trained_3max_run, trained_run  # noqa: E402
from test_phh import replay  # noqa: E402

from holdem.cli.eval import main  # noqa: E402


def _eval(capsys, *argv):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if code == 0 else None), captured.err


@pytest.mark.parametrize("players", [2, 3])
def test_hands_out_writes_every_hand(tmp_path_factory, tmp_path, capsys, players):
    run = trained_run(tmp_path_factory) if players == 2 else trained_3max_run(tmp_path_factory)
    out_file = tmp_path / "match.phhs"
    code, out, _ = _eval(capsys, run, "--vs", "random", "--hands", 9, "--seed", 2, "--hands-out", out_file,
                         "--no-plot", "--no-progress")
    assert code == 0 and out["hands_out"] == str(out_file)
    histories = list(HandHistory.loads_all(out_file.read_text()))
    assert len(histories) == out["hands"]
    hero_total = 0
    for history in histories:
        assert sorted(history.players) == sorted(["blueprint"] + ["random"] * (players - 1))
        _, state = replay(history.dumps())
        assert not state.status
        hero_total += state.payoffs[history.players.index("blueprint")]
    # the file holds the hands the result was computed from
    big_blind = 100  # evalkit's tables are hu_small's
    assert hero_total / len(histories) == pytest.approx(out["mbb_per_hand"] * big_blind / 1000, abs=1e-3)


def test_hands_out_must_be_writable(tmp_path_factory, tmp_path, capsys):
    code, _, err = _eval(capsys, trained_run(tmp_path_factory), "--vs", "call", "--hands-out", tmp_path)
    assert code == 2 and "--hands-out" in err and "is a directory" in err and err.count("\n") == 1
