import pickle
import subprocess
import sys

import pytest

from holdem.abstraction.bucket_file import read_manifest
from holdem.cli import buckets as cli
from holdem.cli.buckets import main


def test_build_writes_the_preset_and_prints_its_hash(tmp_path, capsys, monkeypatch, test_tables, test_file):
    calls = []

    def fake_build(preset, seed, progress):  # the build itself is tested in test_buckets_build.py
        calls.append((preset.name, seed))
        return test_tables

    monkeypatch.setattr(cli, "build_buckets", fake_build)
    out = tmp_path / "cli.npz"
    assert main(["build", "--preset", "test", "--out", str(out), "--seed", "0"]) == 0
    text = capsys.readouterr().out
    digest = read_manifest(out)["content_hash"]
    assert calls == [("test", 0)]
    assert digest in text and digest == read_manifest(test_file)["content_hash"]
    assert main(["build", "--preset", "test", "--out", str(out), "--seed", "-1"]) == 2


def test_info_shows_preset_counts_params_and_hash(test_file, capsys):
    assert main(["info", str(test_file)]) == 0
    text = capsys.readouterr().out
    for needle in ("preset   test", "preflop 169, flop 8, turn 8, river 8", "flop_runouts=8",
                   read_manifest(test_file)["content_hash"]):
        assert needle in text


def test_lookup_prints_every_street(test_file, capsys):
    assert main(["lookup", str(test_file), "--hole", "AsKd", "--board", "Qh Jh 2c 7d 3s"]) == 0
    text = capsys.readouterr().out
    for needle in ("preflop  bucket  167 / 169   class AKo", "flop     bucket", "(8 bins, 1081 runouts)",
                   "turn     bucket", "(8 bins, 46 runouts)", "river    bucket", "vs a random hand"):
        assert needle in text


@pytest.mark.parametrize(
    "args, message",
    [
        (["lookup", "{f}", "--hole", "AsAs"], "duplicate card 'As'"),
        (["lookup", "{f}", "--hole", "AsKd", "--board", "Qh Jh"], "--board needs 0, 3, 4 or 5 cards"),
        (["lookup", "{f}", "--hole", "AsKd", "--board", "As Jh 2c"], "is both in --hole and --board"),
        (["info", "{missing}"], "no such bucket file"),
    ],
)
def test_bad_input_exits_2_with_a_message(test_file, tmp_path, capsys, args, message):
    args = [a.format(f=test_file, missing=tmp_path / "missing.npz") for a in args]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_pickle_refused_by_the_console_command_without_traceback(tmp_path):
    path = tmp_path / "old_buckets.pkl"
    path.write_bytes(pickle.dumps([1, 2, 3]))
    cmd = [sys.executable, "-m", "holdem.cli.buckets", "info", str(path)]
    run = subprocess.run(cmd, capture_output=True, text=True)
    assert run.returncode == 2
    assert "loading a pickle runs arbitrary code" in run.stderr and "Traceback" not in run.stderr
    assert "holdem-buckets build --preset" in run.stderr
    debug = subprocess.run(cmd[:3] + ["--debug"] + cmd[3:], capture_output=True, text=True)
    assert debug.returncode != 0 and "Traceback" in debug.stderr
