"""The public No-Limit Hold'em betting tree of a game and an action abstraction.

:func:`build_tree` lays out every betting sequence the abstraction allows as
the flat arrays of :class:`holdem.game.tree_arrays.BettingTree`.  The build is
one compiled depth-first pass with an explicit stack (no recursion); node ids
are in preorder, so a subtree is a contiguous block of rows.

Seats and rules are those of :mod:`holdem.game.engine` with the button at seat
0: heads-up the button posts the small blind, acts first preflop and last
after; with 3+ players seat 1 posts the small blind and seat 2 the big blind.
Antes are posted first, then the blinds; a stack too small posts what it has
and is all-in.  Betting rules (TDA Rules 43 and 47, as the engine states them):

* minimum raise-to = the largest bet on the street + the largest full bet or
  raise increment of the street, never less than the big blind (preflop the
  big blind is the opening bet), capped at the actor's stack: a short all-in
  is then the only raise;
* an all-in short of a full raise does not change the minimum raise and does
  not reopen betting: a seat that already acted on the street may raise again
  only if the bet grew by a full raise since it acted (one full raise, or
  short all-ins adding up to one);
* no raise when calling takes the actor's whole stack, or when no other seat
  still in the hand has chips to call a raise;
* fold is offered only when facing a bet.

Abstract actions at a decision node, in this order: fold (facing a bet),
check/call, then raises in increasing raise-to (all-in last); raise sizes are
mapped to legal amounts by :mod:`holdem.abstraction.actions`.

Terminal nodes:

* ``NODE_FOLD`` when one seat has not folded;
* ``NODE_SHOWDOWN`` when the river betting ends, or as soon as a betting round
  ends with at most one seat still able to act (all-in: the rest of the board
  is dealt without betting).  Such a showdown node keeps the street on which
  betting ended, so its ``street`` can be below the river; the showdown itself
  always compares 7-card hands.

Terminal ``contrib`` can include an uncalled bet (the engine returns it); the
side-pot rule gives it back, so payoffs computed from ``contrib``/``folded``
(pots layered by contribution, each split among the unfolded seats that
reached it) equal the engine's.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit

from holdem.abstraction.actions import SIZES_BET, SIZES_RAISE, ActionAbstraction, map_raise_targets
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

N_STREETS = 4
RIVER = N_STREETS - 1
MIN_PLAYERS = 2
MAX_PLAYERS = 6
BUTTON = 0
INITIAL_CAPACITY = 1 << 12
# A guard, not a design limit: ~130 bytes a node at 6 seats, so the default
# stops a runaway abstraction at a few GB instead of exhausting memory.
DEFAULT_MAX_NODES = 50_000_000


class TreeTooLarge(ValueError):
    """The abstraction's tree has more nodes than allowed."""


@dataclass(frozen=True)
class TreeGame:
    """The game parameters the builder needs (any object with these attributes works)."""

    players: int
    stacks: tuple[int, ...]
    small_blind: int
    big_blind: int
    ante: int = 0


def game_params(game: Any) -> TreeGame:
    """Read and check players/stacks/blinds/ante from a GameConfig-like object."""
    players = getattr(game, "players", None)
    if players is None:
        players = getattr(game, "n_players", None)
    if isinstance(players, bool) or not isinstance(players, (int, np.integer)):
        raise ValueError(f"players: expected an integer {MIN_PLAYERS}..{MAX_PLAYERS}, got {players!r}")
    players = int(players)
    if not MIN_PLAYERS <= players <= MAX_PLAYERS:
        raise ValueError(f"players: expected {MIN_PLAYERS}..{MAX_PLAYERS}, got {players}")
    raw_stacks = getattr(game, "stacks")
    if isinstance(raw_stacks, (int, np.integer)) and not isinstance(raw_stacks, bool):
        stacks = (int(raw_stacks),) * players
    else:
        stacks = tuple(int(s) for s in raw_stacks)
    if len(stacks) != players:
        raise ValueError(f"stacks: expected one stack per seat ({players}), got {len(stacks)}")
    if any(s <= 0 for s in stacks):
        raise ValueError(f"stacks: every stack must be positive, got {stacks}")
    sb, bb, ante = (int(getattr(game, name, 0)) for name in ("small_blind", "big_blind", "ante"))
    if bb <= 0:
        raise ValueError(f"big_blind: expected a positive integer, got {bb}")
    if not 0 <= sb <= bb:
        raise ValueError(f"small_blind: expected 0..big_blind ({bb}), got {sb}")
    if ante < 0:
        raise ValueError(f"ante: expected an integer >= 0, got {ante}")
    return TreeGame(players, stacks, sb, bb, ante)


def build_tree(game: Any, actions: ActionAbstraction, max_nodes: int = DEFAULT_MAX_NODES) -> BettingTree:
    """Build the betting tree of ``game`` (GameConfig-like) under ``actions``.

    Raises :class:`TreeTooLarge` (a ValueError) when it would exceed ``max_nodes``.
    """
    g = game_params(game)
    if max_nodes < 1:
        raise ValueError(f"max_nodes: expected a positive integer, got {max_nodes}")
    values, units, counts, allin, max_raises = actions.as_arrays()
    out = _build(
        np.asarray(g.stacks, dtype=np.int64),
        np.int64(g.small_blind),
        np.int64(g.big_blind),
        np.int64(g.ante),
        values,
        units,
        counts,
        allin,
        max_raises,
        np.int64(actions.max_actions()),
        np.int64(max_nodes),
    )
    if not out[-1]:
        raise TreeTooLarge(
            f"the betting tree has more than {max_nodes:,} nodes: coarsen the action abstraction "
            "(fewer sizes, lower max_raises, no all-in where a pot-sized bet suffices) or raise max_nodes"
        )
    street, kind, actor, pot, contrib, folded, n_actions, children, action_kind, action_amount, parent, parent_action = out[:-1]
    return BettingTree(
        n_players=g.players,
        n_streets=N_STREETS,
        street=street,
        kind=kind,
        actor=actor,
        pot=pot,
        contrib=contrib,
        folded=folded,
        n_actions=n_actions,
        children=children,
        action_kind=action_kind,
        action_amount=action_amount,
        parent=parent,
        parent_action=parent_action,
    )


def blind_seats(players: int) -> tuple[int, int]:
    """(small blind seat, big blind seat) with the button at seat 0."""
    if players == 2:
        return BUTTON, (BUTTON + 1) % players
    return (BUTTON + 1) % players, (BUTTON + 2) % players


# --------------------------------------------------------------------------------------
# compiled builder


@njit(cache=True, nogil=True)
def _grow1(a, n):
    b = np.empty(n, dtype=a.dtype)
    b[: a.shape[0]] = a
    return b


@njit(cache=True, nogil=True)
def _grow2(a, n):
    b = np.empty((n, a.shape[1]), dtype=a.dtype)
    b[: a.shape[0]] = a
    return b


@njit(cache=True, nogil=True)
def _next_pending(pending, cursor, n_players):
    """First seat in the ``pending`` bitmask at or after ``cursor``, cyclically."""
    for k in range(n_players):
        seat = (cursor + k) % n_players
        if (pending >> seat) & 1:
            return seat
    return -1


@njit(cache=True, nogil=True)
def _live_with_chips_mask(folded, stack, n_players):
    mask = np.int64(0)
    for i in range(n_players):
        if not folded[i] and stack[i] > 0:
            mask |= np.int64(1) << i
    return mask


@njit(cache=True, nogil=True)
def _build(stacks, small_blind, big_blind, ante, values, units, counts, allin, max_raises, max_actions, max_nodes):
    P = stacks.shape[0]
    A = max_actions
    one = np.int64(1)

    # ---- output arrays (grown by doubling)
    cap = INITIAL_CAPACITY
    o_street = np.empty(cap, np.int8)
    o_kind = np.empty(cap, np.int8)
    o_actor = np.empty(cap, np.int8)
    o_pot = np.empty(cap, np.int64)
    o_contrib = np.empty((cap, P), np.int64)
    o_folded = np.empty((cap, P), np.bool_)
    o_nact = np.empty(cap, np.int8)
    o_children = np.empty((cap, A), np.int32)
    o_akind = np.empty((cap, A), np.int8)
    o_amount = np.empty((cap, A), np.int64)
    o_parent = np.empty(cap, np.int32)
    o_paction = np.empty(cap, np.int8)

    # ---- explicit DFS stack of pending states (a state = the hand right after an action)
    scap = 256
    s_stack = np.empty((scap, P), np.int64)  # chips behind
    s_bets = np.empty((scap, P), np.int64)  # chips bet on this street
    s_folded = np.empty((scap, P), np.bool_)
    s_pending = np.empty(scap, np.int64)  # seats still to act this round (bitmask)
    s_acted = np.empty(scap, np.int64)  # seats that acted voluntarily on this street (bitmask)
    s_cursor = np.empty(scap, np.int64)  # where the search for the next actor starts
    s_street = np.empty(scap, np.int64)
    s_minraise = np.empty(scap, np.int64)  # current full-raise increment on the street
    s_nraises = np.empty(scap, np.int64)
    s_parent = np.empty(scap, np.int64)
    s_paction = np.empty(scap, np.int64)

    # ---- root: antes, then blinds
    sb_seat = 0 if P == 2 else 1
    bb_seat = 1 if P == 2 else 2
    stack = stacks.copy()
    bets = np.zeros(P, np.int64)
    for i in range(P):
        a = min(ante, stack[i])
        stack[i] -= a
    sbp = min(small_blind, stack[sb_seat])
    stack[sb_seat] -= sbp
    bets[sb_seat] = sbp
    bbp = min(big_blind, stack[bb_seat])
    stack[bb_seat] -= bbp
    bets[bb_seat] = bbp
    folded0 = np.zeros(P, np.bool_)
    # a seat has a decision if it has chips and another seat has more at stake than it has bet
    max_bet = bets.max()
    pending = np.int64(0)
    for i in range(P):
        if stack[i] > 0:
            for q in range(P):
                if q != i and stack[q] + bets[q] > bets[i]:
                    pending |= one << i
                    break
    cursor0 = (bb_seat + 1) % P
    first = _next_pending(pending, cursor0, P)
    if first >= 0 and (pending & (pending - 1)) == 0 and bets[first] >= max_bet:
        pending = np.int64(0)

    top = 0
    s_stack[0] = stack
    s_bets[0] = bets
    s_folded[0] = folded0
    s_pending[0] = pending
    s_acted[0] = 0
    s_cursor[0] = cursor0
    s_street[0] = 0
    s_minraise[0] = big_blind
    s_nraises[0] = 0
    s_parent[0] = -1
    s_paction[0] = -1
    top = 1

    targets = np.empty(values.shape[2] + 1, np.int64)
    n = 0
    complete = True
    while top > 0:
        top -= 1
        stack = s_stack[top].copy()
        bets = s_bets[top].copy()
        folded = s_folded[top].copy()
        pending = s_pending[top]
        acted = s_acted[top]
        cursor = s_cursor[top]
        street = s_street[top]
        minraise = s_minraise[top]
        nraises = s_nraises[top]
        parent = s_parent[top]

        if n == max_nodes:
            complete = False
            break
        if n == cap:
            cap *= 2
            o_street = _grow1(o_street, cap)
            o_kind = _grow1(o_kind, cap)
            o_actor = _grow1(o_actor, cap)
            o_pot = _grow1(o_pot, cap)
            o_contrib = _grow2(o_contrib, cap)
            o_folded = _grow2(o_folded, cap)
            o_nact = _grow1(o_nact, cap)
            o_children = _grow2(o_children, cap)
            o_akind = _grow2(o_akind, cap)
            o_amount = _grow2(o_amount, cap)
            o_parent = _grow1(o_parent, cap)
            o_paction = _grow1(o_paction, cap)
        node = n
        n += 1
        o_parent[node] = parent
        o_paction[node] = s_paction[top]
        if parent >= 0:
            o_children[parent, s_paction[top]] = node

        n_live = 0
        for i in range(P):
            if not folded[i]:
                n_live += 1
        kind = NODE_DECISION
        if n_live == 1:
            kind = NODE_FOLD
        elif pending == 0:
            can_act = _live_with_chips_mask(folded, stack, P)
            if street == RIVER or (can_act & (can_act - 1)) == 0:
                kind = NODE_SHOWDOWN
            else:
                # the next betting round starts at this node
                street += 1
                bets[:] = 0
                pending = can_act
                acted = 0
                minraise = big_blind
                nraises = 0
                cursor = (BUTTON + 1) % P

        contrib_sum = np.int64(0)
        for i in range(P):
            c = stacks[i] - stack[i]
            o_contrib[node, i] = c
            contrib_sum += c
            o_folded[node, i] = folded[i]
        o_pot[node] = contrib_sum
        o_street[node] = street
        o_kind[node] = kind
        o_children[node, :] = NO_CHILD
        o_akind[node, :] = -1
        o_amount[node, :] = 0
        if kind != NODE_DECISION:
            o_actor[node] = -1
            o_nact[node] = 0
            continue

        actor = _next_pending(pending, cursor, P)
        o_actor[node] = actor
        max_bet = bets.max()
        to_call = max_bet - bets[actor]
        call = min(stack[actor], to_call)
        na = 0
        if to_call > 0:
            o_akind[node, na] = ACTION_FOLD
            o_amount[node, na] = 0
            na += 1
        o_akind[node, na] = ACTION_CHECK_CALL
        o_amount[node, na] = call
        na += 1

        # ---- may the actor raise at all? (the engine's _raise_blocked_because)
        can_raise = nraises < max_raises[street]
        if (acted >> actor) & 1 and to_call < minraise:
            can_raise = False  # only a full raise since it acted reopens the betting
        if stack[actor] <= to_call:
            can_raise = False
        other_can_cover = False
        for i in range(P):
            if i != actor and not folded[i] and stack[i] + bets[i] > max_bet:
                other_can_cover = True
        if not other_can_cover:
            can_raise = False
        nt = 0
        if can_raise:
            max_to = stack[actor] + bets[actor]
            min_to = min(max_to, max_bet + minraise)
            which = SIZES_BET if nraises == 0 else SIZES_RAISE
            nt = map_raise_targets(
                values[street, which],
                units[street, which],
                counts[street, which],
                allin[street],
                max_bet,
                contrib_sum,
                to_call,
                big_blind,
                min_to,
                max_to,
                targets,
            )
            for k in range(nt):
                o_akind[node, na + k] = ACTION_RAISE
                o_amount[node, na + k] = targets[k]
        o_nact[node] = na + nt
        total = na + nt

        # ---- push children in reverse so action 0 is expanded first (preorder ids)
        if top + total > scap:
            while top + total > scap:
                scap *= 2
            s_stack = _grow2(s_stack, scap)
            s_bets = _grow2(s_bets, scap)
            s_folded = _grow2(s_folded, scap)
            s_pending = _grow1(s_pending, scap)
            s_acted = _grow1(s_acted, scap)
            s_cursor = _grow1(s_cursor, scap)
            s_street = _grow1(s_street, scap)
            s_minraise = _grow1(s_minraise, scap)
            s_nraises = _grow1(s_nraises, scap)
            s_parent = _grow1(s_parent, scap)
            s_paction = _grow1(s_paction, scap)
        bit = one << actor
        for k in range(total - 1, -1, -1):
            t = top
            top += 1
            s_stack[t] = stack
            s_bets[t] = bets
            s_folded[t] = folded
            s_street[t] = street
            s_cursor[t] = (actor + 1) % P
            s_parent[t] = node
            s_paction[t] = k
            s_pending[t] = pending & ~bit
            s_acted[t] = acted | bit
            s_minraise[t] = minraise
            s_nraises[t] = nraises
            akind = o_akind[node, k]
            if akind == ACTION_FOLD:
                s_folded[t, actor] = True
            elif akind == ACTION_CHECK_CALL:
                s_bets[t, actor] = bets[actor] + call
                s_stack[t, actor] = stack[actor] - call
            else:
                raise_to = o_amount[node, k]
                increment = raise_to - max_bet
                s_bets[t, actor] = raise_to
                left = stack[actor] - (raise_to - bets[actor])
                s_stack[t, actor] = left
                # everyone live with chips must answer a raise
                reopen = np.int64(0)
                for i in range(P):
                    if i != actor and not folded[i] and stack[i] > 0:
                        reopen |= one << i
                s_pending[t] = reopen
                if increment >= minraise:
                    s_minraise[t] = increment  # a full raise sets the minimum for the rest of the street
                s_nraises[t] = nraises + 1

    return (
        o_street[:n].copy(),
        o_kind[:n].copy(),
        o_actor[:n].copy(),
        o_pot[:n].copy(),
        o_contrib[:n].copy(),
        o_folded[:n].copy(),
        o_nact[:n].copy(),
        o_children[:n].copy(),
        o_akind[:n].copy(),
        o_amount[:n].copy(),
        o_parent[:n].copy(),
        o_paction[:n].copy(),
        complete,
    )
