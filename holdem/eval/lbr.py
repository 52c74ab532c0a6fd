"""Local best response (LBR) against a heads-up Hold'em blueprint.

Lisy & Bowling 2017, "Equilibrium approximation quality of current no-limit
poker bots" (AAAI workshop; arXiv:1612.07547).  LBR is a cheap lower bound on
exploitability: a player that knows the opponent's strategy, keeps the
opponent's range (a distribution over the 1326 holes, updated by Bayes' rule
with the strategy's probability of every observed action), and at each of
its decisions picks the action with the largest expected value under the
assumption that after it both players only check/call to the showdown:

* fold: ``-my_contrib`` (what it has put in is lost);
* check/call: ``(2 wp - 1) M`` with ``wp`` its equity against the range
  (win + tie/2, :func:`holdem.eval.ranges.equity_vs_holes`) and ``M`` the
  matched contribution after the call;
* raise to ``R``: ``fp * opp_contrib + (1 - fp)(2 wp' - 1) M'`` with ``fp``
  the opponent's fold probability (its strategy at the node after the
  raise, weighted by the range), ``wp'`` the equity against the range that
  continues and ``M'`` the matched contribution if called.  (The paper uses
  ``wp`` for both; conditioning on the opponent not folding is the exact
  value of the same check/call assumption.)

Raise sizes: LBR raises only to the blueprint's own abstract sizes at the
node, so the blueprint never has to translate an LBR bet and its strategy,
hence the range update, stays exact (pseudo-harmonic translation is
randomized; an opponent's off-tree bet would otherwise have to be averaged
over the translations).  The blueprint's card-independent off-tree fallback
carries no information, so such actions leave the range unchanged.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from holdem.abstraction.features import HOLE_CARDS, N_HOLES
from holdem.blueprint import OFF_TREE, Blueprint
from holdem.eval.baselines import Move
from holdem.eval.ranges import DEFAULT_RUNOUTS, board_array, equity_vs_holes
from holdem.game.engine import BOARD_CARDS_VISIBLE, ActionKind, HandState
from holdem.game.tree_arrays import ACTION_FOLD, ACTION_RAISE, NODE_DECISION


def known_card_mask(cards) -> np.ndarray:
    """bool[1326]: holes sharing a card with ``cards``."""
    cards = np.asarray(list(cards), dtype=np.int64)
    if cards.size == 0:
        return np.zeros(N_HOLES, dtype=bool)
    return np.isin(HOLE_CARDS[:, 0], cards) | np.isin(HOLE_CARDS[:, 1], cards)


class LocalBestResponse:
    """The LBR player of one heads-up match against ``blueprint`` (which it models as its opponent)."""

    name = "lbr"

    def __init__(self, blueprint: Blueprint, runouts: int = DEFAULT_RUNOUTS, seed: int = 0):
        if blueprint.n_players != 2:
            raise ValueError(f"local best response is heads-up; this blueprint has {blueprint.n_players} seats")
        if runouts < 1:
            raise ValueError(f"runouts must be at least 1, got {runouts}")
        self.blueprint = blueprint
        self.runouts = int(runouts)
        self.seed = int(seed)
        self.decisions = 0
        self.off_tree = 0
        self._buckets = lru_cache(maxsize=64)(self._hole_buckets)
        self._equity = lru_cache(maxsize=64)(self._equity_uncached)

    def _hole_buckets(self, board: tuple[int, ...]) -> np.ndarray:
        return self.blueprint.hole_buckets(board)

    def _equity_uncached(self, hole: tuple[int, int], board: tuple[int, ...]) -> np.ndarray:
        out = np.empty(N_HOLES, np.float64)
        equity_vs_holes(np.asarray(hole, np.int64), board_array(board), len(board), self.runouts, self.seed, out)
        return out

    def opponent_range(self, state: HandState, seat: int, nodes: list[int] | None = None) -> np.ndarray:
        """float64[1326]: unnormalised probability of each opponent hole given what ``seat`` has seen."""
        bp = self.blueprint
        if nodes is None:
            nodes = bp.path(state, seat)
        visible = state.board[: BOARD_CARDS_VISIBLE[state.street]]
        prior = (~known_card_mask((*state.holes[seat], *visible))).astype(np.float64)
        weights = prior.copy()
        for i, action in enumerate(state.history):
            if action.seat == seat or nodes[i] == OFF_TREE or nodes[i + 1] == OFF_TREE:
                continue
            a = bp.action_index(nodes[i], nodes[i + 1])
            board = tuple(state.board[: BOARD_CARDS_VISIBLE[action.street]])
            weights *= bp.rows(nodes[i], self._buckets(board))[:, a]
        if weights.sum() <= 0.0:  # numerically impossible history: fall back to the card-removal prior
            return prior
        return weights

    def action_values(self, state: HandState) -> list[tuple[Move, float]]:
        """Every candidate move of the seat to act with its LBR value (chips, end-of-hand terms)."""
        bp = self.blueprint
        seat = state.actor
        opp = 1 - seat
        legal = state.legal()
        nodes = bp.path(state, seat)
        node = nodes[-1]
        if node == OFF_TREE:  # cannot happen while LBR keeps to the abstract sizes; counted if it does
            self.off_tree += 1
            return [((ActionKind.CHECK_CALL, legal.call_amount), 0.0)]
        weights = self.opponent_range(state, seat, nodes)
        board = tuple(state.board[: BOARD_CARDS_VISIBLE[state.street]])
        equity = np.nan_to_num(self._equity(tuple(state.holes[seat]), board), nan=0.0)
        total = weights.sum()
        wp = float(weights @ equity / total)
        mine, theirs = state.contrib[seat], state.contrib[opp]
        theirs_max = theirs + state.stacks[opp]
        out: list[tuple[Move, float]] = [
            ((ActionKind.CHECK_CALL, legal.call_amount), (2 * wp - 1) * min(mine + legal.call_amount, theirs))
        ]
        if legal.can_fold:
            out.append(((ActionKind.FOLD, 0), -float(mine)))
        if legal.can_raise:
            tree = bp.tree
            buckets = self._buckets(board)
            for a in range(int(tree.n_actions[node])):
                if tree.action_kind[node, a] != ACTION_RAISE:
                    continue
                amount = min(max(int(tree.action_amount[node, a]), legal.min_raise_to), legal.max_raise_to)
                child = int(tree.children[node, a])
                fold = np.zeros(N_HOLES)
                if tree.kind[child] == NODE_DECISION:
                    hits = np.flatnonzero(tree.action_kind[child, : int(tree.n_actions[child])] == ACTION_FOLD)
                    if len(hits):
                        fold = bp.rows(child, buckets)[:, hits[0]]
                fp = float(weights @ fold / total)
                cont = weights * (1.0 - fold)
                wp_called = float(cont @ equity / cont.sum()) if cont.sum() > 0 else wp
                matched = min(mine + amount - state.street_bets[seat], theirs_max)
                out.append(((ActionKind.RAISE, amount), fp * theirs + (1 - fp) * (2 * wp_called - 1) * matched))
        return out

    def act(self, state: HandState, rng: np.random.Generator) -> Move:
        self.decisions += 1
        values = self.action_values(state)
        best_move, best_value = values[0]  # check/call first: it wins ties
        for move, value in values[1:]:
            if value > best_value:
                best_move, best_value = move, value
        return best_move
