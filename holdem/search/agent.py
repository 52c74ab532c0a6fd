"""``SearchAgent(blueprint, config).act(state)``: play by re-solving the current subgame.

Brown & Sandholm 2017, "Safe and Nested Subgame Solving for
Imperfect-Information Games"; Brown, Sandholm & Amos 2018, "Depth-Limited
Solving for Imperfect-Information Games"; Brown & Sandholm 2019,
"Superhuman AI for multiplayer poker" (Pluribus, which searched this way
with k = 4 continuations and unsafe ranges).  At a decision the agent builds
the subgame rooted at the current public state (to the end of the round, a
given depth, or the showdown), takes both seats' ranges from its policy by
Bayes' rule, re-solves it with DCFR, safe or unsafe, and plays the re-solved
strategy of its hand.

Ranges come from the policy the agent was given.  Nested search, where each
re-solve should start from the ranges of the strategies actually played,
is :func:`searched_policy` with the spliced policy of the earlier searches
(safe nested solving then protects against that policy's CBVs, as in Brown
& Sandholm 2017, section 6).

Given a heads-up Hold'em blueprint, the same ``SearchAgent`` plays real
hands through :class:`holdem.search.holdem_agent.HoldemSearchBot`: the
blueprint preflop and on the flop, unsafe re-solves of the turn subgame (to
the showdown over every river card) and the river subgame (finer sizes,
the opponent's actual sizes inserted, exact showdowns) on those streets
(``streets``).  Its settings are the same ``search:`` section
(:meth:`SearchConfig.from_file`, with :data:`HOLDEM_DEFAULTS`).
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from typing import Any, Protocol

import numpy as np
import yaml

from holdem.game.tree_arrays import NODE_DECISION
from holdem.games.spec import GameSpec
from holdem.search.cfr import DCFRParams
from holdem.search.gadget import SAFE, UNSAFE, Resolved, safe_resolve, unsafe_resolve
from holdem.search.hands import LeducHands, PrivateHands
from holdem.search.holdem_agent import HoldemSearchBot
from holdem.search.leaves import DEFAULT_BIAS, MAX_CONTINUATIONS, continuation_policies
from holdem.search.ranges import PublicState, reach
from holdem.search.splice import splice
from holdem.search.subgame import Subgame, build_subgame

ROUND, FULL = "round", "full"
SEARCH_STREETS = ("turn", "river")  # Hold'em streets a search may cover
BLUEPRINT_ACTIONS = "blueprint"
ACT_CACHE_STATES = 256  # public states whose solve act() keeps
# Hold'em: 200 iterations reach about 0.5% of the pot in exploitability within the river subgame
# (benchmarks/search.py), in about 1.4 s on one core; the budget caps slow machines
# the turn: its 1.5 s budget (SearchConfig.turn_time_budget) stops it after about 110-120 iterations of 4
# sampled river cards on one core, about 6-7% of the pot exploitable within the turn subgame from arbitrary ranges
HOLDEM_DEFAULTS: dict[str, Any] = {"mode": UNSAFE, "iterations": 200, "time_budget": 1.5,
                                   "streets": ("turn", "river")}


@dataclass(frozen=True)
class SearchConfig:
    """Every field, its unit and its default.

    actions      str    "blueprint": Leduc's subgames offer the blueprint tree's actions (its limit
                        betting has no other).  Hold'em's river subgames use the sizes below,
                        with the opponent's actual sizes inserted (:mod:`holdem.search.river_tree`).
    bet_sizes    list[float]  0.33, 0.66, 1.0, 1.5: Hold'em, first bet of the river in pots.
    raise_sizes  list[float]  0.5, 1.0: Hold'em, raises in pots (after calling).
    max_raises   int    3: Hold'em, bets and raises per river in the abstraction (actual ones always stay).
    all_in       bool   true: Hold'em, all-in is an action wherever a raise is.
    depth        str|int "round": to the end of the current betting round (the last round goes to
                        the showdown); "full": to the showdown; n >= 1: n decisions below the root.
    k            int    4: continuation strategies per seat at depth-limit leaves (Pluribus: 4).
    bias         float  5.0: factor on the favoured action of a biased continuation.
    iterations   int    1000: DCFR iterations per solve (per protected seat when safe).
    time_budget  float|None  None: seconds per decision, on the agent's clock, on top of iterations
                        (checked between chunks of iterations, so a solve may run a chunk over).
    threads      int    1: threads of a Hold'em turn or river solve, from 1 to the machine's CPU count;
                        the same strategy for every count (:mod:`holdem.search.river_cfr`).  The
                        budgets count on the agent's clock: on the default wall clock, threads buy
                        more iterations in the same seconds; on ``time.process_time`` (CPU seconds of
                        every thread, as ``benchmarks/search.py`` times one core) they buy none, since
                        n threads spend the budget n times as fast.  The Leduc solver is
                        single-threaded and accepts only 1.
    mode         str    "safe": re-solving gadget against the opponent's CBVs (bounded, costlier);
                        "unsafe": both ranges frozen at the blueprint's, as Pluribus
                        (:mod:`holdem.search.gadget` documents the trade).  Hold'em accepts only
                        "unsafe" (:mod:`holdem.search.holdem_agent` says why).
    alpha, beta, gamma  float  1.5, 0.0, 2.0: DCFR discounting (1, 1, 1 is Linear CFR).
    streets      list[str]  ["river"]: Hold'em streets searched, of "turn" and "river" (Hold'em's
                        defaults: both); the blueprint plays the others.
    turn_bet_sizes, turn_raise_sizes  list[float]  0.5, 1.0 / 1.0: the turn subgame's turn sizes in pots,
                        all-in as ``all_in`` says (:mod:`holdem.search.turn_tree`).
    turn_max_raises  int  2: bets and raises per turn in the turn subgame.
    turn_river_bet_sizes  list[float]  1.0: the river bets below each river card of the turn subgame
                        (no raises, no all-in: the river is re-solved finer when it comes).
    turn_river_samples  int  4: river cards each DCFR iteration of a turn solve deals (public chance
                        sampling; 48 deals every card).
    turn_iterations  int  200, turn_time_budget  float|None  1.5: a turn solve's budget.
    """

    actions: str = BLUEPRINT_ACTIONS
    depth: str | int = ROUND
    k: int = MAX_CONTINUATIONS
    bias: float = DEFAULT_BIAS
    iterations: int = 1000
    time_budget: float | None = None
    threads: int = 1
    mode: str = SAFE
    bet_sizes: tuple[float, ...] = (0.33, 0.66, 1.0, 1.5)
    raise_sizes: tuple[float, ...] = (0.5, 1.0)
    max_raises: int = 3
    all_in: bool = True
    alpha: float = 1.5
    beta: float = 0.0
    gamma: float = 2.0
    streets: tuple[str, ...] = ("river",)
    turn_bet_sizes: tuple[float, ...] = (0.5, 1.0)
    turn_raise_sizes: tuple[float, ...] = (1.0,)
    turn_max_raises: int = 2
    turn_river_bet_sizes: tuple[float, ...] = (1.0,)
    turn_river_samples: int = 4
    turn_iterations: int = 200
    turn_time_budget: float | None = 1.5

    def __post_init__(self) -> None:
        if self.actions != BLUEPRINT_ACTIONS:
            raise ValueError(f"search.actions: only {BLUEPRINT_ACTIONS!r} is implemented, got {self.actions!r}")
        if self.depth not in (ROUND, FULL) and not (isinstance(self.depth, int) and self.depth >= 1):
            raise ValueError(f"search.depth must be {ROUND!r}, {FULL!r} or a number of decisions >= 1, "
                             f"got {self.depth!r}")
        if not 1 <= self.k <= MAX_CONTINUATIONS:
            raise ValueError(f"search.k must be in [1, {MAX_CONTINUATIONS}], got {self.k}")
        if not self.bias > 0:
            raise ValueError(f"search.bias must be > 0, got {self.bias}")
        if self.iterations < 1:
            raise ValueError(f"search.iterations must be >= 1, got {self.iterations}")
        if self.time_budget is not None and not self.time_budget > 0:
            raise ValueError(f"search.time_budget must be > 0 seconds, got {self.time_budget}")
        cores = os.cpu_count() or 1
        if isinstance(self.threads, bool) or not isinstance(self.threads, int) or not 1 <= self.threads <= cores:
            raise ValueError(f"search.threads: got {self.threads!r}; set it to a whole number from 1 to {cores} "
                             "(this machine's CPU count)")
        streets = tuple(str(x) for x in self.streets)
        if not streets or any(x not in SEARCH_STREETS for x in streets) or len(set(streets)) != len(streets):
            raise ValueError(f"search.streets: distinct streets of {list(SEARCH_STREETS)}, got {list(streets)}")
        object.__setattr__(self, "streets", streets)
        if self.turn_iterations < 1 or self.turn_river_samples < 1 or self.turn_max_raises < 0:
            raise ValueError("search.turn_iterations and turn_river_samples must be >= 1, turn_max_raises >= 0")
        if self.turn_time_budget is not None and not self.turn_time_budget > 0:
            raise ValueError(f"search.turn_time_budget must be > 0 seconds, got {self.turn_time_budget}")
        for name in ("bet_sizes", "raise_sizes", "turn_bet_sizes", "turn_raise_sizes", "turn_river_bet_sizes"):
            sizes = tuple(float(x) for x in getattr(self, name))
            if any(not x > 0 for x in sizes):
                raise ValueError(f"search.{name} must be positive fractions of the pot, got {list(sizes)}")
            object.__setattr__(self, name, sizes)  # lists from a config file become tuples (hashable)
        if self.max_raises < 0:
            raise ValueError(f"search.max_raises must be >= 0, got {self.max_raises}")
        if self.mode not in (SAFE, UNSAFE):
            raise ValueError(f"search.mode must be {SAFE!r} or {UNSAFE!r}, got {self.mode!r}")

    @classmethod
    def from_dict(cls, section: dict[str, Any]) -> "SearchConfig":
        """From a config file's ``search:`` section; unknown keys are refused."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(section) - known)
        if unknown:
            raise ValueError(f"search: unknown keys {unknown}; known: {sorted(known)}")
        return cls(**section)

    @classmethod
    def holdem(cls, section: dict[str, Any] | None = None) -> "SearchConfig":
        """Hold'em's defaults (unsafe, turn and river, 200 iterations within 1.5 s each), overridden by ``section``."""
        return cls.from_dict({**HOLDEM_DEFAULTS, **(section or {})})

    @classmethod
    def from_file(cls, path: str | os.PathLike | None) -> "SearchConfig":
        """Hold'em's defaults overridden by the ``search:`` section of the YAML file at ``path`` (if given)."""
        if path is None:
            return cls.holdem()
        with open(path, encoding="utf-8") as f:
            raw = yaml.safe_load(f) or {}
        section = raw.get("search") if isinstance(raw, dict) else None
        if not isinstance(section, dict):
            raise ValueError(f"{path}: no 'search:' section (a mapping of search settings)")
        try:
            return cls.holdem(section)
        except (TypeError, ValueError) as e:
            raise ValueError(f"{path}: {e}") from None

    @property
    def dcfr(self) -> DCFRParams:
        return DCFRParams(self.alpha, self.beta, self.gamma)


class BlueprintLike(Protocol):
    """What search needs of a blueprint: its game and a full policy array (:class:`holdem.blueprint.Blueprint`)."""

    @property
    def game(self) -> GameSpec: ...

    @property
    def policy(self) -> np.ndarray: ...


@dataclass(frozen=True)
class PolicyBlueprint:
    """A bare (game, policy) pair that satisfies :class:`BlueprintLike`."""

    game: GameSpec
    policy: np.ndarray


@dataclass(frozen=True)
class SeatState:
    """What the acting seat knows: the public state and its own private hand (a hand index)."""

    public: PublicState
    hand: int


@dataclass(frozen=True)
class SearchResult:
    """A solved subgame: ``reach`` the seats' root reaches, ``resolved`` the strategies (ids of ``subgame``)."""

    subgame: Subgame
    reach: np.ndarray
    resolved: Resolved


def hands_of(game: GameSpec) -> PrivateHands:
    """The private hands search uses for ``game``."""
    if game.name == "leduc":
        return LeducHands()
    raise NotImplementedError(f"search over {game.name!r} hands is not implemented; Leduc is")


class SearchAgent:
    """Re-solves the subgame at each decision it is asked about (see the module docstring).

    Given a Hold'em blueprint (:class:`holdem.blueprint.Blueprint` with its
    game config), ``act(state, rng)`` takes a real
    :class:`holdem.game.engine.HandState` and returns a move, as the
    evaluation bots do: the blueprint's on streets not searched, a search on
    the turn and river (:class:`holdem.search.holdem_agent.HoldemSearchBot`, unsafe).
    """

    def __init__(self, blueprint: BlueprintLike, config: SearchConfig | None = None, *,
                 hands: PrivateHands | None = None, clock: Callable[[], float] = time.monotonic):
        self.name = "search"
        self.holdem: HoldemSearchBot | None = None
        if getattr(blueprint, "is_holdem", False):
            self.game = blueprint.game
            self.config = config if config is not None else SearchConfig.holdem()
            self.holdem = HoldemSearchBot(blueprint, self.config)  # type: ignore[arg-type]
            return
        self.game = blueprint.game
        self.policy = np.asarray(blueprint.policy, dtype=np.float64)
        self.config = config if config is not None else SearchConfig()
        if self.config.threads != 1:
            raise ValueError(f"search.threads: the Leduc solver runs on one thread; set it to 1 "
                             f"(got {self.config.threads})")
        self.hands = hands if hands is not None else hands_of(self.game)
        self.clock = clock
        self._continuations: list[np.ndarray] | None = None
        # a solve is deterministic given the public state, so every hand asked about there shares it
        self._acted: dict[PublicState, SearchResult] = {}

    def continuations(self) -> list[np.ndarray]:
        if self._continuations is None:
            c = self.config
            self._continuations = continuation_policies(self.game.tree, self.game.layout, self.policy, c.k, c.bias)
        return self._continuations

    def subgame(self, state: PublicState, full_depth: bool = False) -> Subgame:
        """The subgame ``config.depth`` asks for below ``state`` (or the full-depth one)."""
        tree, layout, depth = self.game.tree, self.game.layout, self.config.depth
        if full_depth or depth == FULL:
            return build_subgame(tree, layout, self.hands, state)
        if depth == ROUND:
            return build_subgame(tree, layout, self.hands, state, round_end=True, continuations=self.continuations())
        return build_subgame(tree, layout, self.hands, state, depth=int(depth), continuations=self.continuations())

    def search(self, state: PublicState, seats: Iterable[int] | None = None) -> SearchResult:
        """Re-solve the subgame at ``state``; safe mode protects ``seats`` (default: the seat to act)."""
        c = self.config
        subgame = self.subgame(state)
        r = reach(self.game.tree, self.game.layout, self.hands, self.policy, state)
        if c.mode == UNSAFE:
            resolved = unsafe_resolve(subgame, r, c.iterations, params=c.dcfr, time_budget=c.time_budget,
                                      clock=self.clock)
            return SearchResult(subgame, r, resolved)
        full = subgame if not subgame.leaves() else self.subgame(state, full_depth=True)
        protect = (int(self.game.tree.actor[state.node]),) if seats is None else tuple(seats)
        resolved = safe_resolve(subgame, full, self.policy, r, c.iterations, seats=protect, params=c.dcfr,
                                time_budget=c.time_budget, clock=self.clock)
        return SearchResult(subgame, r, resolved)

    def act(self, state: Any, rng: np.random.Generator | None = None) -> Any:
        """Leduc: float64[A], the probability of each action at ``state.public.node`` for the seat's hand
        (``state`` a :class:`SeatState`).  Hold'em: the move to make in ``state`` (a real hand), drawn with ``rng``."""
        if self.holdem is not None:
            return self.holdem.act(state, rng if rng is not None else np.random.default_rng())
        node = state.public.node
        if self.game.tree.kind[node] != NODE_DECISION:
            raise ValueError(f"node {node} is not a decision")
        if not self.hands.live(state.public.board)[state.hand]:
            raise ValueError(f"hand {state.hand} collides with the board {state.public.board}")
        result = self._acted.get(state.public)
        if result is None:
            if len(self._acted) >= ACT_CACHE_STATES:
                self._acted.clear()
            result = self._acted[state.public] = self.search(state.public)
        return result.resolved.strategy[0][state.hand].copy()


    def distribution(self, state: Any) -> list[tuple[Any, float]]:
        """Hold'em: the moves at ``state`` with their probabilities (what :meth:`act` draws from)."""
        if self.holdem is None:
            raise TypeError("distribution() is for Hold'em states; a Leduc agent's act() returns probabilities")
        return self.holdem.distribution(state)


def searched_policy(agent: SearchAgent, states: Iterable[PublicState]) -> np.ndarray:
    """The agent's policy with every seat re-solved at each of ``states`` (disjoint subgames), spliced in.

    This is the policy of the agent playing both seats, whose exploitability
    :mod:`holdem.exploitability` computes exactly on a small game.
    """
    out = agent.policy.copy()
    for state in states:
        result = agent.search(state, seats=(0, 1))
        out = splice(out, result.subgame, result.resolved.strategy, result.reach)
    return out
