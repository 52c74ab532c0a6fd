"""Hold'em search: the blueprint preflop and on the flop; re-solved subgames on the turn and the river.

Brown & Sandholm 2019, "Superhuman AI for multiplayer poker" (Pluribus):
play the blueprint early, search later in the hand; Brown & Sandholm 2017,
"Safe and Nested Subgame Solving" (NeurIPS): re-solve with the opponent's
actual bet sizes in the tree.  At a decision on a searched street
(``search.streets``: the turn and the river by default) the agent

1. takes both seats' reaches over the 1,326 hole pairs at the start of the
   street's betting from the blueprint by Bayes' rule along the actual
   history (:mod:`holdem.search.holdem_ranges`, off-tree bets translated as
   the blueprint translates them), except its own range at the river after a
   searched turn (below);
2. builds the street's subgame from the real pot, stacks and board, with a
   finer action abstraction and the actual actions of the street inserted:
   on the river, river betting to the showdown
   (:mod:`holdem.search.river_tree`); on the turn, turn betting, every river
   card, and a coarse river betting round below each, to the showdown
   (:mod:`holdem.search.turn_tree`, which says why it is not depth-limited);
3. solves it with exact hand strength by DCFR over hand vectors
   (:mod:`holdem.search.river_cfr`), within an iteration and a time budget;
   a turn solve deals a few sampled river cards per iteration (public chance
   sampling) to fit its budget;
4. plays the solved strategy of its hole cards at the current node.

**Unsafe**, as Pluribus: both ranges are frozen at the street's start and
the subgame is solved as a game of its own.  Why: on Leduc
(``benchmarks/search_leduc.py``, README "Search") re-solving the last round
at full depth from the blueprint's ranges cut exploitability from 0.293 to
0.118 unsafe and only to 0.222 safe; unsafe lost badly only when nested
below an earlier depth-limited search (narrow ranges shaped against
round-end continuations), while the turn subgame here runs to the showdown,
so the river nested below it starts from a range built against the whole
rest of the hand.  Safe re-solving would also need the
opponent's counterfactual best-response values against the blueprint, a
second solve per decision.  ``mode: safe`` is refused for Hold'em.

Each decision re-solves from the start of its street (so the opponent's
latest size is in the tree), with the agent's strategy at its own earlier
decisions of the street frozen at what it played them with (the previous
solve's, for every hole), as Pluribus did: the re-solve is then consistent
with how the agent got here.

**Ranges at the river after a searched turn.**  The agent's own range comes
from the strategy it actually played on the turn: the blueprint's reach at
the start of the turn times its latest turn solve's probability of each
turn move it made (that solve holds every earlier turn decision frozen, so
it is exactly what was played, hand by hand).  The opponent's range stays
the blueprint's along the whole history: it is a model of the opponent, it
is defined for any size the opponent chose (through the translation), and
a turn solve's strategy for the opponent is an unconverged estimate of an
equilibrium, not what the opponent played.
"""
from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from holdem.abstraction.features import HOLE_CARDS, HOLE_ID
from holdem.game.engine import BOARD_CARDS_VISIBLE, RIVER, TURN, ActionKind, HandState
from holdem.search.holdem_ranges import history_reaches
from holdem.search.river_cfr import RiverSolution, RiverSolver
from holdem.search.river_tree import RiverTree, Sizes, build_river_tree
from holdem.search.showdown import river_strength
from holdem.search.turn_tree import build_turn_tree, turn_strengths

if TYPE_CHECKING:
    from holdem.blueprint import Blueprint
    from holdem.search.agent import SearchConfig

Move = tuple[ActionKind, int]
CACHE_DECISIONS = 64  # solved decisions kept (AIVAT asks again for every decision of a finished hand)
STREETS = {"turn": TURN, "river": RIVER}


@dataclass(frozen=True)
class RiverSearch:
    """One solved decision (on the river, or on the turn): the tree, the solution and the threads it ran on.

    The solver's tables are not kept: a river solver's are some 30 MB, and an agent keeps the solves of
    its last hands (an LBR asks for several what-if solves a decision)."""

    tree: RiverTree
    solution: RiverSolution
    seconds: float
    actions: tuple = ()  # the moves of the solved street's history it was solved for
    street: int = RIVER
    threads: int = 1

    def node_strategy(self, node: int) -> np.ndarray:
        """float64[1326, A]: the solved strategy of every hole at decision ``node``."""
        d, na = int(self.tree.decision[node]), int(self.tree.n_actions[node])
        return self.solution.strategy[d, :, :na]


class HoldemSearchBot:
    """A heads-up Hold'em player (``act(state, rng)``, ``distribution(state)``) that searches on the turn and river.

    Fallback to the blueprint when no deal is consistent with the history
    (both reaches meet nowhere: the blueprint gave every hand zero probability
    of an action taken).  ``times`` holds the seconds of every river solve
    on ``clock`` (the statistic the time goals are about; ``clock`` also
    times the ``time_budget``: wall time by default, ``time.process_time``
    to count only this process's CPU on a shared machine), ``cpu_times`` and
    ``wall_times`` the same in process CPU and wall seconds, and
    ``iterations`` the DCFR iterations each ran and ``streets`` the street
    of each; ``searched`` and ``fallbacks`` count decisions.
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
        self.streets: list[int] = []
        self.searched_streets = frozenset(STREETS[x] for x in config.streets)
        self.searched = 0
        self.fallbacks = 0
        self._cache: OrderedDict[tuple, RiverSearch | None] = OrderedDict()
        # each hand's solves, by _hand_key: the river's, and the turn's
        self._solves: OrderedDict[tuple, list[RiverSearch]] = OrderedDict()
        self._turn_solves: OrderedDict[tuple, list[RiverSearch]] = OrderedDict()

    # ------------------------------------------------------------------ search

    def _key(self, state: HandState) -> tuple:
        seat = state.actor
        return (state.config, state.button, state.board, state.holes[seat], seat, state.history)

    def _hand_key(self, state: HandState, seat: int | None = None, street: int = RIVER) -> tuple:
        seat = state.actor if seat is None else seat
        before = tuple(a for a in state.history if a.street < street)
        return (state.config, state.button, state.board, state.holes[seat], seat, before)

    def river_solves(self, state: HandState, seat: int) -> list[RiverSearch]:
        """The river solves this agent made in ``state``'s hand, sitting in ``seat``, oldest first.

        Each carries the river moves it was solved for (``actions``), so an
        evaluator can tell which solves came before a given point of the hand
        (:class:`holdem.eval.aivat_values.RiverExactValue`).
        """
        return list(self._solves.get(self._hand_key(state, seat), []))

    def _latest(self, state: HandState, street: int, actions: tuple) -> RiverSearch | None:
        """The latest solve of ``street`` along this history, solved before ``actions`` were all taken
        (solves of what-ifs, e.g. LBR's candidate raises, branch off it)."""
        solves = (self._solves if street == RIVER else self._turn_solves).get(self._hand_key(state, street=street), [])
        return next((p for p in reversed(solves)
                     if len(p.actions) < len(actions) and actions[: len(p.actions)] == p.actions), None)

    def _frozen(self, state: HandState, tree: RiverTree, actions: tuple, street: int) -> dict[int, np.ndarray]:
        """The agent's earlier decisions on this street's path, at the strategy its latest solve played them with."""
        prev = self._latest(state, street, actions)
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

    def river_reaches(self, state: HandState) -> np.ndarray:
        """float64[2, 1326]: both seats' reaches at the start of river betting, as the agent models them.

        The opponent's from the blueprint along the history; the agent's own
        from the blueprint before the turn and, if it searched the turn, from
        the strategy it played its turn decisions with (its latest turn
        solve, which holds every earlier turn decision frozen at what it
        played), so the river starts from the range the agent really has.
        """
        seat = int(state.actor)
        reach = history_reaches(self.blueprint, state, seat, RIVER)
        if TURN not in self.searched_streets:
            return reach
        turn = [a for a in state.history if a.street == TURN]
        mine = [i for i, a in enumerate(turn) if a.seat == seat]
        moves = tuple((a.kind, a.amount) for a in turn)
        solve = self._latest(state, TURN, moves)
        if not mine or solve is None or len(solve.actions) != mine[-1]:
            return reach  # the agent's last turn decision was not searched (it fell back to the blueprint)
        own = history_reaches(self.blueprint, state, seat, TURN)[seat]
        node = 0
        for i, move in enumerate(moves):
            a = next(j for j, m in enumerate(solve.tree.moves[node]) if _same_move(m, move))
            if i in mine:
                own = own * solve.node_strategy(node)[:, a]
            node = int(solve.tree.children[node, a])
            if i >= mine[-1]:
                break
        board = state.board[: BOARD_CARDS_VISIBLE[RIVER]]
        reach[seat] = own * ~np.isin(HOLE_CARDS, board).any(axis=1)
        return reach

    def search(self, state: HandState) -> RiverSearch | None:
        """Solve the subgame of ``state``'s street (the seat to act's view); None when no deal reaches it."""
        key = self._key(state)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        c = self.config
        street = int(state.street)
        began, cpu, wall = self.clock(), time.process_time(), time.perf_counter()
        actions = tuple((a.kind, a.amount) for a in state.history if a.street == street)
        if street == RIVER:
            reach = self.river_reaches(state)
            tree = build_river_tree(state, c.bet_sizes, c.raise_sizes, max_raises=c.max_raises, all_in=c.all_in)
            solver = RiverSolver(tree, river_strength(state.board), reach, self._frozen(state, tree, actions, street),
                                 threads=c.threads)
            iterations, budget, solves, rows = c.iterations, c.time_budget, self._solves, None
        else:
            reach = history_reaches(self.blueprint, state, int(state.actor), TURN)
            tree = build_turn_tree(state, Sizes(c.turn_bet_sizes, c.turn_raise_sizes, c.turn_max_raises, c.all_in),
                                   Sizes(c.turn_river_bet_sizes, (), 1, False))
            # the sampled river cards are drawn from the deal's public cards, so a solve is a function of its state
            seed = hash((state.board[:4], actions, state.button)) & 0xFFFFFFFF
            solver = RiverSolver(tree, turn_strengths(state.board), reach, self._frozen(state, tree, actions, street),
                                 river_samples=c.turn_river_samples, seed=seed, threads=c.threads)
            iterations, budget, solves, rows = c.turn_iterations, c.turn_time_budget, self._turn_solves, tree.top
        result: RiverSearch | None = None
        if solver.normaliser() > 0.0:
            solution = solver.solve(iterations, params=c.dcfr, time_budget=budget, clock=self.clock, rows=rows)
            result = RiverSearch(tree, solution, self.clock() - began, actions, street, threads=solver.threads)
            solves.setdefault(self._hand_key(state, street=street), []).append(result)
            if len(solves) > CACHE_DECISIONS:
                solves.popitem(last=False)
            self.streets.append(street)
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
        """The agent's moves at ``state`` with their probabilities: the blueprint's on a street not searched."""
        if state.street not in self.searched_streets:
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
        if state.street not in self.searched_streets:
            return self.fallback.act(state, rng)
        dist = self.distribution(state)
        if self.search(state) is None:
            self.fallbacks += 1
        else:
            self.searched += 1
        p = np.array([q for _, q in dist])
        i = int(np.searchsorted(np.cumsum(p), rng.random() * p.sum(), side="right"))
        return dist[min(i, len(dist) - 1)][0]


def _same_move(a: Move, b: Move) -> bool:
    return int(a[0]) == int(b[0]) and (a[0] != ActionKind.RAISE or int(a[1]) == int(b[1]))
