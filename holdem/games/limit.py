"""Betting trees of small fixed-limit games (Kuhn, Leduc) as flat arrays.

The rules are OpenSpiel's ``leduc_poker`` betting (open_spiel/games/
leduc_poker/leduc_poker.cc), which with one round, a bet size of 1 and one
raise is exactly ``kuhn_poker``'s:

* every seat antes; seat 0 (or the first seat still in) acts first in every round;
* fold is offered only when facing a bet; check/call is always offered; a
  raise (call plus the round's fixed raise size) while the round has seen
  fewer than ``max_raises`` raises;
* a round ends when everyone still in has checked, or when every other seat
  still in has called the last raise; the last round ends in a showdown, and a
  fold that leaves one seat ends the hand.

Actions at a node are ordered fold, check/call, raise (as the ``ACTION_*``
kinds).  Nodes are numbered in depth-first preorder.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from holdem.game.tree_arrays import (
    ACTION_CHECK_CALL,
    ACTION_FOLD,
    ACTION_RAISE,
    NO_CHILD,
    NODE_DECISION,
    NODE_FOLD,
    NODE_SHOWDOWN,
    BettingTree,
)

MAX_LIMIT_ACTIONS = 3  # fold, check/call, raise


@dataclass(frozen=True)
class LimitRules:
    """n_players seats; ante each; raise_sizes[r] is the fixed raise of round r."""

    n_players: int
    ante: int
    raise_sizes: tuple[int, ...]
    max_raises: int

    @property
    def n_rounds(self) -> int:
        return len(self.raise_sizes)


@dataclass
class _State:
    contrib: list[int]
    street_bet: list[int]
    folded: list[bool]
    round: int = 0
    stakes: int = 0  # the street bet every seat must match
    num_raises: int = 0
    num_calls: int = 0
    actor: int = 0

    def copy(self) -> "_State":
        return _State(list(self.contrib), list(self.street_bet), list(self.folded), self.round, self.stakes,
                      self.num_raises, self.num_calls, self.actor)

    @property
    def remaining(self) -> int:
        return self.folded.count(False)


@dataclass
class _Nodes:
    street: list[int] = field(default_factory=list)
    kind: list[int] = field(default_factory=list)
    actor: list[int] = field(default_factory=list)
    contrib: list[list[int]] = field(default_factory=list)
    folded: list[list[bool]] = field(default_factory=list)
    actions: list[list[tuple[int, int, int]]] = field(default_factory=list)  # (kind, amount, child)
    parent: list[int] = field(default_factory=list)
    parent_action: list[int] = field(default_factory=list)

    def add(self, st: _State, kind: int, parent: int, parent_action: int) -> int:
        self.street.append(st.round)
        self.kind.append(kind)
        self.actor.append(st.actor if kind == NODE_DECISION else -1)
        self.contrib.append(list(st.contrib))
        self.folded.append(list(st.folded))
        self.actions.append([])
        self.parent.append(parent)
        self.parent_action.append(parent_action)
        return len(self.kind) - 1


def _next_seat(st: _State, after: int, n: int) -> int:
    for i in range(1, n + 1):
        seat = (after + i) % n
        if not st.folded[seat]:
            return seat
    raise AssertionError("no seat left to act")


def _round_over(st: _State) -> bool:
    if st.num_raises == 0:
        return st.num_calls == st.remaining
    return st.num_calls == st.remaining - 1


def build_limit_tree(rules: LimitRules) -> BettingTree:
    """The full betting tree of ``rules`` (see the module docstring)."""
    n = rules.n_players
    if n < 2:
        raise ValueError(f"n_players must be at least 2, got {n}")
    if rules.max_raises < 0 or any(s <= 0 for s in rules.raise_sizes) or not rules.raise_sizes:
        raise ValueError(f"bad limit rules {rules}: need raise sizes > 0 and max_raises >= 0")
    nodes = _Nodes()
    root = _State([rules.ante] * n, [0] * n, [False] * n)

    def advance(st: _State) -> int:
        """Kind of the state after an action: terminal kind, or decision (moving to the next actor/round)."""
        if st.remaining == 1:
            return NODE_FOLD
        if _round_over(st):
            if st.round == rules.n_rounds - 1:
                return NODE_SHOWDOWN
            st.round += 1
            st.street_bet = [0] * n
            st.stakes = st.num_raises = st.num_calls = 0
            st.actor = _next_seat(st, n - 1, n)  # seat 0 or the first seat after it still in
            return NODE_DECISION
        st.actor = _next_seat(st, st.actor, n)
        return NODE_DECISION

    def build(st: _State, kind: int, parent: int, parent_action: int) -> int:
        node = nodes.add(st, kind, parent, parent_action)
        if kind != NODE_DECISION:
            return node
        seat = st.actor
        facing = st.street_bet[seat] < st.stakes
        options: list[tuple[int, int]] = []
        if facing:
            options.append((ACTION_FOLD, 0))
        options.append((ACTION_CHECK_CALL, st.stakes - st.street_bet[seat]))
        if st.num_raises < rules.max_raises:
            options.append((ACTION_RAISE, st.stakes + rules.raise_sizes[st.round]))
        for index, (akind, amount) in enumerate(options):
            child = st.copy()
            if akind == ACTION_FOLD:
                child.folded[seat] = True
            elif akind == ACTION_CHECK_CALL:
                child.contrib[seat] += amount
                child.street_bet[seat] += amount
                child.num_calls += 1
            else:
                added = amount - child.street_bet[seat]
                child.contrib[seat] += added
                child.street_bet[seat] = amount
                child.stakes = amount
                child.num_raises += 1
                child.num_calls = 0
            child_kind = advance(child)
            nodes.actions[node].append((akind, amount, -1))
            child_node = build(child, child_kind, node, index)
            nodes.actions[node][index] = (akind, amount, child_node)
        return node

    build(root, NODE_DECISION, -1, -1)
    count = len(nodes.kind)
    children = np.full((count, MAX_LIMIT_ACTIONS), NO_CHILD, dtype=np.int32)
    action_kind = np.full((count, MAX_LIMIT_ACTIONS), -1, dtype=np.int8)
    action_amount = np.zeros((count, MAX_LIMIT_ACTIONS), dtype=np.int64)
    for i, acts in enumerate(nodes.actions):
        for a, (akind, amount, child) in enumerate(acts):
            children[i, a] = child
            action_kind[i, a] = akind
            action_amount[i, a] = amount
    contrib = np.asarray(nodes.contrib, dtype=np.int64)
    return BettingTree(
        n_players=n,
        n_streets=rules.n_rounds,
        street=np.asarray(nodes.street, dtype=np.int8),
        kind=np.asarray(nodes.kind, dtype=np.int8),
        actor=np.asarray(nodes.actor, dtype=np.int8),
        pot=contrib.sum(axis=1),
        contrib=contrib,
        folded=np.asarray(nodes.folded, dtype=bool),
        n_actions=np.asarray([len(a) for a in nodes.actions], dtype=np.int8),
        children=children,
        action_kind=action_kind,
        action_amount=action_amount,
        parent=np.asarray(nodes.parent, dtype=np.int32),
        parent_action=np.asarray(nodes.parent_action, dtype=np.int8),
    )
