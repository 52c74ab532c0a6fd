"""Policy extraction and the OpenSpiel export, through the library and through ``holdem-policy``."""
from __future__ import annotations

import json

import numpy as np
import pyspiel
import pytest

from holdem.cli.policy import main as policy_main
from holdem.games.kuhn import kuhn_game
from holdem.games.leduc import leduc_game
from holdem.mccfr.params import MCCFRParams
from holdem.mccfr.tables import Tables
from holdem.mccfr.trainer import Trainer, TrainOptions
from holdem.policy import average_policy, current_policy, openspiel_policy


def test_current_policy_is_regret_matching():
    game = kuhn_game()
    t = Tables.zeros(game.layout.size)
    t.regret[0:2] = [3.0, 1.0]   # root, card 0
    t.regret[2:4] = [-1.0, -2.0]  # root, card 1: no positive regret -> uniform
    pol = current_policy(game, t)
    assert pol[0:4].tolist() == [0.75, 0.25, 0.5, 0.5]


def test_average_policy_normalises_sums_and_falls_back_to_current():
    game = kuhn_game()
    t = Tables.zeros(game.layout.size)
    t.strategy[0:2] = [1.0, 3.0]
    t.regret[2:4] = [0.0, 2.0]
    pol = average_policy(game, t)
    assert pol[0:4].tolist() == [0.25, 0.75, 0.0, 1.0]


@pytest.mark.parametrize("make", [kuhn_game, leduc_game])
def test_export_covers_openspiel_legal_actions(make):
    game = make()
    rng = np.random.default_rng(0)
    t = Tables(rng.random(game.layout.size).astype(np.float32), rng.random(game.layout.size))
    exported = openspiel_policy(game, average_policy(game, t))
    os_game = pyspiel.load_game(game.exact.openspiel_name)

    def walk(state):
        if state.is_terminal():
            return
        if state.is_chance_node():
            for a, _ in state.chance_outcomes():
                walk(state.child(a))
            return
        entry = exported[state.information_state_string()]
        assert [a for a, _ in entry] == state.legal_actions()
        assert sum(p for _, p in entry) == pytest.approx(1.0)
        for a in state.legal_actions():
            walk(state.child(a))

    walk(os_game.new_initial_state())


@pytest.fixture
def leduc_run(tmp_path):
    opts = TrainOptions(logdir=tmp_path, iterations=20_000, batch_size=5_000, snapshot_interval=None, run_seed=1)
    params = MCCFRParams(prune_probability=0.0, average_streets=(0, 1))
    Trainer(leduc_game(), params, opts, {"game": {"kind": "leduc"}, "solver": params.to_dict()}).run()
    return tmp_path


def test_cli_export_and_value(leduc_run, tmp_path, capsys):
    out = tmp_path / "policy.json"
    assert policy_main(["export", str(leduc_run), "--format", "openspiel", "--out", str(out)]) == 0
    exported = json.loads(out.read_text())
    assert len(exported) == 936
    assert policy_main(["value", str(leduc_run)]) == 0
    value = json.loads(capsys.readouterr().out)
    # the exploitability printed is that of the exported policy, computed independently by OpenSpiel
    from open_spiel.python import policy as os_policy
    from open_spiel.python.algorithms import exploitability as os_expl

    os_game = pyspiel.load_game("leduc_poker")
    table = os_policy.TabularPolicy(os_game)
    for key, index in table.state_lookup.items():
        table.action_probability_array[index] = 0.0
        for a, p in exported[key]:
            table.action_probability_array[index, a] = p
    assert value["exploitability"] == pytest.approx(os_expl.exploitability(os_game, table), abs=1e-6)
    assert value["iteration"] == 20_000 and value["policy"] == "average"


def test_cli_errors(tmp_path, capsys):
    assert policy_main(["value", str(tmp_path)]) == 2  # bad input: one line, exit 2
    assert "no snapshot" in capsys.readouterr().err
    assert policy_main(["show", str(tmp_path)]) == 2
    with pytest.raises(SystemExit):
        policy_main(["export", str(tmp_path), "--format", "csv"])


def test_export_rejects_games_without_openspiel_twin():
    game = kuhn_game()
    from holdem.games.spec import GameSpec

    bare = GameSpec("x", game.tree, game.layout, game.dealer, "h")
    with pytest.raises(ValueError, match="no OpenSpiel counterpart"):
        openspiel_policy(bare, np.zeros(game.layout.size))
