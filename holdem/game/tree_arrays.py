"""The flat-array betting trees: the full one people and tests read, the compact one training walks.

A public betting tree (no cards) laid out as numpy arrays, one row per node,
so MCCFR and best response are index arithmetic: no hashing, no strings
(docs/architecture.md, "Data").  :class:`BettingTree` holds every per-node
fact (80-140 bytes a node); :class:`CompactTree` only what a traversal needs
(20 bytes a node: the rest is carried along the path), which is what makes a
6-max tree of 100 M+ nodes fit.  Hold'em trees come from
:mod:`holdem.game.tree` (compact, expanded on demand); Kuhn and Leduc build
full trees in :mod:`holdem.games`, compacted for training.

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

from dataclasses import dataclass, replace

import numpy as np
from numba import njit

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
@dataclass(frozen=True)
class TableLayout:
    """Row offsets of every decision node's information sets.

    ``offset[node]`` is -1 at terminals; rows of a decision node on street s
    span ``buckets_per_street[s] * n_actions[node]`` entries, one node after
    the other in id order (preorder for Hold'em, so a subtree's rows are one
    block).  A row-per-bucket layout of each street was tried for the lazily
    backed tables of big trees and backed 8% more pages (docs/architecture.md).
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

    def rows(self, node: int, street: int, n_actions: int) -> np.ndarray:
        """int64[buckets, n_actions]: the entries of every row of ``node``, bucket by bucket."""
        buckets = np.arange(self.buckets_per_street[street], dtype=np.int64)
        return int(self.offset[node]) + buckets[:, None] * n_actions + np.arange(n_actions)

    def table_bytes(self, dtype=np.float32) -> int:
        """Bytes of one table (regrets or strategy sums)."""
        return self.size * np.dtype(dtype).itemsize


# --------------------------------------------------------------------------------------
# the compact tree: what a traversal needs, about 20 bytes a node

FOLD_DELTA = -1  # ``delta`` of a node entered by a fold
FULL_TREE_MAX_NODES = 50_000_000  # the full tree takes 80-140 bytes a node: bigger ones stay compact


# One 16-byte record a node: what a traversal reads at a node, in one cache line (a 6-max tree of
# 123 M nodes takes 2 GB, so a node visit is a memory access: one line a record, against one a field
# were the fields arrays).  ``delta`` stays apart: it is read on the edge into a node, from the parent.
NODE_DTYPE = np.dtype([("kind", "i1"), ("street", "i1"), ("actor", "i1"), ("n_actions", "i1"),
                       ("first_child", "<i4"), ("offset", "<i8")], align=True)
NODE_FIELDS = tuple(NODE_DTYPE.names)


class _NodeField:
    """A field of the node records, read as the tree's attribute of that name (a view, not a copy)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, tree: "CompactTree", owner: type | None = None) -> np.ndarray:
        return tree.nodes[self.name]


@dataclass(frozen=True)
class CompactTree:
    """The betting tree as the training kernel walks it; N nodes, P seats.

    A node's children are consecutive ids ``first_child[node] + a`` (ids are
    given when a node is expanded, so the root is 0 but ids are not preorder).
    Nothing a traversal can derive along its path is stored: chips in, folds
    and the pot follow from ``root_contrib`` and each node's ``delta``.

    nodes         NODE_DTYPE[N]  one record a node, whose fields are also attributes (views):
      kind, street, actor, n_actions  int8  as in :class:`BettingTree`
      first_child int32      id of child 0, -1 at terminals
      offset      int64      table row offset (as :class:`TableLayout` over the expanded tree, whose
                             ids are in preorder, so a subtree's rows are one block), -1 at terminals
    delta         int32[N]   chips the parent's actor put in with the action leading here, or
                             ``FOLD_DELTA`` for a fold; 0 at the root
    root_contrib  int64[P]   antes and blinds posted at the root
    root_bets     int64[P]   the blinds alone (the preflop street bets at the root; antes are not bets)
    max_depth     most decision nodes on a root-to-leaf path
    table_size    entries of each table
    buckets_per_street  the card abstraction's bucket counts the offsets were laid out for
    """

    n_players: int
    n_streets: int
    nodes: np.ndarray
    delta: np.ndarray
    root_contrib: np.ndarray
    root_bets: np.ndarray
    max_depth: int
    table_size: int
    buckets_per_street: tuple[int, ...]

    kind, street, actor, n_actions = _NodeField(), _NodeField(), _NodeField(), _NodeField()
    first_child, offset = _NodeField(), _NodeField()

    @property
    def n_nodes(self) -> int:
        return int(self.nodes.shape[0])

    @property
    def max_actions(self) -> int:
        return int(self.n_actions.max()) if self.n_nodes else 0

    def node_bytes(self) -> int:
        """Bytes of every per-node array (what the tree costs in memory)."""
        return self.nodes.nbytes + self.delta.nbytes


def empty_nodes(n: int) -> np.ndarray:
    """NODE_DTYPE[n], offsets -1 (no table layout yet)."""
    nodes = np.empty(n, NODE_DTYPE)
    nodes["offset"] = -1
    return nodes


COMPACT_ARRAYS = ("nodes", "delta")
COMPACT_SIZES = ("n_players", "n_streets", "max_depth", "table_size")


def compact_arrays(tree: CompactTree) -> dict[str, np.ndarray]:
    """Every array of ``tree`` by name, sizes as 0-d int64 arrays (for shared memory, whose segments
    hold plain dtypes: the records go as int64[N, 2], :func:`compact_from_arrays` views them back)."""
    out = {"nodes": np.ascontiguousarray(tree.nodes).view(np.int64).reshape(-1, 2),
           "delta": np.ascontiguousarray(tree.delta)}
    out["root_contrib"] = np.ascontiguousarray(tree.root_contrib, dtype=np.int64)
    out["root_bets"] = np.ascontiguousarray(tree.root_bets, dtype=np.int64)
    out["buckets_per_street"] = np.asarray(tree.buckets_per_street, dtype=np.int64)
    out.update({name: np.array(getattr(tree, name), dtype=np.int64) for name in COMPACT_SIZES})
    return out


def compact_from_arrays(arrays: dict[str, np.ndarray]) -> CompactTree:
    """A compact tree over given arrays (views, not copies), checked for names, dtypes and shapes."""
    missing = [n for n in COMPACT_ARRAYS + COMPACT_SIZES + ("root_contrib", "root_bets", "buckets_per_street")
               if n not in arrays]
    if missing:
        raise ValueError(f"compact-tree arrays: missing {missing}")
    sizes = {name: int(arrays[name]) for name in COMPACT_SIZES}
    words, delta = arrays["nodes"], arrays["delta"]
    if (words.dtype != np.int64 or words.ndim != 2 or words.shape[1] != NODE_DTYPE.itemsize // 8
            or not words.flags.c_contiguous):
        raise ValueError(f"compact-tree arrays: nodes is {words.dtype}{list(words.shape)}, "
                         f"expected int64[N, {NODE_DTYPE.itemsize // 8}] (contiguous)")
    n = words.shape[0]
    if delta.dtype != np.int32 or delta.shape != (n,):
        raise ValueError(f"compact-tree arrays: delta is {delta.dtype}{list(delta.shape)}, expected int32[{n}]")
    for name in ("root_contrib", "root_bets"):
        if arrays[name].shape != (sizes["n_players"],):
            raise ValueError(f"compact-tree arrays: {name} has shape {arrays[name].shape}")
    return CompactTree(nodes=words.reshape(-1).view(NODE_DTYPE), delta=delta, root_contrib=arrays["root_contrib"],
                       root_bets=arrays["root_bets"],
                       buckets_per_street=tuple(int(b) for b in arrays["buckets_per_street"]), **sizes)


def with_layout(tree: CompactTree, buckets_per_street: tuple[int, ...]) -> CompactTree:
    """``tree`` with table offsets for ``buckets_per_street``: those :meth:`TableLayout.build` gives
    the expanded tree (rows in preorder, so every subtree's rows form one block)."""
    if len(buckets_per_street) < tree.n_streets:
        raise ValueError(
            f"buckets_per_street has {len(buckets_per_street)} entries; the tree has {tree.n_streets} streets"
        )
    buckets_per_street = tuple(int(b) for b in buckets_per_street)
    if tree.buckets_per_street == buckets_per_street:
        return tree
    # a tree without a layout takes its offsets in place (a build holds one copy); one laid out for
    # other buckets keeps its own, and the result gets a copy of the records
    nodes = tree.nodes if not tree.buckets_per_street else tree.nodes.copy()
    size = _preorder_offsets(nodes["kind"], nodes["street"], nodes["n_actions"], nodes["first_child"],
                             np.asarray(buckets_per_street, dtype=np.int64), tree.max_depth, nodes["offset"])
    return replace(tree, nodes=nodes, table_size=int(size), buckets_per_street=buckets_per_street)


@njit(cache=True, nogil=True)
def _preorder_offsets(kind, street, n_actions, first_child, buckets, max_depth, offset):
    width = max(1, n_actions.max()) if kind.shape[0] else 1
    stack = np.empty((max_depth + 1) * width + 1, np.int64)
    stack[0] = 0
    top = 1
    total = np.int64(0)
    while top > 0:
        top -= 1
        node = stack[top]
        if kind[node] != NODE_DECISION:
            offset[node] = -1
            continue
        na = n_actions[node]
        offset[node] = total
        total += buckets[street[node]] * na
        for a in range(na - 1, -1, -1):
            stack[top] = first_child[node] + a
            top += 1
    return total


def expand(tree: CompactTree, width: int | None = None) -> BettingTree:
    """The full :class:`BettingTree` of a compact one, node ids in preorder (``width``: columns of
    the per-action arrays, at least the most actions of a node)."""
    n, players = tree.n_nodes, tree.n_players
    width = max(tree.max_actions, width or 0)
    out = BettingTree(
        n_players=players, n_streets=tree.n_streets, street=np.empty(n, np.int8), kind=np.empty(n, np.int8),
        actor=np.empty(n, np.int8), pot=np.empty(n, np.int64), contrib=np.empty((n, players), np.int64),
        folded=np.empty((n, players), np.bool_), n_actions=np.empty(n, np.int8),
        children=np.full((n, width), NO_CHILD, np.int32), action_kind=np.full((n, width), -1, np.int8),
        action_amount=np.zeros((n, width), np.int64), parent=np.empty(n, np.int32),
        parent_action=np.empty(n, np.int8),
    )
    _expand(tree.kind, tree.street, tree.actor, tree.n_actions, tree.first_child, tree.delta,
            np.asarray(tree.root_contrib, np.int64), np.asarray(tree.root_bets, np.int64), tree.max_depth,
            *(getattr(out, name) for name in TREE_ARRAYS))
    return out


@njit(cache=True, nogil=True)
def _expand(kind, street, actor, n_actions, first_child, delta, root_contrib, root_bets, max_depth,
            o_street, o_kind, o_actor, o_pot, o_contrib, o_folded, o_nact, o_children, o_akind, o_amount,
            o_parent, o_paction):
    P = root_contrib.shape[0]
    cap = (max_depth + 1) * max(1, o_children.shape[1]) + 1
    s_id = np.empty(cap, np.int64)
    s_parent = np.empty(cap, np.int64)  # preorder id of the parent
    s_action = np.empty(cap, np.int64)
    s_contrib = np.empty((cap, P), np.int64)
    s_bets = np.empty((cap, P), np.int64)
    s_folded = np.empty((cap, P), np.bool_)
    s_id[0] = 0
    s_parent[0] = -1
    s_action[0] = -1
    s_contrib[0] = root_contrib
    s_bets[0] = root_bets
    s_folded[0] = False
    top = 1
    pre = 0
    while top > 0:
        top -= 1
        node = s_id[top]
        parent = s_parent[top]
        o_parent[pre] = parent
        o_paction[pre] = s_action[top]
        if parent >= 0:
            o_children[parent, s_action[top]] = pre
            if street[node] != o_street[parent]:
                s_bets[top] = 0  # a new betting round starts here
        o_street[pre] = street[node]
        o_kind[pre] = kind[node]
        o_actor[pre] = actor[node]
        o_nact[pre] = n_actions[node]
        pot = np.int64(0)
        for i in range(P):
            o_contrib[pre, i] = s_contrib[top, i]
            o_folded[pre, i] = s_folded[top, i]
            pot += s_contrib[top, i]
        o_pot[pre] = pot
        na = n_actions[node]
        if kind[node] == NODE_DECISION:
            p = actor[node]
            first = first_child[node]
            call_index = 1 if delta[first] == FOLD_DELTA else 0
            for a in range(na):
                d = delta[first + a]
                if d == FOLD_DELTA:
                    o_akind[pre, a] = ACTION_FOLD
                elif a == call_index:
                    o_akind[pre, a] = ACTION_CHECK_CALL
                    o_amount[pre, a] = d
                else:
                    o_akind[pre, a] = ACTION_RAISE
                    o_amount[pre, a] = s_bets[top, p] + d
            contrib = s_contrib[top].copy()
            bets = s_bets[top].copy()
            folded = s_folded[top].copy()
            for a in range(na - 1, -1, -1):
                t = top
                top += 1
                s_id[t] = first + a
                s_parent[t] = pre
                s_action[t] = a
                s_contrib[t] = contrib
                s_bets[t] = bets
                s_folded[t] = folded
                d = delta[first + a]
                if d == FOLD_DELTA:
                    s_folded[t, p] = True
                else:
                    s_contrib[t, p] += d
                    s_bets[t, p] += d
        pre += 1


def compact_from_full(tree: BettingTree, layout: TableLayout,
                      root_bets: np.ndarray | None = None) -> tuple[CompactTree, np.ndarray]:
    """The compact form of a full tree (the small games' builders make full trees), keeping the
    table rows of ``layout``: the kernel then updates exactly the rows the full tree's users read.
    Also returns int64[N]: the full tree's id of every compact node.  ``root_bets``: the street bets
    at the root (what an expansion needs for raise-to amounts; the tree itself only has chips in, so
    the default, the root's chips in, is right only where nothing but bets was posted)."""
    n, players = tree.n_nodes, tree.n_players
    new = np.full(n, -1, np.int64)
    new[0] = 0
    queue = [0]
    given = 1
    kind, street, actor, n_actions = (np.empty(n, np.int8) for _ in range(4))
    first_child, delta = np.full(n, NO_CHILD, np.int32), np.zeros(n, np.int32)
    offset = np.empty(n, np.int64)
    depth = np.zeros(n, np.int64)
    for full in queue:
        c = new[full]
        kind[c], street[c], actor[c] = tree.kind[full], tree.street[full], tree.actor[full]
        n_actions[c], offset[c] = tree.n_actions[full], layout.offset[full]
        na = int(tree.n_actions[full])
        if tree.kind[full] != NODE_DECISION:
            continue
        first_child[c] = given
        p = int(tree.actor[full])
        for a in range(na):
            child = int(tree.children[full, a])
            new[child] = given + a
            depth[child] = depth[full] + 1
            folds = tree.folded[child, p] and not tree.folded[full, p]
            delta[given + a] = FOLD_DELTA if folds else tree.contrib[child, p] - tree.contrib[full, p]
            queue.append(child)
        given += na
    terminal = tree.kind != NODE_DECISION
    full_ids = np.empty(n, np.int64)
    full_ids[new] = np.arange(n)
    nodes = np.empty(n, NODE_DTYPE)
    for name, values in zip(NODE_FIELDS, (kind, street, actor, n_actions, first_child, offset)):
        nodes[name] = values
    return CompactTree(
        n_players=players, n_streets=tree.n_streets, nodes=nodes, delta=delta,
        root_contrib=np.asarray(tree.contrib[0], np.int64),
        root_bets=np.asarray(tree.contrib[0] if root_bets is None else root_bets, np.int64),
        max_depth=int(depth[terminal].max()) if terminal.any() else 0, table_size=int(layout.size),
        buckets_per_street=tuple(layout.buckets_per_street),
    ), full_ids


class Deferred:
    """Stands for an object that is built on first use of an attribute not given up front.

    A Hold'em game's full tree (80-140 bytes a node) and its layout's offsets
    are expanded from the compact tree only if something reads them (play,
    evaluation, policy export); training never does.
    """

    def __init__(self, build, **known):
        self.__dict__.update(known)
        self.__dict__["_build"] = build
        self.__dict__["_built"] = None

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        built = self.__dict__["_built"]
        if built is None:
            built = self.__dict__["_built"] = self.__dict__["_build"]()
        return getattr(built, name)
