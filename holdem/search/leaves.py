"""Depth-limited leaves: each seat picks one of k continuation strategies (Brown, Sandholm & Amos 2018).

"Depth-Limited Solving for Imperfect-Information Games" (NeurIPS 2018): at a
depth-limit leaf a subgame cannot assume one fixed continuation, or the
solver would exploit it; instead each seat chooses, per hand, among k
continuation strategies for the rest of the game, and the leaf is worth
``V[i, j]`` when seat 0 plays continuation i and seat 1 continuation j.  The
choices are simultaneous (neither sees the other's), so a leaf is two more
decision points in the subgame, with k actions each.  Pluribus used k = 4:
the blueprint, and the blueprint biased toward folding, calling and raising,
each by multiplying the favoured action's probability by 5 and renormalising
at every later decision.

Values here are exact: the public tree below the leaf is walked with hands
as vectors and every remaining public card enumerated.  That is Leduc's
luxury; Hold'em would estimate ``V`` by rollouts of the continuations over
sampled boards, as Pluribus did.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from holdem.game.tree_arrays import (
    ACTION_CHECK_CALL,
    ACTION_FOLD,
    ACTION_RAISE,
    NODE_DECISION,
    BettingTree,
    TableLayout,
)
from holdem.search.hands import PrivateHands
from holdem.search.payoff import terminal_payoff
from holdem.search.ranges import action_probabilities

BIAS_KINDS = (ACTION_FOLD, ACTION_CHECK_CALL, ACTION_RAISE)  # after the unbiased blueprint, in this order
DEFAULT_BIAS = 5.0
MAX_CONTINUATIONS = 1 + len(BIAS_KINDS)


def biased_policy(tree: BettingTree, layout: TableLayout, policy: np.ndarray, action_kind: int,
                  factor: float = DEFAULT_BIAS) -> np.ndarray:
    """``policy`` with every probability of an ``action_kind`` action times ``factor``, rows renormalised."""
    out = np.array(policy, dtype=np.float64)
    for node in tree.decision_nodes():
        na = int(tree.n_actions[node])
        hits = np.flatnonzero(tree.action_kind[node, :na] == action_kind)
        if hits.size == 0:
            continue
        rows = layout.rows(int(node), int(tree.street[node]), na)
        block = out[rows]
        block[:, hits] *= factor
        total = block.sum(axis=1, keepdims=True)
        out[rows] = np.divide(block, total, out=np.full_like(block, 1.0 / na), where=total > 0)
    return out


def continuation_policies(tree: BettingTree, layout: TableLayout, policy: np.ndarray, k: int,
                          factor: float = DEFAULT_BIAS) -> list[np.ndarray]:
    """The first ``k`` of: ``policy``, then biased toward fold, call and raise."""
    if not 1 <= k <= MAX_CONTINUATIONS:
        raise ValueError(f"k must be in [1, {MAX_CONTINUATIONS}], got {k}")
    out = [np.asarray(policy, dtype=np.float64)]
    out += [biased_policy(tree, layout, policy, kind, factor) for kind in BIAS_KINDS[: k - 1]]
    return out


def continuation_value(tree: BettingTree, layout: TableLayout, hands: PrivateHands, policies: Sequence[np.ndarray],
                       node: int, board: tuple[int, ...]) -> np.ndarray:
    """float64[H, H]: seat 0's chance-weighted value below ``node`` when seat p plays ``policies[p]``.

    ``board`` may be short of what ``node``'s street shows: the missing
    public cards are dealt first (every card, with card removal in the payoffs).
    """
    if len(board) < hands.board_size(int(tree.street[node])):
        return sum((continuation_value(tree, layout, hands, policies, node, b) for b in hands.next_boards(board)),
                   np.zeros((hands.n_hands, hands.n_hands)))
    if tree.kind[node] != NODE_DECISION:
        return terminal_payoff(tree, hands, node, board)
    seat = int(tree.actor[node])
    probs = action_probabilities(tree, layout, hands, policies[seat], node, board)
    total = np.zeros((hands.n_hands, hands.n_hands))
    for a in range(int(tree.n_actions[node])):
        child = continuation_value(tree, layout, hands, policies, int(tree.children[node, a]), board)
        total += (probs[:, a][:, None] if seat == 0 else probs[:, a][None, :]) * child
    return total


def leaf_values(tree: BettingTree, layout: TableLayout, hands: PrivateHands, continuations: Sequence[np.ndarray],
                node: int, board: tuple[int, ...]) -> np.ndarray:
    """float64[k, k, H, H]: ``V[i, j]`` = seat 0's value below ``node`` with continuations i (seat 0), j (seat 1)."""
    k = len(continuations)
    out = np.empty((k, k, hands.n_hands, hands.n_hands))
    for i in range(k):
        for j in range(k):
            out[i, j] = continuation_value(tree, layout, hands, (continuations[i], continuations[j]), node, board)
    return out
