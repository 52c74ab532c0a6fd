"""Vectorised Discounted CFR on a Hold'em river or turn subgame, compiled over 1,326-hand vectors.

Brown & Sandholm 2019, "Solving Imperfect-Information Games via Discounted
Regret Minimization" (AAAI): the same DCFR as :mod:`holdem.search.cfr`
(alternating updates, positive regrets times t^α/(t^α+1), negative times
t^β/(t^β+1), strategy sums times (t/(t+1))^γ), here as one numba kernel over
a flat tree (:mod:`holdem.search.river_tree`) so an iteration costs
milliseconds rather than the Python walk's tens: node ids are in preorder,
so reaches flow down in one forward loop and values come back up in one
backward loop, with no recursion.  Terminals use the O(H) sweeps of
:mod:`holdem.search.showdown`.

A turn subgame (:mod:`holdem.search.turn_tree`) adds CHANCE nodes that deal
the river card: the card's subtree starts with the reaches of the holes that
hold it zeroed (card removal, exact), showdowns below it rank hands on that
card's board (a row of the strength table), and the CHANCE node's value is
the mean over the cards a hand does not hold.  Its 48 river subtrees make an
iteration about 40 times a river's, so an iteration may deal only a sample
of the cards, the same for every CHANCE node, weighting each by 48 / sample
(public chance sampling: Johanson, Bard, Lanctot, Gibson & Bowling 2012,
"Efficient Nash Equilibrium Approximation through Monte Carlo Counterfactual
Regret Minimization", AAMAS; the sampled counterfactual values are
unbiased); DCFR's discount then applies to the decisions an iteration
updated.  The best response and on-policy values deal every card, exactly.

Frozen decisions (Brown & Sandholm 2019, Pluribus, supplementary: when it
re-solves after an opponent's action it keeps "the strategy for the actions
it already took" fixed, so the re-solve is consistent with how it reached
the current node) play a given strategy and learn nothing.

Hands with zero reach still get regrets (a counterfactual value does not
depend on the hand's own reach), so every hand has a strategy; the average
weights by own reach, and falls back to the last current strategy for a
hand that never reaches a node.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numba import njit

from holdem.abstraction.features import HOLE_CARDS, N_HOLES
from holdem.cards import N_CARDS
from holdem.mccfr.strategy import match_rows
from holdem.search.cfr import DCFR, DCFRParams
from holdem.search.river_tree import CHANCE, DECISION, FOLD, RiverTree
from holdem.search.showdown import fold_values, showdown_values, strength_order

CHUNK = 8  # iterations per kernel call between clock checks


@njit(cache=True, nogil=True)
def _terminal(node, kind, stake, folder, board, opp, seat, order, n_live, strength, out):
    if kind[node] == FOLD:
        sign = 1.0 if folder[node] != seat else -1.0
        fold_values(opp, out, sign * stake[node])
    else:
        b = board[node]
        showdown_values(opp, order[b, : n_live[b]], strength[b], out, stake[node])


@njit(cache=True, nogil=True)
def _chance(node, children, n_actions, deal, values, live_card, weight):
    """The mean over the cards a hand does not hold: of m cards dealt, a pair of heads-up holes holds 4,
    and each of the other m - 4 is equally likely (the subtree of a card already excludes the opponent
    holes that hold it).  Only the sampled cards (``live_card``) count, times ``weight`` = m / sampled,
    which keeps the value unbiased."""
    na = n_actions[node]
    scale = weight / (na - 4)
    v = values[node]
    for h in range(N_HOLES):
        v[h] = 0.0
    for a in range(na):
        c = children[node, a]
        card = deal[c]
        if not live_card[card]:
            continue
        for h in range(N_HOLES):
            if HOLE_CARDS[h, 0] != card and HOLE_CARDS[h, 1] != card:
                v[h] += scale * values[c, h]


@njit(cache=True, nogil=True)
def _pass(kind, actor, children, n_actions, decision, stake, folder, deal, board, order, n_live, strength, root_reach,
          frozen, fixed, card_of, live_card, weight, strategy, seat, reach, values, mode, regret, sums, sigma_buf):
    """One walk for ``seat``: mode 0 CFR update (strategy from ``regret``), mode 1 best response to ``strategy``.

    Decisions with ``frozen[d]`` play ``fixed[d]`` in mode 0 and are not updated.  Nodes below a river
    card that ``live_card`` leaves out (``card_of[n]``, -1 above every CHANCE node) are skipped.

    Fills ``values[n]`` with ``seat``'s counterfactual values at every node
    and returns nothing; ``reach[n, p]`` is seat p's own reach.
    """
    n_nodes = kind.shape[0]
    other = 1 - seat
    for p in range(2):
        for h in range(N_HOLES):
            reach[0, p, h] = root_reach[p, h]
    for n in range(n_nodes):
        if card_of[n] >= 0 and not live_card[card_of[n]]:
            continue
        if kind[n] == CHANCE:  # a dealt card removes the holes that hold it, for both seats
            for a in range(n_actions[n]):
                c = children[n, a]
                card = deal[c]
                if not live_card[card]:
                    continue
                for q in range(2):
                    for h in range(N_HOLES):
                        held = HOLE_CARDS[h, 0] == card or HOLE_CARDS[h, 1] == card
                        reach[c, q, h] = 0.0 if held else reach[n, q, h]
            continue
        if kind[n] != DECISION:
            continue
        d = decision[n]
        na = n_actions[n]
        sig = sigma_buf[d, :, :na]
        if mode == 0 and frozen[d]:
            sig[:, :] = fixed[d, :, :na]
        elif mode == 0:
            match_rows(regret[d, :, :na], sig)
        else:
            sig[:, :] = strategy[d, :, :na]
        p = actor[n]
        for a in range(na):
            c = children[n, a]
            for q in range(2):
                for h in range(N_HOLES):
                    reach[c, q, h] = reach[n, q, h]
            for h in range(N_HOLES):
                reach[c, p, h] *= sig[h, a]
    for n in range(n_nodes - 1, -1, -1):
        if card_of[n] >= 0 and not live_card[card_of[n]]:
            continue
        if kind[n] == CHANCE:
            _chance(n, children, n_actions, deal, values, live_card, weight)
            continue
        if kind[n] != DECISION:
            _terminal(n, kind, stake, folder, board, reach[n, other], seat, order, n_live, strength, values[n])
            continue
        d = decision[n]
        na = n_actions[n]
        sig = sigma_buf[d, :, :na]
        v = values[n]
        if actor[n] != seat or (mode == 0 and frozen[d]):
            for h in range(N_HOLES):
                if actor[n] == seat:  # frozen: the value of the fixed strategy
                    total = 0.0
                    for a in range(na):
                        total += sig[h, a] * values[children[n, a], h]
                    v[h] = total
                    continue
                total = 0.0
                for a in range(na):
                    total += values[children[n, a], h]
                v[h] = total
            continue
        for h in range(N_HOLES):
            if mode == 1:
                best = values[children[n, 0], h]
                for a in range(1, na):
                    x = values[children[n, a], h]
                    if x > best:
                        best = x
                v[h] = best
                continue
            total = 0.0
            for a in range(na):
                total += sig[h, a] * values[children[n, a], h]
            v[h] = total
            r = reach[n, seat, h]
            for a in range(na):
                regret[d, h, a] += values[children[n, a], h] - total
                sums[d, h, a] += r * sig[h, a]


@njit(cache=True, nogil=True)
def _discount(regret, sums, t, alpha, beta, gamma, decision_card, live_card):
    """DCFR's discount, on the decisions this iteration updated."""
    pos = t**alpha / (t**alpha + 1.0)
    neg = t**beta / (t**beta + 1.0)
    avg = (t / (t + 1.0)) ** gamma
    for d in range(regret.shape[0]):
        if decision_card[d] >= 0 and not live_card[decision_card[d]]:
            continue
        flat_r = regret[d].reshape(-1)
        flat_s = sums[d].reshape(-1)
        for i in range(flat_r.shape[0]):
            flat_r[i] *= pos if flat_r[i] > 0.0 else neg
            flat_s[i] *= avg


@njit(cache=True, nogil=True)
def _iterate(kind, actor, children, n_actions, decision, stake, folder, deal, board, order, n_live, strength,
             root_reach, frozen, fixed, card_of, decision_card, live_cards, weight, regret, sums, sigma_buf, reach,
             values, first, count, alpha, beta, gamma):
    """``count`` iterations from ``first``; iteration ``first + i`` deals only the river cards ``live_cards[i]``."""
    for i in range(count):
        t = first + i
        live = live_cards[i]
        for seat in range(2):
            _pass(kind, actor, children, n_actions, decision, stake, folder, deal, board, order, n_live, strength,
                  root_reach, frozen, fixed, card_of, live, weight, sums, seat, reach, values, 0, regret, sums,
                  sigma_buf)
        _discount(regret, sums, float(t), alpha, beta, gamma, decision_card, live)


@njit(cache=True, nogil=True)
def _average(sums, regret, n_actions, out):
    """out[d] = sums[d] normalised per hand; the current (regret-matched) strategy where a hand has none."""
    for d in range(out.shape[0]):
        na = n_actions[d]
        for h in range(N_HOLES):
            total = 0.0
            for a in range(na):
                total += sums[d, h, a]
            if total > 0.0:
                for a in range(na):
                    out[d, h, a] = sums[d, h, a] / total
                continue
            pos = 0.0
            for a in range(na):
                pos += max(regret[d, h, a], 0.0)
            for a in range(na):
                out[d, h, a] = max(regret[d, h, a], 0.0) / pos if pos > 0.0 else 1.0 / na


@dataclass(frozen=True)
class RiverSolution:
    """strategy float64[D, H, A] (average, rows of a decision's live actions sum to 1); iterations run."""

    strategy: np.ndarray
    iterations: int
    seconds: float


class RiverSolver:
    """Scratch and tables of one river subgame; :meth:`solve` runs DCFR on it."""

    def __init__(self, tree: RiverTree, strength: np.ndarray, root_reach: np.ndarray,
                 frozen: dict[int, np.ndarray] | None = None, river_samples: int | None = None, seed: int = 0):
        """``frozen``: ``{node: float64[H, A]}``, decisions that play a fixed strategy (see the module docstring).

        ``strength``: int64[1326] on a river subgame, int64[B, 1326] (row ``tree.board[n]``) below CHANCE
        nodes.  ``river_samples``: river cards each iteration deals (public chance sampling, drawn with
        ``seed``); None deals every card.
        """
        reach = np.asarray(root_reach, dtype=np.float64)
        if reach.shape != (2, N_HOLES):
            raise ValueError(f"root reach must be (2, {N_HOLES}), got {reach.shape}")
        self.tree = tree
        self.strength = np.atleast_2d(np.asarray(strength, dtype=np.int64))
        if self.strength.shape[1] != N_HOLES or self.strength.shape[0] <= int(tree.board.max(initial=0)):
            raise ValueError(f"strength must be ({N_HOLES},) or a row per board of the tree, got {self.strength.shape}")
        self.order = np.zeros(self.strength.shape, dtype=np.int64)
        self.n_live = np.zeros(self.strength.shape[0], dtype=np.int64)
        for b, row in enumerate(self.strength):
            live = strength_order(row)
            self.order[b, : live.size] = live
            self.n_live[b] = live.size
        self.root_reach = reach
        d, a = max(1, tree.n_decisions), tree.max_actions
        self.regret = np.zeros((d, N_HOLES, a))
        self.sums = np.zeros((d, N_HOLES, a))
        self.sigma = np.zeros((d, N_HOLES, a))
        self.reach = np.zeros((tree.n_nodes, 2, N_HOLES))
        self.values = np.zeros((tree.n_nodes, N_HOLES))
        self.frozen = np.zeros(d, dtype=np.bool_)
        self.fixed = np.zeros((d, N_HOLES, a))
        for node, strategy in (frozen or {}).items():
            dd, na = int(tree.decision[node]), int(tree.n_actions[node])
            if dd < 0 or strategy.shape != (N_HOLES, na):
                raise ValueError(f"frozen node {node} is not a decision of {na} actions over {N_HOLES} hands")
            self.frozen[dd] = True
            self.fixed[dd, :, :na] = strategy
        self.card_of = np.full(tree.n_nodes, -1, dtype=np.int64)
        for n in range(tree.n_nodes):  # preorder: a parent's card is known before its children's
            for c in tree.children[n, : tree.n_actions[n]]:
                self.card_of[c] = tree.deal[c] if tree.deal[c] >= 0 else self.card_of[n]
        self.decision_card = np.full(d, -1, dtype=np.int64)
        is_decision = tree.kind == DECISION
        self.decision_card[tree.decision[is_decision]] = self.card_of[is_decision]
        self.cards = np.unique(tree.deal[tree.deal >= 0])
        if river_samples is not None and not 1 <= river_samples:
            raise ValueError(f"river_samples must be >= 1, got {river_samples}")
        self.river_samples = None if river_samples is None or river_samples >= self.cards.size else river_samples
        self.rng = np.random.default_rng(seed)

    def _live_cards(self, count: int) -> tuple[np.ndarray, float]:
        """bool[count, 52]: the river cards each of ``count`` iterations deals, and the chance weight m / k."""
        live = np.zeros((count, N_CARDS), dtype=np.bool_)
        if self.river_samples is None:
            live[:] = True
            return live, 1.0
        for i in range(count):
            live[i, self.rng.choice(self.cards, self.river_samples, replace=False)] = True
        return live, self.cards.size / self.river_samples

    def _args(self):
        t = self.tree
        return (t.kind, t.actor, t.children, t.n_actions, t.decision, t.stake, t.folder, t.deal, t.board, self.order,
                self.n_live, self.strength, self.root_reach, self.frozen, self.fixed)

    def solve(self, iterations: int, *, params: DCFRParams = DCFR, time_budget: float | None = None,
              clock: Callable[[], float] = time.monotonic, rows: int | None = None) -> RiverSolution:
        """Run up to ``iterations`` DCFR iterations, stopping early once ``time_budget`` seconds have passed;
        the solution holds the first ``rows`` decisions' strategies (default all)."""
        if iterations < 1:
            raise ValueError(f"iterations must be at least 1, got {iterations}")
        started = clock()
        done = 0
        while done < iterations:
            count = min(CHUNK, iterations - done)
            live, weight = self._live_cards(count)
            _iterate(*self._args(), self.card_of, self.decision_card, live, weight, self.regret, self.sums,
                     self.sigma, self.reach, self.values, done + 1, count, params.alpha, params.beta, params.gamma)
            done += count
            if time_budget is not None and clock() - started >= time_budget:
                break
        return RiverSolution(self.average(rows), done, clock() - started)

    def average(self, rows: int | None = None) -> np.ndarray:
        """float64[D, H, A]: normalised strategy sums; the current strategy where a hand accumulated none.

        ``rows``: only the first ``rows`` decisions (a turn subgame's ``tree.top``, its turn decisions).
        """
        rows = self.sums.shape[0] if rows is None else rows
        n_actions = np.zeros(self.sums.shape[0], dtype=np.int64)
        n_actions[self.tree.decision[self.tree.kind == DECISION]] = self.tree.n_actions[self.tree.kind == DECISION]
        out = np.zeros((rows, *self.sums.shape[1:]))
        _average(self.sums, self.regret, n_actions[:rows], out)
        frozen = np.flatnonzero(self.frozen[:rows])
        out[frozen] = self.fixed[frozen]
        return out

    def root_values(self, strategy: np.ndarray, seat: int, best_response: bool) -> np.ndarray:
        """float64[H]: ``seat``'s counterfactual values at the root: playing ``strategy``, or best-responding to it."""
        regret = np.zeros_like(self.regret)
        sums = np.zeros_like(self.sums)
        sigma = np.zeros_like(self.sigma)
        if not best_response:  # both play ``strategy``: regret matching on regrets equal to it reproduces it
            regret[:] = strategy
        free = np.zeros_like(self.frozen)  # ``strategy`` already holds the frozen rows
        args = self._args()
        _pass(*args[:13], free, self.fixed, self.card_of, np.ones(N_CARDS, dtype=np.bool_), 1.0, strategy, seat,
              self.reach, self.values, 1 if best_response else 0, regret, sums, sigma)
        return self.values[0].copy()

    def normaliser(self) -> float:
        """Total weight of compatible (hand, hand) pairs at the root: game values are per this mass."""
        out = np.empty(N_HOLES)
        fold_values(self.root_reach[1], out, 1.0)
        return float(self.root_reach[0] @ out)

    def exploitability(self, strategy: np.ndarray) -> float:
        """Chips per deal reaching the root: (seat 0's best response + seat 1's) against ``strategy``, halved.

        Zero at an equilibrium of the subgame; a best response over every
        1,326-hand vector, exact within the subgame's action abstraction.
        """
        total = sum(float(self.root_reach[s] @ self.root_values(strategy, s, True)) for s in (0, 1))
        return 0.5 * total / self.normaliser()
