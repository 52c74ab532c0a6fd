"""Heads-up No-Limit Hold'em rules compiled (numba): the reference engine's rules for two seats.

The same rules as :class:`holdem.game.engine.HandState` (TDA Rules 43 and
47: minimum raise, short all-ins that do not re-open the betting, uncalled
chips returned, heads-up blinds with the button posting the small blind),
held in one int64 array so that a whole local-best-response hand runs in
compiled code.  Only what two seats need is kept: at most two seats pending,
one pot (after the uncalled chips go back both seats have put in the same).
Tests replay compiled hands on the reference engine.

State layout (int64[STATE_SIZE]): per seat ``stack``, ``contrib`` (whole
hand, antes and blinds included), ``bet`` (this street), ``folded``,
``acted``; then street, the current full-raise increment, the seats still to
act (count and order), whether the hand is over, the payoffs, the button and
big blind, the number of actions so far, and the cards (holes of seats 0
and 1, the five board cards).
"""
from __future__ import annotations

import numpy as np
from numba import njit

from holdem.evaluator import eval7_codes
from holdem.game.tree_arrays import ACTION_CHECK_CALL, ACTION_FOLD, ACTION_RAISE

S_STACK, S_CONTRIB, S_BET, S_FOLDED, S_ACTED = 0, 2, 4, 6, 8
S_STREET, S_MIN_RAISE, S_N_PENDING, S_PENDING = 10, 11, 12, 13
S_OVER, S_PAYOFF, S_BUTTON, S_BIG_BLIND, S_BB_SEAT, S_ACTIONS = 15, 16, 18, 19, 20, 21
S_HOLES, S_BOARD = 22, 26
STATE_SIZE = 31
RIVER = 3
BOARD_VISIBLE = np.array([0, 3, 4, 5], np.int64)
NO_RAISE = -1  # min_raise_to/max_raise_to when raising is not allowed
FOLD, CALL, RAISE = ACTION_FOLD, ACTION_CHECK_CALL, ACTION_RAISE


@njit(cache=True, nogil=True)
def _put(st, seat, amount, street_bet):
    paid = min(amount, st[S_STACK + seat])  # a short stack posts what it has
    st[S_STACK + seat] -= paid
    st[S_CONTRIB + seat] += paid
    if street_bet:
        st[S_BET + seat] += paid


@njit(cache=True, nogil=True)
def _open_round(st):
    if st[S_STREET] > 0:
        st[S_BET] = 0
        st[S_BET + 1] = 0
    st[S_ACTED] = 0
    st[S_ACTED + 1] = 0
    st[S_MIN_RAISE] = st[S_BIG_BLIND]
    first = (st[S_BB_SEAT] + 1) % 2 if st[S_STREET] == 0 else (st[S_BUTTON] + 1) % 2
    n = 0
    for i in range(2):
        s = (first + i) % 2
        q = 1 - s
        if (st[S_FOLDED + s] == 0 and st[S_STACK + s] > 0 and st[S_FOLDED + q] == 0
                and st[S_STACK + q] + st[S_BET + q] > st[S_BET + s]):
            st[S_PENDING + n] = s
            n += 1
    st[S_N_PENDING] = n
    if n == 1 and st[S_BET + st[S_PENDING]] >= max(st[S_BET], st[S_BET + 1]):
        st[S_N_PENDING] = 0  # the one seat with chips faces no bet and nobody could call its raise


@njit(cache=True, nogil=True)
def _settle(st, won0, won1):
    st[S_N_PENDING] = 0
    st[S_OVER] = 1
    st[S_PAYOFF] = won0 - st[S_CONTRIB]
    st[S_PAYOFF + 1] = won1 - st[S_CONTRIB + 1]


@njit(cache=True, nogil=True)
def _showdown(st):
    b = S_BOARD
    r0 = eval7_codes(st[S_HOLES], st[S_HOLES + 1], st[b], st[b + 1], st[b + 2], st[b + 3], st[b + 4])
    r1 = eval7_codes(st[S_HOLES + 2], st[S_HOLES + 3], st[b], st[b + 1], st[b + 2], st[b + 3], st[b + 4])
    pot = st[S_CONTRIB] + st[S_CONTRIB + 1]
    if r0 > r1:
        _settle(st, pot, 0)
    elif r1 > r0:
        _settle(st, 0, pot)
    else:  # the odd chip goes to the first seat left of the button
        half = pot // 2
        odd = pot - 2 * half
        first = (st[S_BUTTON] + 1) % 2
        _settle(st, half + (odd if first == 0 else 0), half + (odd if first == 1 else 0))


@njit(cache=True, nogil=True)
def _advance(st):
    while st[S_N_PENDING] == 0:
        top = 0 if st[S_CONTRIB] >= st[S_CONTRIB + 1] else 1
        excess = st[S_CONTRIB + top] - st[S_CONTRIB + 1 - top]
        if excess > 0:  # uncalled chips go back
            st[S_CONTRIB + top] -= excess
            st[S_STACK + top] += excess
            st[S_BET + top] -= min(excess, st[S_BET + top])
        if st[S_FOLDED] + st[S_FOLDED + 1] == 1:
            pot = st[S_CONTRIB] + st[S_CONTRIB + 1]
            _settle(st, pot if st[S_FOLDED] == 0 else 0, pot if st[S_FOLDED + 1] == 0 else 0)
            return
        if st[S_STREET] == RIVER:
            _showdown(st)
            return
        st[S_STREET] += 1
        _open_round(st)


@njit(cache=True, nogil=True)
def start(st, stacks, small_blind, big_blind, ante, button, holes, board):
    """Post antes and blinds (seat ``button`` posts the small blind); ``stacks`` per real seat."""
    st[:] = 0
    for s in range(2):
        st[S_STACK + s] = stacks[s]
        st[S_HOLES + 2 * s] = holes[s, 0]
        st[S_HOLES + 2 * s + 1] = holes[s, 1]
    for i in range(5):
        st[S_BOARD + i] = board[i]
    st[S_BUTTON] = button
    st[S_BIG_BLIND] = big_blind
    st[S_BB_SEAT] = 1 - button
    for s in range(2):
        _put(st, s, ante, False)
    _put(st, button, small_blind, True)
    _put(st, 1 - button, big_blind, True)
    _open_round(st)
    _advance(st)


@njit(cache=True, nogil=True)
def actor(st):
    return st[S_PENDING]


@njit(cache=True, nogil=True)
def legal(st):
    """(can_fold, call_amount, min_raise_to, max_raise_to) of the seat to act; NO_RAISE bounds if it may not raise."""
    seat = st[S_PENDING]
    q = 1 - seat
    top = max(st[S_BET], st[S_BET + 1])
    owed = top - st[S_BET + seat]
    call = min(owed, st[S_STACK + seat])
    blocked = (st[S_STACK + seat] <= owed
               or not (st[S_FOLDED + q] == 0 and st[S_STACK + q] + st[S_BET + q] > top)
               or (st[S_ACTED + seat] == 1 and owed < st[S_MIN_RAISE]))
    min_to = NO_RAISE
    max_to = NO_RAISE
    if not blocked:
        max_to = st[S_BET + seat] + st[S_STACK + seat]
        min_to = min(top + st[S_MIN_RAISE], max_to)
    return owed > 0, call, min_to, max_to


@njit(cache=True, nogil=True)
def _pop(st):
    st[S_PENDING] = st[S_PENDING + 1]
    st[S_N_PENDING] -= 1


@njit(cache=True, nogil=True)
def apply(st, kind, amount):
    """Play FOLD, CALL (``amount`` ignored) or RAISE to ``amount`` for the seat to act (legal, not checked)."""
    seat = st[S_PENDING]
    if kind == FOLD:
        st[S_FOLDED + seat] = 1
        _pop(st)
        st[S_N_PENDING] = 0  # heads-up a fold ends the hand
    elif kind == CALL:
        owed = max(st[S_BET], st[S_BET + 1]) - st[S_BET + seat]
        _put(st, seat, owed, True)
        st[S_ACTED + seat] = 1
        _pop(st)
    else:
        increment = amount - max(st[S_BET], st[S_BET + 1])
        if increment >= st[S_MIN_RAISE]:
            st[S_MIN_RAISE] = increment  # a full raise sets the minimum for the rest of the street
        _put(st, seat, amount - st[S_BET + seat], True)
        st[S_ACTED + seat] = 1
        q = 1 - seat
        st[S_N_PENDING] = 0
        if st[S_FOLDED + q] == 0 and st[S_STACK + q] > 0:
            st[S_PENDING] = q
            st[S_N_PENDING] = 1
    st[S_ACTIONS] += 1
    _advance(st)


@njit(cache=True, nogil=True)
def pot_raise_to(st):
    """Raise-to amount of a pot-sized raise (current bet + pot after calling), before clipping."""
    seat = st[S_PENDING]
    top = max(st[S_BET], st[S_BET + 1])
    return top + st[S_CONTRIB] + st[S_CONTRIB + 1] + top - st[S_BET + seat]
