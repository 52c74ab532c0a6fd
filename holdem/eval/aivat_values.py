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
* :class:`RiverExactValue` (heads-up, each seat a blueprint or a river
  searcher, :class:`holdem.search.holdem_agent.HoldemSearchBot`): on the
  river, the exact expected payoff of the rest of the hand, the river's
  betting enumerated over real engine states with the blueprint's
  distribution for a blueprint seat and the latest solved river strategy
  for a searching seat; the river card valued by both blueprints' value of
  the river subtree averaged over the river cards (:class:`TreeValue`'s
  passes from the river node); :class:`ShowdownValue` on earlier streets.

:class:`CallDownValue` and :class:`TreeValue` use cards still to come.  Action terms may: with every card
fixed, a known player's draw is independent of them, so each term has mean
zero given the whole deal.
"""
from __future__ import annotations

from functools import lru_cache
from types import SimpleNamespace
from typing import Protocol, Sequence

import numpy as np
from numba import njit

from holdem.abstraction.features import HOLE_ID
from holdem.cards import N_CARDS
from holdem.eval.baselines import apply_move
from holdem.evaluator import CARD_KEY, CARD_MASK, KEY_EMPTY, eval7_codes, value_from_key
from holdem.game.engine import BOARD_CARDS, BOARD_CARDS_VISIBLE, RIVER, ActionKind, HandState
from holdem.game.pots import side_pots
from holdem.game.tree_arrays import (
    ACTION_CHECK_CALL,
    ACTION_FOLD,
    ACTION_RAISE,
    NODE_DECISION,
    NODE_FOLD,
    NODE_SHOWDOWN,
    TREE_ARRAYS,
)
from holdem.search.river_tree import DECISION as RIVER_DECISION

HEADS_UP = 2
MIN_REACH = 1e-6  # TreeValue: lines played less often than this are valued as checked down
MIN_PROB = 1e-6  # RiverExactValue: moves played less often than this are valued as checked down
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
               buckets, strength, stack, min_reach, start, reach, order, pending, stamp, pass_id, out):
    """``out[node]``: tree seat 0's expected payoff from ``node`` for one deal, at every node of the subtree
    of ``start`` the pass visits (``stamp[node] == pass_id``): the nodes the two policies reach from
    ``start`` with probability ``min_reach`` or more, and their children.  Those below ``min_reach`` are
    valued as checked down (:func:`_checked_down`), which spares reading the rows of lines nobody plays."""
    reach[start] = 1.0
    pending[0] = start
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
              stamp: np.ndarray, start: int = 0) -> None:
        """Value the deal's tree (the subtree of ``start``) into ``out``, stamping the nodes it visits."""
        policy_of_seat = np.zeros(HEADS_UP, np.int64)
        for seat in range(HEADS_UP):
            policy_of_seat[(seat - button) % HEADS_UP] = self._which[id(self.blueprints[seat])]
        policies = self._policies if len(self._policies) > 1 else self._policies * 2
        self._passes += 1
        _tree_pass(*self._arrays, policy_of_seat, policies, buckets, strength, self._stack, self.min_reach, start,
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

    def river_node_value(self, state: HandState, node: int, river: int) -> float:
        """Tree seat 0's value at the river node ``node`` of ``state``'s deal with the river card ``river``
        (one pass over that node's subtree; only the river's buckets and the showdown depend on the card)."""
        board = (*state.board[:4], river)
        buckets, strength = self._cards(state.holes, board, state.button, streets=(3,))
        self._pass(state.button, buckets, strength, self._scratch, self._scratch_stamp, start=node)
        return float(self._scratch[node])

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


# ------------------------------------------------------------------------ the river, exactly (heads-up, known policies)


def _river_moves(state: HandState) -> tuple[tuple[int, int], ...]:
    return tuple((int(a.kind), int(a.amount)) for a in state.history if a.street == RIVER)


def _searcher(bot):
    """The river searcher behind ``bot`` (an object with ``river_solves``), or None."""
    for candidate in (bot, getattr(bot, "holdem", None)):
        if candidate is not None and hasattr(candidate, "river_solves"):
            return candidate
    return None


def _match_index(moves: Sequence[tuple[int, int]], move: tuple[int, int]) -> int:
    """The index in ``moves`` (a solved tree's node) that plays ``move``: the same move, else the raise of the
    nearest size (by ratio), else check/call."""
    kind, amount = move
    for i, (k, a) in enumerate(moves):
        if k == kind and (kind != ACTION_RAISE or a == amount):
            return i
    raises = [(abs(np.log(a / amount)), i) for i, (k, a) in enumerate(moves) if k == ACTION_RAISE and a > 0]
    if kind == ACTION_RAISE and raises and amount > 0:
        return min(raises)[1]
    return next(i for i, (k, _) in enumerate(moves) if k == ACTION_CHECK_CALL)


class RiverExactValue:
    """Heads-up, every policy known: on the river, the exact expected payoff of the rest of the hand.

    A river state is valued by enumerating its betting subtree over real
    engine states, with both seats' hole cards known: a blueprint seat plays
    its blueprint's distribution (off-tree sizes translated as it translates
    them, :meth:`BlueprintBot.distribution`); a searching seat
    (:class:`holdem.search.holdem_agent.HoldemSearchBot`) plays the strategy
    of its latest river solve *made before the action that leads to the
    state* (its ``river_solves``, each tagged with the river moves it was
    solved for), and its blueprint before its first solve.  The solve is
    chosen that way so that, in an action term ``E_a[v(h a)] - v(h a*)``,
    every child of ``h`` is valued with the same strategy, fixed before the
    action is drawn: the term then has mean zero (Burch et al. 2018,
    section 4) even though later solves differ.  A solved strategy is read at
    the node of its tree the real river moves map to (an absent size: the
    raise of the nearest size), and its moves are clipped to what the real
    state allows.  Moves played less often than ``min_prob`` are valued as
    checked down (:class:`CallDownValue`; 0 enumerates every line).

    The river card is a chance event of its own: the state right after it is
    dealt (no river move yet) is worth ``E_c[w(c)]``, the value before the
    card, where ``w(c)`` is both blueprints' value of the river subtree with
    river card ``c`` (:meth:`TreeValue.river_node_value`, one compiled pass
    per card); :meth:`reveal_term` gives the chance term ``E_c[w(c)] - w(c*)``
    that :func:`holdem.eval.aivat.hand_terms` adds.  When that subtree is not
    on the blueprints' tree chip for chip, the river card is valued as
    :class:`ShowdownValue` values it (the pots as they stand over the river
    cards).  Earlier streets are :class:`ShowdownValue`'s.
    """

    name = "exact_river"

    def __init__(self, seat_bots: Sequence, min_prob: float = MIN_PROB):
        if len(seat_bots) != HEADS_UP:
            raise ValueError("RiverExactValue is heads-up")
        self.searchers = [_searcher(b) for b in seat_bots]
        self.blueprint_bots = [s.fallback if s is not None else b for s, b in zip(self.searchers, seat_bots)]
        for bot in self.blueprint_bots:
            if not (hasattr(bot, "blueprint") and hasattr(bot, "distribution")):
                raise ValueError(f"RiverExactValue needs blueprints or river searchers; {bot!r} is neither")
        blueprints = [b.blueprint for b in self.blueprint_bots]
        self.tree_value = TreeValue(blueprints, min_reach=0.0) if shared_tree(blueprints) else None
        self.min_prob = min_prob
        self.showdown = ShowdownValue()
        self._hand: tuple | None = None
        self._memo: dict[tuple, np.ndarray] = {}
        self._dists: dict[tuple, list] = {}
        self._deal: tuple[float, float] | None = None  # (E_c w(c), w(dealt card)), tree seat 0

    # ---------------------------------------------------------------- one hand's caches

    def _enter(self, state: HandState) -> None:
        key = (state.config, state.holes, state.board, state.button,
               tuple(a for a in state.history if a.street < RIVER))
        if key != self._hand:
            self._hand = key
            self._memo.clear()
            self._dists.clear()
            self._deal = None

    def _solves(self, state: HandState, moves: tuple) -> tuple:
        """Per seat: the latest solve whose river moves are a strict prefix of ``moves`` (None: the blueprint)."""
        out = []
        for seat, searcher in enumerate(self.searchers):
            chosen = None
            if searcher is not None:
                for solve in searcher.river_solves(state, seat):
                    n = len(solve.actions)
                    if n < len(moves) and tuple((int(k), int(a)) for k, a in solve.actions) == moves[:n]:
                        chosen = solve
            out.append(chosen)
        return tuple(out)

    # ---------------------------------------------------------------- the river card

    def deal_values(self, state: HandState) -> tuple[float, float] | None:
        """(mean over the river cards of ``w``, ``w`` of the dealt card) for seat 0, or None off the tree."""
        tv = self.tree_value
        if tv is None:
            return None
        self._enter(state)
        if self._deal is None:
            root = HandState.start(state.config, state.holes, state.board, state.button)
            for action in state.history:
                if action.street >= RIVER:
                    break
                root.apply(action)
            node = exact_node(tv.tree, root) if root.street == RIVER and not root.is_over else None
            if node is None:
                return None
            seen = {c for hole in state.holes for c in hole} | set(state.board[:4])
            values = {c: tv.river_node_value(state, node, c) for c in range(N_CARDS) if c not in seen}
            v0 = float(np.mean(list(values.values())))
            sign = 1.0 if state.button == 0 else -1.0  # tree seat 0 is the button
            self._deal = (sign * v0, sign * values[state.board[4]])
        return self._deal

    def reveal_term(self, state: HandState, street: int, seat: int) -> float | None:
        """The chance term of dealing ``street``'s cards in ``state``: ``E_c[w(c)] - w(c*)`` for the river
        (seat ``seat``), None to leave it to :func:`showdown_values`."""
        if street != RIVER or state.is_over or _river_moves(state):
            return None
        deal = self.deal_values(state)
        if deal is None:
            return None
        sign = 1.0 if seat == 0 else -1.0
        return sign * (deal[0] - deal[1])

    # ---------------------------------------------------------------- values

    def __call__(self, state: HandState) -> np.ndarray:
        if state.is_over:
            return np.asarray(state.payoffs(), np.float64)
        if state.street < RIVER:
            return self.showdown(state)
        moves = _river_moves(state)
        if not moves:  # the river card just dealt: its value before the card, as the chance term has it
            deal = self.deal_values(state)
            if deal is None:
                return showdown_values(state.holes, state.board[:4], state.contrib, state.folded)
            return np.array([deal[0], -deal[0]])
        self._enter(state)
        return self._value(state, moves, self._solves(state, moves)).copy()

    def _value(self, state: HandState, moves: tuple, solves: tuple) -> np.ndarray:
        key = (tuple(id(s) for s in solves), moves)
        cached = self._memo.get(key)
        if cached is not None:
            return cached
        if state.is_over:
            out = np.asarray(state.payoffs(), np.float64)
        else:
            out = np.zeros(HEADS_UP)
            for move, p in self._policy(state, moves, solves[state.actor]):
                child = state.copy()
                apply_move(child, move)
                if p < self.min_prob:
                    out += p * CallDownValue()(child)
                else:
                    out += p * self._value(child, _river_moves(child), solves)
        self._memo[key] = out
        return out

    def _policy(self, state: HandState, moves: tuple, solve) -> list[tuple[tuple[ActionKind, int], float]]:
        seat = int(state.actor)
        node = None if solve is None else self._solved_node(solve, moves, seat)
        if node is None:
            key = (seat, moves)
            if key not in self._dists:
                self._dists[key] = self.blueprint_bots[seat].distribution(state)
            return self._dists[key]
        hole = state.holes[seat]
        row = solve.node_strategy(node)[int(HOLE_ID[hole[0], hole[1]])]
        row = row / row.sum()
        legal = state.legal()
        merged: dict[tuple[ActionKind, int], float] = {}
        for (kind, amount), p in zip(solve.tree.moves[node], row):
            if p <= 0.0:
                continue
            if kind == ACTION_RAISE and legal.can_raise:
                move = (ActionKind.RAISE, int(min(max(amount, legal.min_raise_to), legal.max_raise_to)))
            elif kind == ACTION_FOLD and legal.can_fold:
                move = (ActionKind.FOLD, 0)
            else:
                move = (ActionKind.CHECK_CALL, int(legal.call_amount))
            merged[move] = merged.get(move, 0.0) + float(p)
        return list(merged.items())

    @staticmethod
    def _solved_node(solve, moves: tuple, seat: int) -> int | None:
        """The decision of ``solve``'s tree the real river ``moves`` map to, if ``seat`` acts there."""
        tree = solve.tree
        node = 0
        for move in moves:
            if tree.kind[node] != RIVER_DECISION:
                return None
            node = int(tree.children[node, _match_index(tree.moves[node], move)])
        if tree.kind[node] != RIVER_DECISION or int(tree.actor[node]) != seat:
            return None
        return node
