"""Betting-tree builder: structure, a hand-counted tree, seats, blinds and antes.

Agreement with the rules engine along paths is in test_tree_vs_engine.py.
"""
from __future__ import annotations

import numpy as np
import pytest

from holdem.abstraction.actions import ActionAbstraction, StreetActions
from holdem.game.config import GameConfig
from holdem.game.tree import TreeGame, TreeTooLarge, blind_seats, build_tree
from holdem.game.tree_arrays import (
    ACTION_CHECK_CALL,
    ACTION_FOLD,
    ACTION_RAISE,
    NO_CHILD,
    NODE_DECISION,
    NODE_FOLD,
    NODE_SHOWDOWN,
)

S = StreetActions
CALL_OR_JAM = ActionAbstraction.uniform(bet=(), raises=(), allin=True, max_raises=4)
FCPA = ActionAbstraction.uniform(bet=(1.0,), raises=(1.0,), allin=True, max_raises=3)


def check_structure(tree) -> None:
    """Invariants every tree must satisfy (vectorized over edges)."""
    P = tree.n_players
    assert tree.parent[0] == -1 and tree.parent_action[0] == -1
    np.testing.assert_array_equal(tree.pot, tree.contrib.sum(axis=1))
    decision = tree.kind == NODE_DECISION
    assert ((tree.n_actions > 0) == decision).all()
    assert (tree.actor[~decision] == -1).all()
    nodes = np.flatnonzero(decision)
    actor = tree.actor[nodes].astype(np.int64)
    assert not tree.folded[nodes, actor].any(), "the actor has not folded"
    slot = np.arange(tree.max_actions)
    used = slot[None, :] < tree.n_actions[nodes, None]
    assert (tree.children[nodes][~used] == NO_CHILD).all()
    edge_node, edge_slot = np.nonzero(used)
    parent = nodes[edge_node]
    child = tree.children[parent, edge_slot]
    assert child.size == tree.n_nodes - 1, "every node but the root is exactly one action's child"
    assert (child > parent).all(), "preorder: children come after their parent"
    np.testing.assert_array_equal(tree.parent[child], parent)
    np.testing.assert_array_equal(tree.parent_action[child], edge_slot)
    step = tree.street[child] - tree.street[parent]
    assert ((step == 0) | (step == 1)).all()
    # only the actor's chips or fold status change on an edge
    delta = tree.contrib[child] - tree.contrib[parent]
    edge_actor = tree.actor[parent].astype(np.int64)
    others = np.arange(P)[None, :] != edge_actor[:, None]
    assert (delta[others] == 0).all() and (delta[~others] >= 0).all()
    assert (tree.folded[child][others] == tree.folded[parent][others]).all()
    # order: fold (only when facing a bet), check/call, raises strictly ascending
    kinds = tree.action_kind[nodes]
    amounts = tree.action_amount[nodes]
    has_fold = kinds[:, 0] == ACTION_FOLD
    call_slot = has_fold.astype(np.int64)
    assert (kinds[np.arange(nodes.size), call_slot] == ACTION_CHECK_CALL).all()
    is_raise = used & (slot[None, :] > call_slot[:, None])
    assert (kinds[is_raise] == ACTION_RAISE).all()
    later = is_raise[:, 1:] & is_raise[:, :-1]
    assert (amounts[:, 1:][later] > amounts[:, :-1][later]).all()
    assert ((~tree.folded[tree.kind == NODE_FOLD]).sum(axis=1) == 1).all()
    assert ((~tree.folded[tree.kind == NODE_SHOWDOWN]).sum(axis=1) >= 2).all()


def test_hand_counted_heads_up_call_or_jam_tree():
    # Stacks 10, blinds 1/2, only check/call and all-in.  Postflop street with
    # both players holding 8: X checks or jams; after a jam Y folds/calls; after a
    # check Y checks (next street) or jams, then X folds/calls.  That is 8 nodes
    # plus what follows the double check: N(river) = 9, N(turn) = 17, N(flop) = 25.
    # Preflop: root + fold + (jam: BB decision + 2 terminals) + (call: BB decision
    # + (jam: SB decision + 2 terminals) + N(flop)) = 1 + 1 + 3 + 1 + 3 + 25 = 34.
    tree = build_tree(TreeGame(2, (10, 10), 1, 2), CALL_OR_JAM)
    assert tree.n_nodes == 34
    check_structure(tree)
    assert [int(x) for x in tree.n_actions[:1]] == [3]
    assert list(tree.action_kind[0, :3]) == [ACTION_FOLD, ACTION_CHECK_CALL, ACTION_RAISE]
    assert list(tree.action_amount[0, :3]) == [0, 1, 10]
    jam = tree.children[0, 2]
    assert tree.actor[jam] == 1 and tree.n_actions[jam] == 2  # the big blind may not raise an all-in
    call_jam = tree.children[jam, 1]
    assert tree.kind[call_jam] == NODE_SHOWDOWN and tree.street[call_jam] == 0  # runout: street stays preflop
    limp = tree.children[0, 1]
    assert tree.actor[limp] == 1 and list(tree.action_kind[limp, :2]) == [ACTION_CHECK_CALL, ACTION_RAISE]
    flop = tree.children[limp, 0]
    assert tree.street[flop] == 1 and tree.actor[flop] == 1  # heads-up the big blind acts first after the flop
    assert tree.pot[flop] == 4
    # jam calls: preflop 2, 2 per street; river check-down
    assert (tree.kind == NODE_SHOWDOWN).sum() == 1 + 1 + 3 * 2 + 1


def test_heads_up_pot_sizes_and_actors():
    tree = build_tree(TreeGame(2, (200, 200), 1, 2), FCPA)
    check_structure(tree)
    assert tree.actor[0] == 0  # the button posts the small blind and acts first preflop
    np.testing.assert_array_equal(tree.contrib[0], [1, 2])
    # pot raise: 2 + (3 + 1) = 6; all-in to 200
    assert list(tree.action_amount[0, :4]) == [0, 1, 6, 200]
    raised = tree.children[0, 2]
    # the big blind faces 6 into 8: call 4, pot re-raise to 6 + (8 + 4) = 18
    assert tree.actor[raised] == 1 and list(tree.action_amount[raised, :4]) == [0, 4, 18, 200]


def test_three_players_order_blinds_and_antes():
    tree = build_tree(TreeGame(3, (100, 100, 100), 1, 2, ante=1), FCPA)
    check_structure(tree)
    sb, bb = blind_seats(3)
    assert (sb, bb) == (1, 2)
    np.testing.assert_array_equal(tree.contrib[0], [1, 2, 3])
    assert tree.pot[0] == 6
    assert tree.actor[0] == 0  # the button is first preflop with three players
    # everyone calls: button, small blind, then the big blind checks -> flop, small blind first
    node = tree.children[0, 1]
    assert tree.actor[node] == 1
    node = tree.children[node, 1]
    assert tree.actor[node] == 2 and tree.action_kind[node, 0] == ACTION_CHECK_CALL  # option, no fold
    flop = tree.children[node, 0]
    assert tree.street[flop] == 1 and tree.actor[flop] == 1 and tree.pot[flop] == 9


def test_first_postflop_actor_skips_folded_seats():
    tree = build_tree(TreeGame(3, (100, 100, 100), 1, 2), FCPA)
    node = tree.children[0, 1]  # button limps
    node = tree.children[node, 0]  # small blind folds
    node = tree.children[node, 0]  # big blind checks
    assert tree.street[node] == 1 and tree.actor[node] == 2


def test_short_stack_posts_what_it_has():
    # the big blind has 1 chip: it posts 1 and is all-in; the small blind (button) may
    # complete nothing (it already matches) so it is not even asked: showdown at once
    tree = build_tree(TreeGame(2, (100, 1), 1, 2), FCPA)
    assert tree.n_nodes == 1 and tree.kind[0] == NODE_SHOWDOWN
    np.testing.assert_array_equal(tree.contrib[0], [1, 1])
    # an ante that takes a whole stack
    tree = build_tree(TreeGame(3, (100, 100, 3), 1, 2, ante=3), FCPA)
    check_structure(tree)
    np.testing.assert_array_equal(tree.contrib[0], [3, 4, 3])


def test_unequal_stacks_allin_amounts():
    tree = build_tree(TreeGame(2, (50, 300), 1, 2), FCPA)
    check_structure(tree)
    assert tree.action_amount[0, 3] == 50  # the small blind's all-in is its stack
    jam = tree.children[0, 3]
    # facing 50, the big blind (300) may call or raise: nobody can call a raise, so no raise
    assert tree.n_actions[jam] == 2


def test_six_players_structure():
    actions = ActionAbstraction(
        (S(("2.5bb",), (), True, 1), S((), (), True, 1), S((), (), False, 0), S((), (), True, 1))
    )
    tree = build_tree(TreeGame(6, (400, 300, 200, 500, 100, 250), 5, 10, ante=1), actions)
    check_structure(tree)
    assert tree.actor[0] == 3  # under the gun: the seat after the big blind
    for s in range(4):
        assert ((tree.street == s) & (tree.kind == NODE_DECISION)).any()


def test_accepts_engine_game_config_and_rejects_bad_games():
    a = build_tree(GameConfig(2, 100, 1, 2), FCPA)
    b = build_tree(TreeGame(2, (100, 100), 1, 2), FCPA)
    for name in ("street", "kind", "actor", "contrib", "children", "action_amount"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    for bad in (TreeGame(1, (100,), 1, 2), TreeGame(7, (100,) * 7, 1, 2), TreeGame(2, (100, 0), 1, 2),
                TreeGame(2, (100, 100), 3, 2), TreeGame(2, (100,), 1, 2), TreeGame(2, (100, 100), 1, 2, -1)):
        with pytest.raises(ValueError):
            build_tree(bad, FCPA)


def test_deep_trees_build_without_recursion():
    # preflop min-raises only, a high cap and deep stacks; no betting after the flop, so
    # the tree grows linearly while its paths run to hundreds of actions
    actions = ActionAbstraction(
        (S((0.0001,), (0.0001,), False, 2000), S((), (), False, 0), S((), (), False, 0), S((), (), False, 0))
    )
    tree = build_tree(TreeGame(2, (2000, 2000), 1, 2), actions)
    depth = max(len(tree.path_to(int(node))) for node in np.flatnonzero(tree.kind == NODE_SHOWDOWN))
    assert depth > 900
    check_structure(tree)


def test_node_limit_stops_a_runaway_tree():
    with pytest.raises(TreeTooLarge, match="more than 1,000 nodes"):
        build_tree(TreeGame(2, (200, 200), 1, 2), FCPA, max_nodes=1000)
    exact = build_tree(TreeGame(2, (200, 200), 1, 2), FCPA).n_nodes
    assert build_tree(TreeGame(2, (200, 200), 1, 2), FCPA, max_nodes=exact).n_nodes == exact
    with pytest.raises(TreeTooLarge):
        build_tree(TreeGame(2, (200, 200), 1, 2), FCPA, max_nodes=exact - 1)


def test_deterministic():
    a = build_tree(TreeGame(3, (100, 80, 120), 1, 2), FCPA)
    b = build_tree(TreeGame(3, (100, 80, 120), 1, 2), FCPA)
    for name in ("street", "kind", "actor", "pot", "contrib", "folded", "n_actions", "children", "action_kind",
                 "action_amount", "parent", "parent_action"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
