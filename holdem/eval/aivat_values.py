"""Value functions for AIVAT (:mod:`holdem.eval.aivat`): what a state of a hand is worth to each seat.

AIVAT's estimate is unbiased for any value function (Burch et al. 2018,
section 4); the better it predicts the payoff, the more variance it removes.
In a match we deal every card, so all of them can be used, as long as a
chance term only uses what has been dealt by then:

* :func:`showdown_values` / :class:`ShowdownValue` (chance and action
  terms, any players): the expected payoff if nobody puts in another chip,
  over every way the rest of the board can come (exact enumeration of the
  unseen cards), given the pots built so far.
* :class:`CallDownValue`: the payoff of the dealt cards if every seat checks
  or calls from here to the end (:class:`TreeValue`'s value off the tree).
* :class:`TreeValue` (action terms, heads-up blueprint against blueprint on
  one abstract tree): the expected payoff of the dealt cards under both
  blueprints' distributions, one pass down and one back up the whole betting
  tree a hand (lines played less often than one in a million are valued as
  checked down, which spares reading their rows).  A real state off the
  tree, or not matching its node chip for chip, falls back to
  :class:`CallDownValue`.  Its river term averages the root's value over
  every river card (44 more passes).

The last two use cards still to come.  Action terms may: with every card
fixed, a known player's draw is independent of them, so each term has mean
zero given the whole deal.
"""
from __future__ import annotations

from functools import lru_cache
from types import SimpleNamespace
from typing import Protocol, Sequence

import numpy as np
from numba import njit

from holdem.cards import N_CARDS
from holdem.evaluator import CARD_KEY, CARD_MASK, KEY_EMPTY, eval7_codes, value_from_key
from holdem.game.engine import BOARD_CARDS, BOARD_CARDS_VISIBLE, HandState
from holdem.game.pots import side_pots
from holdem.game.tree_arrays import ACTION_RAISE, NODE_DECISION, NODE_FOLD, NODE_SHOWDOWN, TREE_ARRAYS

HEADS_UP = 2
MIN_REACH = 1e-6  # TreeValue: lines played less often than this are valued as checked down
SHARE_CACHE = 8192  # showdown shares of recent (cards, pots) lookups; a duplicate group repeats each deal


class ValueFunction(Protocol):
    def __call__(self, state: HandState) -> np.ndarray: ...


# ------------------------------------------------------------------------ showdowns (any players)


@njit(cache=True, nogil=True)
def _expected_shares(holes, board, n_board, unseen, eligible):
    """float64[pots, seats]: each seat's expected fraction of each pot over all completions of the board.

    ``eligible[k, s]``: seat s contests pot k; a pot's winners split it evenly.
    Hands are ranked from additive keys (:func:`holdem.evaluator.value_from_key`):
    each seat's hole and the known board once, the dealt cards as they change.
    """
    n_pots, n_seats = eligible.shape
    need = BOARD_CARDS - n_board
    m = unseen.shape[0]
    base_key = KEY_EMPTY
    base_mask = np.uint64(0)
    for i in range(n_board):
        base_key += CARD_KEY[board[i]]
        base_mask |= CARD_MASK[board[i]]
    hole_key = np.zeros(n_seats, np.uint64)
    hole_mask = np.zeros(n_seats, np.uint64)
    contests = np.zeros(n_seats, np.bool_)
    for s in range(n_seats):
        hole_key[s] = CARD_KEY[holes[s, 0]] + CARD_KEY[holes[s, 1]]
        hole_mask[s] = CARD_MASK[holes[s, 0]] | CARD_MASK[holes[s, 1]]
        for k in range(n_pots):
            contests[s] |= eligible[k, s]
    # key[j + 1], mask[j + 1]: the known board and the first j + 1 dealt cards
    key = np.empty(need + 1, np.uint64)
    mask = np.empty(need + 1, np.uint64)
    key[0] = base_key
    mask[0] = base_mask
    rank = np.zeros(n_seats, np.int64)
    out = np.zeros((n_pots, n_seats))
    idx = np.arange(need)
    changed = 0  # dealt cards from this one on changed since the last completion
    count = 0
    while True:
        for j in range(changed, need):
            key[j + 1] = key[j] + CARD_KEY[unseen[idx[j]]]
            mask[j + 1] = mask[j] | CARD_MASK[unseen[idx[j]]]
        for s in range(n_seats):
            if contests[s]:
                rank[s] = value_from_key(key[need] + hole_key[s], mask[need] | hole_mask[s])
        for k in range(n_pots):
            best = -1
            winners = 0
            for s in range(n_seats):
                if eligible[k, s]:
                    if rank[s] > best:
                        best = rank[s]
                        winners = 1
                    elif rank[s] == best:
                        winners += 1
            for s in range(n_seats):
                if eligible[k, s] and rank[s] == best:
                    out[k, s] += 1.0 / winners
        count += 1
        # next combination of `need` indices out of m, in lexicographic order
        j = need - 1
        while j >= 0 and idx[j] == m - need + j:
            j -= 1
        if j < 0:
            break
        idx[j] += 1
        for i in range(j + 1, need):
            idx[i] = idx[i - 1] + 1
        changed = j
    return out / count


@lru_cache(maxsize=SHARE_CACHE)
def pot_shares(holes: tuple[tuple[int, ...], ...], board: tuple[int, ...], eligible: tuple[tuple[bool, ...], ...]
               ) -> np.ndarray:
    """float64[pots, seats]: each seat's expected share of each pot (``eligible`` rows) over the runouts.

    Cached: every rotation of a duplicate group meets the same cards.
    """
    seen = {c for hole in holes for c in hole} | set(board)
    unseen = np.array([c for c in range(N_CARDS) if c not in seen], np.int64)
    padded = np.zeros(BOARD_CARDS, np.int64)
    padded[: len(board)] = board
    return _expected_shares(np.array(holes, np.int64), padded, len(board), unseen, np.array(eligible, np.bool_))


def showdown_values(holes: Sequence[Sequence[int]], board: Sequence[int], contrib: Sequence[int],
                    folded: Sequence[bool]) -> np.ndarray:
    """float64[seats]: expected chips won minus chips put in, if the hand went to showdown as it stands.

    Every completion of ``board`` from the cards in no hand and not on the
    board counts equally (the cards of folded hands are out too); a pot's
    winners split it evenly.  Before the hole cards are dealt, see
    :func:`even_shares`.
    """
    pots = side_pots(list(contrib), list(folded))
    n = len(contrib)
    won = np.zeros(n)
    contested = [p for p in pots if len(p.eligible) > 1]
    for p in pots:
        if len(p.eligible) == 1:
            won[p.eligible[0]] += p.amount
    if contested:
        eligible = tuple(tuple(s in p.eligible for s in range(n)) for p in contested)
        shares = pot_shares(tuple(tuple(int(c) for c in h) for h in holes), tuple(int(c) for c in board), eligible)
        won += np.array([p.amount for p in contested], np.float64) @ shares
    return won - np.asarray(contrib, np.float64)


def even_shares(contrib: Sequence[int], folded: Sequence[bool]) -> np.ndarray:
    """float64[seats]: :func:`showdown_values` before the hole cards are dealt (each eligible seat alike)."""
    won = np.zeros(len(contrib))
    for p in side_pots(list(contrib), list(folded)):
        for s in p.eligible:
            won[s] += p.amount / len(p.eligible)
    return won - np.asarray(contrib, np.float64)


# ------------------------------------------------------------------------ call-down (any players)


class CallDownValue:
    """The payoff of the dealt cards if every seat checks or calls from the state on."""

    def __call__(self, state: HandState) -> np.ndarray:
        if not state.is_over:
            state = state.copy()
            while not state.is_over:
                state.check_or_call()
        return np.asarray(state.payoffs(), np.float64)


# ------------------------------------------------------------------------ the betting tree (blueprints)


@njit(cache=True, nogil=True, inline="always")
def _checked_down(node, kind, contrib, strength, stack):
    """Tree seat 0's payoff at ``node`` if both seats checked or called to the showdown (a fold: as it ended)."""
    c0 = contrib[node, 0]
    c1 = contrib[node, 1]
    if kind[node] == NODE_SHOWDOWN:
        m = min(c0, c1)
    else:
        m = min(max(c0, c1), stack)
    return m if strength[0] > strength[1] else (-m if strength[0] < strength[1] else 0)


@njit(cache=True, nogil=True)
def _tree_pass(kind, actor, street, n_actions, children, contrib, folded, offset, policy_of_seat, policies,
               buckets, strength, stack, min_reach, reach, order, pending, stamp, pass_id, out):
    """``out[node]``: tree seat 0's expected payoff from ``node`` for one deal, at every node the pass visits
    (``stamp[node] == pass_id``): the nodes the two policies reach with probability ``min_reach`` or more,
    and their children.  Those below ``min_reach`` are valued as checked down (:func:`_checked_down`), which
    spares reading the rows of lines nobody plays."""
    reach[0] = 1.0
    pending[0] = 0
    top = 1  # pending[:top]: nodes still to visit
    visited = 0
    while top > 0:
        top -= 1
        node = pending[top]
        # visit order: a node's children come after it, so the reverse has children first
        order[visited] = node
        visited += 1
        stamp[node] = pass_id
        if kind[node] == NODE_DECISION and reach[node] >= min_reach:
            seat = actor[node]
            na = n_actions[node]
            policy = policies[policy_of_seat[seat]]
            row = offset[node] + buckets[seat, street[node]] * na
            for a in range(na):
                child = children[node, a]
                reach[child] = reach[node] * policy[row + a]
                pending[top] = child
                top += 1
    for i in range(visited - 1, -1, -1):
        node = order[i]
        if kind[node] == NODE_FOLD:
            out[node] = contrib[node, 1] if folded[node, 1] else -contrib[node, 0]
        elif kind[node] == NODE_SHOWDOWN or reach[node] < min_reach:
            out[node] = _checked_down(node, kind, contrib, strength, stack)
        else:
            seat = actor[node]
            na = n_actions[node]
            policy = policies[policy_of_seat[seat]]
            row = offset[node] + buckets[seat, street[node]] * na
            value = 0.0
            for a in range(na):
                value += policy[row + a] * out[children[node, a]]
            out[node] = value


def exact_node(tree, state: HandState) -> int | None:
    """The abstract node ``state``'s history leads to action by action (raises at their exact amounts), if its
    chips match seat by seat; else None."""
    n, button = state.n_players, state.button
    node = 0
    for action in state.history:
        if tree.kind[node] != NODE_DECISION or tree.actor[node] != (action.seat - button) % n:
            return None
        for a in range(int(tree.n_actions[node])):
            kind = tree.action_kind[node, a]
            if kind == action.kind and (kind != ACTION_RAISE or tree.action_amount[node, a] == action.amount):
                node = int(tree.children[node, a])
                break
        else:
            return None
    if any(tree.contrib[node, (s - button) % n] != state.contrib[s] for s in range(n)):
        return None
    return node


def shared_tree(blueprints: Sequence) -> bool:
    """Do these blueprints play one heads-up abstract tree, laid out alike, with the same buckets?"""
    first = blueprints[0]
    if first.n_players != HEADS_UP or not hasattr(first.tree, "children") or not first.is_holdem:
        return False
    for other in blueprints[1:]:
        if other is first:
            continue
        same_hash = other.manifest.get("abstraction_hash") == first.manifest.get("abstraction_hash")
        if not same_hash or other.game_config != first.game_config or other.tree.n_nodes != first.tree.n_nodes:
            return False
        if not (np.array_equal(other.tree.children, first.tree.children)
                and np.array_equal(other.tree.action_amount, first.tree.action_amount)
                and np.array_equal(other.layout.offset, first.layout.offset)):
            return False
    return True


class TreeValue:
    """Heads-up: the expected payoff of the dealt cards under the seats' blueprints (one abstract tree).

    ``seat_blueprints[s]`` plays real seat ``s``.  Values are computed once a
    deal (holes, board, button, who sits where) and looked up by the exact
    node of a state; states off the tree use ``fallback``.  Lines the
    blueprints reach with probability below ``min_reach`` are valued as
    checked down (0 keeps every line: the exact expectation).
    """

    def __init__(self, seat_blueprints: Sequence, fallback: ValueFunction | None = None,
                 min_reach: float = MIN_REACH):
        if not shared_tree(seat_blueprints):
            raise ValueError("TreeValue needs heads-up Hold'em blueprints that share one abstract tree")
        self.blueprints = list(seat_blueprints)
        self.fallback = fallback or CallDownValue()
        tree = seat_blueprints[0].tree
        # plain arrays: a Deferred tree resolves every attribute read through __getattr__
        self.tree = SimpleNamespace(**{name: np.asarray(getattr(tree, name)) for name in TREE_ARRAYS})
        self._arrays = tuple(np.ascontiguousarray(a) for a in (
            tree.kind, tree.actor, tree.street, tree.n_actions, tree.children, tree.contrib, tree.folded,
            seat_blueprints[0].layout.offset))
        distinct = list({id(b): b for b in seat_blueprints}.values())
        self._policies = tuple(b.policy for b in distinct)  # dense rows: the blueprint's own normalisation
        self._which = {id(b): i for i, b in enumerate(distinct)}
        self._stack = min(seat_blueprints[0].game_config.seat_stacks)
        self.min_reach = min_reach
        n = tree.n_nodes
        self._reach, self._order, self._pending = np.zeros(n), np.zeros(n, np.int64), np.zeros(n, np.int64)
        self._values, self._stamp = np.zeros(n), np.zeros(n, np.int64)  # the dealt cards' pass
        self._scratch, self._scratch_stamp = np.zeros(n), np.zeros(n, np.int64)  # other rivers' passes
        self._passes = 0
        self._pass_id = 0  # the pass of the dealt cards
        self._key: tuple | None = None
        self._strength = np.zeros(HEADS_UP, np.int64)

    def _cards(self, holes, board, button: int, streets=range(4), buckets=None) -> tuple[np.ndarray, np.ndarray]:
        """(buckets[tree seat, street] on ``streets``, showdown strength per tree seat) of a deal."""
        buckets = np.zeros((HEADS_UP, 4), np.int64) if buckets is None else buckets.copy()
        strength = np.zeros(HEADS_UP, np.int64)
        for seat in range(HEADS_UP):
            t = (seat - button) % HEADS_UP
            for street in streets:
                buckets[t, street] = self.blueprints[seat].bucket(holes[seat], board[: BOARD_CARDS_VISIBLE[street]])
            strength[t] = eval7_codes(*holes[seat], *board)
        return buckets, strength

    def _pass(self, button: int, buckets: np.ndarray, strength: np.ndarray, out: np.ndarray,
              stamp: np.ndarray) -> None:
        """Value the deal's tree into ``out`` (stamping the nodes it visits)."""
        policy_of_seat = np.zeros(HEADS_UP, np.int64)
        for seat in range(HEADS_UP):
            policy_of_seat[(seat - button) % HEADS_UP] = self._which[id(self.blueprints[seat])]
        policies = self._policies if len(self._policies) > 1 else self._policies * 2
        self._passes += 1
        _tree_pass(*self._arrays, policy_of_seat, policies, buckets, strength, self._stack, self.min_reach,
                   self._reach, self._order, self._pending, stamp, self._passes, out)

    def _node_value(self, state: HandState, node: int) -> float:
        """Tree seat 0's value at ``node`` for the dealt cards."""
        key = (state.holes, state.board, state.button)
        if key != self._key:
            buckets, self._strength = self._cards(state.holes, state.board, state.button)
            self._pass(state.button, buckets, self._strength, self._values, self._stamp)
            self._key = key
            self._pass_id = self._passes
        if self._stamp[node] == self._pass_id:
            return float(self._values[node])
        # below a line played less often than min_reach: the pass did not get here
        return float(_checked_down(node, self._arrays[0], self._arrays[5], self._strength, self._stack))

    def river_term(self, state: HandState, seat: int) -> float:
        """The river's chance term for ``seat``, every card dealt before play: the root value averaged over
        every river card the dealer could have dealt, minus the root value with the river it dealt."""
        seen = {c for hole in state.holes for c in hole} | set(state.board[:4])
        total = 0.0
        rivers = [c for c in range(N_CARDS) if c not in seen]
        before, _ = self._cards(state.holes, state.board, state.button, streets=range(3))
        for river in rivers:
            board = (*state.board[:4], river)
            buckets, strength = self._cards(state.holes, board, state.button, streets=(3,), buckets=before)
            self._pass(state.button, buckets, strength, self._scratch, self._scratch_stamp)
            total += self._scratch[0]
        sign = 1.0 if (seat - state.button) % HEADS_UP == 0 else -1.0
        return sign * (total / len(rivers) - self._node_value(state, 0))

    def __call__(self, state: HandState) -> np.ndarray:
        if state.is_over:
            return np.asarray(state.payoffs(), np.float64)
        node = exact_node(self.tree, state)
        if node is None:
            return self.fallback(state)
        v0 = self._node_value(state, node)
        # tree seat 0 is the button; heads-up payoffs sum to zero
        return np.array([v0 if (s - state.button) % HEADS_UP == 0 else -v0 for s in range(HEADS_UP)])


class ShowdownValue:
    """:func:`showdown_values` of a state: the cards dealt so far, the pots as they stand."""

    def __call__(self, state: HandState) -> np.ndarray:
        if state.is_over:
            return np.asarray(state.payoffs(), np.float64)
        return showdown_values(state.holes, state.board_visible, state.contrib, state.folded)
