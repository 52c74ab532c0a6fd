"""Kuhn poker exactly as OpenSpiel's ``kuhn_poker`` (two players).

Kuhn 1950, "A simplified two-person poker": a deck J, Q, K (cards 0, 1, 2),
each player antes 1 and gets one card; player 0 may pass or bet 1; facing a
bet a player folds (pass) or calls (bet).  As a betting tree this is the limit
game of :mod:`holdem.games.limit` with one round, bet size 1 and one raise.
One street, three buckets (the card itself); showdown strength is the card.

OpenSpiel correspondence: action 0 "pass" is our check or fold, action 1
"bet" our bet or call; the information state string is the card followed by
the history as ``p``/``b`` characters (e.g. ``"2pb"``).  The game value for
player 0 is -1/18.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from holdem.game.tree_arrays import ACTION_CHECK_CALL, ACTION_FOLD, TableLayout
from holdem.games.limit import LimitRules, build_limit_tree
from holdem.games.small import SmallDealer, draw_distinct, enumerate_deals, history_on_street
from holdem.games.spec import ExactGame, GameSpec
from holdem.mccfr.rng import stream_state

N_CARDS = 3
N_PLAYERS = 2
RULES = LimitRules(n_players=N_PLAYERS, ante=1, raise_sizes=(1,), max_raises=1)
PASS, BET = 0, 1  # OpenSpiel action ids
GAME_VALUE_PLAYER0 = -1.0 / 18.0


@njit(cache=True, nogil=True)
def _fill(seed, buckets, strength):
    state = stream_state(seed)
    deck = np.arange(N_CARDS)
    cards = np.empty(N_PLAYERS, dtype=np.int64)
    for h in range(buckets.shape[0]):
        state = draw_distinct(state, deck, N_PLAYERS, cards)
        for p in range(N_PLAYERS):
            buckets[h, p, 0] = cards[p]
            strength[h, p] = cards[p]


def _openspiel_actions(tree) -> np.ndarray:
    ids = np.full(tree.children.shape, -1, dtype=np.int64)
    for node in tree.decision_nodes():
        for a in range(tree.n_actions[node]):
            kind = tree.action_kind[node, a]
            passive = kind == ACTION_FOLD or (kind == ACTION_CHECK_CALL and tree.action_amount[node, a] == 0)
            ids[node, a] = PASS if passive else BET
    return ids


def kuhn_game() -> GameSpec:
    tree = build_limit_tree(RULES)
    layout = TableLayout.build(tree, (N_CARDS,))
    deals = enumerate_deals(N_CARDS, N_PLAYERS)
    os_actions = _openspiel_actions(tree)

    def infostate_strings(node: int, bucket: int) -> list[str]:
        history = "".join("pb"[os_actions[n, a]] for n, a in history_on_street(tree, node, 0))
        return [f"{bucket}{history}"]

    exact = ExactGame(
        deal_buckets=deals.reshape(len(deals), N_PLAYERS, 1).astype(np.int32),
        deal_strength=deals.astype(np.int64),
        deal_prob=np.full(len(deals), 1.0 / len(deals)),
        openspiel_name="kuhn_poker",
        openspiel_actions=os_actions,
        infostate_strings=infostate_strings,
        deal_public=np.zeros(len(deals), dtype=np.int64),  # no public cards
    )
    return GameSpec("kuhn", tree, layout, SmallDealer(_fill, N_PLAYERS, 1), "", exact)
