"""Local best response against any heads-up agent whose play for every hole can be read: blueprint or search.

Lisy & Bowling 2017, "Equilibrium approximation quality of current no-limit
poker bots" (arXiv:1612.07547), Algorithm 1, with the decision rule of
:mod:`holdem.eval.lbr_kernel` (values in end-of-hand chips, "both players
only check/call after this action"; check/call wins ties) and its action
sets (:mod:`holdem.eval.lbr_actions`: fold/call, plus pot and all-in raises
on the streets whose set is ``fcpa``).

The compiled LBR (:mod:`holdem.eval.lbr`) reads the blueprint's tables
inside numba and cannot ask a Python agent anything, so this one is plain
Python and slow, for what the compiled one cannot play: the search agent.
What it needs of an opponent is :func:`hole_policy`, the agent's
distribution over its moves for every one of the 1,326 holes at once:

* the blueprint (and the search agent on a street it does not search): its
  rows for the bucket of every hole at the node its history maps to;
* the search agent on a street it searches (turn, river): the solved strategy
  of every hole at the current node of its subgame (the solve it plays from, so LBR's model
  of it is exact, and a raise LBR considers is answered by the re-solve the
  agent would make facing it).

Two simplifications against the compiled LBR, the same for every opponent:
the opponent's history is mapped onto the blueprint's tree with the
opponent's own translation draws (the compiled LBR averages over the draws
it cannot know), and preflop equities are Monte Carlo over ``PREFLOP_BOARDS``
boards (the compiled LBR reads a table); flop, turn and river equities are
exact over every runout.  So compare this LBR's figures with each other,
not with ``holdem-eval --lbr``.

**Variance reduction** (:class:`LBRValue`).  A hand's chips swing by whole
stacks on cards LBR cannot see, so besides the chips won, each hand gets an
estimate with the same expectation and far less variance.  It conditions on
LBR's cards, the history and the hand's whole board (dealt at the start;
the agent's translation draws hash it, :mod:`holdem.blueprint`), leaving the
opponent's hole as the one unknown, whose posterior is exactly the range
above: the agent's play depends on its hole only through its rows or its
solve's strategy, since neither the draws nor a solve depend on it.

* At a showdown the chips are replaced by their expectation over the
  opponent's holes under that range, on the whole board (Rao-Blackwell).
* At each of the opponent's moves, ``V(move taken) - sum_m P(m) V(m)`` is
  subtracted (the action term of AIVAT: Burch, Schmid, Moravcik, Morrill &
  Bowling 2018, "AIVAT: A New Variance Reduction Technique for Agent
  Evaluation in Imperfect Information Games", AAAI), where ``P(m)`` is the
  move's probability under the range and ``V`` is LBR's own check/call-down
  valuation of the spot after the move, over the runouts of the visible
  board: any value that does not depend on the opponent's hole leaves the
  term's expectation at zero; a good one cancels the swing of its choice.

Both leave the expectation unchanged; the benchmark reports both figures.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit

from holdem.abstraction.features import HOLE_CARDS, N_HOLES
from holdem.blueprint import OFF_TREE
from holdem.eval.baselines import apply_move, pot_raise_to
from holdem.eval.lbr_actions import SET_FC, SET_TREE, street_sets
from holdem.eval.match import DEAL_STREAM, MatchResult, groups_for
from holdem.evaluator import evaluate_arr
from holdem.game.engine import BOARD_CARDS_VISIBLE, ActionKind, HandState, deal
from holdem.search.holdem_agent import HoldemSearchBot

Move = tuple[ActionKind, int]
PREFLOP_BOARDS = 200
LBR_STREAM = 0x1B5  # LBR's preflop boards, apart from the deal and the players' streams
VALUE_STREAM = 0x1B6  # the variance reduction's preflop boards, apart from what LBR plays with


@njit(cache=True, nogil=True)
def _showdown_mass(weights, mine_a, mine_b, board):
    """(weight of holes ``mine`` beats + half the ties, total weight) over holes compatible with it and ``board``."""
    used = (np.int64(1) << mine_a) | (np.int64(1) << mine_b)
    for i in range(5):
        used |= np.int64(1) << board[i]
    cards = np.empty(7, np.int64)
    for i in range(5):
        cards[2 + i] = board[i]
    cards[0] = mine_a
    cards[1] = mine_b
    mine = evaluate_arr(cards)
    win = 0.0
    total = 0.0
    for h in range(N_HOLES):
        w = weights[h]
        if w <= 0.0:
            continue
        a = HOLE_CARDS[h, 0]
        b = HOLE_CARDS[h, 1]
        if (used >> a) & 1 or (used >> b) & 1:
            continue
        cards[0] = a
        cards[1] = b
        theirs = evaluate_arr(cards)
        total += w
        if mine > theirs:
            win += w
        elif mine == theirs:
            win += 0.5 * w
    return win, total


def equity(weights: np.ndarray, hole: tuple[int, int], board: tuple[int, ...], rng: np.random.Generator) -> float:
    """``hole``'s showdown equity against the range ``weights``: exact over runouts from the flop, Monte Carlo preflop.

    0.5 when no hole of the range is possible (nothing to learn from it).
    """
    known = set(hole) | set(board)
    rest = np.array([c for c in range(52) if c not in known], dtype=np.int64)
    need = 5 - len(board)
    if need == 0:
        runouts = np.zeros((1, 0), dtype=np.int64)
    elif need == 1:
        runouts = rest[:, None]
    elif need == 2:
        i, j = np.triu_indices(rest.size, 1)
        runouts = np.stack([rest[i], rest[j]], axis=1)
    else:
        runouts = np.stack([rng.choice(rest, need, replace=False) for _ in range(PREFLOP_BOARDS)])
    base = np.asarray(board, dtype=np.int64)
    win = total = 0.0
    for r in runouts:
        w, t = _showdown_mass(weights, hole[0], hole[1], np.concatenate([base, r]))
        win += w
        total += t
    return win / total if total > 0 else 0.5


def hole_policy(agent: Any, state: HandState) -> tuple[list[Move], np.ndarray]:
    """The agent's moves at ``state`` and float64[1326, len(moves)]: its probability of each, holding each hole."""
    if isinstance(agent, HoldemSearchBot) and state.street in agent.searched_streets:
        result = agent.search(state)
        if result is not None:
            node = result.tree.path[-1]
            probs = result.node_strategy(node)
            total = probs.sum(axis=1, keepdims=True)
            return list(result.tree.moves[node]), np.divide(probs, total, out=np.zeros_like(probs), where=total > 0)
        agent = agent.fallback
    bp = agent.blueprint
    decision = bp.action_probabilities(state)
    moves = [(c.kind, c.amount) for c in decision.choices]
    if decision.node == OFF_TREE:
        return moves, np.ones((N_HOLES, 1))
    rows = bp.rows(decision.node, bp.hole_buckets(state.board[: BOARD_CARDS_VISIBLE[state.street]]))
    return moves, rows


def move_probability(moves: list[Move], probs: np.ndarray, move: Move) -> np.ndarray:
    """float64[1326]: the probability of ``move`` for every hole (abstract actions played alike summed)."""
    played = _played_as(move)
    hits = [i for i, m in enumerate(moves) if _played_as(m) == played]
    return probs[:, hits].sum(axis=1) if hits else np.zeros(N_HOLES)


def _played_as(move: Move) -> Move:
    """A move as it plays: a raise by its amount, a fold or a check/call by its kind alone."""
    kind = ActionKind(move[0])
    return kind, int(move[1]) if kind == ActionKind.RAISE else 0


def possible_holes(hole: tuple[int, int], board: tuple[int, ...]) -> np.ndarray:
    """bool[1326]: the opponent's holes that share no card with ``hole`` and ``board``."""
    dead = np.zeros(52, dtype=np.bool_)
    dead[list(hole) + list(board)] = True
    return ~dead[HOLE_CARDS].any(axis=1)


def check_down_value(state: HandState, seat: int, weights: np.ndarray, hole: tuple[int, int],
                     board: tuple[int, ...], rng: np.random.Generator) -> float:
    """``seat``'s chips at the end of the hand if from ``state`` on it folds or calls a bet it faces
    (whichever is worth more) and both then only check or call, against the range ``weights``,
    with the runouts of ``board``."""
    other = 1 - seat
    contrib = state.contrib
    called = min(contrib[other], contrib[seat] + state.stacks[seat])
    value = (2.0 * equity(weights, hole, board, rng) - 1.0) * called
    return max(value, -float(contrib[seat])) if contrib[other] > contrib[seat] else value


class LBRValue:
    """One hand's variance-reduced estimate of LBR's chips (the module docstring): the showdown's
    expectation under the opponent's range, less the action terms of the opponent's moves."""

    def __init__(self, seat: int, hole: tuple[int, int], rng: np.random.Generator):
        self.seat, self.hole, self.rng = seat, hole, rng
        self.correction = 0.0

    def observe(self, state: HandState, weights: np.ndarray, moves: list[Move], probs: np.ndarray,
                taken: Move) -> None:
        """Add the action term of the opponent's ``taken`` move at ``state`` (before it is applied);
        ``weights`` is its range before the move, ``moves``/``probs`` its play (:func:`hole_policy`)."""
        distinct = list(dict.fromkeys(_played_as(m) for m in moves))
        if len(distinct) < 2:
            return
        board = state.board[: BOARD_CARDS_VISIBLE[state.street]]
        mass = weights * possible_holes(self.hole, state.board)
        given = [move_probability(moves, probs, m) for m in distinct]
        p = np.array([float(mass @ g) for g in given])
        if not p.sum() > 0.0:
            return
        p /= p.sum()
        values = np.array([self._after(state, m, mass * g, board) for m, g in zip(distinct, given)])
        self.correction += float(values[distinct.index(_played_as(taken))] - p @ values)

    def _after(self, state: HandState, move: Move, weights: np.ndarray, board: tuple[int, ...]) -> float:
        other = 1 - self.seat
        if move[0] == ActionKind.FOLD:
            return float(state.contrib[other])
        after = state.copy()
        apply_move(after, move)
        return check_down_value(after, self.seat, weights, self.hole, board, self.rng)

    def estimate(self, state: HandState, weights: np.ndarray) -> float:
        """The hand's estimate once ``state`` is over; ``weights``: the opponent's final range."""
        chips = float(state.payoffs()[self.seat])
        if any(state.folded) or not float(weights @ possible_holes(self.hole, state.board)) > 0.0:
            return chips - self.correction
        return check_down_value(state, self.seat, weights, self.hole, state.board, self.rng) - self.correction


class LBRPlayer:
    """One LBR seat of one hand: keeps the opponent's range and picks the best move under check/call-down."""

    def __init__(self, agent: Any, seat: int, sets: np.ndarray, rng: np.random.Generator,
                 value: LBRValue | None = None):
        self.agent, self.seat, self.sets, self.rng, self.value = agent, seat, sets, rng, value
        self.range = np.ones(N_HOLES)

    def observe(self, state: HandState, move: Move) -> None:
        """Bayes' rule on the opponent's ``move`` at ``state`` (before it is applied)."""
        moves, probs = hole_policy(self.agent, state)
        if self.value is not None:
            self.value.observe(state, self.range, moves, probs, move)
        self.range = self.range * move_probability(moves, probs, move)

    def _candidates(self, state: HandState) -> list[Move]:
        legal = state.legal()
        out: list[Move] = [(ActionKind.CHECK_CALL, legal.call_amount)]
        if legal.can_fold:
            out.append((ActionKind.FOLD, 0))
        if self.sets[state.street] != SET_FC and legal.can_raise:
            lo, hi = int(legal.min_raise_to), int(legal.max_raise_to)
            for amount in sorted({min(max(pot_raise_to(state), lo), hi), hi}):
                out.append((ActionKind.RAISE, amount))
        return out

    def act(self, state: HandState) -> Move:
        me, other = self.seat, 1 - self.seat
        hole = (int(state.holes[me][0]), int(state.holes[me][1]))
        board = state.board[: BOARD_CARDS_VISIBLE[state.street]]
        candidates = self._candidates(state)
        if len(candidates) == 1:
            return candidates[0]
        legal = state.legal()
        contrib = state.contrib
        wp = equity(self.range, hole, board, self.rng)
        matched = contrib[me] + legal.call_amount
        best, best_value = candidates[0], (2 * wp - 1) * matched
        for move in candidates[1:]:
            if move[0] == ActionKind.FOLD:
                value = -float(contrib[me])
            else:
                after = state.copy()
                after.raise_to(move[1])
                if after.is_over or after.actor != other:
                    continue
                moves, probs = hole_policy(self.agent, after)
                fold = move_probability(moves, probs, (ActionKind.FOLD, 0))
                mass = self.range.sum()
                fp = float(self.range @ fold / mass) if mass > 0 else 0.0
                called = min(after.contrib[me], after.contrib[other] + after.stacks[other])
                wp_called = equity(self.range * (1.0 - fold), hole, board, self.rng)
                value = fp * contrib[other] + (1.0 - fp) * (2 * wp_called - 1) * called
            if value > best_value:
                best, best_value = move, value
        return best


@dataclass(frozen=True)
class LBRResult:
    """LBR's chips won (``match``) and its variance-reduced estimate (``reduced``: chips per hand, one
    entry per duplicate group, the same expectation; :class:`LBRValue`)."""

    match: MatchResult
    reduced: np.ndarray


def run_lbr(blueprint: Any, agent: Any, hands: int, *, seed: int = 0, actions: str = "fc-fcpa",
            first_group: int = 0, progress: Callable[[int, np.ndarray], None] | None = None) -> LBRResult:
    """LBR against ``agent`` in duplicate groups dealt as :func:`holdem.eval.match.run_match` deals them,
    groups ``first_group`` on (so a long run may be played, and stopped, in blocks); ``progress(i, chips)``
    after each group, as a match's ``on_group``.  ``actions``: fc-fcpa, fcpa or fc (``tree`` raises to the
    blueprint's own sizes, which the compiled LBR alone knows how to find).

    The agent's draws in rotation r of group g come from ``default_rng([seed, g, r])``, as in a match, so
    two agents that play alike until a street one of them searches see the same hands until then.
    """
    config = blueprint.game_config
    sets = street_sets(actions)
    if (sets == SET_TREE).any():
        raise ValueError(f"LBR action set {actions!r}: this LBR plays fc-fcpa, fcpa or fc")
    groups = groups_for(hands, 2)
    out = np.zeros(groups)
    reduced = np.zeros(groups)
    began = time.perf_counter()
    for i in range(groups):
        g = first_group + i
        holes, board = deal(config, np.random.default_rng([seed, g, DEAL_STREAM]))
        total = estimate = 0.0
        for r in range(2):
            state = HandState.start(config, holes, board, g % 2)
            hole = (int(state.holes[r][0]), int(state.holes[r][1]))
            value = LBRValue(r, hole, np.random.default_rng([seed, g, r, VALUE_STREAM]))
            lbr = LBRPlayer(agent, r, sets, np.random.default_rng([seed, g, r, LBR_STREAM]), value)
            rng = np.random.default_rng([seed, g, r])
            while not state.is_over:
                if state.actor == r:
                    apply_move(state, lbr.act(state))
                else:
                    move = agent.act(state, rng)
                    lbr.observe(state, move)
                    apply_move(state, move)
            total += state.payoffs()[r]
            estimate += value.estimate(state, lbr.range)
        out[i] = total / 2
        reduced[i] = estimate / 2
        if progress is not None:
            progress(i, out[: i + 1])
    match = MatchResult("lbr", getattr(agent, "name", "agent"), 2, config.big_blind, out, time.perf_counter() - began)
    return LBRResult(match, reduced)


__all__ = ["LBRPlayer", "LBRResult", "LBRValue", "check_down_value", "equity", "hole_policy", "move_probability",
           "possible_holes", "run_lbr"]
