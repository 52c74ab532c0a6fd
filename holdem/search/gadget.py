"""Unsafe search and safe re-solving: how the seats' ranges at a subgame's root are held.

*Unsafe* (Pluribus; Brown & Sandholm 2019, "Superhuman AI for multiplayer
poker"): both seats' ranges at the root are fixed from the blueprint and the
subgame is solved as a game of its own.  One solve gives both seats'
strategies and needs nothing but the ranges.  Nothing bounds the result: the
opponent may have reached this state with hands the blueprint's range says
it seldom holds, and the re-solved strategy may be exploitable there.

*Safe* (Burch, Johanson & Bowling 2014, "Solving Imperfect Information Games
Using Decomposition", the re-solving gadget of CFR-D; Moravcik et al. 2017,
"DeepStack"; Brown & Sandholm 2017, "Safe and Nested Subgame Solving for
Imperfect-Information Games", the *Resolve* gadget): to re-solve seat p's
strategy, the opponent o may, per hand at the root, opt out and take its
counterfactual best-response value against p's blueprint (its *CBV*), or
play the subgame; p's root range is its blueprint range, o's is whatever its
opt-out choice leaves.  If at every root information set of o the re-solved
strategy concedes no more than the CBV, then o's best response to the whole
game gains nothing it could not gain against the blueprint, so p's
exploitability cannot rise.  The costs: the CBVs (a best-response pass
against the blueprint below the root; Leduc computes them exactly, Hold'em
would estimate them from the blueprint's values), one solve per protected
seat instead of one for both, and a smaller gain, since p must keep every
hand o could hold at its CBV.

An equilibrium of the gadget meets the CBVs exactly; a solve stopped after a
budget may miss one by a little.  :func:`check_safe` measures the re-solved
strategy against the CBVs, and :func:`safe_resolve` keeps the blueprint for
the protected seat when any hand of o would gain (full-depth subgames only,
where the check is exact), which makes "never more exploitable" hold for
any budget.  In a depth-limited subgame the opponent's follow values are
only as good as the k continuations it may pick from, so there the gadget
bounds the loss against those continuations, not against every reply.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from holdem.search.cfr import DCFR, DCFRParams, OptOut, Solution, solve
from holdem.search.subgame import CHANCE, LEAF, TERMINAL, Subgame, first_continuation, policy_strategies

SAFE, UNSAFE = "safe", "unsafe"


def best_response_values(subgame: Subgame, strategy: dict[int, np.ndarray], leaf_choice: dict[int, np.ndarray],
                         reach: np.ndarray, seat: int) -> np.ndarray:
    """float64[H]: ``seat``'s counterfactual value of each hand at the root when it best-responds below.

    The other seat plays ``strategy`` and, at leaves, ``leaf_choice`` from its
    root reach ``reach[other]``; ``seat``'s information sets inside a
    subgame are (node, hand), the public state being common knowledge.
    """
    other = 1 - seat

    def visit(i: int, r: np.ndarray) -> np.ndarray:
        node = subgame.nodes[i]
        if node.kind == TERMINAL:
            u = subgame.payoffs[i]
            return u @ r if seat == 0 else -(r @ u)
        if node.kind == CHANCE:
            return np.sum([visit(c, r) for c in node.children], axis=0)
        if node.kind == LEAF:
            v = subgame.values[i]
            mix = r[:, None] * leaf_choice[i][other]
            per_choice = np.einsum("ijab,bj->ai", v, mix) if seat == 0 else -np.einsum("ijab,ai->bj", v, mix)
            return per_choice.max(axis=1)
        children = [visit(c, r * strategy[i][:, a] if node.actor == other else r)
                    for a, c in enumerate(node.children)]
        return np.max(children, axis=0) if node.actor == seat else np.sum(children, axis=0)

    return visit(0, np.asarray(reach[other], dtype=np.float64))


def cbv_targets(full: Subgame, policy: np.ndarray, reach: np.ndarray, protected: int) -> np.ndarray:
    """float64[H]: the opponent's counterfactual best-response values against ``protected``'s ``policy``.

    ``full`` must be a full-depth subgame (no leaves): these are the values
    the opponent is guaranteed whatever the search does, so they may not be
    estimated from a depth-limited tree.
    """
    if full.leaves():
        raise ValueError("CBVs need the full-depth subgame; this one has depth-limit leaves")
    return best_response_values(full, policy_strategies(full, policy), {}, reach, 1 - protected)


def check_safe(full: Subgame, strategy: dict[int, np.ndarray], reach: np.ndarray, protected: int,
               targets: np.ndarray) -> float:
    """Largest gain over its CBV of any opponent hand against ``strategy`` (<= 0: safe)."""
    values = best_response_values(full, strategy, {}, reach, 1 - protected)
    live = full.hands.live(full.root.board)
    return float(np.max(values[live] - targets[live]))


@dataclass(frozen=True)
class Resolved:
    """A re-solved subgame: each seat's strategy at its decisions, and how it was obtained.

    strategy   ``{decision id: float64[H, A]}`` (the actor's strategy at each decision)
    leaf_choice``{leaf id: float64[2, H, k]}``
    iterations iterations per solve
    fallback   seats that kept the blueprint because the safe check failed
    margin     per protected seat, the opponent's largest gain over its CBV (safe mode, full depth)
    """

    strategy: dict[int, np.ndarray]
    leaf_choice: dict[int, np.ndarray]
    iterations: int
    fallback: tuple[int, ...] = ()
    margin: tuple[float, ...] = ()


def unsafe_resolve(subgame: Subgame, reach: np.ndarray, iterations: int, *, params: DCFRParams = DCFR,
                   time_budget: float | None = None, clock: Callable[[], float] = time.monotonic) -> Resolved:
    """Both seats' ranges frozen at the blueprint's; one solve gives both strategies."""
    sol = solve(subgame, reach, iterations, params=params, time_budget=time_budget, clock=clock)
    return Resolved(sol.strategy, sol.leaf_choice, sol.iterations)


def safe_resolve(subgame: Subgame, full: Subgame, policy: np.ndarray, reach: np.ndarray, iterations: int, *,
                 seats: tuple[int, ...] = (0, 1), params: DCFRParams = DCFR,
                 time_budget: float | None = None, clock: Callable[[], float] = time.monotonic) -> Resolved:
    """Each of ``seats`` re-solved with the opt-out gadget against the CBVs of ``policy`` (see the module docstring).

    ``subgame`` is solved (it may be depth-limited); ``full`` is the same root
    at full depth, for the CBVs and the check.  ``time_budget`` is shared by
    the seats' solves.
    """
    strategy: dict[int, np.ndarray] = {}
    leaf_choice = first_continuation(subgame)  # replaced seat by seat below
    fallback: list[int] = []
    margins: list[float] = []
    blueprint = policy_strategies(subgame, policy)
    iterations_run = 0
    for seat in seats:
        budget = None if time_budget is None else time_budget / len(seats)
        targets = cbv_targets(full, policy, reach, seat)
        sol: Solution = solve(subgame, reach, iterations, params=params, opt_out=OptOut(1 - seat, targets),
                              time_budget=budget, clock=clock)
        iterations_run = max(iterations_run, sol.iterations)
        mine = {i: s for i, s in sol.strategy.items() if subgame.nodes[i].actor == seat}
        if not subgame.leaves():
            margin = check_safe(full, {**blueprint, **mine}, reach, seat, targets)
            margins.append(margin)
            if margin > 0.0:
                fallback.append(seat)
                mine = {i: blueprint[i] for i in mine}
        strategy.update(mine)
        for i, choice in sol.leaf_choice.items():
            leaf_choice[i][seat] = choice[seat]
    return Resolved(strategy, leaf_choice, iterations_run, tuple(fallback), tuple(margins))

