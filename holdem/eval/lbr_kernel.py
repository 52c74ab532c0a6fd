"""Local best response hands against a heads-up blueprint, played in compiled code.

Lisy & Bowling 2017, "Equilibrium approximation quality of current no-limit
poker bots" (arXiv:1612.07547), Algorithm 1.  The LBR player knows the
blueprint's strategy and keeps the opponent's range; at each decision it
takes the action of largest value under "after this, both players only
check/call to the showdown" (values in end-of-hand chips, so a fold is
``-my_contrib``):

* check/call: ``(2 wp - 1) M``, ``wp`` its equity against the range
  (:mod:`holdem.eval.lbr_equity`), ``M`` the matched contribution after the call;
* raise to ``R``: ``fp * opp_contrib + (1 - fp)(2 wp' - 1) M'``, ``fp`` the
  range's probability of folding to the raise, ``wp'`` the equity against the
  part of the range that continues, ``M'`` the contribution matched if called
  (the paper writes ``wp`` for both; conditioning on not folding is the exact
  value of the same assumption);
* check/call wins ties.

Which raises it considers is its action set, per street
(:mod:`holdem.eval.lbr_actions`).

The opponent model follows the blueprint through its action translation.
The blueprint maps every real raise onto its abstract tree with the
randomized pseudo-harmonic mapping, drawing from a hash the LBR player cannot
know, so its abstract node is uncertain: the model is a set of *branches*,
each an abstract node (or off the tree, where the blueprint checks/calls
whatever its cards) with an unnormalised weight per opponent hole, the
probability of the branch's translation draws times the blueprint's
probability of every action it was seen to take along the branch (its rows
for the hole's bucket, summed over the abstract actions that play as the
observed real action).  A real action splits every branch into the children
it translates to (:func:`holdem.eval.lbr_tree.step`); branches that reach the
same node merge.  The range is the sum over branches; the fold probability
after an LBR raise mixes the children the raise translates to in each branch.

The blueprint itself plays as :class:`holdem.blueprint.Blueprint` does: its
own translation draws from the same hash (translation seed, its seat, the
board, the button, the action's index), its own bucket, a sample of its row.

Randomness per duplicate group ``g`` comes from ``(seed, g)`` alone (board
runouts, the blueprint's draws), so results do not depend on how groups are
split among threads.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from holdem.abstraction.features import HOLE_CARDS, HOLE_ID, N_HOLES
from holdem.eval import lbr_engine as eng
from holdem.eval.lbr_actions import SET_FCPA, SET_TREE
from holdem.eval.lbr_equity import (
    FLOP_RUNOUTS,
    MAX_TURN_RUNOUTS,
    equity_from_ranks,
    preflop_equity,
    runout_ranks,
)
from holdem.eval.lbr_tree import MAX_ACTIONS, OFF_TREE, on_tree, pick, policy_row, policy_rows, render, step
from holdem.eval.ranges import card_mask, hole_buckets
from holdem.game.tree_arrays import ACTION_CHECK_CALL, ACTION_FOLD, ACTION_RAISE, NODE_DECISION
from holdem.mccfr.rng import mix, next_float, stream_state

ROOT = 0
MAX_BRANCHES = 256
MAX_RAISES = 16
MAX_HISTORY = 64
U_SCALE = float(1 << 63)  # a 63-bit hash -> [0, 1), as the blueprint's draws
RUNOUT_STREAM = 0x2B0A7  # keeps runout streams apart from the players' streams
PLAY_STREAM = 0x91A7

# counters returned in ``stats``
ST_LBR_DECISIONS = 0  # LBR decisions
ST_LBR_CHOICES = 1  # ... with more than one option (equity computed)
ST_LBR_OFF_TREE = 2  # ... where the whole opponent model was off the tree
ST_LBR_RAISES = 3
ST_LBR_FOLDS = 4
ST_BP_DECISIONS = 5
ST_BP_OFF_TREE = 6  # blueprint decisions played by the off-tree fallback
ST_MAX_BRANCHES = 7  # most translation branches the model held at once
ST_EMPTY_RANGE = 8  # opponent actions the model gave probability 0 (the range fell back to the prior)
ST_TRANSLATED = 9  # actions that split a branch (randomized translation)
N_STATS = 10


class BucketArrays(NamedTuple):
    flop: np.ndarray
    turn: np.ndarray
    river_lut: np.ndarray
    river: np.ndarray  # empty when river buckets come from river_lut at the exact equity


class Workspace(NamedTuple):
    """Scratch arrays of one hand and one duplicate group (allocated once per call)."""

    st: np.ndarray  # engine state
    bnode: np.ndarray  # int64[B] branch nodes
    bw: np.ndarray  # float64[B, 1326] branch weights
    new_node: np.ndarray
    new_w: np.ndarray
    buckets: np.ndarray  # int32[4, 1326] per street, shared by the group's hands
    have_buckets: np.ndarray  # bool[4]
    ranks: np.ndarray  # int32[4, R, 1326] completions per street, shared by the group's hands
    masks: np.ndarray  # int64[4, R]
    n_ranks: np.ndarray  # int64[4], -1 until computed
    eq: np.ndarray  # float64[4, 1326] the hand's equities per street
    have_eq: np.ndarray  # bool[4]
    rows: np.ndarray  # float64[most buckets of a street, A] rows of one node
    q: np.ndarray  # float64[most buckets of a street] per-bucket probabilities
    total: np.ndarray  # float64[1326] the range
    cont: np.ndarray  # float64[1326]
    stats: np.ndarray  # int64[N_STATS]


def workspace(runouts: int, max_actions: int, max_buckets: int) -> Workspace:
    """Scratch arrays for ``runouts`` flop completions, nodes of up to ``max_actions`` actions and streets of up
    to ``max_buckets`` buckets."""
    r = max(min(int(runouts), FLOP_RUNOUTS), MAX_TURN_RUNOUTS)
    return Workspace(
        st=np.zeros(eng.STATE_SIZE, np.int64), bnode=np.zeros(MAX_BRANCHES, np.int64),
        bw=np.zeros((MAX_BRANCHES, N_HOLES)), new_node=np.zeros(MAX_BRANCHES, np.int64),
        new_w=np.zeros((MAX_BRANCHES, N_HOLES)), buckets=np.zeros((4, N_HOLES), np.int32),
        have_buckets=np.zeros(4, np.bool_), ranks=np.zeros((4, r, N_HOLES), np.int32),
        masks=np.zeros((4, r), np.int64), n_ranks=np.full(4, -1, np.int64), eq=np.zeros((4, N_HOLES)),
        have_eq=np.zeros(4, np.bool_), rows=np.zeros((max_buckets, max(max_actions, 1))), q=np.zeros(max_buckets),
        total=np.zeros(N_HOLES), cont=np.zeros(N_HOLES), stats=np.zeros(N_STATS, np.int64),
    )


# ---------------------------------------------------------------- per-street card work (lazy)

@njit(cache=True, nogil=True)
def street_buckets(ws, bk, street):
    """The bucket of every hole on ``street``'s board (computed once per duplicate group and street)."""
    if not ws.have_buckets[street]:
        st = ws.st
        board = st[eng.S_BOARD : eng.S_BOARD + 5].copy()
        hole_buckets(board, eng.BOARD_VISIBLE[street], bk.flop, bk.turn, bk.river_lut, bk.river,
                     ws.buckets[street])
        ws.have_buckets[street] = True
    return ws.buckets[street]


@njit(cache=True, nogil=True)
def street_equity(ws, pre_table, runouts, group_seed, hero0, hero1, street):
    """The LBR hand's equity against every hole on ``street`` (computed once per hand and street)."""
    if not ws.have_eq[street]:
        if street == 0:
            preflop_equity(pre_table, hero0, hero1, ws.eq[0])
        else:
            if ws.n_ranks[street] < 0:
                board = ws.st[eng.S_BOARD : eng.S_BOARD + 5].copy()
                ws.n_ranks[street] = runout_ranks(board, eng.BOARD_VISIBLE[street], runouts,
                                                  mix(group_seed, RUNOUT_STREAM + street),
                                                  ws.ranks[street], ws.masks[street])
            equity_from_ranks(hero0, hero1, ws.ranks[street], ws.masks[street], ws.n_ranks[street],
                              ws.eq[street])
        ws.have_eq[street] = True
    return ws.eq[street]


# ---------------------------------------------------------------- the opponent model

@njit(cache=True, nogil=True)
def card_removal_prior(out, hero0, hero1):
    """out[h] = 1 for every hole that avoids the LBR player's cards, else 0."""
    mask = (np.int64(1) << hero0) | (np.int64(1) << hero1)
    for h in range(N_HOLES):
        out[h] = 0.0 if (mask >> HOLE_CARDS[h, 0]) & 1 or (mask >> HOLE_CARDS[h, 1]) & 1 else 1.0


@njit(cache=True, nogil=True)
def reset_model(ws, hero0, hero1):
    """One branch at the root holding the card-removal prior; returns the branch count."""
    ws.bnode[0] = ROOT
    card_removal_prior(ws.bw[0], hero0, hero1)
    return 1


@njit(cache=True, nogil=True)
def remove_board(ws, nb, street):
    """Zero the holes that meet the board cards ``street`` reveals."""
    st = ws.st
    lo = eng.BOARD_VISIBLE[street - 1] if street > 0 else 0
    n = eng.BOARD_VISIBLE[street] - lo
    if n == 0:
        return
    mask = card_mask(st[eng.S_BOARD + lo : eng.S_BOARD + lo + n], n)
    for h in range(N_HOLES):
        if (mask >> HOLE_CARDS[h, 0]) & 1 or (mask >> HOLE_CARDS[h, 1]) & 1:
            for b in range(nb):
                ws.bw[b, h] = 0.0


@njit(cache=True, nogil=True)
def observe(ws, t, rs, bk, nb, kind, amount):
    """Multiply every branch by the blueprint's probability of the real action it is about to take in ``ws.st``."""
    st = ws.st
    buckets = street_buckets(ws, bk, st[eng.S_STREET])
    grand = 0.0
    for b in range(nb):
        node = ws.bnode[b]
        w = ws.bw[b]
        if not on_tree(t, node, st):  # the off-tree fallback checks/calls whatever the cards
            if kind != ACTION_CHECK_CALL:
                w[:] = 0.0
            else:
                grand += w.sum()
            continue
        na = t.n_actions[node]
        match = np.zeros(MAX_ACTIONS, np.bool_)
        for a in range(na):
            k, x = render(t, node, st, a)
            match[a] = k == kind and (kind != ACTION_RAISE or x == amount)
        nbk = policy_rows(rs, t, node, ws.rows)
        for i in range(nbk):
            s = 0.0
            for a in range(na):
                if match[a]:
                    s += ws.rows[i, a]
            ws.q[i] = s
        for h in range(N_HOLES):
            k = buckets[h]
            w[h] = w[h] * ws.q[k] if k >= 0 else 0.0
            grand += w[h]
    if grand > 0.0:
        scale = 1.0 / grand
        for b in range(nb):
            ws.bw[b] *= scale
        return True
    return False


@njit(cache=True, nogil=True)
def advance(ws, t, nb, kind, amount):
    """Move every branch through the real action about to be taken in ``ws.st``; returns the new branch count."""
    children = np.empty(2, np.int64)
    probs = np.empty(2, np.float64)
    n_new = 0
    split = False
    for b in range(nb):
        n = step(t, ws.bnode[b], ws.st, kind, amount, children, probs)
        split |= n > 1
        for j in range(n):
            c = children[j]
            slot = -1
            for i in range(n_new):
                if ws.new_node[i] == c:
                    slot = i
                    break
            if slot < 0:
                if n_new == MAX_BRANCHES:
                    raise ValueError("local best response: too many translation branches")
                slot = n_new
                ws.new_node[slot] = c
                ws.new_w[slot] = 0.0
                n_new += 1
            ws.new_w[slot] += probs[j] * ws.bw[b]
    for i in range(n_new):
        ws.bnode[i] = ws.new_node[i]
        ws.bw[i] = ws.new_w[i]
    if split:
        ws.stats[ST_TRANSLATED] += 1
    ws.stats[ST_MAX_BRANCHES] = max(ws.stats[ST_MAX_BRANCHES], n_new)
    return n_new


@njit(cache=True, nogil=True)
def opponent_range(ws, nb):
    """ws.total = the range (sum over branches); returns its mass."""
    total = ws.total
    total[:] = 0.0
    for b in range(nb):
        total += ws.bw[b]
    return total.sum()


@njit(cache=True, nogil=True)
def track(ws, t, rs, bk, nb, lbr, kind, amount):
    """Update the model for the action the seat to act is about to take; returns the branch count."""
    st = ws.st
    if st[eng.S_PENDING] != lbr and not observe(ws, t, rs, bk, nb, kind, amount):
        ws.stats[ST_EMPTY_RANGE] += 1  # numerically impossible: fall back to the card-removal prior
        for b in range(nb):
            card_removal_prior(ws.bw[b], st[eng.S_HOLES + 2 * lbr], st[eng.S_HOLES + 2 * lbr + 1])
            ws.bw[b] *= 1.0 / nb
        for s in range(1, st[eng.S_STREET] + 1):
            remove_board(ws, nb, s)
    return advance(ws, t, nb, kind, amount)


@njit(cache=True, nogil=True)
def dot(a, b):
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i] * b[i]
    return s


# ---------------------------------------------------------------- the LBR decision

@njit(cache=True, nogil=True)
def fold_to_raise(ws, t, rs, bk, nb, amount, opp_tree_seat):
    """(mass folding, mass continuing) of the range facing a raise to ``amount``; ws.cont = the continuing range."""
    st = ws.st
    street = st[eng.S_STREET]
    buckets = street_buckets(ws, bk, street)
    children = np.empty(2, np.int64)
    probs = np.empty(2, np.float64)
    folds = 0.0
    ws.cont[:] = 0.0
    for b in range(nb):
        n = step(t, ws.bnode[b], st, ACTION_RAISE, amount, children, probs)
        ws.q[:] = 0.0
        for j in range(n):
            c = children[j]
            if c < 0 or t.kind[c] != NODE_DECISION or t.street[c] != street or t.actor[c] != opp_tree_seat:
                continue  # off the tree the blueprint calls
            fa = -1
            for a in range(t.n_actions[c]):
                if t.action_kind[c, a] == ACTION_FOLD:
                    fa = a
            if fa < 0:
                continue
            nbk = policy_rows(rs, t, c, ws.rows)
            for i in range(nbk):
                ws.q[i] += probs[j] * ws.rows[i, fa]
        w = ws.bw[b]
        for h in range(N_HOLES):
            k = buckets[h]
            f = ws.q[k] if k >= 0 else 0.0
            folds += w[h] * f
            ws.cont[h] += w[h] * (1.0 - f)
    return folds, ws.cont.sum()


@njit(cache=True, nogil=True)
def lbr_decide(ws, t, rs, bk, nb, lbr, action_set, pre_table, runouts, group_seed):
    """The LBR move (kind, amount) for seat ``lbr`` to act in ``ws.st``."""
    st = ws.st
    street = st[eng.S_STREET]
    can_fold, call, min_to, max_to = eng.legal(st)
    opp = 1 - lbr
    raises = np.empty(MAX_RAISES, np.int64)
    n_raises = 0
    if min_to != eng.NO_RAISE:
        if action_set[street] == SET_FCPA:
            pot_to = min(max(eng.pot_raise_to(st), min_to), max_to)
            raises[0] = pot_to
            n_raises = 1
            if max_to != pot_to:
                raises[1] = max_to
                n_raises = 2
        elif action_set[street] == SET_TREE:
            best, main = -1.0, -1
            for b in range(nb):
                s = ws.bw[b].sum()
                if on_tree(t, ws.bnode[b], st) and s > best:
                    best, main = s, b
            if main >= 0:
                node = ws.bnode[main]
                for a in range(t.n_actions[node]):
                    if t.action_kind[node, a] != ACTION_RAISE:
                        continue
                    x = min(max(t.action_amount[node, a], min_to), max_to)
                    new = True
                    for i in range(n_raises):
                        new &= raises[i] != x
                    if new and n_raises < MAX_RAISES:
                        raises[n_raises] = x
                        n_raises += 1
    ws.stats[ST_LBR_DECISIONS] += 1
    off = True
    for b in range(nb):
        off &= not on_tree(t, ws.bnode[b], st)
    if off:
        ws.stats[ST_LBR_OFF_TREE] += 1
    if not can_fold and n_raises == 0:
        return ACTION_CHECK_CALL, call
    ws.stats[ST_LBR_CHOICES] += 1
    hero0, hero1 = st[eng.S_HOLES + 2 * lbr], st[eng.S_HOLES + 2 * lbr + 1]
    eq = street_equity(ws, pre_table, runouts, group_seed, hero0, hero1, street)
    total = opponent_range(ws, nb)
    wp = dot(ws.total, eq) / total if total > 0.0 else 0.5
    mine, theirs = st[eng.S_CONTRIB + lbr], st[eng.S_CONTRIB + opp]
    theirs_max = theirs + st[eng.S_STACK + opp]
    best_kind, best_amount = ACTION_CHECK_CALL, call
    best_value = (2.0 * wp - 1.0) * min(mine + call, theirs)
    if can_fold and -float(mine) > best_value:
        best_kind, best_amount, best_value = ACTION_FOLD, 0, -float(mine)
    opp_tree_seat = (opp - st[eng.S_BUTTON]) % 2
    for i in range(n_raises):
        amount = raises[i]
        folds, cont = fold_to_raise(ws, t, rs, bk, nb, amount, opp_tree_seat)
        fp = folds / total if total > 0.0 else 0.0
        wp_called = dot(ws.cont, eq) / cont if cont > 0.0 else wp
        matched = min(mine + amount - st[eng.S_BET + lbr], theirs_max)
        value = fp * theirs + (1.0 - fp) * (2.0 * wp_called - 1.0) * matched
        if value > best_value:
            best_kind, best_amount, best_value = ACTION_RAISE, amount, value
    if best_kind == ACTION_RAISE:
        ws.stats[ST_LBR_RAISES] += 1
    elif best_kind == ACTION_FOLD:
        ws.stats[ST_LBR_FOLDS] += 1
    return best_kind, best_amount


# ---------------------------------------------------------------- the blueprint's own play

@njit(cache=True, nogil=True)
def draw_key(translation_seed, seat, st):
    """Seed of the blueprint's translation draws this hand (as :meth:`Blueprint._draw_key`)."""
    key = mix(translation_seed, seat)
    for i in range(5):
        key = mix(key, st[eng.S_BOARD + i])
    return mix(key, st[eng.S_BUTTON])


@njit(cache=True, nogil=True)
def blueprint_decide(ws, t, rs, bk, node, seat, rng):
    """(kind, amount, rng) of the blueprint at abstract ``node`` (its own walk) for ``seat`` to act."""
    st = ws.st
    ws.stats[ST_BP_DECISIONS] += 1
    if not on_tree(t, node, st):
        ws.stats[ST_BP_OFF_TREE] += 1
        _, call, _, _ = eng.legal(st)
        return ACTION_CHECK_CALL, call, rng
    street = st[eng.S_STREET]
    bucket = street_buckets(ws, bk, street)[HOLE_ID[st[eng.S_HOLES + 2 * seat], st[eng.S_HOLES + 2 * seat + 1]]]
    na = t.n_actions[node]
    row = ws.rows[0]
    policy_row(rs, node, street, na, bucket, row)
    total = 0.0
    for a in range(na):
        total += row[a]
    rng, u = next_float(rng)
    x = u * total
    cum = 0.0
    choice = na - 1
    for a in range(na):
        cum += row[a]
        if cum > x:
            choice = a
            break
    kind, amount = render(t, node, st, choice)
    return kind, amount, rng


# ---------------------------------------------------------------- hands and groups

@njit(cache=True, nogil=True)
def play_hand(ws, t, rs, bk, game, action_set, pre_table, runouts, seed, g, lbr, holes, board, button,
              translation_seed, record):
    """One hand of LBR in seat ``lbr``; returns LBR's payoff in chips.  ``record[i] = (seat, kind, amount,
    blueprint node or -2)`` for the hand's actions when ``record`` has rows."""
    st = ws.st
    stacks = np.empty(2, np.int64)
    for s in range(2):
        stacks[s] = t.stacks[(s - button) % 2]
    eng.start(st, stacks, game[0], game[1], game[2], button, holes, board)
    group_seed = mix(seed, g)
    rng = stream_state(mix(mix(group_seed, PLAY_STREAM), lbr))
    bp = 1 - lbr
    key = draw_key(translation_seed, bp, st)
    ws.have_eq[:] = False
    nb = reset_model(ws, st[eng.S_HOLES + 2 * lbr], st[eng.S_HOLES + 2 * lbr + 1])
    bp_node = ROOT
    children = np.empty(2, np.int64)
    probs = np.empty(2, np.float64)
    street = 0
    while st[eng.S_OVER] == 0:
        while street < st[eng.S_STREET]:
            street += 1
            remove_board(ws, nb, street)
        seat = st[eng.S_PENDING]
        if seat == lbr:
            kind, amount = lbr_decide(ws, t, rs, bk, nb, lbr, action_set, pre_table, runouts, group_seed)
            node_seen = -2
        else:
            kind, amount, rng = blueprint_decide(ws, t, rs, bk, bp_node, seat, rng)
            node_seen = bp_node if on_tree(t, bp_node, st) else OFF_TREE
        i = st[eng.S_ACTIONS]
        if record.shape[0] > i:
            record[i, 0] = seat
            record[i, 1] = kind
            record[i, 2] = amount
            record[i, 3] = node_seen
        n = step(t, bp_node, st, kind, amount, children, probs)
        bp_node = pick(children, probs, n, np.float64(np.int64(mix(key, i))) / U_SCALE)
        nb = track(ws, t, rs, bk, nb, lbr, kind, amount)
        eng.apply(st, kind, amount)
    return st[eng.S_PAYOFF + lbr]


@njit(cache=True, nogil=True)
def play_groups(ws, t, rs, bk, game, action_set, pre_table, runouts, seed, translation_seed, first_group,
                holes, boards, out, record):
    """out[i] = LBR's mean payoff over the two seats of duplicate group ``first_group + i`` (cards
    ``holes[i]``, ``boards[i]``; the button is the group's parity)."""
    no_record = np.zeros((0, 4), np.int64)
    for i in range(out.shape[0]):
        g = first_group + i
        button = g % 2
        ws.have_buckets[:] = False
        ws.n_ranks[:] = -1
        total = 0
        for r in range(2):
            rec = record[i, r] if record.shape[0] > 0 else no_record
            total += play_hand(ws, t, rs, bk, game, action_set, pre_table, runouts, seed, g, r, holes[i],
                               boards[i], button, translation_seed, rec)
        out[i] = total / 2.0


@njit(cache=True, nogil=True)
def replay_range(ws, t, rs, bk, game, holes, board, button, lbr, kinds, amounts):
    """The LBR seat's model after the real actions ``kinds``/``amounts`` from the start of a hand: returns the
    branch count; ``ws.total`` holds the range (normalised), ``ws.bnode``/``ws.bw`` the branches."""
    st = ws.st
    stacks = np.empty(2, np.int64)
    for s in range(2):
        stacks[s] = t.stacks[(s - button) % 2]
    eng.start(st, stacks, game[0], game[1], game[2], button, holes, board)
    ws.have_buckets[:] = False
    nb = reset_model(ws, st[eng.S_HOLES + 2 * lbr], st[eng.S_HOLES + 2 * lbr + 1])
    street = 0
    for i in range(kinds.shape[0]):
        nb = track(ws, t, rs, bk, nb, lbr, kinds[i], amounts[i])
        eng.apply(st, kinds[i], amounts[i])
        while street < st[eng.S_STREET]:
            street += 1
            remove_board(ws, nb, street)
    mass = opponent_range(ws, nb)
    if mass > 0.0:
        ws.total[:] = ws.total / mass
    return nb
