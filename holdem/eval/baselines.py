"""Players for head-to-head evaluation: simple baselines and the blueprint itself.

A bot is anything with a ``name`` and ``act(state, rng) -> (ActionKind, amount)``
for the seat to act (``amount`` in the engine's conventions: chips a
check/call puts in, the raise-to street total of a raise).  Bots keep no
per-hand state, so one instance can sit in several seats.  A bot whose
policy is known also has ``distribution(state) -> [(move, probability)]``
(AIVAT's action terms, :mod:`holdem.eval.aivat`); the random baseline has
none: its raise sizes spread over every legal amount.

Baselines (the usual yardsticks of poker-bot evaluations, e.g. the ACPC's
"always call" and "always raise" players):

* ``random``: a legal action kind uniformly (fold only when facing a bet),
  a raise to a uniform amount in the legal range;
* ``call``: always check or call (a calling station);
* ``raise-pot``: always raise to the pot-sized amount (call when raising is
  not allowed);
* ``tag``: a tight-aggressive rule bot.  Its hand strength is the Monte Carlo
  equity against as many random hands as it has live opponents, scaled by
  the number of players in the pot (1.0 = a fair share).  It opens or raises
  strong hands, calls medium ones, folds the rest preflop; postflop it bets
  2/3 of the pot with strong hands and calls when its equity beats the pot
  odds by a margin.
"""
from __future__ import annotations

from typing import Protocol

import numpy as np

from holdem.game.engine import BOARD_CARDS_VISIBLE, PREFLOP, ActionKind, HandState

Move = tuple[ActionKind, int]


class Bot(Protocol):
    name: str

    def act(self, state: HandState, rng: np.random.Generator) -> Move: ...


def pot_raise_to(state: HandState) -> int:
    """Raise-to amount of a pot-sized raise (current bet + pot after calling), before clipping."""
    bets = state.street_bets
    current = max(bets)
    to_call = current - bets[state.actor]
    return current + state.pot + to_call


def clip_raise(state: HandState, amount: float) -> Move:
    """A raise to ``amount`` clipped to the legal range, or a check/call when raising is not allowed."""
    legal = state.legal()
    if not legal.can_raise:
        return ActionKind.CHECK_CALL, legal.call_amount
    return ActionKind.RAISE, int(min(max(int(round(amount)), legal.min_raise_to), legal.max_raise_to))


class RandomBot:
    name = "random"

    def act(self, state: HandState, rng: np.random.Generator) -> Move:
        legal = state.legal()
        kinds = [ActionKind.CHECK_CALL]
        if legal.can_fold:
            kinds.append(ActionKind.FOLD)
        if legal.can_raise:
            kinds.append(ActionKind.RAISE)
        kind = kinds[int(rng.integers(len(kinds)))]
        if kind == ActionKind.FOLD:
            return kind, 0
        if kind == ActionKind.RAISE:
            return kind, int(rng.integers(legal.min_raise_to, legal.max_raise_to + 1))
        return kind, legal.call_amount


class Deterministic:
    """A bot whose move is a function of the state: its distribution is that move for sure."""

    def act(self, state: HandState, rng: np.random.Generator) -> Move:
        raise NotImplementedError

    def distribution(self, state: HandState) -> list[tuple[Move, float]]:
        return [(self.act(state, np.random.default_rng(0)), 1.0)]


class CallBot(Deterministic):
    name = "call"

    def act(self, state: HandState, rng: np.random.Generator) -> Move:
        return ActionKind.CHECK_CALL, state.legal().call_amount


class RaisePotBot(Deterministic):
    name = "raise-pot"

    def act(self, state: HandState, rng: np.random.Generator) -> Move:
        return clip_raise(state, pot_raise_to(state))


# TAG thresholds on strength = equity * players in the pot (1.0 = a fair share of the pot)
TAG_SAMPLES = 400
TAG_SEED = 0
TAG_OPEN = 1.20  # heads-up: 60% equity against a random hand
TAG_CALL_OPEN = 1.00  # limp/call the blinds with a fair share or better
TAG_RERAISE = 1.35
TAG_CALL_RAISE = 1.12
TAG_VALUE_BET = 1.30
TAG_CALL_MARGIN = 0.05  # equity above the pot odds needed to call postflop
TAG_OPEN_BB = 3.0  # preflop open to 3 big blinds, re-raise to 3x the bet
TAG_BET_POT = 2.0 / 3.0


class TagBot(Deterministic):
    name = "tag"

    def act(self, state: HandState, rng: np.random.Generator) -> Move:
        from holdem.eval.ranges import board_array, equity_vs_random

        seat = state.actor
        legal = state.legal()
        opponents = sum(1 for s in range(state.n_players) if s != seat and not state.folded[s])
        board = state.board[: BOARD_CARDS_VISIBLE[state.street]]
        # seeded by the cards alone (equity_vs_random mixes them in), so the rule bot is deterministic
        equity = equity_vs_random(np.asarray(state.holes[seat], np.int64), board_array(board), len(board),
                                  opponents, TAG_SAMPLES, TAG_SEED)
        strength = equity * (opponents + 1)
        bets = state.street_bets
        current = max(bets)
        big_blind = state.config.big_blind
        facing_raise = current > big_blind if state.street == PREFLOP else current > 0
        if state.street == PREFLOP:
            if not facing_raise:
                if strength >= TAG_OPEN:
                    return clip_raise(state, TAG_OPEN_BB * big_blind)
                if strength >= TAG_CALL_OPEN or legal.can_check:
                    return ActionKind.CHECK_CALL, legal.call_amount
                return ActionKind.FOLD, 0
            if strength >= TAG_RERAISE:
                return clip_raise(state, TAG_OPEN_BB * current)
            if strength >= TAG_CALL_RAISE:
                return ActionKind.CHECK_CALL, legal.call_amount
            return ActionKind.FOLD, 0
        if strength >= TAG_VALUE_BET:
            return clip_raise(state, current + TAG_BET_POT * (state.pot + legal.call_amount))
        if legal.can_check:
            return ActionKind.CHECK_CALL, 0
        pot_odds = legal.call_amount / (state.pot + legal.call_amount)
        if equity >= pot_odds + TAG_CALL_MARGIN:
            return ActionKind.CHECK_CALL, legal.call_amount
        return ActionKind.FOLD, 0


BASELINES = {bot.name: bot for bot in (RandomBot, CallBot, RaisePotBot, TagBot)}


def make_baseline(name: str) -> Bot:
    try:
        return BASELINES[name]()
    except KeyError:
        raise ValueError(f"unknown baseline {name!r}; choose one of: {', '.join(BASELINES)} "
                         "(or a snapshot directory)") from None


class BlueprintBot:
    """Plays a :class:`holdem.blueprint.Blueprint` by sampling its distribution; counts off-tree decisions."""

    def __init__(self, blueprint, name: str = "blueprint"):
        self.blueprint = blueprint
        self.name = name
        self.decisions = 0
        self.off_tree = 0

    def act(self, state: HandState, rng: np.random.Generator) -> Move:
        decision = self.blueprint.action_probabilities(state)
        self.decisions += 1
        self.off_tree += not decision.on_tree
        choice = decision.sample(rng)
        return choice.kind, choice.amount

    def distribution(self, state: HandState) -> list[tuple[Move, float]]:
        """The blueprint's moves with their probabilities (abstract actions played alike are merged)."""
        decision = self.blueprint.action_probabilities(state)
        total = sum(c.probability for c in decision.choices)
        merged: dict[Move, float] = {}
        for c in decision.choices:
            move = (c.kind, c.amount)
            merged[move] = merged.get(move, 0.0) + c.probability / total
        return list(merged.items())


def apply_move(state: HandState, move: Move) -> None:
    kind, amount = move
    if kind == ActionKind.FOLD:
        state.fold()
    elif kind == ActionKind.RAISE:
        state.raise_to(amount)
    else:
        state.check_or_call()
