"""The blueprint's abstract tree in compiled code: where a real action leads, what an abstract action plays.

Compiled twins of the rules :class:`holdem.blueprint.Blueprint` applies to a
real heads-up hand (its module docstring states them), so local best
response can follow the blueprint inside numba:

* :func:`step`: the abstract child(ren) a real action leads to.  Folds and
  checks/calls map to themselves; a raise with an abstract amount in an
  identical state stays on the tree; a real all-in maps to the abstract
  all-in; any other raise is translated by the pseudo-harmonic mapping
  (Ganzfried & Sandholm 2013, :mod:`holdem.eval.translation`), which gives
  up to two children with their probabilities.  OFF_TREE (-1) where the
  blueprint's own walk leaves the tree.
* :func:`pick`: the child the blueprint's own draw ``u`` selects
  (:func:`holdem.eval.translation.translate`).
* :func:`render`: the real (kind, amount) an abstract action plays in the
  real state (a raise keeps its amount in an identical state, else its pot
  fraction of the real pot, clipped to the legal range; all-in stays all-in;
  an illegal fold is a check, an illegal raise a call).
* :func:`policy_rows`: the blueprint's rows of every bucket at a node,
  normalised as :meth:`Blueprint.rows` does (normalised strategy sums on
  average streets when positive, else regret matching, else uniform).

Arrays travel in two named tuples, :class:`TreeArrays` and :class:`RowSource`.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from holdem.eval import lbr_engine as eng
from holdem.game.tree_arrays import ACTION_CHECK_CALL, ACTION_FOLD, ACTION_RAISE, NODE_DECISION

OFF_TREE = -1
MAX_ACTIONS = 32


class TreeArrays(NamedTuple):
    """The blueprint's betting tree, tree seat 0 on the button."""

    kind: np.ndarray  # int8[N]
    street: np.ndarray  # int8[N]
    actor: np.ndarray  # int8[N]
    n_actions: np.ndarray  # int8[N]
    children: np.ndarray  # int32[N, A]
    action_kind: np.ndarray  # int8[N, A]
    action_amount: np.ndarray  # int64[N, A]
    contrib: np.ndarray  # int64[N, 2]
    pot: np.ndarray  # int64[N]
    street_base: np.ndarray  # int64[N, 2]: chips in before the node's street began
    stacks: np.ndarray  # int64[2]: starting stacks by tree seat


class RowSource(NamedTuple):
    """Where the policy rows come from: a dense policy, or MCCFR tables normalised row by row."""

    offset: np.ndarray  # int64[N]
    buckets: np.ndarray  # int64[streets]: buckets per street
    dense: bool
    policy: np.ndarray  # float64[size] when dense (else unused)
    regret: np.ndarray  # tables' regrets (else unused)
    strategy: np.ndarray  # tables' strategy sums (else unused)
    average: np.ndarray  # bool[4]: streets whose average strategy is played


@njit(cache=True, nogil=True)
def tree_seat(seat, button):
    return (seat - button) % 2


@njit(cache=True, nogil=True)
def on_tree(t, node, st):
    """``node`` is the decision of the real state's street and seat to act (else the blueprint is off the tree)."""
    if node < 0 or t.kind[node] != NODE_DECISION:
        return False
    return (t.street[node] == st[eng.S_STREET]
            and t.actor[node] == tree_seat(st[eng.S_PENDING], st[eng.S_BUTTON]))


@njit(cache=True, nogil=True)
def first_action(t, node, kind):
    for a in range(t.n_actions[node]):
        if t.action_kind[node, a] == kind:
            return a
    return -1


@njit(cache=True, nogil=True)
def raise_sizes(t, node, idx, sizes):
    """Fill the raise actions of ``node`` and their sizes in pots; returns (count, all-in action or -1)."""
    p = t.actor[node]
    q = 1 - p
    bet_p = t.contrib[node, p] - t.street_base[node, p]
    bet_q = t.contrib[node, q] - t.street_base[node, q]
    current = max(bet_p, bet_q)
    to_call = current - bet_p
    pot = t.pot[node]
    allin_to = t.stacks[p] - t.street_base[node, p]
    n = 0
    allin = -1
    for a in range(t.n_actions[node]):
        if t.action_kind[node, a] != ACTION_RAISE:
            continue
        amount = t.action_amount[node, a]
        idx[n] = a
        sizes[n] = (amount - current) / (pot + to_call)
        if amount == allin_to:
            allin = a
        n += 1
    return n, allin


@njit(cache=True, nogil=True)
def same_state(t, node, st):
    """Real and abstract hands have put in the same chips, seat by seat, over the hand and on the street."""
    button = st[eng.S_BUTTON]
    for s in range(2):
        ts = tree_seat(s, button)
        if st[eng.S_CONTRIB + s] != t.contrib[node, ts]:
            return False
        if st[eng.S_BET + s] != t.contrib[node, ts] - t.street_base[node, ts]:
            return False
    return True


@njit(cache=True, nogil=True)
def step(t, node, st, kind, amount, children, probs):
    """Children of ``node`` that the real action (taken by the seat to act in ``st``) leads to; returns their count.

    ``children[:n]``/``probs[:n]``: one child with probability 1, or the two
    neighbouring raise sizes of a translated raise; OFF_TREE with probability
    1 when the action leaves the tree.
    """
    children[0] = OFF_TREE
    probs[0] = 1.0
    if not on_tree(t, node, st):
        return 1
    if kind != ACTION_RAISE:
        a = first_action(t, node, ACTION_FOLD if kind == ACTION_FOLD else ACTION_CHECK_CALL)
        if a >= 0:
            children[0] = t.children[node, a]
        return 1
    idx = np.empty(MAX_ACTIONS, np.int64)
    sizes = np.empty(MAX_ACTIONS, np.float64)
    n, allin = raise_sizes(t, node, idx, sizes)
    if n == 0:
        return 1
    for j in range(n):
        if t.action_amount[node, idx[j]] == amount:
            if same_state(t, node, st):  # an abstract amount in an identical state stays on the tree
                children[0] = t.children[node, idx[j]]
                return 1
            break
    _, _, _, max_to = eng.legal(st)
    if allin >= 0 and amount == max_to:
        children[0] = t.children[node, allin]
        return 1
    seat = st[eng.S_PENDING]
    current = max(st[eng.S_BET], st[eng.S_BET + 1])
    to_call = current - st[eng.S_BET + seat]
    x = (amount - current) / (st[eng.S_CONTRIB] + st[eng.S_CONTRIB + 1] + to_call)
    if x <= sizes[0]:
        children[0] = t.children[node, idx[0]]
        return 1
    if x >= sizes[n - 1]:
        children[0] = t.children[node, idx[n - 1]]
        return 1
    hi = 1
    while sizes[hi] < x:
        hi += 1
    a_, b_ = sizes[hi - 1], sizes[hi]
    p_low = 1.0 if b_ == a_ else (b_ - x) * (1.0 + a_) / ((b_ - a_) * (1.0 + x))  # pseudo-harmonic
    if p_low >= 1.0:
        children[0] = t.children[node, idx[hi - 1]]
        return 1
    if p_low <= 0.0:
        children[0] = t.children[node, idx[hi]]
        return 1
    children[0] = t.children[node, idx[hi - 1]]
    probs[0] = p_low
    children[1] = t.children[node, idx[hi]]
    probs[1] = 1.0 - p_low
    return 2


@njit(cache=True, nogil=True)
def pick(children, probs, n, u):
    """The child a uniform draw ``u`` selects (as :func:`holdem.eval.translation.translate`)."""
    total = 0.0
    for i in range(n):
        total += probs[i]
        if u < total:
            return children[i]
    return children[n - 1]


@njit(cache=True, nogil=True)
def render(t, node, st, a):
    """The real (kind, amount) that abstract action ``a`` of ``node`` plays in ``st`` (node on the tree)."""
    can_fold, call, min_to, max_to = eng.legal(st)
    kind = t.action_kind[node, a]
    if kind == ACTION_FOLD and can_fold:
        return ACTION_FOLD, 0
    if kind != ACTION_RAISE or min_to == eng.NO_RAISE:
        return ACTION_CHECK_CALL, call
    idx = np.empty(MAX_ACTIONS, np.int64)
    sizes = np.empty(MAX_ACTIONS, np.float64)
    n, allin = raise_sizes(t, node, idx, sizes)
    if a == allin:
        return ACTION_RAISE, max_to
    if same_state(t, node, st):
        amount = t.action_amount[node, a]
    else:
        size = 0.0
        for j in range(n):
            if idx[j] == a:
                size = sizes[j]
        seat = st[eng.S_PENDING]
        current = max(st[eng.S_BET], st[eng.S_BET + 1])
        to_call = current - st[eng.S_BET + seat]
        pot = st[eng.S_CONTRIB] + st[eng.S_CONTRIB + 1]
        amount = current + np.int64(np.floor(size * (pot + to_call) + 0.5))
    return ACTION_RAISE, min(max(amount, min_to), max_to)


@njit(cache=True, nogil=True)
def policy_row(rs, node, street, n_actions, bucket, out):
    """out[:n_actions] = the blueprint's row of ``bucket`` at ``node``."""
    off = rs.offset[node] + bucket * n_actions
    if rs.dense:
        for a in range(n_actions):
            out[a] = rs.policy[off + a]
        return
    if rs.average[street]:
        total = 0.0
        for a in range(n_actions):
            total += np.float64(rs.strategy[off + a])
        if total > 0.0:
            for a in range(n_actions):
                out[a] = np.float64(rs.strategy[off + a]) / total
            return
    total = 0.0
    for a in range(n_actions):
        total += max(np.float64(rs.regret[off + a]), 0.0)
    for a in range(n_actions):
        out[a] = max(np.float64(rs.regret[off + a]), 0.0) / total if total > 0.0 else 1.0 / n_actions


@njit(cache=True, nogil=True)
def policy_rows(rs, t, node, out):
    """out[b, :A] = the row of every bucket b of ``node``'s street; returns the bucket count."""
    street = t.street[node]
    na = t.n_actions[node]
    nb = rs.buckets[street]
    for b in range(nb):
        policy_row(rs, node, street, na, b, out[b])
    return nb
