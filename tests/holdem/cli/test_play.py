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
    assert "Hint: seat" in out and "may not raise to 1" in out
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
    assert proc.returncode == 2 and "--seat must be 0 or 1" in proc.stderr
