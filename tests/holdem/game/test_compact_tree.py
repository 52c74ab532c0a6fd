"""The compact tree: what it stores, its expansion, and both table layouts."""
from __future__ import annotations

import numpy as np
import pytest

from holdem.abstraction.actions import ActionAbstraction
from holdem.game.tree import TreeGame, build_compact, build_tree
from holdem.game.tree_arrays import (
    FOLD_DELTA,
    NODE_DECISION,
    NODE_DTYPE,
    TableLayout,
    compact_from_full,
    expand,
    with_layout,
)

FCPA = ActionAbstraction.uniform(bet=(1.0,), raises=(1.0,), allin=True, max_raises=2)
GAMES = [TreeGame(2, (2000, 2000), 50, 100), TreeGame(3, (900, 2000, 400), 50, 100, ante=10)]


@pytest.mark.parametrize("game", GAMES)
def test_a_node_costs_twenty_bytes_and_the_build_counts_exactly(game):
    tree = build_compact(game, FCPA, buckets_per_street=(5, 4, 4, 4))
    assert tree.node_bytes() == 20 * tree.n_nodes
    decision = tree.kind == NODE_DECISION
    # children are consecutive blocks that tile every id but the root exactly once
    firsts, counts = tree.first_child[decision], tree.n_actions[decision].astype(np.int64)
    covered = np.zeros(tree.n_nodes, np.int64)
    for first, count in zip(firsts, counts):
        covered[first:first + count] += 1
    assert covered[0] == 0 and (covered[1:] == 1).all()
    assert (tree.first_child[~decision] == -1).all() and (tree.delta >= FOLD_DELTA).all()


@pytest.mark.parametrize("game", GAMES)
def test_every_table_entry_belongs_to_exactly_one_row(game):
    buckets = (5, 4, 3, 2)
    full = build_tree(game, FCPA)
    layout = TableLayout.build(full, buckets)
    seen = np.zeros(layout.size, np.int64)
    for node in full.decision_nodes():
        seen[layout.rows(int(node), int(full.street[node]), int(full.n_actions[node])).ravel()] += 1
    assert (seen == 1).all()
    # the compact tree's offsets are the same rows: train-side and read-side agree
    compact, full_ids = compact_from_full(full, layout)
    laid = with_layout(build_compact(game, FCPA), buckets)
    assert laid.table_size == layout.size == compact.table_size
    assert np.array_equal(np.sort(laid.offset), np.sort(compact.offset))
    assert np.array_equal(compact.offset, layout.offset[full_ids])


def test_expanding_the_compact_tree_round_trips():
    for game in GAMES:
        full = build_tree(game, FCPA)
        blinds = build_compact(game, FCPA).root_bets
        layout = TableLayout.build(full, (1, 1, 1, 1))
        again = expand(compact_from_full(full, layout, blinds)[0], full.max_actions)
        for name in ("street", "kind", "actor", "pot", "contrib", "folded", "n_actions", "children",
                     "action_kind", "action_amount", "parent", "parent_action"):
            assert np.array_equal(getattr(again, name), getattr(full, name)), name


def test_one_record_a_node_and_layouts_that_do_not_alias():
    game = GAMES[1]
    bare = build_compact(game, FCPA)
    assert bare.nodes.dtype == NODE_DTYPE and NODE_DTYPE.itemsize == 16
    assert bare.node_bytes() == 20 * bare.n_nodes  # the record and delta
    # the attributes are views of the records: what the kernel reads is what readers see
    assert np.shares_memory(bare.kind, bare.nodes) and np.shares_memory(bare.offset, bare.nodes)
    laid = with_layout(bare, (3, 4, 4, 4))
    assert with_layout(laid, (3, 4, 4, 4)) is laid
    before = laid.offset.copy()
    other = with_layout(laid, (5, 1, 1, 1))  # laid out already: the other layout gets its own records
    assert np.array_equal(laid.offset, before) and not np.shares_memory(other.nodes, laid.nodes)
    assert other.table_size != laid.table_size
    for name in ("kind", "street", "actor", "n_actions", "first_child"):
        assert np.array_equal(getattr(other, name), getattr(laid, name))
