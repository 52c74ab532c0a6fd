"""Wiring of --search in holdem-play and holdem-eval (tiny blueprint, a few hands, few iterations)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from holdem.cli.eval import main as eval_main

from .holdemkit import tiny_run

FAST = "search:\n  mode: unsafe\n  iterations: 8\n  bet_sizes: [0.5, 1.0]\n  raise_sizes: [1.0]\n  max_raises: 2\n"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return tiny_run(tmp_path_factory)


@pytest.fixture
def search_file(tmp_path):
    path = tmp_path / "search.yaml"
    path.write_text(FAST)
    return path


def test_eval_search_against_a_baseline_and_the_blueprint(run, search_file, capsys):
    code = eval_main([str(run), "--search", "--search-config", str(search_file), "--vs", "call", "--hands", "12",
                      "--seed", "3", "--no-plot", "--no-progress"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["hands"] == 12 and out["opponent"] == "call" and out["hero"] == "search"
    assert out["search"]["config"]["iterations"] == 8 and out["search"]["decisions_searched"] > 0
    assert out["search"]["seconds_median"] >= 0 and "aivat" in out
    code = eval_main([str(run), "--search", "--search-config", str(search_file), "--vs", str(run), "--hands", "4",
                      "--no-plot", "--no-progress"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["opponent"].startswith("snapshot:") and "--search" in out["command"]


def test_eval_lbr_against_the_search_agent(run, search_file, capsys):
    code = eval_main([str(run), "--search", "--search-config", str(search_file), "--lbr", "--hands", "4",
                      "--seed", "2", "--no-plot", "--no-progress"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["mode"] == "lbr" and out["hands"] == 4 and out["lbr_actions"] == "fc-fcpa"
    assert out["search"]["config"]["iterations"] == 8 and "variance-reduced" in out["headline"]
    low, high = out["variance_reduced"]["ci95"]
    assert low <= out["variance_reduced"]["mbb_per_hand"] <= high


def test_eval_refuses_search_with_tree_lbr_or_curve_and_a_bad_section(run, tmp_path, capsys):
    for extra in (["--lbr", "--lbr-actions", "tree"], ["--curve"]):
        with pytest.raises(SystemExit) as e:
            eval_main([str(run), "--search", *extra])
        assert e.value.code == 2 and "--search" in capsys.readouterr().err
    bad = tmp_path / "bad.yaml"
    bad.write_text("search:\n  mode: safe\n")
    assert eval_main([str(run), "--search", "--search-config", str(bad), "--vs", "call", "--hands", "2",
                      "--no-plot", "--no-progress"]) == 2
    assert "unsafe" in capsys.readouterr().err


def test_play_against_the_search_agent(run, search_file):
    proc = subprocess.run([sys.executable, "-m", "holdem.cli.play", str(run), "--search", "--search-config",
                           str(search_file), "--seed", "2", "--hands", "2"], input="c\n" * 60,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "against the search agent on" in proc.stdout and "Search (" in proc.stdout
    assert "Final score:" in proc.stdout
