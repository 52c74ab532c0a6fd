"""A full tree's face over a compact one, derived along the paths its readers walk.

The blueprint, local best response and ``holdem-policy show`` read a
:class:`holdem.game.tree_arrays.BettingTree`: per node the chips each seat
has in, the pot, and per action its kind, raise-to amount and child.  For a
tree too big to expand (6-max: 136 bytes a node) :class:`PathTree` answers
the same questions from the :class:`holdem.game.tree_arrays.CompactTree`:
those readers only ever reach a node from the root through ``children``, so
each node's chips and street bets are derived from its parent's when the
node is first handed out, and kept (a few hundred bytes for each node a
session visits).  Node ids are the compact tree's, and so are the table
offsets (:func:`path_layout`).
"""
from __future__ import annotations

import numpy as np

from holdem.game.tree_arrays import (
    ACTION_CHECK_CALL,
    ACTION_FOLD,
    ACTION_RAISE,
    FOLD_DELTA,
    NODE_DECISION,
    CompactTree,
    TableLayout,
)


class _Facts:
    """What a reached node carries: chips in per seat, street bets per seat, folded seats."""

    __slots__ = ("contrib", "bets", "folded")

    def __init__(self, contrib: np.ndarray, bets: np.ndarray, folded: np.ndarray):
        self.contrib, self.bets, self.folded = contrib, bets, folded


class _PerNode:
    """``view[node]`` / ``view[node, i]`` over a function of the node's facts."""

    def __init__(self, tree: "PathTree", get):
        self._tree, self._get = tree, get

    def __getitem__(self, key):
        if isinstance(key, tuple):
            node, rest = key
            return self._get(self._tree, int(node))[rest]
        return self._get(self._tree, int(key))


class PathTree:
    """The :class:`BettingTree` attributes the blueprint's readers use, over a compact tree.

    ``street``, ``kind``, ``actor`` and ``n_actions`` are the compact arrays;
    ``children``, ``action_kind``, ``action_amount``, ``contrib``, ``folded``,
    ``pot`` and ``street_base`` (chips in before the node's street) are
    answered per node.  A node must be reached from the root through
    ``children`` before its chips can be asked (KeyError otherwise).
    """

    def __init__(self, compact: CompactTree, width: int | None = None):
        self.compact = compact
        self.n_players = compact.n_players
        self.n_streets = compact.n_streets
        self.street, self.kind, self.actor = compact.street, compact.kind, compact.actor
        self.n_actions = compact.n_actions
        self.width = max(compact.max_actions, width or 0)
        root = np.asarray(compact.root_contrib, np.int64)
        self._facts: dict[int, _Facts] = {0: _Facts(root.copy(), np.asarray(compact.root_bets, np.int64).copy(),
                                                     np.zeros(self.n_players, bool))}
        self.children = _PerNode(self, PathTree._children)
        self.action_kind = _PerNode(self, PathTree._action_kinds)
        self.action_amount = _PerNode(self, PathTree._action_amounts)
        self.contrib = _PerNode(self, lambda t, n: t._facts[n].contrib)
        self.folded = _PerNode(self, lambda t, n: t._facts[n].folded)
        self.pot = _PerNode(self, lambda t, n: int(t._facts[n].contrib.sum()))
        self.street_base = _PerNode(self, lambda t, n: t._facts[n].contrib - t._facts[n].bets)

    @property
    def n_nodes(self) -> int:
        return self.compact.n_nodes

    def decision_nodes(self) -> np.ndarray:
        raise ValueError(f"the betting tree has {self.n_nodes:,} nodes: whole-tree passes (a policy array, a "
                         "best response over every node) are not made on a tree this big; query it node by node")

    @property
    def max_actions(self) -> int:
        return self.width

    def _children(self, node: int) -> np.ndarray:
        """int[width]: the node's children (-1 padding); each is reached, so its facts are known."""
        out = np.full(self.width, -1, np.int64)
        if self.kind[node] != NODE_DECISION:
            return out
        na, first = int(self.n_actions[node]), int(self.compact.first_child[node])
        out[:na] = np.arange(first, first + na)
        facts, actor = self._facts[node], int(self.actor[node])
        for child in out[:na]:
            child = int(child)
            if child in self._facts:
                continue
            contrib, bets, folded = facts.contrib.copy(), facts.bets.copy(), facts.folded.copy()
            delta = int(self.compact.delta[child])
            if delta == FOLD_DELTA:
                folded[actor] = True
            else:
                contrib[actor] += delta
                bets[actor] += delta
            if self.street[child] != self.street[node]:
                bets[:] = 0  # a new betting round starts at the child
            self._facts[child] = _Facts(contrib, bets, folded)
        return out

    def _action_kinds(self, node: int) -> np.ndarray:
        out = np.full(self.width, -1, np.int8)
        if self.kind[node] != NODE_DECISION:
            return out
        na, first = int(self.n_actions[node]), int(self.compact.first_child[node])
        deltas = self.compact.delta[first:first + na]
        call = 1 if deltas[0] == FOLD_DELTA else 0
        out[:na] = ACTION_RAISE
        out[:call] = ACTION_FOLD
        out[call] = ACTION_CHECK_CALL
        return out

    def _action_amounts(self, node: int) -> np.ndarray:
        """Chips a call puts in, the street total of a raise, 0 for a fold (as :class:`BettingTree`)."""
        out = np.zeros(self.width, np.int64)
        if self.kind[node] != NODE_DECISION:
            return out
        na, first = int(self.n_actions[node]), int(self.compact.first_child[node])
        kinds = self._action_kinds(node)
        bet = int(self._facts[node].bets[int(self.actor[node])])
        for a in range(na):
            delta = int(self.compact.delta[first + a])
            if kinds[a] == ACTION_CHECK_CALL:
                out[a] = delta
            elif kinds[a] == ACTION_RAISE:
                out[a] = bet + delta
        return out


def path_layout(compact: CompactTree) -> TableLayout:
    """The table layout over the compact tree's own node ids (its offsets, no expansion)."""
    return TableLayout(tuple(compact.buckets_per_street), compact.offset, int(compact.table_size))
