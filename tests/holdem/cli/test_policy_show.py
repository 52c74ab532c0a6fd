"""``holdem-policy show``: a Hold'em situation and the preflop grid, checked against the blueprint itself;
and the trainer's ``buckets_path`` manifest entry that the blueprint loads its card abstraction from."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "eval"))
import policykit  # noqa: E402
from evalkit import (  # noqa: E402
    bucket_file,
    holdem_config,
    synthetic_tables,
    trained_3max_run,
    trained_small_run,
)
from policykit import policy, policy_json  # noqa: E402

from holdem.abstraction.bucket_file import write_buckets  # noqa: E402
from holdem.blueprint import Blueprint  # noqa: E402
from holdem.cards import parse_cards  # noqa: E402
from holdem.cli.policy import GRID_RANKS, grid_cell, parse_history  # noqa: E402
from holdem.game.engine import HandState  # noqa: E402
from holdem.games.leduc import leduc_game  # noqa: E402
from holdem.games.registry import make_game  # noqa: E402
from holdem.isomorphism import N_PREFLOP_CLASSES, preflop_class, preflop_class_name  # noqa: E402
from holdem.mccfr.snapshot import read_snapshot  # noqa: E402
from holdem.mccfr.trainer import resolved_buckets_path  # noqa: E402

run, bp = policykit.run_fixture, policykit.bp_fixture  # the tiny heads-up run and its blueprint (module fixtures)


def _show(capsys, *argv) -> tuple[int, str, str]:
    return policy(capsys, "show", *argv)


def _show_json(capsys, *argv) -> dict:
    return policy_json(capsys, "show", *argv)


def _state(bp, hole: str, board: str, seat: int, actions) -> HandState:
    """The same situation built by hand: ``hole`` at ``seat``, the rest of the cards anything distinct."""
    mine, shown = parse_cards(hole), parse_cards(board)
    rest = [c for c in range(52) if c not in mine + shown]
    holes = [mine if s == seat else [rest.pop(), rest.pop()] for s in range(bp.n_players)]
    state = HandState.start(bp.game_config, holes, shown + rest[: 5 - len(shown)], button=0)
    for act in actions:
        act(state)
    return state


# ---------------------------------------------------------------------------- manifest


def test_manifest_records_the_absolute_bucket_file(run, tmp_path_factory):
    _, manifest = read_snapshot(run)
    path = Path(manifest["buckets_path"])
    assert path.is_absolute() and path == bucket_file(tmp_path_factory.getbasetemp()).resolve()


def test_buckets_path_is_recorded_only_when_its_hash_matches(tmp_path):
    mine = bucket_file(tmp_path)
    game = make_game(holdem_config(mine), str(mine))
    raw = holdem_config(mine).to_dict()
    assert resolved_buckets_path(game, raw) == str(mine.resolve())
    other = synthetic_tables()
    other.flop[:] = other.flop[::-1]  # other buckets, so another content hash
    write_buckets(other, tmp_path / "other.npz")
    named = dict(raw, buckets={"file": str(tmp_path / "other.npz")})
    assert resolved_buckets_path(game, named) is None  # a file that is not the game's is never recorded
    assert resolved_buckets_path(game, named, explicit=mine) == str(mine.resolve())
    assert resolved_buckets_path(leduc_game(), {"game": {"kind": "leduc"}}) is None


def test_buckets_path_found_through_the_memory_mapped_river_table(tmp_path):
    """``holdem-train --buckets FILE`` on a preset config: the file is known to the game only by its river map."""
    import dataclasses
    from types import SimpleNamespace

    mine = bucket_file(tmp_path)
    game = make_game(holdem_config(mine), str(mine))
    mapped = SimpleNamespace(tables=SimpleNamespace(river=np.memmap(mine, mode="r", dtype=np.uint8)))
    raw = dict(holdem_config(mine).to_dict(), buckets={"preset": "small"})
    assert resolved_buckets_path(dataclasses.replace(game, dealer=mapped), raw) == str(mine.resolve())


def test_blueprint_loads_from_the_recorded_path_when_the_config_path_is_relative(tmp_path, monkeypatch):
    """A bucket file named relative to where training ran means nothing elsewhere; the manifest's path does."""
    from holdem.config import config_from_dict
    from holdem.mccfr.trainer import Trainer, TrainOptions

    (tmp_path / "train").mkdir()
    (tmp_path / "elsewhere").mkdir()
    write_buckets(synthetic_tables(), tmp_path / "train" / "buckets.npz")
    monkeypatch.chdir(tmp_path / "train")
    raw = holdem_config(Path("buckets.npz")).to_dict()
    config = config_from_dict(raw, where="test config")
    game = make_game(config, config.buckets.file)
    logdir = tmp_path / "runs" / "hu"
    Trainer(game, config.solver, TrainOptions(logdir, iterations=200, batch_size=100, snapshot_interval=None),
            raw).run()
    _, manifest = read_snapshot(logdir)
    assert manifest["config"]["buckets"] == {"file": "buckets.npz"}
    assert manifest["buckets_path"] == str(tmp_path / "train" / "buckets.npz")
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert Blueprint.load(logdir).game.abstraction_hash == game.abstraction_hash


# ---------------------------------------------------------------------------- history syntax


def test_history_segments_and_tokens():
    segs = parse_history("R250 c / x b500,c/ ")
    assert [[s.token for s in seg] for seg in segs] == [["r250", "c"], ["x", "b500", "c"], []]
    assert [s.number for seg in segs for s in seg] == [1, 2, 3, 4, 5]
    assert [s.segment for seg in segs for s in seg] == [0, 0, 1, 1, 1]
    assert parse_history("") == [[]]


# ---------------------------------------------------------------------------- one situation


def test_root_situation_is_the_blueprint_row(capsys, bp):
    out = _show_json(capsys, bp.source, "--hand", "AsAd")
    state = _state(bp, "AsAd", "", 0, [])
    d = bp.action_probabilities(state)
    assert out["seat"] == 0 and out["node"] == 0 and out["street"] == "preflop" and out["on_tree"]
    assert out["bucket"] == preflop_class(parse_cards("AsAd")) == d.bucket
    assert [a["probability"] for a in out["actions"]] == pytest.approx(list(d.probabilities()), abs=0)
    assert [a["amount"] for a in out["actions"]] == [c.amount for c in d.choices]
    assert [a["token"] for a in out["actions"]][:2] == ["f", "c"] and out["actions"][-1]["token"] == "a"
    assert sum(a["probability"] for a in out["actions"]) == pytest.approx(1.0)
    assert out["strategy"] == "average" and out["iteration"] == 3000


def test_postflop_situation_after_a_translated_raise(capsys, bp):
    """r250 is not an abstract size: it is mapped (here to the pot raise, 300), amounts stay real."""
    out = _show_json(capsys, bp.source, "--hand", "KhQh", "--board", "Kd 7s 2c", "--history", "r250 c / x")
    state = _state(bp, "KhQh", "Kd 7s 2c", 0, [lambda s: s.raise_to(250), lambda s: s.check_or_call(),
                                               lambda s: s.check_or_call()])
    d = bp.action_probabilities(state)
    assert out["seat"] == 0 and out["street"] == "flop" and out["board"] == "Kd 7s 2c"
    assert out["history"] == ["r250", "c", "/", "x"]
    assert out["abstract_history"] == ["r300", "c", "/", "x"]
    assert out["node"] == d.node == bp.locate(state) and out["bucket"] == d.bucket
    assert out["buckets"] == bp.layout.buckets_per_street[1]
    assert out["pot"] == 500 and out["abstract_pot"] == 600
    assert [a["probability"] for a in out["actions"]] == pytest.approx(list(d.probabilities()), abs=0)
    assert [a["amount"] for a in out["actions"]] == [c.amount for c in d.choices]


def test_text_output_names_node_bucket_and_every_action(capsys, bp):
    code, text, _ = _show(capsys, bp.source, "--hand", "7h2c", "--history", "r300", "--seat", "1")
    assert code == 0
    out = _show_json(capsys, bp.source, "--hand", "7h2c", "--history", "r300")
    assert f"node      {out['node']}" in text and f"bucket    {out['bucket']} of 169" in text
    for a in out["actions"]:
        assert f"{a['token']:<8} {a['action']:<22} {a['amount']:>8}  {a['probability']:>11.4f}" in text


@pytest.mark.parametrize("history,board,expect", [
    ("r150", "", ["step 1 ('r150')", "BTN/SB may not raise to 150", "legal: fold, call 50 or raise to 200..10000"]),
    ("r200 c / b50", "", ["step 3 ('b50')", "BB may not bet 50", "legal: check or bet 100..9800"]),
    ("x", "", ["step 1 ('x')", "cannot check", "legal: fold, call 50"]),
    ("r250 c x", "", ["step 3 ('x')", "preflop betting ended after step 2", "write '/' before step 3"]),
    ("r250 / c", "", ["'/' after step 1", "not over", "BB is to act"]),
    ("r250 zz", "", ["step 2 ('zz')", "not an action"]),
    ("r250.5", "", ["step 1", "not a whole number of chips"]),
    ("a c", "", ["hand is over"]),
    ("r250 c", "", ["reaches the flop", "3 board cards", "gives 0"]),
    ("", "Kd 7s 2c", ["reaches the preflop", "gives 3"]),
])
def test_bad_history_or_board_exits_2_naming_the_problem(capsys, bp, history, board, expect):
    code, out, err = _show(capsys, bp.source, "--hand", "AsAd", "--history", history, "--board", board)
    assert code == 2 and out == ""
    for text in expect:
        assert text in err, err


@pytest.mark.parametrize("argv,expect", [
    (["--hand", "AsAs"], "duplicate card"),
    (["--hand", "AsKdQc"], "exactly two hole cards"),
    (["--hand", "AsAd", "--board", "Ad 7s 2c"], "duplicate card 'Ad'"),
    (["--hand", "AsAd", "--seat", "1"], "BB is not to act after this history; BTN/SB is"),
    (["--hand", "AsAd", "--seat", "BB"], "BB is not to act"),
    (["--hand", "AsAd", "--seat", "7"], "seats are 0..1"),
    (["--hand", "AsAd", "--seat", "CO"], "positions: BTN/SB, BB"),
    ([], "needs --hand CARDS"),
    (["--preflop", "--board", "Kd 7s 2c"], "drop --board"),
    (["--preflop", "--history", "r300 c /"], "leaves the preflop"),
    (["--hand", "AsAd", "--buckets", "/no/such/file.npz"], "no such file"),
])
def test_bad_arguments_exit_2(capsys, bp, argv, expect):
    code, _, err = _show(capsys, bp.source, *argv)
    assert code == 2 and expect in err, err


def test_small_game_snapshot_is_refused(capsys, tmp_path_factory):
    code, _, err = _show(capsys, trained_small_run(tmp_path_factory), "--hand", "AsAd")
    assert code == 2 and "Hold'em" in err and "leduc" in err


def test_unreadable_snapshot_exits_2(capsys, tmp_path):
    code, _, err = _show(capsys, tmp_path, "--preflop")
    assert code == 2 and err.startswith("holdem-policy: error: ") and err.count("\n") == 1


def test_positions_and_bet_wording(capsys, bp):
    """Players are named by position; with no bet on the street a raise is a bet."""
    code, text, _ = _show(capsys, bp.source, "--hand", "7h2c", "--history", "r200 c /", "--board", "Kd 7s 3c")
    assert code == 0 and "hand      BB: 7h2c" in text and "seat" not in text
    assert "legal     check or bet 100..9800" in text
    out = _show_json(capsys, bp.source, "--hand", "7h2c", "--history", "r200 c /", "--board", "Kd 7s 3c",
                     "--seat", "BB")
    assert out["position"] == "BB" and out["seat"] == 1
    raises = [a for a in out["actions"] if a["kind"] == "raise"]
    assert raises and all(a["action"].startswith("bet ") for a in raises)
    assert all(a["token"][0] in "ba" for a in raises)
    assert raises[-1]["action"] == "bet 9800 (all-in)"
    facing = _show_json(capsys, bp.source, "--hand", "7h2c", "--history", "r200")
    assert facing["position"] == "BB"
    assert all(a["action"].startswith("raise to ") for a in facing["actions"] if a["kind"] == "raise")
    code, text, _ = _show(capsys, bp.source, "--preflop")
    assert code == 0 and text.splitlines()[1].startswith("BTN/SB to act preflop")


def test_console_script_reports_an_illegal_step_without_a_traceback(bp):
    done = subprocess.run([sys.executable, "-m", "holdem.cli.policy", "show", bp.source, "--hand", "AsAd",
                           "--history", "r250 r260"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "step 2 ('r260')" in done.stderr and "legal:" in done.stderr


def test_three_handed_seats_follow_the_history(capsys, tmp_path_factory):
    """3-max: the button (seat 0) acts first preflop; after it folds, the small blind (seat 1)."""
    bp3 = Blueprint.load(trained_3max_run(tmp_path_factory))
    first = _show_json(capsys, bp3.source, "--hand", "AsAd")
    after = _show_json(capsys, bp3.source, "--hand", "AsAd", "--history", "f")
    assert first["seat"] == 0 and after["seat"] == 1
    assert first["position"] == "BTN" and after["position"] == "SB"
    state = _state(bp3, "AsAd", "", 1, [lambda s: s.fold()])
    assert after["node"] == bp3.locate(state)
    assert [a["probability"] for a in after["actions"]] == pytest.approx(
        list(bp3.action_probabilities(state).probabilities()), abs=0)


# ---------------------------------------------------------------------------- preflop grid


def test_grid_cells():
    assert grid_cell("AA") == (0, 0) and grid_cell("AKs") == (0, 1) and grid_cell("AKo") == (1, 0)
    assert grid_cell("32o") == (12, 11) and grid_cell("32s") == (11, 12) and grid_cell("22") == (12, 12)
    cells = {grid_cell(preflop_class_name(c)) for c in range(N_PREFLOP_CLASSES)}
    assert len(cells) == N_PREFLOP_CLASSES == len(GRID_RANKS) ** 2


def test_preflop_grid_is_the_first_actors_root_rows(capsys, bp):
    out = _show_json(capsys, bp.source, "--preflop")
    assert out["seat"] == 0 and out["node"] == 0 and len(out["classes"]) == N_PREFLOP_CLASSES
    tree = bp.tree
    kinds = [int(k) for k in tree.action_kind[0, : tree.n_actions[0]]]
    for name, entry in out["classes"].items():
        row = bp.row(0, entry["bucket"])
        assert entry["probabilities"] == pytest.approx(list(row), abs=0)
        sums = {key: float(row[[i for i, k in enumerate(kinds) if k == code]].sum())
                for key, code in (("fold", 0), ("call", 1), ("raise", 2))}
        assert entry["fold"] + entry["call"] + entry["raise"] == pytest.approx(1.0)
        r, c = grid_cell(name)
        for key in sums:
            assert entry[key] == pytest.approx(sums[key]) and out["grid"][key][r][c] == entry[key]
    assert out["classes"]["AA"]["bucket"] == preflop_class(parse_cards("AsAd"))


def test_preflop_grid_after_a_raise_is_the_big_blinds(capsys, bp):
    out = _show_json(capsys, bp.source, "--preflop", "--history", "r300")
    assert out["seat"] == 1 and out["node"] == int(bp.tree.children[0, 2])  # fold, call, then the pot raise to 300
    state = _state(bp, "7h2c", "", 1, [lambda s: s.raise_to(300)])
    d = bp.action_probabilities(state)
    assert out["classes"]["72o"]["probabilities"] == pytest.approx(list(d.probabilities()), abs=0)
    code, text, _ = _show(capsys, bp.source, "--preflop")
    assert code == 0 and "fold %" in text and "raise %" in text and text.count("\nA ") == 3


def test_grid_probabilities_are_distributions(bp, capsys):
    out = _show_json(capsys, bp.source, "--preflop")
    total = np.array(out["grid"]["fold"]) + np.array(out["grid"]["call"]) + np.array(out["grid"]["raise"])
    assert np.allclose(total, 1.0)
