"""Terminal payoffs of the flat betting tree, compiled.

Fold node: the one seat still in wins the pot.  Showdown: the pot is layered
by contribution (side pots, as in the rules of no-limit poker: each layer is
the chips every seat put in between two successive contribution levels); a
layer goes to the best strength among the seats still in that reached it, ties
split it evenly.  A layer only folded seats reached (never produced by legal
betting: the largest contributor is always still in) is returned to them.
An uncalled bet forms a top layer its bettor alone reached, so it comes back.

Utility of a seat = chips won - chips it put in (``contrib``).  Every node
whose unfolded seats put in the same amount (all heads-up showdowns, most
multi-way ones) takes the single-pot fast path.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from holdem.game.tree_arrays import NODE_DECISION, NODE_FOLD, BettingTree


def fold_winners(tree: BettingTree) -> np.ndarray:
    """int32[N]: the seat still in at fold nodes, -1 elsewhere."""
    out = np.full(tree.n_nodes, -1, dtype=np.int32)
    fold = np.flatnonzero(tree.kind == NODE_FOLD)
    for node in fold:
        alive = np.flatnonzero(~tree.folded[node])
        if alive.size != 1:
            raise ValueError(f"fold node {node} has {alive.size} seats still in; expected exactly one")
        out[node] = alive[0]
    return out


def single_pot_nodes(tree: BettingTree) -> np.ndarray:
    """bool[N]: terminal nodes where every seat still in has put in the same amount."""
    out = np.zeros(tree.n_nodes, dtype=np.bool_)
    for node in np.flatnonzero(tree.kind != NODE_DECISION):
        alive = tree.contrib[node][~tree.folded[node]]
        out[node] = alive.size > 0 and bool(np.all(alive == alive[0]))
    return out


@njit(cache=True, nogil=True)
def side_pot_winnings(contrib, folded, strength, seat):
    """Chips ``seat`` wins at a showdown with layered pots (general path); ``folded``: a bitmask."""
    n = contrib.shape[0]
    won = 0.0
    prev = 0
    while True:
        # next contribution level above prev
        level = -1
        for p in range(n):
            c = contrib[p]
            if c > prev and (level < 0 or c < level):
                level = c
        if level < 0:
            return won
        reached = 0
        best = np.int64(-(2**62))
        for p in range(n):
            if contrib[p] >= level:
                reached += 1
                if not (folded >> p) & 1 and strength[p] > best:
                    best = strength[p]
        layer = float((level - prev) * reached)
        winners = 0
        seat_wins = False
        for p in range(n):
            if contrib[p] >= level and not (folded >> p) & 1 and strength[p] == best:
                winners += 1
                if p == seat:
                    seat_wins = True
        if winners > 0:
            if seat_wins:
                won += layer / winners
        elif contrib[seat] >= level:
            # only folded seats reached this layer: give each its own chips back
            won += float(level - prev)
        prev = level


@njit(cache=True, nogil=True, inline="always")
def folded_mask(folded_row):
    """The bitmask of a bool[P] row of folded seats."""
    mask = 0
    for p in range(folded_row.shape[0]):
        if folded_row[p]:
            mask |= 1 << p
    return mask


@njit(cache=True, nogil=True, inline="always")
def terminal_utility(node, seat, kind, pot, contrib, folded, fold_winner, single_pot, strength, deal):
    """Utility of ``seat`` at terminal ``node`` for the deal whose strengths are ``strength[deal]``.

    (The 2-D array and a row index, not a row view: views cost reference counting in the hot loop.)
    """
    if kind[node] == NODE_FOLD:
        if fold_winner[node] == seat:
            return float(pot[node] - contrib[node, seat])
        return float(-contrib[node, seat])
    if single_pot[node]:
        if folded[node, seat]:
            return float(-contrib[node, seat])
        n = contrib.shape[1]
        best = np.int64(-(2**62))
        for p in range(n):
            if not folded[node, p] and strength[deal, p] > best:
                best = strength[deal, p]
        if strength[deal, seat] != best:
            return float(-contrib[node, seat])
        winners = 0
        for p in range(n):
            if not folded[node, p] and strength[deal, p] == best:
                winners += 1
        return float(pot[node]) / winners - float(contrib[node, seat])
    won = side_pot_winnings(contrib[node], folded_mask(folded[node]), strength[deal], seat)
    return won - float(contrib[node, seat])


@njit(cache=True, nogil=True, inline="always")
def path_utility(kind, seat, contrib, folded, strength, deal):
    """Utility of ``seat`` at a terminal of kind ``kind`` reached with chips in ``contrib[P]`` and
    folded seats ``folded`` (a bitmask), for the deal whose strengths are ``strength[deal]``: what
    :func:`terminal_utility` gives at the same node (the compact tree derives these along the path)."""
    n = contrib.shape[0]
    pot = 0
    for p in range(n):
        pot += contrib[p]
    mine = float(contrib[seat])
    if kind == NODE_FOLD:
        if (folded >> seat) & 1:
            return -mine
        return float(pot) - mine
    single = True
    level = -1
    for p in range(n):
        if not (folded >> p) & 1:
            if level < 0:
                level = contrib[p]
            elif contrib[p] != level:
                single = False
    if single and level >= 0:
        if (folded >> seat) & 1:
            return -mine
        best = np.int64(-(2**62))
        for p in range(n):
            if not (folded >> p) & 1 and strength[deal, p] > best:
                best = strength[deal, p]
        if strength[deal, seat] != best:
            return -mine
        winners = 0
        for p in range(n):
            if not (folded >> p) & 1 and strength[deal, p] == best:
                winners += 1
        return float(pot) / winners - mine
    return side_pot_winnings(contrib, folded, strength[deal], seat) - mine


def exact_utilities(tree: BettingTree, deal_strength: np.ndarray) -> np.ndarray:
    """float64[N, D, P]: utility of every seat at every terminal node for every exact deal
    (``deal_strength[d, p]``); zero at decision nodes.  For the small games' exact solvers."""
    strength = np.ascontiguousarray(deal_strength, dtype=np.int64)
    out = np.zeros((tree.n_nodes, strength.shape[0], tree.n_players))
    contrib = np.ascontiguousarray(tree.contrib, dtype=np.int64)
    folded = np.ascontiguousarray(tree.folded, dtype=np.bool_)
    fw, sp = fold_winners(tree), single_pot_nodes(tree)
    for node in np.flatnonzero(tree.kind != NODE_DECISION):
        terminal_utilities(int(node), tree.kind, tree.pot, contrib, folded, fw, sp, strength, out[node])
    return out


@njit(cache=True, nogil=True)
def terminal_utilities(node, kind, pot, contrib, folded, fold_winner, single_pot, strength, out):
    """``out[d, p]``: utility of seat p at terminal ``node`` for every deal d (``strength[d, p]``)."""
    for d in range(strength.shape[0]):
        for p in range(strength.shape[1]):
            out[d, p] = terminal_utility(node, p, kind, pot, contrib, folded, fold_winner, single_pot, strength, d)
