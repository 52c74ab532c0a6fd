"""Vectorised Discounted CFR on a Hold'em river or turn subgame, compiled over 1,326-hand vectors.

Brown & Sandholm 2019, "Solving Imperfect-Information Games via Discounted
Regret Minimization" (AAAI): the same DCFR as :mod:`holdem.search.cfr`
(alternating updates, positive regrets times t^α/(t^α+1), negative times
t^β/(t^β+1), strategy sums times (t/(t+1))^γ), here as one numba kernel over
a flat tree (:mod:`holdem.search.river_tree`) so an iteration costs
milliseconds rather than the Python walk's tens: node ids are in preorder,
so reaches flow down in forward loops and values come back up in backward
loops, with no recursion.  Terminals use the O(H) sweeps of
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

Threads (``threads``, ``search.threads``).  Given the reaches at a node, the
subtrees of its children are independent: a node's reach is its parent's
times one strategy column, its values come from its own children, and each
decision's tables belong to its node.  :func:`_split` cuts the tree once
into top nodes and units: every river card's subtree below a CHANCE node,
and elsewhere the largest subtrees free of CHANCE nodes that hold at most
1/8 of the nodes (a river subgame at the default sizes: 11 units below 2
top nodes).  A pass walks the top nodes down on the calling thread, the
units of the dealt cards on ``threads`` lanes (a numba ``prange``; units
dealt largest first onto the least loaded lane), then the top nodes up.
Which thread walks a node changes no operation and no order of a sum (a
CHANCE node adds its cards in card order, on one thread), so every thread
count gives the same numbers, bit for bit; with one thread the parallel
region is never entered and numba starts no threads.

Why a compiled ``prange`` rather than Python threads calling ``nogil``
kernels: a pass waits for its units twice (for the top's reaches, then for
their values), so Python threads would break each compiled chunk of 8
iterations into a few Python calls and two pool round trips per pass;
``benchmarks/search_threads.py`` measured a round trip at about 100 us
against 10-13 us for a compiled parallel region, beside iterations of
15-25 ms on the turn and 6-12 ms on the river.  numba's OpenMP layer splits
a ``prange`` statically, so the lanes are fixed per pass; claiming units
one at a time through an atomic counter measured slower in the same run
(0.86x against 1.06x on the turn under load), and a lane on a core shared
with other work holds its pass back: threads pay on idle cores.  A river is
split into subtrees too, not over its 1,326 hands: that would need a
parallel region per node, at about 10 us each against about 13 us of work
per node and pass (249 nodes, 6.5 ms an iteration), and a showdown's sweep
over the sorted hands is a running sum.  Measured with 2 threads on this
machine's 2 idle cores (``benchmarks/results/search_threads.json``, median
of 5 alternating rounds): a turn solve 1.71x as fast in wall seconds, a
river solve 1.80x; with a single-core benchmark pinned to each core (load
average 3.5), 1.15x and 1.03x.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from holdem.abstraction.features import HOLE_CARDS, N_HOLES
from holdem.cards import N_CARDS
from holdem.mccfr.strategy import match_rows
from holdem.search.cfr import DCFR, DCFRParams
from holdem.search.river_tree import CHANCE, DECISION, FOLD, RiverTree
from holdem.search.showdown import fold_values, showdown_values, strength_order

CHUNK = 8  # iterations per kernel call between clock checks
UNIT_SHARE = 8  # a river subgame's units hold at most 1/8 of its nodes: 11 units, 2 top nodes at the defaults


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
def _down(lo, hi, game, walk):
    """Nodes ``lo .. hi - 1`` in preorder pass their reaches to their children; a decision's strategy goes to
    ``sigma_buf``: ``fixed`` if frozen (mode 0), regret matching (mode 0), or ``strategy`` (mode 1)."""
    kind, actor, children, n_actions, decision, deal = game[0], game[1], game[2], game[3], game[4], game[7]
    frozen, fixed, live_card, strategy, mode, reach, regret, sigma_buf = (walk[0], walk[1], walk[2], walk[4],
                                                                          walk[6], walk[7], walk[9], walk[11])
    for n in range(lo, hi):
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


@njit(cache=True, nogil=True)
def _up(lo, hi, game, walk):
    """Nodes ``hi - 1`` down to ``lo`` take ``values[n]`` from their children (a terminal its payoff); at
    the seat's own unfrozen decisions, mode 0 adds to the regrets and strategy sums and mode 1 takes the
    best action.  On an iteration's last pass (``discount`` = DCFR's three factors, else empty) each
    decision is then discounted: nothing reads or changes its tables again this iteration, so this is
    DCFR's discount of every decision the iteration updated."""
    kind, actor, children, n_actions, decision, stake, folder, deal, board, order, n_live, strength = game
    frozen, live_card, weight, seat, mode, reach, values, regret, sums, sigma_buf, discount = (
        walk[0], walk[2], walk[3], walk[5], walk[6], walk[7], walk[8], walk[9], walk[10], walk[11], walk[12])
    for n in range(hi - 1, lo - 1, -1):
        if kind[n] == CHANCE:
            _chance(n, children, n_actions, deal, values, live_card, weight)
            continue
        if kind[n] != DECISION:
            _terminal(n, kind, stake, folder, board, reach[n, 1 - seat], seat, order, n_live, strength, values[n])
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
        else:
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
        if discount.shape[0] > 0:
            _discount(regret[d], sums[d], discount)


@njit(cache=True, nogil=True)
def _discount(regret, sums, discount):
    """DCFR's discount of one decision's tables: positive regrets times ``discount[0]``, negative times
    ``discount[1]``, strategy sums times ``discount[2]``."""
    pos, neg, avg = discount[0], discount[1], discount[2]
    flat_r = regret.reshape(-1)
    flat_s = sums.reshape(-1)
    for i in range(flat_r.shape[0]):
        flat_r[i] *= pos if flat_r[i] > 0.0 else neg
        flat_s[i] *= avg


@njit(cache=True, nogil=True)
def _assign(units, by_size, live_card, lanes, lane_of):
    """lane_of[k]: the lane that walks unit k this pass (-1: below a card not dealt); largest first onto
    the least loaded lane (LPT), so the lanes' nodes differ by at most about one unit."""
    load = np.zeros(lanes, dtype=np.int64)
    for k in by_size:
        card = units[k, 2]
        if card >= 0 and not live_card[card]:
            lane_of[k] = -1
            continue
        best = 0
        for t in range(1, lanes):
            if load[t] < load[best]:
                best = t
        lane_of[k] = best
        load[best] += units[k, 1] - units[k, 0]


@njit(cache=True, nogil=True, parallel=True)
def _lanes(lane_of, lanes, units, game, walk):
    """Each lane walks its units (down, then up) on a thread of its own: disjoint subtrees, so disjoint rows
    of every array."""
    for t in prange(lanes):
        for k in range(units.shape[0]):
            if lane_of[k] == t:
                _down(units[k, 0], units[k, 1], game, walk)
                _up(units[k, 0], units[k, 1], game, walk)


@njit(cache=True, nogil=True)
def _pass(game, root_reach, top, units, by_size, lanes, walk):
    """One walk for ``walk``'s seat: mode 0 CFR update (strategy from ``regret``), mode 1 best response to
    ``strategy``; ``walk`` = (frozen, fixed, live_card, weight, strategy, seat, mode, reach, values, regret,
    sums, sigma_buf, discount).

    Decisions with ``frozen[d]`` play ``fixed[d]`` in mode 0 and are not updated.  Units below a river
    card that ``live_card`` leaves out are skipped.  The ``top`` nodes pass reaches down, the units walk
    their subtrees (on ``lanes`` threads when more than one), and the top nodes take values back up.

    Fills ``values[n]`` with the seat's counterfactual values at every node
    and returns nothing; ``reach[n, p]`` is seat p's own reach.
    """
    live_card, reach = walk[2], walk[7]
    for p in range(2):
        for h in range(N_HOLES):
            reach[0, p, h] = root_reach[p, h]
    for n in top:
        _down(n, n + 1, game, walk)
    if lanes == 1:
        for k in range(units.shape[0]):
            card = units[k, 2]
            if card < 0 or live_card[card]:
                _down(units[k, 0], units[k, 1], game, walk)
                _up(units[k, 0], units[k, 1], game, walk)
    else:
        lane_of = np.empty(units.shape[0], dtype=np.int64)
        _assign(units, by_size, live_card, lanes, lane_of)
        _lanes(lane_of, lanes, units, game, walk)
    for i in range(top.shape[0] - 1, -1, -1):
        _up(top[i], top[i] + 1, game, walk)


@njit(cache=True, nogil=True)
def _iterate(game, root_reach, top, units, by_size, lanes, frozen, fixed, live_cards, weight, regret, sums,
             sigma_buf, reach, values, first, count, alpha, beta, gamma):
    """``count`` iterations from ``first``; iteration ``first + i`` deals only the river cards ``live_cards[i]``."""
    none = np.empty(0)
    for i in range(count):
        t = float(first + i)
        discount = np.array([t**alpha / (t**alpha + 1.0), t**beta / (t**beta + 1.0), (t / (t + 1.0)) ** gamma])
        for seat in range(2):
            # mode np.int64(0), not a literal 0, so that root_values' walks share the _pass compiled here
            walk = (frozen, fixed, live_cards[i], weight, sums, seat, np.int64(0), reach, values, regret, sums,
                    sigma_buf, discount if seat == 1 else none)
            _pass(game, root_reach, top, units, by_size, lanes, walk)


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


def _split(tree: RiverTree) -> tuple[np.ndarray, np.ndarray]:
    """The nodes a pass walks on one thread (int64[T], preorder) and the subtrees it shares out between
    threads (int64[U, 3]: first node, end, river card or -1).

    A subtree is a unit if its parent is a CHANCE node (one river card's betting), or if it holds no
    CHANCE node and at most 1/UNIT_SHARE of the tree's nodes (on a river subgame, the betting lines
    below the first actions); every other node is top.  The split fixes only which thread walks a
    node, never the order of any sum, so every thread count gives the same numbers.
    """
    n = tree.n_nodes
    size = np.ones(n, dtype=np.int64)
    has_chance = tree.kind == CHANCE
    for v in range(n - 1, -1, -1):
        kids = tree.children[v, : tree.n_actions[v]]
        size[v] += size[kids].sum()
        has_chance[v] |= has_chance[kids].any()
    limit = max(1, n // UNIT_SHARE)
    top: list[int] = []
    units: list[tuple[int, int, int]] = []
    v = 0
    while v < n:  # preorder: a unit's nodes are v .. v + size[v] - 1, so skip them at once
        if tree.deal[v] >= 0 or (not has_chance[v] and size[v] <= limit):  # deal >= 0: a CHANCE node's child
            units.append((v, v + int(size[v]), int(tree.deal[v])))
            v += int(size[v])
        else:
            top.append(v)
            v += 1
    return np.array(top, dtype=np.int64), np.array(units, dtype=np.int64).reshape(-1, 3)


@dataclass(frozen=True)
class RiverSolution:
    """strategy float64[D, H, A] (average, rows of a decision's live actions sum to 1); iterations run."""

    strategy: np.ndarray
    iterations: int
    seconds: float


class RiverSolver:
    """Scratch and tables of one river subgame; :meth:`solve` runs DCFR on it."""

    def __init__(self, tree: RiverTree, strength: np.ndarray, root_reach: np.ndarray,
                 frozen: dict[int, np.ndarray] | None = None, river_samples: int | None = None, seed: int = 0,
                 threads: int = 1):
        """``frozen``: ``{node: float64[H, A]}``, decisions that play a fixed strategy (see the module docstring).

        ``strength``: int64[1326] on a river subgame, int64[B, 1326] (row ``tree.board[n]``) below CHANCE
        nodes.  ``river_samples``: river cards each iteration deals (public chance sampling, drawn with
        ``seed``); None deals every card.  ``threads``: the subtrees of a pass walked on this many threads
        (the same result for every count).
        """
        if threads < 1:
            raise ValueError(f"threads must be >= 1, got {threads}")
        self.threads = int(threads)
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
        self.top, self.units = _split(tree)
        self.by_size = np.argsort(self.units[:, 0] - self.units[:, 1], kind="stable")
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
        game = (t.kind, t.actor, t.children, t.n_actions, t.decision, t.stake, t.folder, t.deal, t.board, self.order,
                self.n_live, self.strength)
        return game, self.root_reach, self.top, self.units, self.by_size, self.threads

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
            _iterate(*self._args(), self.frozen, self.fixed, live, weight, self.regret, self.sums, self.sigma,
                     self.reach, self.values, done + 1, count, params.alpha, params.beta, params.gamma)
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
        walk = (free, self.fixed, np.ones(N_CARDS, dtype=np.bool_), 1.0, strategy, seat, 1 if best_response else 0,
                self.reach, self.values, regret, sums, sigma, np.empty(0))
        _pass(*self._args(), walk)
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
