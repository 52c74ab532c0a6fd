"""The river subgame of a real Hold'em hand: a finer action abstraction, the actual actions inserted.

Brown & Sandholm 2017, "Safe and Nested Subgame Solving for
Imperfect-Information Games" (NeurIPS), section 6 ("nested subgame solving"):
when the opponent takes an action the abstraction lacks, solve a subgame
that contains that action, rather than translating it onto the nearest
size.  Pluribus (Brown & Sandholm 2019) did the same, re-solving from the
start of the betting round with the actual actions added to the tree.

The subgame is rooted at the start of river betting of the actual hand, with
the real pot and stacks; the board is the real one.  At every decision it
offers fold (when facing a bet), check/call and raises to

    current bet + f * (pot + to call)   for f in ``bet_sizes`` (no bet yet) or ``raise_sizes``,

plus all-in, up to ``max_raises`` bets and raises on the river, each
clipped to the legal range and deduplicated.  The actual river actions so far
are inserted along the actual path if absent, so the current decision is a
node of the tree.  Every move is applied to a copy of the rules engine
(:class:`holdem.game.engine.HandState`), so every move in the tree is legal
in the engine and every terminal's chips are the engine's (uncalled bets
returned).  :class:`TreeBuilder` grows it; the turn subgame
(:mod:`holdem.search.turn_tree`) grows with the same builder.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from holdem.eval.baselines import apply_move
from holdem.game.engine import RIVER, ActionKind, HandState

DECISION, FOLD, SHOWDOWN, CHANCE = 0, 1, 2, 3
Move = tuple[ActionKind, int]


@dataclass(frozen=True)
class RiverTree:
    """A betting subgame, nodes in preorder (a parent before its children); node 0 is the root.

    A river subgame has one board; a turn subgame (:mod:`holdem.search.turn_tree`)
    adds CHANCE nodes that deal the river card, one child per card, and its
    showdowns below them use that card's board.

    kind      int8[N]   DECISION, FOLD, SHOWDOWN or CHANCE
    actor     int8[N]   real seat to act (decisions), -1 elsewhere
    children  int64[N, A]  child ids, -1 past ``n_actions``
    n_actions int64[N]
    decision  int64[N]  index of a decision among decisions (rows of the solver's tables), -1 elsewhere;
                        the ``top`` decisions above every CHANCE node come first
    stake     float64[N]  chips that change hands at a terminal: the folder's contribution, or at a showdown
                        each seat's (equal once uncalled chips are back)
    folder    int64[N]  seat that folded, -1 elsewhere
    deal      int64[N]  the card a CHANCE parent dealt to reach this node, -1 elsewhere
    board     int64[N]  the row of the solver's strength table a showdown uses (0 on a river subgame)
    moves     per node, the engine moves of its actions (empty at terminals)
    path      node ids along the actual history of the root's street; ``path[-1]`` is the current state
    """

    kind: np.ndarray
    actor: np.ndarray
    children: np.ndarray
    n_actions: np.ndarray
    decision: np.ndarray
    stake: np.ndarray
    folder: np.ndarray
    deal: np.ndarray
    board: np.ndarray
    moves: tuple[tuple[Move, ...], ...]
    path: tuple[int, ...]
    top: int

    @property
    def n_nodes(self) -> int:
        return int(self.kind.shape[0])

    @property
    def n_decisions(self) -> int:
        return int((self.kind == DECISION).sum())

    @property
    def max_actions(self) -> int:
        """The most actions of a decision (a CHANCE node's cards are not actions)."""
        return int(self.n_actions[self.kind == DECISION].max(initial=1))


@dataclass(frozen=True)
class Sizes:
    """One street's action abstraction: bets and raises in pots, the cap on bets and raises, all-in."""

    bet_sizes: tuple[float, ...]
    raise_sizes: tuple[float, ...]
    max_raises: int
    all_in: bool = True


def street_root(state: HandState, street: int) -> HandState:
    """The state at the start of ``street``'s betting in ``state``'s hand (its history replayed up to it)."""
    root = HandState.start(state.config, state.holes, state.board, state.button)
    for action in state.history:
        if action.street >= street:
            break
        root.apply(action)
    if root.is_over or root.street != street:
        raise ValueError("the hand has no betting on that street (it ended, or an all-in left nobody to act)")
    return root


def river_root(state: HandState) -> HandState:
    """The state at the start of river betting in ``state``'s hand (its history replayed up to the river)."""
    return street_root(state, RIVER)


def abstract_moves(state: HandState, bet_sizes: Sequence[float], raise_sizes: Sequence[float], all_in: bool,
                   may_raise: bool) -> list[Move]:
    """Fold (facing a bet), check/call, and the abstraction's raise sizes, legal in ``state``, deduplicated."""
    legal = state.legal()
    moves: list[Move] = []
    if legal.can_fold:
        moves.append((ActionKind.FOLD, 0))
    moves.append((ActionKind.CHECK_CALL, legal.call_amount))
    if may_raise and legal.can_raise:
        bets = state.street_bets
        current = max(bets)
        base = state.pot + legal.call_amount  # the pot after calling, as holdem.eval.translation measures raises
        sizes = bet_sizes if current == 0 else raise_sizes
        lo, hi = int(legal.min_raise_to), int(legal.max_raise_to)
        amounts = {min(max(current + int(np.floor(f * base + 0.5)), lo), hi) for f in sizes}
        if all_in:
            amounts.add(hi)
        moves += [(ActionKind.RAISE, a) for a in sorted(amounts)]
    return moves


def _same(a: Move, b: Move) -> bool:
    return a[0] == b[0] and (a[0] != ActionKind.RAISE or a[1] == b[1])


class TreeBuilder:
    """Grows a flat subgame in preorder from engine states (shared by the river and turn subgames).

    ``sizes[street]`` is each street's abstraction; ``actual`` the real moves
    of the root's street, inserted along the actual path; ``rivers`` the cards
    a CHANCE node deals when betting reaches the river (or an all-in reaches
    the showdown) from an earlier street.  A river betting subtree below a
    CHANCE node does not depend on the card (chips only), so it is grown once
    and stamped under every card.
    """

    def __init__(self, sizes: dict[int, Sizes], actual: Sequence[Move] = (), rivers: Sequence[int] = ()):
        self.sizes = sizes
        self.actual = list(actual)
        self.rivers = list(rivers)
        self.kind: list[int] = []
        self.actor: list[int] = []
        self.stake: list[float] = []
        self.folder: list[int] = []
        self.deal: list[int] = []
        self.board: list[int] = []
        self.moves: list[tuple[Move, ...]] = []
        self.children: list[list[int]] = []
        self.below: list[bool] = []  # below a CHANCE node
        self.path: list[int] = []

    def _add(self, kind: int, actor: int = -1, stake: float = 0.0, folder: int = -1, moves: tuple = (),
             board: int = 0) -> int:
        i = len(self.kind)
        self.kind.append(kind)
        self.actor.append(actor)
        self.stake.append(stake)
        self.folder.append(folder)
        self.deal.append(-1)
        self.board.append(board)
        self.moves.append(moves)
        self.children.append([])
        self.below.append(False)
        return i

    def _stamp(self, template: "TreeBuilder", card: int, board: int) -> int:
        """Append a copy of ``template`` (grown from node 0) under ``card``; its showdowns use ``board``."""
        offset = len(self.kind)
        for j in range(len(template.kind)):
            self._add(template.kind[j], template.actor[j], template.stake[j], template.folder[j], template.moves[j],
                      board)
            self.children[-1] = [c + offset for c in template.children[j]]
            self.below[-1] = True
        self.deal[offset] = card
        return offset

    def _deal_river(self, s: HandState) -> int:
        i = self._add(CHANCE)
        template = TreeBuilder(self.sizes)
        if s.is_over:  # all-in before the river: the card, then the showdown
            template._add(SHOWDOWN, stake=float(min(s.contrib)))
        else:
            template.visit(s, 0, -1)
        self.children[i] = [self._stamp(template, card, b) for b, card in enumerate(self.rivers)]
        return i

    def visit(self, s: HandState, raises: int, depth_on_path: int, dealt: bool = True) -> int:
        """Grow the subtree of ``s``; ``depth_on_path``: its depth on the actual path (-1 off it);
        ``dealt``: the board of ``s`` is known (else reaching the river deals it)."""
        if not dealt and (s.street == RIVER or s.is_over) and not any(s.folded):
            return self._deal_river(s)
        on_path = depth_on_path >= 0
        if s.is_over:
            folded = [seat for seat in range(2) if s.folded[seat]]
            f = folded[0] if folded else -1
            i = self._add(FOLD if folded else SHOWDOWN, stake=float(s.contrib[f] if folded else min(s.contrib)),
                          folder=f)
            if on_path:
                self.path.append(i)
            return i
        sz = self.sizes[s.street]
        here = abstract_moves(s, sz.bet_sizes, sz.raise_sizes, sz.all_in, raises < sz.max_raises)
        nxt = self.actual[depth_on_path] if on_path and depth_on_path < len(self.actual) else None
        if nxt is not None and not any(_same(nxt, m) for m in here):
            here.append(nxt)  # the opponent's actual size (or a move past the cap), inserted
        i = self._add(DECISION, actor=int(s.actor), moves=tuple(here))
        if on_path:
            self.path.append(i)
        kids = []
        street = s.street
        for m in here:
            child = s.copy()
            apply_move(child, m)
            follows = nxt is not None and _same(nxt, m)
            counted = raises + (m[0] == ActionKind.RAISE) if child.street == street else 0
            kids.append(self.visit(child, counted, depth_on_path + 1 if follows else -1, dealt))
        self.children[i] = kids
        return i

    def tree(self) -> RiverTree:
        n = len(self.kind)
        width = max(1, max(len(c) for c in self.children))
        child_arr = np.full((n, width), -1, dtype=np.int64)
        for i, c in enumerate(self.children):
            child_arr[i, : len(c)] = c
        kinds = np.array(self.kind, dtype=np.int8)
        decision = np.full(n, -1, dtype=np.int64)
        below = np.array(self.below, dtype=np.bool_)
        top = np.flatnonzero((kinds == DECISION) & ~below)
        rest = np.flatnonzero((kinds == DECISION) & below)
        decision[top] = np.arange(top.size)
        decision[rest] = top.size + np.arange(rest.size)
        if len(self.path) != len(self.actual) + 1:
            raise AssertionError("the actual history is not a path of the subgame")
        return RiverTree(kinds, np.array(self.actor, dtype=np.int8), child_arr,
                         np.array([len(c) for c in self.children], dtype=np.int64), decision,
                         np.array(self.stake, dtype=np.float64), np.array(self.folder, dtype=np.int64),
                         np.array(self.deal, dtype=np.int64), np.array(self.board, dtype=np.int64),
                         tuple(self.moves), tuple(self.path), int(top.size))


def build_river_tree(state: HandState, bet_sizes: Sequence[float], raise_sizes: Sequence[float], *,
                     max_raises: int, all_in: bool = True) -> RiverTree:
    """The river subgame of ``state``'s hand (see the module docstring); ``state`` is on the river."""
    root = river_root(state)
    actual = [(a.kind, a.amount) for a in state.history if a.street == RIVER]
    builder = TreeBuilder({RIVER: Sizes(tuple(bet_sizes), tuple(raise_sizes), max_raises, all_in)}, actual)
    builder.visit(root.copy(), 0, 0)
    return builder.tree()
