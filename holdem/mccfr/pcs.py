"""Public chance sampling CFR for small exact games (Kuhn, Leduc), with vectors over private deals.

Johanson, Bard, Lanctot, Gibson & Bowling 2012, "Efficient Nash Equilibrium
Approximation through Monte Carlo Counterfactual Regret Minimization"
(AAMAS): each iteration samples only the public chance outcome (Leduc: the
public card; Kuhn has none, so this is plain CFR) and walks the public tree
once with a vector over every private deal consistent with it, updating the
regrets of every private hand at once.  Deal weights are conditional on the
sampled outcome, so the counterfactual values are unbiased.

Updates alternate between seats (each seat's pass sees the other's fresh
regrets).  Discounting is DCFR (Brown & Sandholm 2019, "Solving
Imperfect-Information Games via Discounted Regret Minimization"): after
iteration t, positive regrets are multiplied by t^a/(t^a+1), negative ones by
t^b/(t^b+1) and strategy sums by (t/(t+1))^g; their recommended
a=1.5, b=0, g=2 by default (a=b=g=1 is Linear CFR).

With ``sample_public=False`` every public outcome is enumerated: plain
vector CFR (chance enumerated) with the same discounting, for near-exact
equilibria of the small games.

This is the "stretch" solver of the small games; Hold'em uses the
external-sampling kernel (:mod:`holdem.mccfr.kernel`).  The layout and
policies are the same, so exploitability and export work unchanged.  Its
sums are kept in float64: with DCFR's per-iteration discounting, float32
sums stop improving near 1e-4 chips on Leduc and then drift back up
(measured: 1.2e-4 at 5,000 iterations, 2.1e-3 at 20,000; float64: 4.4e-6);
:meth:`PCSSolver.to_tables` gives the tables in the snapshots' dtypes.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numba import njit

from holdem.game.tree_arrays import NODE_DECISION
from holdem.games.spec import GameSpec
from holdem.mccfr.rng import mix, mix_py, next_float, stream_state
from holdem.mccfr.solver import BatchStats
from holdem.mccfr.strategy import average_strategy, current_strategy
from holdem.mccfr.tables import REGRET_DTYPE, STRATEGY_DTYPE, Tables
from holdem.mccfr.utility import exact_utilities


@dataclass(frozen=True)
class PCSParams:
    """DCFR exponents: alpha (positive regrets), beta (negative regrets), gamma (strategy sums).

    sample_public: sample the public chance outcome (PCS); False enumerates every
    outcome, which makes each iteration a full (deterministic) CFR iteration.
    """

    alpha: float = 1.5
    beta: float = 0.0
    gamma: float = 2.0
    sample_public: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.sample_public, bool):
            raise ValueError(f"pcs.sample_public: expected true or false, got {self.sample_public!r}")
        for name in ("alpha", "beta", "gamma"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 10:
                raise ValueError(f"pcs.{name}: expected a number in [0, 10], got {value!r}")


def preorder(tree) -> np.ndarray:
    """Decision and terminal nodes, every parent before its children."""
    order, stack = [], [0]
    while stack:
        node = stack.pop()
        order.append(node)
        if tree.kind[node] == NODE_DECISION:
            for a in range(int(tree.n_actions[node]) - 1, -1, -1):
                stack.append(int(tree.children[node, a]))
    return np.asarray(order, dtype=np.int64)


@njit(cache=True, nogil=True, error_model="numpy")
def _pass(trav, order, kind, actor, street, n_actions, children, offset, util, deal_buckets, deals, cond,
          regret, strategy, reach, eu, sig):
    """One seat's CFR pass over the public tree for the deals ``deals`` (weights ``cond``)."""
    k = deals.shape[0]
    n_players = reach.shape[1]
    root = order[0]
    for p in range(n_players):
        for j in range(k):
            reach[root, p, j] = 1.0
    # top-down: current strategy per deal, and every seat's reach
    for idx in range(order.shape[0]):
        node = order[idx]
        if kind[node] != NODE_DECISION:
            continue
        p_act = actor[node]
        na = n_actions[node]
        s = street[node]
        for j in range(k):
            row = offset[node] + deal_buckets[deals[j], p_act, s] * na
            pos = 0.0
            for a in range(na):
                if regret[row + a] > 0.0:
                    pos += regret[row + a]
            for a in range(na):
                if pos > 0.0:
                    sig[node, a, j] = max(regret[row + a], 0.0) / pos
                else:
                    sig[node, a, j] = 1.0 / na
        for a in range(na):
            child = children[node, a]
            for p in range(n_players):
                for j in range(k):
                    r = reach[node, p, j]
                    if p == p_act:
                        r *= sig[node, a, j]
                    reach[child, p, j] = r
    # bottom-up: the traverser's expected utility per deal
    for idx in range(order.shape[0] - 1, -1, -1):
        node = order[idx]
        if kind[node] != NODE_DECISION:
            for j in range(k):
                eu[node, j] = util[node, deals[j], trav]
            continue
        na = n_actions[node]
        for j in range(k):
            v = 0.0
            for a in range(na):
                v += sig[node, a, j] * eu[children[node, a], j]
            eu[node, j] = v
    # the traverser's regrets and strategy sums
    for idx in range(order.shape[0]):
        node = order[idx]
        if kind[node] != NODE_DECISION or actor[node] != trav:
            continue
        na = n_actions[node]
        s = street[node]
        for j in range(k):
            row = offset[node] + deal_buckets[deals[j], trav, s] * na
            others = cond[j]
            for p in range(n_players):
                if p != trav:
                    others *= reach[node, p, j]
            own = cond[j] * reach[node, trav, j]
            for a in range(na):
                regret[row + a] += others * (eu[children[node, a], j] - eu[node, j])
                strategy[row + a] += own * sig[node, a, j]


@njit(cache=True, nogil=True, error_model="numpy")
def _discount(regret, strategy, pos_factor, neg_factor, strategy_factor):
    for i in range(regret.shape[0]):
        if regret[i] > 0.0:
            regret[i] *= pos_factor
        else:
            regret[i] *= neg_factor
        strategy[i] *= strategy_factor


@njit(cache=True, nogil=True, error_model="numpy")
def pcs_iterations(order, kind, actor, street, n_actions, children, offset, util, deal_buckets, outcome_start,
                   outcome_deals, outcome_cum, cond, regret, strategy, reach, eu, sig, t0, n_iter, seed,
                   alpha, beta, gamma, progress):
    n_players = reach.shape[1]
    n_outcomes = outcome_start.shape[0] - 1
    for it in range(n_iter):
        t = t0 + it
        state = stream_state(mix(seed, t))
        state, u = next_float(state)
        o = 0
        while o < n_outcomes - 1 and u >= outcome_cum[o]:
            o += 1
        deals = outcome_deals[outcome_start[o] : outcome_start[o + 1]]
        weights = cond[outcome_start[o] : outcome_start[o + 1]]
        for trav in range(n_players):
            _pass(trav, order, kind, actor, street, n_actions, children, offset, util, deal_buckets, deals, weights,
                  regret, strategy, reach, eu, sig)
        done = float(t + 1)
        pa = done**alpha
        pb = done**beta
        _discount(regret, strategy, pa / (pa + 1.0), pb / (pb + 1.0), (done / (done + 1.0)) ** gamma)
        progress[0] += 1


class PCSSolver:
    """Public chance sampling DCFR on a game with :class:`holdem.games.spec.ExactGame`.

    An iteration updates both seats once (like the external-sampling solver's);
    ``run_batch`` is a pure function of (tables, first_iteration, iterations, seed).
    """

    def __init__(self, game: GameSpec, params: PCSParams = PCSParams()):
        exact = game.exact
        if exact is None:
            raise ValueError(f"game {game.name!r} has no exact chance enumeration; public chance sampling needs one")
        self.game, self.params = game, params
        self.regret = np.zeros(game.layout.size)
        self.strategy = np.zeros(game.layout.size)
        tree = game.tree
        util = exact_utilities(tree, exact.deal_strength)
        public = exact.deal_public if params.sample_public else np.zeros_like(exact.deal_public)
        outcomes = np.unique(public)
        groups = [np.flatnonzero(public == o) for o in outcomes]
        probs = np.array([exact.deal_prob[g].sum() for g in groups])
        self._outcome_start = np.concatenate([[0], np.cumsum([len(g) for g in groups])]).astype(np.int64)
        self._outcome_deals = np.concatenate(groups).astype(np.int64)
        self._outcome_cum = np.cumsum(probs) / probs.sum()
        self._cond = np.concatenate([exact.deal_prob[g] / p for g, p in zip(groups, probs)])
        k = max(len(g) for g in groups)
        self._arrays = (
            preorder(tree),
            np.ascontiguousarray(tree.kind, dtype=np.int8), np.ascontiguousarray(tree.actor, dtype=np.int8),
            np.ascontiguousarray(tree.street, dtype=np.int8), np.ascontiguousarray(tree.n_actions, dtype=np.int8),
            np.ascontiguousarray(tree.children, dtype=np.int32),
            np.ascontiguousarray(game.layout.offset, dtype=np.int64),
            util, np.ascontiguousarray(exact.deal_buckets, dtype=np.int32),
            self._outcome_start, self._outcome_deals, self._outcome_cum, self._cond,
        )
        self._scratch = (
            np.zeros((tree.n_nodes, tree.n_players, k)),
            np.zeros((tree.n_nodes, k)),
            np.zeros((tree.n_nodes, tree.max_actions, k)),
        )
        self.progress = np.zeros(2, dtype=np.int64)

    def run_batch(self, first_iteration: int, iterations: int, seed: int) -> BatchStats:
        if iterations < 0 or first_iteration < 0:
            raise ValueError(f"bad batch: first_iteration={first_iteration}, iterations={iterations}")
        p = self.params
        self.progress[:] = 0
        began = time.perf_counter()
        pcs_iterations(*self._arrays, self.regret, self.strategy, *self._scratch,
                       first_iteration, iterations, mix_py(seed, 0x504353), p.alpha, p.beta, p.gamma, self.progress)
        nodes = iterations * self.game.n_players * self.game.tree.n_nodes
        return BatchStats(iterations, nodes, time.perf_counter() - began)

    def average_policy(self) -> np.ndarray:
        return average_strategy(self.game.tree, self.game.layout, self.regret, self.strategy)

    def current_policy(self) -> np.ndarray:
        return current_strategy(self.game.tree, self.game.layout, self.regret)

    def to_tables(self) -> Tables:
        """Copies of the sums in the tables' dtypes (what snapshots and the other tools read)."""
        return Tables(self.regret.astype(REGRET_DTYPE), self.strategy.astype(STRATEGY_DTYPE))
