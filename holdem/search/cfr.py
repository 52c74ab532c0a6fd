"""Vectorised Discounted CFR over ranges, within an iteration or a time budget.

Brown & Sandholm 2019, "Solving Imperfect-Information Games via Discounted
Regret Minimization" (AAAI): after iteration t, positive regrets are scaled by
t^α / (t^α + 1), negative ones by t^β / (t^β + 1) and the strategy sums by
(t / (t + 1))^γ; α = 1.5, β = 0, γ = 2 is the paper's recommended setting,
and α = β = γ = 1 is Linear CFR.  Updates alternate between the seats, as
in the paper's experiments.

Hands are vectors (Moravcik et al. 2017, "DeepStack"; Burch et al. 2014,
"Solving Imperfect Information Games Using Decomposition", CFR-D): a walk
passes down each seat's reach of every hand and returns the updating seat's
counterfactual value of every hand, so one pass over the public subgame
updates every information set of a seat at once.  Chance is inside the
terminal and leaf matrices, so chance nodes only sum their children.

Depth-limit leaves are two simultaneous choices among k continuations
(:mod:`holdem.search.leaves`).  An optional root opt-out gives one seat, per
hand, the choice between a fixed value and playing the subgame: that is the
re-solving gadget (:mod:`holdem.search.gadget` says when and with which values).

Regret matching is :func:`holdem.mccfr.strategy.match_rows`, the one copy
the table strategies and the river solver call too, over every ``[hands,
actions]`` row of a node.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from holdem.mccfr.strategy import match_rows
from holdem.search.subgame import CHANCE, DECISION, LEAF, TERMINAL, Subgame


@dataclass(frozen=True)
class DCFRParams:
    """Discount exponents; the defaults are the paper's; ``linear()`` is Linear CFR."""

    alpha: float = 1.5
    beta: float = 0.0
    gamma: float = 2.0

    @classmethod
    def linear(cls) -> "DCFRParams":
        return cls(1.0, 1.0, 1.0)


DCFR = DCFRParams()  # the paper's recommended discounting


@dataclass(frozen=True)
class OptOut:
    """At the root, ``seat`` may take ``values[h]`` (a counterfactual value per hand) instead of playing."""

    seat: int
    values: np.ndarray


@dataclass(frozen=True)
class Solution:
    """Average strategies of a solve.

    strategy    ``{decision id: float64[H, A]}``
    leaf_choice ``{leaf id: float64[2, H, k]}`` each seat's mix of continuations
    follow      float64[H]: the opt-out seat's probability of playing the subgame, or None
    iterations  iterations run
    """

    strategy: dict[int, np.ndarray]
    leaf_choice: dict[int, np.ndarray]
    follow: np.ndarray | None
    iterations: int


def regret_matching(regret: np.ndarray) -> np.ndarray:
    """Positive regrets normalised over the last axis; uniform where none is positive (Hart & Mas-Colell 2000):
    :func:`holdem.mccfr.strategy.match_rows` over every row."""
    rows = np.ascontiguousarray(regret, dtype=np.float64).reshape(-1, regret.shape[-1])
    sigma = np.empty_like(rows)
    match_rows(rows, sigma)
    return sigma.reshape(regret.shape)


def normalise(sums: np.ndarray) -> np.ndarray:
    """Strategy sums normalised over the last axis; uniform where nothing was accumulated."""
    total = sums.sum(axis=-1, keepdims=True)
    uniform = np.full_like(sums, 1.0 / sums.shape[-1])
    return np.divide(sums, total, out=uniform, where=total > 0.0)


class _Tables:
    """Regrets and strategy sums of every choice in the subgame, keyed by subgame id."""

    def __init__(self, subgame: Subgame, opt_out: OptOut | None):
        h = subgame.n_hands
        self.regret: dict[int, np.ndarray] = {}
        for i, node in enumerate(subgame.nodes):
            if node.kind == DECISION:
                self.regret[i] = np.zeros((h, len(node.children)))
            elif node.kind == LEAF:
                self.regret[i] = np.zeros((2, h, subgame.values[i].shape[0]))
        self.gadget = -1  # the opt-out's key: no subgame id is negative
        if opt_out is not None:
            self.regret[self.gadget] = np.zeros((h, 2))  # actions: opt out, follow
        self.sums: dict[int, np.ndarray] = {i: np.zeros_like(r) for i, r in self.regret.items()}

    def discount(self, t: int, p: DCFRParams) -> None:
        pos = t**p.alpha / (t**p.alpha + 1.0)
        neg = t**p.beta / (t**p.beta + 1.0)
        avg = (t / (t + 1.0)) ** p.gamma
        for i, r in self.regret.items():
            r *= np.where(r > 0.0, pos, neg)
            self.sums[i] *= avg


class _Walk:
    def __init__(self, subgame: Subgame, tables: _Tables):
        self.g = subgame
        self.t = tables

    def values(self, i: int, reach: np.ndarray, seat: int) -> np.ndarray:
        """float64[H]: ``seat``'s counterfactual values at ``i``, updating ``seat``'s regrets and sums."""
        node = self.g.nodes[i]
        if node.kind == TERMINAL:
            u = self.g.payoffs[i]
            return u @ reach[1] if seat == 0 else -(reach[0] @ u)
        if node.kind == CHANCE:
            out = np.zeros(self.g.n_hands)
            for c in node.children:
                out += self.values(c, reach, seat)
            return out
        if node.kind == LEAF:
            return self._leaf(i, reach, seat)
        sigma = regret_matching(self.t.regret[i])
        actor = node.actor
        if actor != seat:
            out = np.zeros(self.g.n_hands)
            for a, c in enumerate(node.children):
                child = reach.copy()
                child[actor] = reach[actor] * sigma[:, a]
                out += self.values(c, child, seat)
            return out
        action_values = np.empty_like(sigma)
        for a, c in enumerate(node.children):
            child = reach.copy()
            child[actor] = reach[actor] * sigma[:, a]
            action_values[:, a] = self.values(c, child, seat)
        value = (sigma * action_values).sum(axis=1)
        self.t.regret[i] += action_values - value[:, None]
        self.t.sums[i] += reach[seat][:, None] * sigma
        return value

    def _leaf(self, i: int, reach: np.ndarray, seat: int) -> np.ndarray:
        v = self.g.values[i]  # [k, k, H0, H1], seat 0's
        sigma = regret_matching(self.t.regret[i])  # [2, H, k]
        if seat == 0:
            choice_values = np.einsum("ijab,bj->ai", v, reach[1][:, None] * sigma[1])
        else:
            choice_values = -np.einsum("ijab,ai->bj", v, reach[0][:, None] * sigma[0])
        value = (sigma[seat] * choice_values).sum(axis=1)
        self.t.regret[i][seat] += choice_values - value[:, None]
        self.t.sums[i][seat] += reach[seat][:, None] * sigma[seat]
        return value


def solve(subgame: Subgame, reach: np.ndarray, iterations: int, *, params: DCFRParams = DCFR,
          opt_out: OptOut | None = None, time_budget: float | None = None,
          clock: Callable[[], float] = time.monotonic) -> Solution:
    """Run DCFR on ``subgame`` from root reaches ``reach`` (float64[2, H]) and return the average strategies.

    Stops after ``iterations``, or once ``time_budget`` seconds have passed on
    ``clock`` (checked between iterations; at least one runs).  With
    ``opt_out``, that seat's root reach is its probability of following,
    and ``reach[opt_out.seat]`` is ignored.
    """
    if iterations < 1:
        raise ValueError(f"iterations must be at least 1, got {iterations}")
    reach = np.asarray(reach, dtype=np.float64)
    if reach.shape != (2, subgame.n_hands):
        raise ValueError(f"reach has shape {reach.shape}; the subgame needs (2, {subgame.n_hands})")
    tables = _Tables(subgame, opt_out)
    walk = _Walk(subgame, tables)
    started = clock()
    done = 0
    for t in range(1, iterations + 1):
        for seat in (0, 1):
            root = reach.copy()
            if opt_out is None:
                walk.values(0, root, seat)
                continue
            gadget = regret_matching(tables.regret[tables.gadget])
            root[opt_out.seat] = gadget[:, 1]
            follow = walk.values(0, root, seat)
            if seat == opt_out.seat:
                action_values = np.stack([opt_out.values, follow], axis=1)
                value = (gadget * action_values).sum(axis=1)
                tables.regret[tables.gadget] += action_values - value[:, None]
                tables.sums[tables.gadget] += gadget
        tables.discount(t, params)
        done = t
        if time_budget is not None and clock() - started >= time_budget:
            break
    strategy = {i: normalise(tables.sums[i]) for i in subgame.decisions()}
    leaf_choice = {i: normalise(tables.sums[i]) for i in subgame.leaves()}
    follow_prob = normalise(tables.sums[tables.gadget])[:, 1] if opt_out is not None else None
    return Solution(strategy, leaf_choice, follow_prob, done)
