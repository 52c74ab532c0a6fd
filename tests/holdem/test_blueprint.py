import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "eval"))
from evalkit import (  # noqa: E402, F401 (bp_fixture, run_fixture: the module's run and bp fixtures)
    bp_fixture,
    bucket_file,
    run_fixture,
    synthetic_tables,
    trained_3max_run,
    trained_run,
    trained_small_run,
)

from holdem.abstraction.deal import hand_buckets  # noqa: E402
from holdem.blueprint import OFF_TREE, Blueprint, BlueprintError, blueprint_policy  # noqa: E402
from holdem.eval.translation import pseudo_harmonic  # noqa: E402
from holdem.game.config import GameConfig  # noqa: E402
from holdem.game.engine import BOARD_CARDS_VISIBLE, ActionKind, HandState  # noqa: E402
from holdem.game.tree_arrays import ACTION_CHECK_CALL, ACTION_FOLD, NODE_DECISION  # noqa: E402
from holdem.mccfr.snapshot import read_snapshot, resolve_snapshot  # noqa: E402
from holdem.mccfr.strategy import average_strategy, current_strategy  # noqa: E402


def _apply(state, kind, amount):
    if kind == ActionKind.FOLD:
        state.fold()
    elif kind == ActionKind.RAISE:
        state.raise_to(amount)
    else:
        state.check_or_call()


def test_load_from_run_or_snapshot_and_rows_are_distributions(run, bp):
    again = Blueprint.load(resolve_snapshot(run))
    assert np.array_equal(bp.policy, again.policy) and bp.iteration == 3000
    tree, layout = bp.tree, bp.layout
    for node in tree.decision_nodes()[:: max(1, tree.n_nodes // 300)]:
        for b in range(layout.buckets_per_street[tree.street[node]]):
            row = bp.row(node, b)
            assert row.min() >= 0 and row.sum() == pytest.approx(1.0)


def test_average_on_average_streets_and_current_elsewhere(run, bp):
    tables, _ = read_snapshot(run)
    avg = average_strategy(bp.tree, bp.layout, tables.regret, tables.strategy)
    cur = current_strategy(bp.tree, bp.layout, tables.regret)
    assert np.array_equal(bp.policy, avg)  # the run accumulated every street
    preflop_only = blueprint_policy(bp.game, tables.regret, tables.strategy, (0,))
    rows_street = np.full(bp.layout.size, -1)
    for node in bp.tree.decision_nodes():
        street = int(bp.tree.street[node])
        rows_street[bp.layout.rows(node, street, int(bp.tree.n_actions[node]))] = street
    assert (rows_street >= 0).all()
    assert np.array_equal(preflop_only[rows_street == 0], avg[rows_street == 0])
    assert np.array_equal(preflop_only[rows_street > 0], cur[rows_street > 0])
    assert not np.array_equal(avg[rows_street > 0], cur[rows_street > 0])


@pytest.mark.parametrize("streets", [(0, 1, 2, 3), (0,)])
def test_rows_on_demand_equal_the_dense_policy(run, bp, streets):
    tables, _ = read_snapshot(run)
    lazy = Blueprint.from_tables(bp.game, tables, streets)
    dense = blueprint_policy(bp.game, tables.regret, tables.strategy, streets)
    tree, layout = bp.tree, bp.layout
    for node in tree.decision_nodes()[::7]:
        na, nb = int(tree.n_actions[node]), int(layout.buckets_per_street[tree.street[node]])
        expected = dense[layout.rows(node, int(tree.street[node]), na)]
        assert expected.shape == (nb, na)
        assert np.allclose(lazy.rows(node, np.arange(nb)), expected, rtol=0, atol=1e-12)
    assert np.array_equal(lazy.rows(0, np.array([-1]))[0], np.zeros(tree.n_actions[0]))


@pytest.mark.parametrize("table,button", [("hu", 0), ("hu", 1), ("3max", 0), ("3max", 1), ("3max", 2)])
def test_on_tree_play_follows_the_tree_seat_for_seat(bp, tmp_path_factory, table, button):
    """Playing the blueprint's own choices keeps the real hand on the abstract tree, chips equal per tree seat."""
    if table == "3max":
        bp = Blueprint.load(trained_3max_run(tmp_path_factory))
    n = bp.n_players
    rng = np.random.default_rng(button)
    tree = bp.tree
    for _ in range(40):
        state = HandState.start_random(bp.game_config, rng, button=button)
        node = 0
        while not state.is_over:
            d = bp.action_probabilities(state)
            assert d.node == node and d.on_tree
            seat = state.actor
            assert tree.actor[node] == (seat - button) % n
            for s in range(n):
                assert state.contrib[s] == tree.contrib[node, (s - button) % n]
            board = state.board[: BOARD_CARDS_VISIBLE[state.street]]
            assert d.bucket == hand_buckets(bp.bucket_tables, state.holes[seat], board)[-1]
            assert np.allclose(d.probabilities(), bp.row(node, d.bucket))
            for c in d.choices:  # every concrete choice is legal here
                _apply(state.copy(), c.kind, c.amount)
            c = d.sample(rng)
            assert c.amount == tree.action_amount[node, c.abstract_action] or c.kind == ActionKind.FOLD
            _apply(state, c.kind, c.amount)
            node = int(tree.children[node, c.abstract_action])
        assert tree.kind[node] != NODE_DECISION


def test_off_size_raise_is_translated_pseudo_harmonically(bp):
    """The button raises to 1000 preflop: between the pot raise (300, 1 pot) and all-in (10000, 49.5 pots)."""
    tree = bp.tree
    root_raises = [a for a in range(tree.n_actions[0]) if tree.action_amount[0, a] in (300, 10000)]
    children = {int(tree.children[0, a]): int(tree.action_amount[0, a]) for a in root_raises}
    assert sorted(children.values()) == [300, 10000]
    rng = np.random.default_rng(0)
    hits = []
    for _ in range(1500):
        state = HandState.start_random(bp.game_config, rng, button=0)
        state.raise_to(1000)
        d = bp.action_probabilities(state)
        assert d.node in children
        hits.append(children[d.node] == 300)
        for c in d.choices:  # concrete amounts are re-sized to the real pot and legal
            _apply(state.copy(), c.kind, c.amount)
    expected = pseudo_harmonic(1.0, (10000 - 100) / 200, (1000 - 100) / 200)
    assert np.mean(hits) == pytest.approx(expected, abs=0.05)
    # one hand always sees one mapping: repeated queries agree
    state = HandState.start_random(bp.game_config, np.random.default_rng(5), button=0)
    state.raise_to(1000)
    assert len({bp.locate(state) for _ in range(5)}) == 1


def test_a_real_all_in_maps_to_the_abstract_all_in(bp):
    state = HandState.start_random(bp.game_config, np.random.default_rng(2), button=1)
    state.raise_to(state.legal().max_raise_to)
    node = bp.locate(state)
    assert node == bp.tree.children[0, bp.tree.n_actions[0] - 1]


def test_leaving_the_tree_falls_back_to_check_or_call(bp):
    """hu_small caps raises at two per street; a third real raise has no abstract counterpart."""
    state = HandState.start_random(bp.game_config, np.random.default_rng(3), button=0)
    state.raise_to(300)
    state.raise_to(900)
    state.raise_to(2700)
    d = bp.action_probabilities(state)
    assert d.node == OFF_TREE and not d.on_tree
    assert [(c.kind, c.amount, c.probability) for c in d.choices] == [(ActionKind.CHECK_CALL, 1800, 1.0)]


def test_fold_that_is_not_legal_becomes_a_check(bp):
    """Abstract fold probability must land on a legal action when the real seat faces no bet."""
    tree = bp.tree
    policy = np.zeros_like(bp.policy)
    for node in tree.decision_nodes():  # a policy that always folds when it can, else checks
        na = int(tree.n_actions[node])
        kinds = list(tree.action_kind[node, :na])
        a = kinds.index(ACTION_FOLD) if ACTION_FOLD in kinds else kinds.index(ACTION_CHECK_CALL)
        policy[bp.layout.rows(node, int(tree.street[node]), na)[:, a]] = 1.0
    folder = Blueprint(bp.game, policy, game_config=bp.game_config)
    state = HandState.start_random(bp.game_config, np.random.default_rng(4), button=0)
    assert [c.kind for c in folder.action_probabilities(state).choices if c.probability == 1.0] == [ActionKind.FOLD]
    state.check_or_call()  # the big blind may check: no fold offered by the tree, check it is
    d = folder.action_probabilities(state)
    assert all(c.kind != ActionKind.FOLD for c in d.choices)


def test_table_must_match_the_training_game(bp):
    other = GameConfig(2, 10000, 50, 200)
    state = HandState.start_random(other, np.random.default_rng(0))
    with pytest.raises(BlueprintError, match="big_blind"):
        bp.action_probabilities(state)
    state = HandState.start_random(bp.game_config, np.random.default_rng(0))
    with pytest.raises(BlueprintError, match="not to act"):
        bp.action_probabilities(state, seat=1 - state.actor)


def test_bad_snapshots_and_bucket_files_give_clear_errors(run, tmp_path, tmp_path_factory):
    with pytest.raises(BlueprintError, match="no snapshot"):
        Blueprint.load(tmp_path)
    with pytest.raises(BlueprintError, match="no such file"):
        Blueprint.load(run, buckets_path=tmp_path / "missing.npz")
    # a bucket file with other contents has another hash than the run was trained on
    import dataclasses

    from holdem.abstraction.bucket_file import write_buckets

    t = synthetic_tables()
    other = dataclasses.replace(t, river_lut=np.minimum(t.river_lut + 1, 7).astype(np.int32))
    path = tmp_path / "other.npz"
    write_buckets(other, path)
    with pytest.raises(BlueprintError, match="--buckets"):
        Blueprint.load(run, buckets_path=path)
    assert Blueprint.load(run, buckets_path=bucket_file(tmp_path_factory.getbasetemp())).iteration == 3000


def test_small_game_blueprints_load_but_do_not_play_real_hands(tmp_path_factory):
    bp = Blueprint.load(trained_small_run(tmp_path_factory, "leduc"))
    assert bp.game.name == "leduc" and not bp.is_holdem
    state = HandState.start_random(GameConfig(2, 100, 1, 2), np.random.default_rng(0))
    with pytest.raises(BlueprintError, match="Hold'em"):
        bp.action_probabilities(state)
