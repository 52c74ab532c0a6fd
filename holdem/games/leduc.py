"""Leduc Hold'em exactly as OpenSpiel's ``leduc_poker`` (two players).

Southey et al. 2005, "Bayes' Bluff: Opponent Modelling in Poker": six cards,
J Q K in two suits (OpenSpiel card ``c`` has rank ``c // 2``); each player
antes 1 and gets one private card; round 1 bets are raises of 2, then one
public card, round 2 raises of 4; at most two raises a round; player 0 acts
first in both rounds; fold only when facing a bet (betting rules in
:mod:`holdem.games.limit`).  Showdown: a private card pairing the public card
wins, else the higher private rank; equal ranks split (OpenSpiel's RankHand,
which orders hands by (pair, high rank, low rank); with a shared public card
that is the order used here).

Suits are isomorphic, so they are merged losslessly into rank buckets: street
0 bucket = private rank (3), street 1 bucket = 3 * private rank + public rank
(9).  Card removal still applies when dealing (the cards themselves are
dealt, then mapped to ranks).

OpenSpiel correspondence: action ids fold 0, call 1, raise 2 (our action
kinds); information state strings are OpenSpiel's
``[Observer: p][Private: c][Round r][Player: p][Pot: x][Money: a b]
[Public: c][Round1: ...][Round2: ...]``, two (or four) per rank bucket.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from holdem.game.tree_arrays import TableLayout
from holdem.games.limit import LimitRules, build_limit_tree
from holdem.games.small import SmallDealer, draw_distinct, enumerate_deals, history_on_street
from holdem.games.spec import ExactGame, GameSpec
from holdem.mccfr.rng import stream_state

N_RANKS = 3
N_SUITS = 2
N_CARDS = N_RANKS * N_SUITS
N_PLAYERS = 2
PREFLOP, FLOP = 0, 1
RULES = LimitRules(n_players=N_PLAYERS, ante=1, raise_sizes=(2, 4), max_raises=2)
BUCKETS_PER_STREET = (N_RANKS, N_RANKS * N_RANKS)
PAIR_BONUS = N_RANKS * N_RANKS  # above every unpaired (high * 3 + low) value
STARTING_MONEY = 100  # OpenSpiel's kStartingMoney, shown in its information state strings


@njit(cache=True, nogil=True, inline="always")
def hand_strength(private_rank, public_rank):
    if private_rank == public_rank:
        return PAIR_BONUS + private_rank
    hi = max(private_rank, public_rank)
    lo = min(private_rank, public_rank)
    return hi * N_RANKS + lo


@njit(cache=True, nogil=True)
def _fill(seed, buckets, strength):
    state = stream_state(seed)
    deck = np.arange(N_CARDS)
    cards = np.empty(N_PLAYERS + 1, dtype=np.int64)
    for h in range(buckets.shape[0]):
        state = draw_distinct(state, deck, N_PLAYERS + 1, cards)
        public = cards[N_PLAYERS] // N_SUITS
        for p in range(N_PLAYERS):
            rank = cards[p] // N_SUITS
            buckets[h, p, PREFLOP] = rank
            buckets[h, p, FLOP] = rank * N_RANKS + public
            strength[h, p] = hand_strength(rank, public)


def _exact_deals() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    deals = enumerate_deals(N_CARDS, N_PLAYERS + 1)
    ranks = deals // N_SUITS
    public = ranks[:, N_PLAYERS]
    buckets = np.empty((len(deals), N_PLAYERS, 2), dtype=np.int32)
    strength = np.empty((len(deals), N_PLAYERS), dtype=np.int64)
    for p in range(N_PLAYERS):
        buckets[:, p, PREFLOP] = ranks[:, p]
        buckets[:, p, FLOP] = ranks[:, p] * N_RANKS + public
        strength[:, p] = [hand_strength(int(r), int(q)) for r, q in zip(ranks[:, p], public)]
    return buckets, strength, np.full(len(deals), 1.0 / len(deals)), deals[:, N_PLAYERS].copy()


def leduc_game() -> GameSpec:
    tree = build_limit_tree(RULES)
    layout = TableLayout.build(tree, BUCKETS_PER_STREET)
    os_actions = np.where(tree.action_kind >= 0, tree.action_kind, -1).astype(np.int64)

    def infostate_strings(node: int, bucket: int) -> list[str]:
        player = int(tree.actor[node])
        street = int(tree.street[node])
        money = " ".join(str(STARTING_MONEY - int(c)) for c in tree.contrib[node])
        rounds = [" ".join(str(os_actions[n, a]) for n, a in history_on_street(tree, node, s)) for s in (PREFLOP, FLOP)]
        if street == PREFLOP:
            combos: list[tuple[int, int | None]] = [(bucket * N_SUITS + s, None) for s in range(N_SUITS)]
        else:
            rank, public = divmod(bucket, N_RANKS)
            combos = [
                (rank * N_SUITS + s, public * N_SUITS + t)
                for s in range(N_SUITS)
                for t in range(N_SUITS)
                if rank * N_SUITS + s != public * N_SUITS + t
            ]
        out = []
        for private, public_card in combos:
            text = (
                f"[Observer: {player}][Private: {private}][Round {street + 1}][Player: {player}]"
                f"[Pot: {int(tree.pot[node])}][Money: {money}]"
            )
            if public_card is not None:
                text += f"[Public: {public_card}]"
            text += f"[Round1: {rounds[0]}][Round2: {rounds[1]}]"
            out.append(text)
        return out

    buckets, strength, prob, public = _exact_deals()
    exact = ExactGame(buckets, strength, prob, "leduc_poker", os_actions, infostate_strings, public)
    return GameSpec("leduc", tree, layout, SmallDealer(_fill, N_PLAYERS, 2), "", exact)
