"""Both seats' reaches over the 1,326 hole pairs along a real Hold'em history, from the blueprint.

Bayes' rule as in :mod:`holdem.search.ranges`: a seat's reach of hole h is
the product of the blueprint's probability of each action that seat took,
holding h.  The blueprint plays buckets, so a hole's probability is its
bucket's row (:meth:`holdem.blueprint.Blueprint.rows` over
:meth:`~holdem.blueprint.Blueprint.hole_buckets` of the board at that
street).  Off-tree bets are mapped onto the tree by the blueprint's own
pseudo-harmonic translation (:meth:`~holdem.blueprint.Blueprint.path`, with
the searching seat's translation draws).  Once the history leaves the tree
(an action the blueprint could not have taken), the blueprint's fallback
is card-independent, so later actions carry no information and the
reaches stop changing.  Holes that share a card with the board get 0; card
removal between the two seats is left to the payoffs
(:mod:`holdem.search.showdown`).

Only actions before ``street`` count: the river subgame models the river's
own actions itself.
"""
from __future__ import annotations

import numpy as np

from holdem.abstraction.features import HOLE_CARDS, N_HOLES
from holdem.blueprint import OFF_TREE, Blueprint
from holdem.game.engine import BOARD_CARDS_VISIBLE, RIVER, HandState


def history_reaches(blueprint: Blueprint, state: HandState, seat: int, street: int = RIVER) -> np.ndarray:
    """float64[2, 1326]: each real seat's reach of every hole, from the actions before ``street``.

    ``seat`` is the searching seat: the history is mapped as it maps it.
    """
    if state.n_players != 2:
        raise ValueError(f"search is heads-up; this hand has {state.n_players} seats")
    out = np.ones((2, N_HOLES))
    path = blueprint.path(state, seat)
    buckets: dict[int, np.ndarray] = {}
    for i, action in enumerate(state.history):
        if action.street >= street:
            break
        node, child = path[i], path[i + 1]
        if node == OFF_TREE or child == OFF_TREE:
            break
        a = blueprint.action_index(node, child)
        if a < 0:
            break
        if action.street not in buckets:
            buckets[action.street] = blueprint.hole_buckets(state.board[: BOARD_CARDS_VISIBLE[action.street]])
        out[action.seat] *= blueprint.rows(node, buckets[action.street])[:, a]
    board = state.board[: BOARD_CARDS_VISIBLE[min(street, RIVER)]]
    out[:, np.isin(HOLE_CARDS, board).any(axis=1)] = 0.0
    return out
