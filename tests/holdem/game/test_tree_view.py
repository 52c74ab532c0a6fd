"""PathTree: a blueprint over the compact tree's own ids plays exactly as one over the expanded tree.

Big trees (6-max) are never expanded; the blueprint, LBR and ``holdem-policy
show`` then read a :class:`holdem.game.tree_view.PathTree`.  Here both faces
of the same small trained trees answer the same random hands, off-size raises
included, with the same decisions.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "eval"))
from evalkit import trained_3max_run, trained_run  # noqa: E402

from holdem.blueprint import OFF_TREE, Blueprint  # noqa: E402
from holdem.game.engine import ActionKind, HandState  # noqa: E402
from holdem.game.tree_view import PathTree  # noqa: E402
from holdem.games.spec import compact_game  # noqa: E402
from holdem.mccfr.snapshot import read_snapshot  # noqa: E402


def _both(run) -> tuple[Blueprint, Blueprint]:
    full = Blueprint.load(run)
    tables, _ = read_snapshot(run)
    game = full.game
    viewed = compact_game(game.name, game.compact, game.dealer, game.abstraction_hash, full.tree.max_actions,
                          expand_max_nodes=0)
    assert isinstance(viewed.tree, PathTree)
    kwargs = dict(average_streets=full.average_streets, game_config=full.game_config,
                  bucket_tables=full.bucket_tables, translation_seed=7)
    return (Blueprint.from_tables(game, tables, **kwargs), Blueprint.from_tables(viewed, tables, **kwargs))


def _random_action(state, legal, rng):
    """A legal action, raises of any size (most of them off the abstract tree)."""
    options = ["call"] + (["fold"] if legal.can_fold else []) + (["raise"] * 2 if legal.min_raise_to else [])
    pick = options[int(rng.integers(len(options)))]
    if pick == "fold":
        state.fold()
    elif pick == "raise":
        state.raise_to(int(rng.integers(legal.min_raise_to, legal.max_raise_to + 1)))
    else:
        state.check_or_call()


@pytest.mark.parametrize("make_run", [trained_run, trained_3max_run])
def test_path_tree_blueprint_decides_as_the_expanded_one(make_run, tmp_path_factory):
    full, viewed = _both(make_run(tmp_path_factory))
    rng = np.random.default_rng(11)
    compared = on_tree = 0
    for hand in range(60):
        state = HandState.start_random(full.game_config, rng, button=hand % full.n_players)
        while not state.is_over:
            a, b = full.action_probabilities(state), viewed.action_probabilities(state)
            assert (a.node == OFF_TREE) == (b.node == OFF_TREE)
            assert a.bucket == b.bucket
            assert [(c.kind, c.amount, c.abstract_action) for c in a.choices] == \
                [(c.kind, c.amount, c.abstract_action) for c in b.choices]
            assert np.allclose(a.probabilities(), b.probabilities(), rtol=0, atol=1e-12)
            compared += 1
            on_tree += a.on_tree
            legal = state.legal()
            if rng.random() < 0.6:  # mostly the blueprint's own choices, so hands go deep on the tree
                c = a.sample(rng)
                if c.kind == ActionKind.FOLD:
                    state.fold()
                elif c.kind == ActionKind.RAISE:
                    state.raise_to(c.amount)
                else:
                    state.check_or_call()
            else:
                _random_action(state, legal, rng)
    assert compared > 200 and on_tree > 100  # the comparison covered real play on and off the tree


def test_path_tree_answers_per_node_and_refuses_whole_tree_passes(tmp_path_factory):
    full, viewed = _both(trained_run(tmp_path_factory))
    expanded, view = full.tree, viewed.tree
    # walk the same first actions in both and compare every per-node fact
    stack = [(0, 0)]
    seen = 0
    while stack and seen < 400:
        f, v = stack.pop()
        seen += 1
        assert np.array_equal(expanded.contrib[f], view.contrib[v]) and expanded.pot[f] == view.pot[v]
        assert np.array_equal(expanded.folded[f], view.folded[v])
        na = int(expanded.n_actions[f])
        assert na == int(view.n_actions[v])
        assert np.array_equal(expanded.action_kind[f, :na], view.action_kind[v, :na])
        assert np.array_equal(expanded.action_amount[f, :na], view.action_amount[v, :na])
        for a in range(na):
            stack.append((int(expanded.children[f, a]), int(view.children[v, a])))
    with pytest.raises(ValueError, match="node by node"):
        view.decision_nodes()
