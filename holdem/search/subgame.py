"""The search tree below a public state: decisions, chance, terminals and depth-limit leaves.

Brown & Sandholm 2017, "Safe and Nested Subgame Solving for
Imperfect-Information Games" (NeurIPS): a subgame is rooted at a public state
(every seat's information sets there are complete, given the public history
and the board), so it can be solved on its own given each seat's range at
its root.  Its nodes are the public betting tree's nodes below the root,
each paired with the board it is played on: a street change that deals
public cards becomes a chance node with one child per possible board, where
the blueprint tree had a single edge and buckets instead of cards.

Depth limit (Brown, Sandholm & Amos 2018, "Depth-Limited Solving for
Imperfect-Information Games"): with ``round_end`` the tree stops where the
next betting round would begin, with ``depth`` after that many decisions;
the cut nodes become leaves worth k continuation strategies
(:mod:`holdem.search.leaves`).  On the last round a subgame goes to the
showdown whatever ``round_end`` says, since no round follows.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from holdem.game.tree_arrays import NODE_DECISION, BettingTree, TableLayout
from holdem.search.hands import PrivateHands
from holdem.search.leaves import leaf_values
from holdem.search.payoff import terminal_payoff
from holdem.search.ranges import PublicState, action_probabilities

DECISION, TERMINAL, CHANCE, LEAF = 0, 1, 2, 3


@dataclass(frozen=True)
class SearchNode:
    """One node of a subgame: ``node`` of the public tree played on ``board``; children are subgame ids."""

    kind: int
    node: int
    board: tuple[int, ...]
    actor: int = -1
    children: tuple[int, ...] = ()


@dataclass(frozen=True)
class Subgame:
    """A subgame of two seats; node 0 is its root.

    payoffs  ``{id: float64[H, H]}`` at terminals (:mod:`holdem.search.payoff`)
    values   ``{id: float64[k, k, H, H]}`` at leaves (:mod:`holdem.search.leaves`)
    """

    tree: BettingTree
    layout: TableLayout
    hands: PrivateHands
    root: PublicState
    nodes: tuple[SearchNode, ...]
    payoffs: dict[int, np.ndarray] = field(repr=False)
    values: dict[int, np.ndarray] = field(repr=False)

    @property
    def n_hands(self) -> int:
        return self.hands.n_hands

    def decisions(self) -> list[int]:
        return [i for i, n in enumerate(self.nodes) if n.kind == DECISION]

    def leaves(self) -> list[int]:
        return [i for i, n in enumerate(self.nodes) if n.kind == LEAF]


def build_subgame(tree: BettingTree, layout: TableLayout, hands: PrivateHands, state: PublicState, *,
                  depth: int | None = None, round_end: bool = False,
                  continuations: Sequence[np.ndarray] = ()) -> Subgame:
    """The subgame below ``state``; ``continuations`` (policy arrays) value its depth-limit leaves."""
    if tree.n_players != 2:
        raise ValueError(f"subgames are solved for two seats, the tree has {tree.n_players}")
    root_street = int(tree.street[state.node])
    if len(state.board) != hands.board_size(root_street):
        raise ValueError(f"node {state.node} is on street {root_street}, which shows "
                         f"{hands.board_size(root_street)} public cards; got board {state.board}")
    if depth is not None and depth < 1:
        raise ValueError(f"depth must be at least 1 decision, got {depth}")
    nodes: list[SearchNode] = []
    payoffs: dict[int, np.ndarray] = {}
    values: dict[int, np.ndarray] = {}

    def add(kind: int, node: int, board: tuple[int, ...], actor: int = -1) -> int:
        nodes.append(SearchNode(kind, node, board, actor))
        return len(nodes) - 1

    def set_children(i: int, children: list[int]) -> None:
        n = nodes[i]
        nodes[i] = SearchNode(n.kind, n.node, n.board, n.actor, tuple(children))

    def leaf(node: int, board: tuple[int, ...]) -> int:
        if not continuations:
            raise ValueError("a depth-limited subgame needs continuation strategies for its leaves")
        i = add(LEAF, node, board)
        values[i] = leaf_values(tree, layout, hands, continuations, node, board)
        return i

    def visit(node: int, board: tuple[int, ...], decisions: int) -> int:
        street = int(tree.street[node])
        if tree.kind[node] != NODE_DECISION and len(board) >= hands.board_size(street):
            i = add(TERMINAL, node, board)
            payoffs[i] = terminal_payoff(tree, hands, node, board)
            return i
        if (round_end and street > root_street) or (depth is not None and decisions >= depth):
            return leaf(node, board)
        if len(board) < hands.board_size(street):
            i = add(CHANCE, node, board)
            set_children(i, [visit(node, b, decisions) for b in hands.next_boards(board)])
            return i
        i = add(DECISION, node, board, int(tree.actor[node]))
        set_children(i, [visit(int(tree.children[node, a]), board, decisions + 1)
                         for a in range(int(tree.n_actions[node]))])
        return i

    visit(state.node, state.board, 0)
    return Subgame(tree, layout, hands, state, tuple(nodes), payoffs, values)


def policy_strategies(subgame: Subgame, policy: np.ndarray) -> dict[int, np.ndarray]:
    """``{decision id: float64[H, A]}``: what ``policy`` (a full policy array) plays at every decision."""
    return {i: action_probabilities(subgame.tree, subgame.layout, subgame.hands, policy, n.node, n.board)
            for i, n in enumerate(subgame.nodes) if n.kind == DECISION}


def first_continuation(subgame: Subgame) -> dict[int, np.ndarray]:
    """``{leaf id: float64[2, H, k]}``: both seats always take continuation 0 (the unbiased one)."""
    out = {}
    for i, v in subgame.values.items():
        choice = np.zeros((2, subgame.n_hands, v.shape[0]))
        choice[:, :, 0] = 1.0
        out[i] = choice
    return out


def round_starts(tree: BettingTree, street: int) -> list[int]:
    """The first node of ``street`` after every betting sequence of the rounds before that reaches it."""
    return [n for n in range(tree.n_nodes) if tree.street[n] == street and tree.parent[n] >= 0
            and tree.street[tree.parent[n]] < street]
