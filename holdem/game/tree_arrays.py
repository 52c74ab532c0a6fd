"""The flat-array betting tree that every compiled traversal walks.

A public betting tree (no cards) laid out as numpy arrays, one row per node,
so MCCFR and best response are index arithmetic: no hashing, no strings
(DESIGN.md, "Data: dense tables over a pre-built betting tree").  Hold'em
trees come from :mod:`holdem.game.tree`; Kuhn and Leduc build the same
structure in :mod:`holdem.games`.

Cards never appear here.  A traversal is given, per dealt hand, the bucket of
every seat on every street (``buckets[seat, street]``) and a showdown
strength per seat (higher wins, equal splits), so one kernel serves every
game.  Street transitions are ordinary edges: a child whose ``street`` is one
higher is the first node of the next betting round.

Information sets are (decision node, bucket of the actor on the node's street).
Their rows live at ``offset[node] + bucket * n_actions[node]`` in flat regret
and strategy-sum arrays; :class:`TableLayout` computes the offsets for given
bucket counts per street.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# node kinds
NODE_DECISION = 0
NODE_FOLD = 1  # terminal: every seat but one has folded
NODE_SHOWDOWN = 2  # terminal: cards are compared among seats that have not folded

# action kinds
ACTION_FOLD = 0
ACTION_CHECK_CALL = 1
ACTION_RAISE = 2  # any bet or raise, all-in included; amount = total street bet after it

NO_CHILD = -1


@dataclass(frozen=True)
class BettingTree:
    """Node arrays; N nodes, P seats, A = max actions per node.

    street      int8[N]       0 preflop (or Kuhn/Leduc round 1) .. 3 river
    kind        int8[N]       NODE_DECISION / NODE_FOLD / NODE_SHOWDOWN
    actor       int8[N]       seat to act at a decision node, -1 at terminals
    pot         int64[N]      chips in the pot (all streets, antes and blinds included)
    contrib     int64[N, P]   chips each seat has put in over the whole hand
    folded      bool[N, P]    seat has folded
    n_actions   int8[N]       legal abstract actions (0 at terminals)
    children    int32[N, A]   child node per action, NO_CHILD padding
    action_kind int8[N, A]    ACTION_* per action
    action_amount int64[N, A] raise-to (street total) for raises, chips added for calls, 0 otherwise
    parent      int32[N]      -1 at the root
    parent_action int8[N]     index of the action that led here, -1 at the root
    """

    n_players: int
    n_streets: int
    street: np.ndarray
    kind: np.ndarray
    actor: np.ndarray
    pot: np.ndarray
    contrib: np.ndarray
    folded: np.ndarray
    n_actions: np.ndarray
    children: np.ndarray
    action_kind: np.ndarray
    action_amount: np.ndarray
    parent: np.ndarray
    parent_action: np.ndarray

    @property
    def n_nodes(self) -> int:
        return int(self.street.shape[0])

    @property
    def max_actions(self) -> int:
        return int(self.children.shape[1])

    def decision_nodes(self) -> np.ndarray:
        return np.flatnonzero(self.kind == NODE_DECISION)

    def path_to(self, node: int) -> list[int]:
        """Action indices from the root to ``node``."""
        path: list[int] = []
        while self.parent[node] >= 0:
            path.append(int(self.parent_action[node]))
            node = int(self.parent[node])
        return path[::-1]


TREE_ARRAYS = ("street", "kind", "actor", "pot", "contrib", "folded", "n_actions", "children", "action_kind",
               "action_amount", "parent", "parent_action")
TREE_SIZES = ("n_players", "n_streets")  # carried as 0-d int64 arrays beside the node arrays


def tree_arrays(tree: BettingTree) -> dict[str, np.ndarray]:
    """Every array of ``tree`` by field name (for shared memory; :func:`tree_from_arrays` inverts it)."""
    out = {name: np.ascontiguousarray(getattr(tree, name)) for name in TREE_ARRAYS}
    out.update({name: np.array(getattr(tree, name), dtype=np.int64) for name in TREE_SIZES})
    return out


def tree_from_arrays(arrays: dict[str, np.ndarray]) -> BettingTree:
    """A tree over given arrays (views, not copies), checked for the shapes a tree must have."""
    missing = [n for n in TREE_ARRAYS + TREE_SIZES if n not in arrays]
    if missing:
        raise ValueError(f"betting-tree arrays: missing {missing}")
    n_players, n_streets = (int(arrays[n]) for n in TREE_SIZES)
    n = arrays["street"].shape[0] if arrays["street"].ndim == 1 else -1
    width = arrays["children"].shape[1] if arrays["children"].ndim == 2 else -1
    expected = {"contrib": (n, n_players), "folded": (n, n_players), "children": (n, width),
                "action_kind": (n, width), "action_amount": (n, width)}
    for name in TREE_ARRAYS:
        shape = expected.get(name, (n,))
        if n < 0 or width < 0 or arrays[name].shape != shape:
            raise ValueError(f"betting-tree arrays: {name} has shape {arrays[name].shape}, expected {shape}")
    return BettingTree(n_players, n_streets, **{name: arrays[name] for name in TREE_ARRAYS})


@dataclass(frozen=True)
class TableLayout:
    """Row offsets of every decision node's information sets.

    ``offset[node]`` is -1 at terminals; rows of a decision node on street s
    span ``buckets_per_street[s] * n_actions[node]`` entries.
    """

    buckets_per_street: tuple[int, ...]
    offset: np.ndarray  # int64[N]
    size: int  # total entries of each table

    @classmethod
    def build(cls, tree: BettingTree, buckets_per_street: tuple[int, ...]) -> "TableLayout":
        if len(buckets_per_street) < tree.n_streets:
            raise ValueError(
                f"buckets_per_street has {len(buckets_per_street)} entries; the tree has {tree.n_streets} streets"
            )
        buckets = np.asarray(buckets_per_street, dtype=np.int64)
        decision = tree.kind == NODE_DECISION
        rows = np.zeros(tree.n_nodes, dtype=np.int64)
        rows[decision] = buckets[tree.street[decision]] * tree.n_actions[decision].astype(np.int64)
        ends = np.cumsum(rows)
        offset = np.where(decision, ends - rows, -1).astype(np.int64)
        total = int(ends[-1]) if tree.n_nodes else 0
        return cls(tuple(int(b) for b in buckets_per_street), offset, int(total))

    def table_bytes(self, dtype=np.float32) -> int:
        """Bytes of one table (regrets or strategy sums)."""
        return self.size * np.dtype(dtype).itemsize
