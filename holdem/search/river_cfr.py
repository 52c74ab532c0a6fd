"""Vectorised Discounted CFR on a Hold'em river subgame, compiled over 1,326-hand vectors.

Brown & Sandholm 2019, "Solving Imperfect-Information Games via Discounted
Regret Minimization" (AAAI): the same DCFR as :mod:`holdem.search.cfr`
(alternating updates, positive regrets times t^α/(t^α+1), negative times
t^β/(t^β+1), strategy sums times (t/(t+1))^γ), here as one numba kernel over
a flat tree (:mod:`holdem.search.river_tree`) so an iteration costs
milliseconds rather than the Python walk's tens: node ids are in preorder,
so reaches flow down in one forward loop and values come back up in one
backward loop, with no recursion.  Terminals use the O(H) sweeps of
:mod:`holdem.search.showdown`.

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

from holdem.abstraction.features import N_HOLES
from holdem.mccfr.strategy import match_rows
from holdem.search.cfr import DCFR, DCFRParams
from holdem.search.river_tree import DECISION, FOLD, RiverTree
from holdem.search.showdown import fold_values, showdown_values, strength_order

CHUNK = 8  # iterations per kernel call between clock checks


@njit(cache=True, nogil=True)
def _terminal(node, kind, stake, folder, opp, seat, order, strength, out):
    if kind[node] == FOLD:
        sign = 1.0 if folder[node] != seat else -1.0
        fold_values(opp, out, sign * stake[node])
    else:
        showdown_values(opp, order, strength, out, stake[node])


@njit(cache=True, nogil=True)
def _pass(kind, actor, children, n_actions, decision, stake, folder, order, strength, root_reach, frozen, fixed,
          strategy, seat, reach, values, mode, regret, sums, sigma_buf):
    """One walk for ``seat``: mode 0 CFR update (strategy from ``regret``), mode 1 best response to ``strategy``.

    Decisions with ``frozen[d]`` play ``fixed[d]`` in mode 0 and are not updated.

    Fills ``values[n]`` with ``seat``'s counterfactual values at every node
    and returns nothing; ``reach[n, p]`` is seat p's own reach.
    """
    n_nodes = kind.shape[0]
    other = 1 - seat
    for p in range(2):
        for h in range(N_HOLES):
            reach[0, p, h] = root_reach[p, h]
    for n in range(n_nodes):
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
        if kind[n] != DECISION:
            _terminal(n, kind, stake, folder, reach[n, other], seat, order, strength, values[n])
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
def _discount(regret, sums, t, alpha, beta, gamma):
    pos = t**alpha / (t**alpha + 1.0)
    neg = t**beta / (t**beta + 1.0)
    avg = (t / (t + 1.0)) ** gamma
    flat_r = regret.reshape(-1)
    flat_s = sums.reshape(-1)
    for i in range(flat_r.shape[0]):
        flat_r[i] *= pos if flat_r[i] > 0.0 else neg
        flat_s[i] *= avg


@njit(cache=True, nogil=True)
def _iterate(kind, actor, children, n_actions, decision, stake, folder, order, strength, root_reach, frozen, fixed,
             regret, sums, sigma_buf, reach, values, first, count, alpha, beta, gamma):
    for t in range(first, first + count):
        for seat in range(2):
            _pass(kind, actor, children, n_actions, decision, stake, folder, order, strength, root_reach, frozen, fixed,
                  sums, seat, reach, values, 0, regret, sums, sigma_buf)
        _discount(regret, sums, float(t), alpha, beta, gamma)


@dataclass(frozen=True)
class RiverSolution:
    """strategy float64[D, H, A] (average, rows of a decision's live actions sum to 1); iterations run."""

    strategy: np.ndarray
    iterations: int
    seconds: float


class RiverSolver:
    """Scratch and tables of one river subgame; :meth:`solve` runs DCFR on it."""

    def __init__(self, tree: RiverTree, strength: np.ndarray, root_reach: np.ndarray,
                 frozen: dict[int, np.ndarray] | None = None):
        """``frozen``: ``{node: float64[H, A]}``, decisions that play a fixed strategy (see the module docstring)."""
        reach = np.asarray(root_reach, dtype=np.float64)
        if reach.shape != (2, N_HOLES):
            raise ValueError(f"root reach must be (2, {N_HOLES}), got {reach.shape}")
        self.tree = tree
        self.strength = np.asarray(strength, dtype=np.int64)
        self.order = strength_order(self.strength)
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

    def _args(self):
        t = self.tree
        return (t.kind, t.actor, t.children, t.n_actions, t.decision, t.stake, t.folder, self.order, self.strength,
                self.root_reach, self.frozen, self.fixed)

    def solve(self, iterations: int, *, params: DCFRParams = DCFR, time_budget: float | None = None,
              clock: Callable[[], float] = time.monotonic) -> RiverSolution:
        """Run up to ``iterations`` DCFR iterations, stopping early once ``time_budget`` seconds have passed."""
        if iterations < 1:
            raise ValueError(f"iterations must be at least 1, got {iterations}")
        started = clock()
        done = 0
        while done < iterations:
            count = min(CHUNK, iterations - done)
            _iterate(*self._args(), self.regret, self.sums, self.sigma, self.reach, self.values, done + 1, count,
                     params.alpha, params.beta, params.gamma)
            done += count
            if time_budget is not None and clock() - started >= time_budget:
                break
        return RiverSolution(self.average(), done, clock() - started)

    def average(self) -> np.ndarray:
        """float64[D, H, A]: normalised strategy sums; the current strategy where a hand accumulated none."""
        out = np.zeros_like(self.sums)
        for n in np.flatnonzero(self.tree.kind == DECISION):
            d, na = int(self.tree.decision[n]), int(self.tree.n_actions[n])
            s = self.sums[d, :, :na]
            total = s.sum(axis=1, keepdims=True)
            pos = np.maximum(self.regret[d, :, :na], 0.0)
            ptot = pos.sum(axis=1, keepdims=True)
            current = np.divide(pos, ptot, out=np.full_like(pos, 1.0 / na), where=ptot > 0.0)
            out[d, :, :na] = np.divide(s, total, out=current, where=total > 0.0)
        out[self.frozen] = self.fixed[self.frozen]
        return out

    def root_values(self, strategy: np.ndarray, seat: int, best_response: bool) -> np.ndarray:
        """float64[H]: ``seat``'s counterfactual values at the root: playing ``strategy``, or best-responding to it."""
        regret = np.zeros_like(self.regret)
        sums = np.zeros_like(self.sums)
        sigma = np.zeros_like(self.sigma)
        if not best_response:  # both play ``strategy``: regret matching on regrets equal to it reproduces it
            regret[:] = strategy
        free = np.zeros_like(self.frozen)  # ``strategy`` already holds the frozen rows
        t = self.tree
        _pass(t.kind, t.actor, t.children, t.n_actions, t.decision, t.stake, t.folder, self.order, self.strength,
              self.root_reach, free, self.fixed, strategy, seat, self.reach, self.values, 1 if best_response else 0,
              regret, sums, sigma)
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
