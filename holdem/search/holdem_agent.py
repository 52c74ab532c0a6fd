"""Hold'em search: the blueprint preflop, on the flop and turn; a re-solved river subgame on the river.

Brown & Sandholm 2019, "Superhuman AI for multiplayer poker" (Pluribus):
play the blueprint early, search later in the hand; Brown & Sandholm 2017,
"Safe and Nested Subgame Solving" (NeurIPS): re-solve with the opponent's
actual bet sizes in the tree.  At a river decision the agent

1. takes both seats' reaches over the 1,326 hole pairs at the start of river
   betting from the blueprint by Bayes' rule along the actual history
   (:mod:`holdem.search.holdem_ranges`, off-tree bets translated as the
   blueprint translates them);
2. builds the river subgame from the real pot, stacks and board, with a finer
   action abstraction and the actual river actions inserted
   (:mod:`holdem.search.river_tree`);
3. solves it to showdown with exact hand strength by DCFR over hand vectors
   (:mod:`holdem.search.river_cfr`), within an iteration and a time budget;
4. plays the solved strategy of its hole cards at the current node.

**Unsafe**, as Pluribus: both ranges are frozen at the blueprint's and the
subgame is solved as a game of its own.  Why: on Leduc
(``benchmarks/search_leduc.py``, README "Search") re-solving the last round
at full depth from the blueprint's ranges, which is exactly this river
search, cut exploitability from 0.293 to 0.118 unsafe and only to 0.222
safe; unsafe lost badly only when nested below an earlier depth-limited
search, whose ranges were narrow, and here the river's ranges always come
from the blueprint (the agent plays the blueprint before the river).  Safe
re-solving would also need the opponent's counterfactual best-response
values against the blueprint's river strategy, a second solve per decision.
``mode: safe`` is refused for Hold'em.

Each river decision re-solves from the start of the river (so the
opponent's latest size is in the tree), with the agent's strategy at its
own earlier decisions of this river frozen at what it played them with (the
previous solve's, for every hole), as Pluribus did: the re-solve is then
consistent with how the agent got here, and the opponent's range at the
current node is what that strategy and the opponent's play imply.

The turn is played by the blueprint: depth-limited turn search
(:mod:`holdem.search.leaves`) is not wired to Hold'em yet.
"""
from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from holdem.abstraction.features import HOLE_ID
from holdem.game.engine import RIVER, ActionKind, HandState
from holdem.search.holdem_ranges import history_reaches
from holdem.search.river_cfr import RiverSolution, RiverSolver
from holdem.search.river_tree import RiverTree, build_river_tree
from holdem.search.showdown import river_strength

if TYPE_CHECKING:
    from holdem.blueprint import Blueprint
    from holdem.search.agent import SearchConfig

Move = tuple[ActionKind, int]
CACHE_DECISIONS = 64  # solved decisions kept (AIVAT asks again for every decision of a finished hand)


@dataclass(frozen=True)
class RiverSearch:
    """One solved river decision: the tree, the solver (its tables and reaches) and the solution."""

    tree: RiverTree
    solver: RiverSolver
    solution: RiverSolution
    seconds: float
    actions: tuple = ()  # the river moves of the history it was solved for

    def node_strategy(self, node: int) -> np.ndarray:
        """float64[1326, A]: the solved strategy of every hole at decision ``node``."""
        d, na = int(self.tree.decision[node]), int(self.tree.n_actions[node])
        return self.solution.strategy[d, :, :na]


class HoldemSearchBot:
    """A heads-up Hold'em player (``act(state, rng)``, ``distribution(state)``) that searches on the river.

    Fallback to the blueprint when no deal is consistent with the history
    (both reaches meet nowhere: the blueprint gave every hand zero probability
    of an action taken).  ``times`` holds the seconds of every river solve
    on ``clock`` (the statistic the time goals are about; ``clock`` also
    times the ``time_budget``: wall time by default, ``time.process_time``
    to count only this process's CPU on a shared machine), ``cpu_times`` and
    ``wall_times`` the same in process CPU and wall seconds, and
    ``iterations`` the DCFR iterations each ran; ``searched`` and
    ``fallbacks`` count decisions.
    """

    def __init__(self, blueprint: "Blueprint", config: "SearchConfig", name: str = "search",
                 clock: Callable[[], float] = time.perf_counter):
        from holdem.eval.baselines import BlueprintBot

        if config.mode != "unsafe":
            raise ValueError("search.mode: Hold'em search is unsafe (see holdem/search/holdem_agent.py for why); "
                             f"got {config.mode!r}")
        if blueprint.n_players != 2 or not blueprint.is_holdem:
            raise ValueError("Hold'em search is heads-up: give it a heads-up Hold'em blueprint")
        self.blueprint = blueprint
        self.config = config
        self.name = name
        self.clock = clock
        self.fallback = BlueprintBot(blueprint, name=f"{name}/blueprint")
        self.times: list[float] = []
        self.cpu_times: list[float] = []  # process CPU seconds of the same solves (wall time counts a shared machine)
        self.wall_times: list[float] = []
        self.iterations: list[int] = []
        self.searched = 0
        self.fallbacks = 0
        self._cache: OrderedDict[tuple, RiverSearch | None] = OrderedDict()
        self._solves: OrderedDict[tuple, list[RiverSearch]] = OrderedDict()  # each hand's solves, by _hand_key

    # ------------------------------------------------------------------ search

    def _key(self, state: HandState) -> tuple:
        seat = state.actor
        return (state.config, state.button, state.board, state.holes[seat], seat, state.history)

    def _hand_key(self, state: HandState, seat: int | None = None) -> tuple:
        seat = state.actor if seat is None else seat
        before = tuple(a for a in state.history if a.street < RIVER)
        return (state.config, state.button, state.board, state.holes[seat], seat, before)

    def river_solves(self, state: HandState, seat: int) -> list[RiverSearch]:
        """The river solves this agent made in ``state``'s hand, sitting in ``seat``, oldest first.

        Each carries the river moves it was solved for (``actions``), so an
        evaluator can tell which solves came before a given point of the hand
        (:class:`holdem.eval.aivat_values.RiverExactValue`).
        """
        return list(self._solves.get(self._hand_key(state, seat), []))

    def _frozen(self, state: HandState, tree: RiverTree, actions: tuple) -> dict[int, np.ndarray]:
        """The agent's earlier decisions on this river's path, at the strategy its latest solve played them with."""
        # the latest solve along this history (solves of what-ifs, e.g. LBR's candidate raises, branch off it)
        prev = next((p for p in reversed(self._solves.get(self._hand_key(state), []))
                     if len(p.actions) < len(actions) and actions[: len(p.actions)] == p.actions), None)
        if prev is None:
            return {}
        out = {}
        for i, node in enumerate(tree.path[:-1]):
            if i >= len(prev.tree.path) or tree.actor[node] != state.actor:
                continue
            old = prev.tree.path[i]
            if prev.tree.moves[old] == tree.moves[node]:
                out[node] = prev.node_strategy(old).copy()
        return out

    def search(self, state: HandState) -> RiverSearch | None:
        """Solve the river subgame at ``state`` (the seat to act's view); None when no deal reaches it."""
        key = self._key(state)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        c = self.config
        began, cpu, wall = self.clock(), time.process_time(), time.perf_counter()
        reach = history_reaches(self.blueprint, state, int(state.actor), RIVER)
        tree = build_river_tree(state, c.bet_sizes, c.raise_sizes, max_raises=c.max_raises, all_in=c.all_in)
        actions = tuple((a.kind, a.amount) for a in state.history if a.street == RIVER)
        solver = RiverSolver(tree, river_strength(state.board), reach, self._frozen(state, tree, actions))
        result: RiverSearch | None = None
        if solver.normaliser() > 0.0:
            solution = solver.solve(c.iterations, params=c.dcfr, time_budget=c.time_budget, clock=self.clock)
            result = RiverSearch(tree, solver, solution, self.clock() - began, actions)
            self._solves.setdefault(self._hand_key(state), []).append(result)
            if len(self._solves) > CACHE_DECISIONS:
                self._solves.popitem(last=False)
            self.times.append(result.seconds)
            self.cpu_times.append(time.process_time() - cpu)
            self.wall_times.append(time.perf_counter() - wall)
            self.iterations.append(solution.iterations)
        self._cache[key] = result
        if len(self._cache) > CACHE_DECISIONS:
            self._cache.popitem(last=False)
        return result

    # -------------------------------------------------------------------- play

    def distribution(self, state: HandState) -> list[tuple[Move, float]]:
        """The agent's moves at ``state`` with their probabilities: the blueprint's before the river."""
        if state.street < RIVER:
            return self.fallback.distribution(state)
        result = self.search(state)
        if result is None:
            return self.fallback.distribution(state)
        node = result.tree.path[-1]
        seat = int(state.actor)
        hole = state.holes[seat]
        probs = result.node_strategy(node)[int(HOLE_ID[hole[0], hole[1]])]
        probs = probs / probs.sum()
        return [(m, float(p)) for m, p in zip(result.tree.moves[node], probs) if p > 0.0]

    def act(self, state: HandState, rng: np.random.Generator) -> Move:
        if state.street < RIVER:
            return self.fallback.act(state, rng)
        dist = self.distribution(state)
        if self.search(state) is None:
            self.fallbacks += 1
        else:
            self.searched += 1
        p = np.array([q for _, q in dist])
        i = int(np.searchsorted(np.cumsum(p), rng.random() * p.sum(), side="right"))
        return dist[min(i, len(dist) - 1)][0]
