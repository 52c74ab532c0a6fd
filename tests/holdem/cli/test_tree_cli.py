"""``holdem-tree``: sizes printed for a config, bucket overrides, clean errors."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from holdem.cli.tree import main, parse_buckets, table_entries
from holdem.config import ConfigError, load_config
from holdem.game.tree import build_compact, build_tree
from holdem.game.tree_arrays import NODE_DECISION, TableLayout


def run_json(capsys, *argv) -> dict:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_figures_match_the_tree_and_layout(capsys):
    out = run_json(capsys, "hu_small")
    config = load_config("hu_small")
    tree = build_tree(config.game, config.actions)
    assert out["nodes"] == tree.n_nodes
    assert out["decision_nodes"] == int((tree.kind == NODE_DECISION).sum())
    assert out["decision_nodes"] + out["terminal_nodes"] == tree.n_nodes
    assert sum(r["decision"] + r["fold"] + r["showdown"] for r in out["per_street"]) == tree.n_nodes
    # default bucket counts come from the config's preset
    from holdem.abstraction.presets import PRESETS

    assert tuple(out["buckets_per_street"]) == PRESETS[config.buckets.preset].buckets_per_street
    layout = TableLayout.build(tree, tuple(out["buckets_per_street"]))
    assert out["table_entries"] == layout.size
    assert out["regret_bytes"] == layout.table_bytes(np.float32)
    assert out["strategy_bytes"] == layout.table_bytes(np.float64)
    assert out["total_table_bytes"] == out["regret_bytes"] + out["strategy_bytes"]


def test_bucket_override(capsys):
    a = run_json(capsys, "hu_small", "--buckets", "1,1,1,1")
    b = run_json(capsys, "hu_small", "--buckets", "169,200,200,200")
    config = load_config("hu_small")
    tree = build_tree(config.game, config.actions)
    decision = tree.kind == NODE_DECISION
    assert a["table_entries"] == int(tree.n_actions[decision].sum())
    assert b["table_entries"] == table_entries(build_compact(config.game, config.actions), (169, 200, 200, 200))
    assert b["table_entries"] == TableLayout.build(tree, (169, 200, 200, 200)).size
    assert b["buckets_from"] == "--buckets"


def test_human_output(capsys):
    assert main(["hu_small"]) == 0
    text = capsys.readouterr().out
    words = ("preflop", "flop", "turn", "river", "decision", "showdown", "regret", "strategy", "float32", "float64")
    for word in words:
        assert word in text


@pytest.mark.parametrize("bad", ["1,2,3", "a,b,c,d", "0,1,1,1", "169,200,200,-1"])
def test_bad_buckets(bad):
    with pytest.raises(ConfigError, match="--buckets"):
        parse_buckets(bad)


def test_errors_exit_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("game: {kind: holdem, players: 9}\n")
    for argv in ([str(bad)], ["hu_small", "--buckets", "1,2"], ["hu_mid", "--max-nodes", "100"]):
        proc = subprocess.run(
            [sys.executable, "-m", "holdem.cli.tree", *argv], capture_output=True, text=True, timeout=300
        )
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.startswith("holdem-tree: error: ") and "Traceback" not in proc.stderr
        assert proc.stderr.count("\n") == 1
