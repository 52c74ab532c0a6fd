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
returned).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from holdem.eval.baselines import apply_move
from holdem.game.engine import RIVER, ActionKind, HandState

DECISION, FOLD, SHOWDOWN = 0, 1, 2
Move = tuple[ActionKind, int]


@dataclass(frozen=True)
class RiverTree:
    """A river subgame, nodes in preorder (a parent before its children); node 0 is the root.

    kind      int8[N]   DECISION, FOLD or SHOWDOWN
    actor     int8[N]   real seat to act (decisions), -1 elsewhere
    children  int64[N, A]  child ids, -1 past ``n_actions``
    n_actions int64[N]
    decision  int64[N]  index of a decision among decisions (rows of the solver's tables), -1 elsewhere
    stake     float64[N]  chips that change hands at a terminal: the folder's contribution, or at a showdown
                        each seat's (equal once uncalled chips are back)
    folder    int64[N]  seat that folded, -1 elsewhere
    moves     per node, the engine moves of its actions (empty at terminals)
    path      node ids along the actual river history; ``path[-1]`` is the current state
    """

    kind: np.ndarray
    actor: np.ndarray
    children: np.ndarray
    n_actions: np.ndarray
    decision: np.ndarray
    stake: np.ndarray
    folder: np.ndarray
    moves: tuple[tuple[Move, ...], ...]
    path: tuple[int, ...]

    @property
    def n_nodes(self) -> int:
        return int(self.kind.shape[0])

    @property
    def n_decisions(self) -> int:
        return int((self.kind == DECISION).sum())

    @property
    def max_actions(self) -> int:
        return int(self.children.shape[1])


def river_root(state: HandState) -> HandState:
    """The state at the start of river betting in ``state``'s hand (its history replayed up to the river)."""
    root = HandState.start(state.config, state.holes, state.board, state.button)
    for action in state.history:
        if action.street >= RIVER:
            break
        root.apply(action)
    if root.is_over or root.street != RIVER:
        raise ValueError("the hand has no river betting (it ended, or an all-in left nobody to act)")
    return root


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


def build_river_tree(state: HandState, bet_sizes: Sequence[float], raise_sizes: Sequence[float], *,
                     max_raises: int, all_in: bool = True) -> RiverTree:
    """The river subgame of ``state``'s hand (see the module docstring); ``state`` is on the river."""
    root = river_root(state)
    actual: list[Move] = [(a.kind, a.amount) for a in state.history if a.street == RIVER]
    kind: list[int] = []
    actor: list[int] = []
    stake: list[float] = []
    folder: list[int] = []
    moves: list[tuple[Move, ...]] = []
    children: list[list[int]] = []
    path: list[int] = []

    def visit(s: HandState, raises: int, depth_on_path: int) -> int:
        i = len(kind)
        on_path = depth_on_path >= 0
        if on_path:
            path.append(i)
        children.append([])
        if s.is_over:
            folded = [seat for seat in range(2) if s.folded[seat]]
            kind.append(FOLD if folded else SHOWDOWN)
            actor.append(-1)
            f = folded[0] if folded else -1
            folder.append(f)
            stake.append(float(s.contrib[f] if folded else min(s.contrib)))
            moves.append(())
            return i
        if s.street != RIVER:
            raise AssertionError("river betting cannot reach another street")
        here = abstract_moves(s, bet_sizes, raise_sizes, all_in, raises < max_raises)
        nxt = actual[depth_on_path] if on_path and depth_on_path < len(actual) else None
        if nxt is not None and not any(_same(nxt, m) for m in here):
            here.append(nxt)  # the opponent's actual size (or a move past the cap), inserted
        kind.append(DECISION)
        actor.append(int(s.actor))
        folder.append(-1)
        stake.append(0.0)
        moves.append(tuple(here))
        kids = []
        for m in here:
            child = s.copy()
            apply_move(child, m)
            follows = nxt is not None and _same(nxt, m)
            kids.append(visit(child, raises + (m[0] == ActionKind.RAISE), depth_on_path + 1 if follows else -1))
        children[i] = kids
        return i

    visit(root.copy(), 0, 0)
    n = len(kind)
    width = max(1, max(len(c) for c in children))
    child_arr = np.full((n, width), -1, dtype=np.int64)
    for i, c in enumerate(children):
        child_arr[i, : len(c)] = c
    kinds = np.array(kind, dtype=np.int8)
    decision = np.full(n, -1, dtype=np.int64)
    decision[kinds == DECISION] = np.arange(int((kinds == DECISION).sum()))
    if len(path) != len(actual) + 1:
        raise AssertionError("the actual river history is not a path of the subgame")
    return RiverTree(kinds, np.array(actor, dtype=np.int8), child_arr,
                     np.array([len(c) for c in children], dtype=np.int64), decision,
                     np.array(stake, dtype=np.float64), np.array(folder, dtype=np.int64), tuple(moves), tuple(path))
