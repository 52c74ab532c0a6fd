"""Each seat's range over its private hands, from a policy by Bayes' rule along a public history.

A public state is a node of the public betting tree and the board dealt so
far.  Seat p's *reach* of hand h is the product of p's own action
probabilities, holding h, along the path to the node (the chance and
opponent factors are common to every h and cancel).  Its *range* (belief) is
the posterior of its hand given the public state: by Bayes' rule,

    P(h_p = h | state) ∝ reach_p(h) * Σ_h' reach_o(h') * [h, h' and the board share no card],

since every compatible deal of hands and board is equally likely a priori.
CFR over ranges works with the reaches (Moravcik et al. 2017, "DeepStack",
Burch et al. 2014, "Solving Imperfect Information Games Using
Decomposition"): card removal between the two seats is applied where hands
meet, at the terminals.

Off-tree actions (a Hold'em bet size the blueprint does not have) must be
mapped onto the tree by the blueprint's action translation before a path
exists; Leduc's limit betting has none.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from holdem.game.tree_arrays import BettingTree, TableLayout
from holdem.search.hands import PrivateHands


@dataclass(frozen=True)
class PublicState:
    """A node of the public betting tree and the public cards dealt so far (card codes)."""

    node: int
    board: tuple[int, ...] = ()


def action_probabilities(tree: BettingTree, layout: TableLayout, hands: PrivateHands, policy: np.ndarray,
                         node: int, board: tuple[int, ...]) -> np.ndarray:
    """float64[H, A]: the acting seat's probability of each action at ``node``, for every hand."""
    na = int(tree.n_actions[node])
    street = int(tree.street[node])
    buckets = hands.buckets(street, board[: hands.board_size(street)])
    rows = int(layout.offset[node]) + buckets * na
    return np.asarray(policy)[rows[:, None] + np.arange(na)]


def reach(tree: BettingTree, layout: TableLayout, hands: PrivateHands, policy: np.ndarray,
          state: PublicState) -> np.ndarray:
    """float64[P, H]: each seat's own reach of ``state`` holding each hand; 0 for hands the board holds."""
    out = np.ones((tree.n_players, hands.n_hands))
    out[:, ~hands.live(state.board)] = 0.0
    node = state.node
    path: list[tuple[int, int]] = []
    while tree.parent[node] >= 0:
        path.append((int(tree.parent[node]), int(tree.parent_action[node])))
        node = int(tree.parent[node])
    for parent, action in reversed(path):
        seat = int(tree.actor[parent])
        out[seat] *= action_probabilities(tree, layout, hands, policy, parent, state.board)[:, action]
    return out


def beliefs(hands: PrivateHands, reaches: np.ndarray, board: tuple[int, ...]) -> np.ndarray:
    """float64[P, H]: each seat's posterior over its hands (rows sum to 1) given both seats' reaches.

    Two seats: seat p's belief weighs its own reach by the reach of every
    opponent hand it does not collide with.  A state no hand reaches has no
    posterior: ValueError.
    """
    if reaches.shape[0] != 2:
        raise ValueError(f"beliefs are for two seats, got {reaches.shape[0]}")
    compatible = hands.compatible(board).astype(np.float64)
    joint = reaches[0][:, None] * compatible * reaches[1][None, :]
    total = joint.sum()
    if not total > 0.0:
        raise ValueError("no deal reaches this public state with positive probability")
    return np.stack([joint.sum(axis=1), joint.sum(axis=0)]) / total


def ranges(tree: BettingTree, layout: TableLayout, hands: PrivateHands, policy: np.ndarray,
           state: PublicState) -> np.ndarray:
    """float64[P, H]: each seat's range at ``state`` when everyone played ``policy`` (Bayes' rule)."""
    return beliefs(hands, reach(tree, layout, hands, policy, state), state.board)
