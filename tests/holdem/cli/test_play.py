import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "eval"))
from evalkit import trained_run  # noqa: E402


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return trained_run(tmp_path_factory)


def _play(run, text, *args):
    return subprocess.run([sys.executable, "-m", "holdem.cli.play", str(run), *args], input=text,
                          capture_output=True, text=True, timeout=300)


def test_a_full_hand_through_stdin(run):
    # a bad word and an illegal raise get hints; then checking/calling plays the hand out
    proc = _play(run, "x\nr 1\n" + "c\n" * 40, "--seed", "1", "--hands", "1")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Your cards:" in out and "Legal:" in out and "Pot:" in out and "stack" in out
    assert "Hint: did not understand 'x'" in out
    assert "Hint: you may not raise to 1; legal: fold, call 50 or raise to 200..10000" in out
    assert "Score after 1 hand:" in out and "Final score:" in out and "over 1 hand." in out
    assert out.count("Your action") >= 3  # the prompt came back after each bad input


def test_quit_and_end_of_input(run):
    proc = _play(run, "q\n", "--seed", "2", "--seat", "1")
    assert proc.returncode == 0 and "Final score: +0 chips over 0 hands." in proc.stdout
    proc = _play(run, "", "--seed", "2")
    assert proc.returncode == 0 and "Final score" in proc.stdout


def test_all_in_and_a_running_score_over_hands(run):
    proc = _play(run, "a\n" + "c\n" * 60 + "q\n", "--seed", "3", "--hands", "3")
    assert proc.returncode == 0, proc.stderr
    assert "Score after 3 hands:" in proc.stdout


def test_bad_flags(run):
    proc = _play(run, "", "--seat", "2")
    assert proc.returncode == 2 and "--seat must be 0 or BTN" in proc.stderr and proc.stderr.count("\n") == 1


def test_positions_and_bet_wording(run):
    """Seats are named by position, the button alternates, and an opening bet is a bet, not a raise."""
    proc = _play(run, "c\n" * 80, "--seed", "5", "--hands", "2")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "=== Hand 1: you are BTN/SB;" in out and "=== Hand 2: you are BB;" in out
    assert "You (BTN/SB): " in out and "Blueprint (BB): " in out and "seat" not in out
    assert "Legal: fold, call 50 or raise to 200..10000" in out
    proc = _play(run, "c\n" * 80, "--seed", "5", "--hands", "1", "--seat", "BB")
    assert proc.returncode == 0 and "=== Hand 1: you are BB;" in proc.stdout
    # over some hands: preflop every raise "raises to"; after the flop the first one on a street "bets"
    texts = [_play(run, "c\n" * 80, "--seed", str(seed), "--hands", "4").stdout for seed in range(6)]
    lines = [line for text in texts for line in text.splitlines()]
    assert any("Legal: check or bet 100.." in line for line in lines)
    postflop = opened = False
    bets = 0
    for line in lines:
        if line.startswith("=== Hand"):
            postflop = opened = False
        elif line.startswith("--- "):
            postflop, opened = True, False
        elif re.match(r"^(You|Blueprint) \(\S+\) (bets?|raises?) ", line):
            is_bet = re.match(r"^\S+ \(\S+\) bets? \d+( \(all-in\))?\.$", line) is not None
            assert is_bet == (postflop and not opened), line
            bets += is_bet
            opened = True
    assert bets > 0


def test_hands_out_adds_each_finished_hand(run, tmp_path):
    from pokerkit import HandHistory

    out_file = tmp_path / "session.phhs"
    proc = _play(run, "c\n" * 80, "--seed", "5", "--hands", "2", "--hands-out", str(out_file))
    assert proc.returncode == 0, proc.stderr
    proc = _play(run, "c\n" * 80, "--seed", "6", "--hands", "1", "--hands-out", str(out_file))
    assert proc.returncode == 0, proc.stderr
    histories = list(HandHistory.loads_all(out_file.read_text()))
    assert [h.hand for h in histories] == [1, 2, 3]
    for history in histories:
        assert sorted(history.players) == ["blueprint", "human"]
        *_, state = history  # pokerkit plays the hand to its end
        assert not state.status
    bad = tmp_path / "notes.txt"
    bad.write_text("hello\n")
    proc = _play(run, "", "--hands-out", str(bad))
    assert proc.returncode == 2 and "--hands-out" in proc.stderr and proc.stderr.count("\n") == 1
