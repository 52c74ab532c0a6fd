"""A re-solved subgame strategy written back into a full policy array (the blueprint elsewhere).

This is how search is judged exactly on a small game (Brown & Sandholm 2017,
"Safe and Nested Subgame Solving", section 7: exploitability of the blueprint
with the subgame strategies substituted): the result is an ordinary policy
(:mod:`holdem.exploitability`), so its best response is computed over the
whole game, upstream deviations included.

Policy rows are per bucket, the solver's strategies per hand.  Hands that
share a row (Leduc's two suits of a rank, which are isomorphic) are merged
weighted by their reach in the subgame, which is how an average strategy
merges information sets; on Leduc they hold the same strategy up to rounding.
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from holdem.search.subgame import DECISION, Subgame


def own_reach(subgame: Subgame, strategy: dict[int, np.ndarray], root_reach: np.ndarray) -> dict[int, np.ndarray]:
    """``{decision id: float64[H]}``: the actor's own reach of each hand at its decisions under ``strategy``."""
    out: dict[int, np.ndarray] = {}

    def visit(i: int, reach: np.ndarray) -> None:
        node = subgame.nodes[i]
        if node.kind == DECISION:
            out[i] = reach[node.actor].copy()
            for a, c in enumerate(node.children):
                child = reach.copy()
                child[node.actor] = reach[node.actor] * strategy[i][:, a]
                visit(c, child)
        else:
            for c in node.children:
                visit(c, reach)

    visit(0, np.asarray(root_reach, dtype=np.float64))
    return out


def splice(policy: np.ndarray, subgame: Subgame, strategy: dict[int, np.ndarray], root_reach: np.ndarray,
           seats: Iterable[int] = (0, 1)) -> np.ndarray:
    """A copy of ``policy`` whose rows at ``seats``' decisions in ``subgame`` play ``strategy``."""
    out = np.array(policy, dtype=np.float64)
    seats = set(seats)
    tree, layout, hands = subgame.tree, subgame.layout, subgame.hands
    weights = own_reach(subgame, strategy, root_reach)
    for i in subgame.decisions():
        node = subgame.nodes[i]
        if node.actor not in seats:
            continue
        street = int(tree.street[node.node])
        na = int(tree.n_actions[node.node])
        live = hands.live(node.board)
        buckets = hands.buckets(street, node.board)
        for bucket in np.unique(buckets[live]):
            members = live & (buckets == bucket)
            w = weights[i][members]
            w = w / w.sum() if w.sum() > 0.0 else np.full(w.shape, 1.0 / w.size)
            row = int(layout.offset[node.node]) + int(bucket) * na
            out[row : row + na] = w @ strategy[i][members]
    return out
