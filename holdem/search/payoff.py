"""Terminal payoffs of two seats as hand-by-hand matrices, chance and card removal folded in.

``U[h0, h1]`` is seat 0's payoff at a terminal node when seat 0 holds ``h0``
and seat 1 holds ``h1``, times the probability of that combination of hands
and board (zero where they share a card).  With the chance weight inside the
matrix, every vector the solver passes down holds only the seats' own
reaches, and ``U @ reach_1`` is seat 0's counterfactual value per hand
(Zinkevich et al. 2007; vector form as in Johanson et al. 2011, "Accelerating
Best Response Calculation in Large Extensive Games").  Seat 1's payoff is
``-U``: heads-up poker is zero-sum.

A dense H x H matrix is what Leduc (H = 6) wants; Hold'em's river (H = 1,326)
would sort hands by strength and sweep instead (Johanson et al. 2011, O(H)
showdowns), behind the same function.
"""
from __future__ import annotations

import numpy as np

from holdem.game.tree_arrays import NODE_FOLD, NODE_SHOWDOWN, BettingTree
from holdem.search.hands import PrivateHands


def terminal_payoff(tree: BettingTree, hands: PrivateHands, node: int, board: tuple[int, ...]) -> np.ndarray:
    """float64[H, H]: seat 0's chance-weighted payoff at terminal ``node`` (see the module docstring)."""
    if tree.n_players != 2:
        raise ValueError(f"search payoffs are for two seats, the tree has {tree.n_players}")
    kind = int(tree.kind[node])
    contrib = tree.contrib[node].astype(np.float64)
    weight = hands.compatible(board) * hands.combo_probability(board)
    if kind == NODE_FOLD:
        won = contrib[1] if tree.folded[node, 1] else -contrib[0]
        return weight * won
    if kind != NODE_SHOWDOWN:
        raise ValueError(f"node {node} is not terminal")
    strength = hands.strength(board)
    sign = np.sign(strength[:, None] - strength[None, :]).astype(np.float64)
    # a win takes the other seat's chips, a split returns each its own (equal stakes heads-up)
    won = np.where(sign > 0, contrib[1], np.where(sign < 0, -contrib[0], 0.5 * (contrib[1] - contrib[0])))
    return weight * won
