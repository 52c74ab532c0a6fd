"""The public No-Limit Hold'em betting tree of a game and an action abstraction.

:func:`build_compact` lays out every betting sequence the abstraction allows
as the arrays of :class:`holdem.game.tree_arrays.CompactTree` (what training
walks, about 20 bytes a node); :func:`build_tree` expands it into the full
:class:`holdem.game.tree_arrays.BettingTree` (node ids in preorder) for
inspection, play and evaluation.  The build is compiled and depth-first with
an explicit stack (no recursion), run twice: once to count, once to fill
arrays of the exact size.

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
    FOLD_DELTA,
    FULL_TREE_MAX_NODES,
    NO_CHILD,
    NODE_DECISION,
    NODE_FIELDS,
    NODE_FOLD,
    NODE_SHOWDOWN,
    BettingTree,
    CompactTree,
    empty_nodes,
    expand,
    with_layout,
)

N_STREETS = 4
RIVER = N_STREETS - 1
MIN_PLAYERS = 2
MAX_PLAYERS = 6
BUTTON = 0
# A guard, not a design limit: the compact tree takes about 20 bytes a node, so
# the default stops a runaway abstraction at about 10 GB instead of exhausting memory.
DEFAULT_MAX_NODES = 500_000_000
MAX_NODE_IDS = (1 << 31) - 1  # node ids are int32


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
    raw_stacks = game.stacks
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


def build_compact(game: Any, actions: ActionAbstraction, max_nodes: int = DEFAULT_MAX_NODES,
                  buckets_per_street: tuple[int, ...] | None = None) -> CompactTree:
    """The compact betting tree of ``game`` (GameConfig-like) under ``actions``.

    Two compiled passes, the first only counting, so the build holds nothing
    but the result (no arrays grown by doubling).  With ``buckets_per_street``
    the table offsets are laid out too (:func:`with_layout`).  Raises
    :class:`TreeTooLarge` (a ValueError) when the tree would exceed ``max_nodes``.
    """
    g = game_params(game)
    if not 1 <= max_nodes <= MAX_NODE_IDS:
        raise ValueError(f"max_nodes: expected 1..{MAX_NODE_IDS:,}, got {max_nodes}")
    values, units, counts, allin, max_raises = actions.as_arrays()
    rules = (np.asarray(g.stacks, dtype=np.int64), np.int64(g.small_blind), np.int64(g.big_blind),
             np.int64(g.ante), values, units, counts, allin, max_raises, np.int64(max_nodes))
    root, root_bets = np.zeros(g.players, np.int64), np.zeros(g.players, np.int64)
    i8, i32 = np.empty(0, np.int8), np.empty(0, np.int32)  # the counting pass writes nothing
    n, complete, _ = _walk(*rules, False, i8, i8, i8, i8, i32, i32, root, root_bets)
    if not complete:
        raise TreeTooLarge(
            f"the betting tree has more than {max_nodes:,} nodes: coarsen the action abstraction "
            "(fewer sizes, lower max_raises, no all-in where a pot-sized bet suffices) or raise max_nodes"
        )
    nodes, delta = empty_nodes(n), np.empty(n, np.int32)
    _, _, depth = _walk(*rules, True, *(nodes[f] for f in NODE_FIELDS[:5]), delta, root, root_bets)
    tree = CompactTree(n_players=g.players, n_streets=N_STREETS, nodes=nodes, delta=delta, root_contrib=root,
                       root_bets=root_bets, max_depth=int(depth), table_size=0, buckets_per_street=())
    return tree if buckets_per_street is None else with_layout(tree, buckets_per_street)


def build_tree(game: Any, actions: ActionAbstraction, max_nodes: int = FULL_TREE_MAX_NODES) -> BettingTree:
    """The full betting tree (every per-node fact, node ids in preorder) of ``game`` under ``actions``:
    :func:`build_compact` expanded (:func:`expand`).  For inspection, play and evaluation of trees
    that fit; training walks the compact tree."""
    return expand(build_compact(game, actions, max_nodes), width=actions.max_actions())


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
def _walk(stacks, small_blind, big_blind, ante, values, units, counts, allin, max_raises, max_nodes, fill,
          o_kind, o_street, o_actor, o_nact, o_first, o_delta, root_contrib, root_bets):
    """Expand the tree depth-first; with ``fill`` write the compact arrays (sized by a first call
    without it).  A node's children get consecutive ids when it is expanded.  Returns (nodes,
    complete, most decision nodes on a path)."""
    P = stacks.shape[0]
    one = np.int64(1)

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
    s_id = np.empty(scap, np.int64)  # the node id given when its parent was expanded
    s_depth = np.empty(scap, np.int64)  # decision nodes above it

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
    for i in range(P):
        root_contrib[i] = stacks[i] - stack[i]
        root_bets[i] = bets[i]
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

    s_stack[0] = stack
    s_bets[0] = bets
    s_folded[0] = folded0
    s_pending[0] = pending
    s_acted[0] = 0
    s_cursor[0] = cursor0
    s_street[0] = 0
    s_minraise[0] = big_blind
    s_nraises[0] = 0
    s_id[0] = 0
    s_depth[0] = 0
    if fill:
        o_delta[0] = 0
    top = 1

    targets = np.empty(values.shape[2] + 1, np.int64)
    n = 1  # ids given so far
    deepest = 0
    complete = True
    stack = np.empty(P, np.int64)
    bets = np.empty(P, np.int64)
    folded = np.empty(P, np.bool_)
    while top > 0:
        top -= 1
        for i in range(P):  # into buffers made once: a copy per node would allocate per node
            stack[i] = s_stack[top, i]
            bets[i] = s_bets[top, i]
            folded[i] = s_folded[top, i]
        pending = s_pending[top]
        acted = s_acted[top]
        cursor = s_cursor[top]
        street = s_street[top]
        minraise = s_minraise[top]
        nraises = s_nraises[top]
        node = s_id[top]
        depth = s_depth[top]

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
            contrib_sum += stacks[i] - stack[i]
        if fill:
            o_street[node] = street
            o_kind[node] = kind
        if kind != NODE_DECISION:
            if depth > deepest:
                deepest = depth
            if fill:
                o_actor[node] = -1
                o_nact[node] = 0
                o_first[node] = NO_CHILD
            continue

        actor = _next_pending(pending, cursor, P)
        max_bet = bets.max()
        to_call = max_bet - bets[actor]
        call = min(stack[actor], to_call)
        na = 2 if to_call > 0 else 1  # fold when facing a bet, then check/call

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
        total = na + nt
        if n + total > max_nodes:
            complete = False
            break
        child0 = n
        n += total
        if fill:
            o_actor[node] = actor
            o_nact[node] = total
            o_first[node] = child0

        # ---- push children in reverse so action 0 is expanded first (a preorder expansion)
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
            s_id = _grow1(s_id, scap)
            s_depth = _grow1(s_depth, scap)
        bit = one << actor
        for k in range(total - 1, -1, -1):
            t = top
            top += 1
            s_stack[t] = stack
            s_bets[t] = bets
            s_folded[t] = folded
            s_street[t] = street
            s_cursor[t] = (actor + 1) % P
            s_id[t] = child0 + k
            s_depth[t] = depth + 1
            s_pending[t] = pending & ~bit
            s_acted[t] = acted | bit
            s_minraise[t] = minraise
            s_nraises[t] = nraises
            added = np.int64(0)
            if k == 0 and na == 2:
                s_folded[t, actor] = True
                added = FOLD_DELTA
            elif k == na - 1:
                s_bets[t, actor] = bets[actor] + call
                s_stack[t, actor] = stack[actor] - call
                added = call
            else:
                raise_to = targets[k - na]
                increment = raise_to - max_bet
                s_bets[t, actor] = raise_to
                added = raise_to - bets[actor]
                s_stack[t, actor] = stack[actor] - added
                # everyone live with chips must answer a raise
                reopen = np.int64(0)
                for i in range(P):
                    if i != actor and not folded[i] and stack[i] > 0:
                        reopen |= one << i
                s_pending[t] = reopen
                if increment >= minraise:
                    s_minraise[t] = increment  # a full raise sets the minimum for the rest of the street
                s_nraises[t] = nraises + 1
            if fill:
                o_delta[child0 + k] = added
    return n, complete, deepest
