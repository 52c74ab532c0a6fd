"""AIVAT: variance reduction for head-to-head matches (Burch, Schmid, Moravcik, Morrill & Bowling 2018,
"AIVAT: A New Variance Reduction Technique for Agent Evaluation in Imperfect Information Games", AAAI).

A seat's AIVAT value of a hand is its payoff plus one control variate per
event whose distribution is known:

* actions of players whose policy is known (a bot with ``distribution``:
  the blueprints, and the deterministic baselines, whose terms are zero):
  ``E_a~sigma[v(h a)] - v(h a*)``.  Players of unknown policy (the
  uniformly random baseline, LBR) get no action terms.
* chance events: ``E_c[w(c)] - w(c*)``, the expectation over every card
  the dealer could have dealt from the unseen ones, minus the value with the
  card it did deal.

Two sets of value functions (:mod:`holdem.eval.aivat_values`):

* every seat a blueprint of one heads-up tree: ``v`` is the expected payoff
  of the dealt cards under both blueprints (:class:`TreeValue`), so the
  action terms take out the players' sampling luck.  The cards
  then count as dealt before play (a deal's value is what play makes of
  it), and the chance term is the river card's: the deal's value averaged
  over the river cards, minus its value with the river dealt.  The hole
  cards, flop and turn would take 1.7 M, 17 k and 2 k passes over the tree
  a hand; duplicate dealing already cancels most of the hole cards' luck.
* otherwise: each card is a chance event when it is dealt (the hole cards,
  flop, turn and river), and one value serves chance and action terms
  alike, so that consecutive terms cancel: the expected showdown payoff of
  the pots as they stand, over the cards not dealt yet
  (:class:`ShowdownValue`).  An action value of another kind, such as the
  payoff of checking and calling down with every card known, breaks that
  cancelling (against the tag baseline it widens the interval).
* on request (``MatchAivat(..., values=RiverExactValue)``: heads-up, each
  seat a blueprint or a river searcher): the second set with the river
  exact (:class:`~holdem.eval.aivat_values.RiverExactValue`): a river
  state is worth the expected payoff of the rest of the hand under both
  seats' policies, and the river card's chance term is the one the value
  function gives (:meth:`~holdem.eval.aivat_values.RiverExactValue.reveal_term`),
  so the river's betting and card luck both come out.

Each term has mean zero given what came before it, so the corrected value is
an unbiased estimate of the payoff's expectation for any value functions
(section 4 of the paper); the closer they track the payoff, the smaller the
variance.  Matches combine AIVAT with duplicate dealing: each hand is
corrected, then averaged in its duplicate group as the raw payoffs are
(:mod:`holdem.eval.match`), so the two intervals are comparable.

One caveat for the second set: a blueprint's translation draws hash the whole
board (:mod:`holdem.blueprint`), so when a real raise size must be
translated, the action taken carries pseudo-random traces of cards not yet
dealt, which tilts the street-by-street chance terms by noise no value
function correlates with.  Action terms hold given the whole deal, and so
does everything in the first set, where the deal comes first.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from holdem.eval.aivat_values import (
    ShowdownValue,
    TreeValue,
    ValueFunction,
    even_shares,
    shared_tree,
    showdown_values,
)
from holdem.eval.baselines import BlueprintBot, Bot, Move, apply_move
from holdem.eval.match import MatchResult
from holdem.eval.stats import Estimate, mean_ci95, to_mbb
from holdem.game.engine import BOARD_CARDS_VISIBLE, HandState


@dataclass(frozen=True)
class HandTerms:
    """Sums of one seat's control variates over a hand, in chips (add both to its payoff)."""

    chance: float
    action: float

    @property
    def total(self) -> float:
        return self.chance + self.action


def known_distribution(bot: Bot, state: HandState) -> list[tuple[Move, float]] | None:
    """The bot's distribution over moves in ``state``, or None when its policy is not known."""
    method = getattr(bot, "distribution", None)
    return None if method is None else method(state)


def _after(state: HandState, move: Move) -> HandState:
    child = state.copy()
    apply_move(child, move)
    return child


def _reveal_terms(state: HandState, first: int, last: int, seat: int, value: ValueFunction) -> float:
    """Chance terms of the streets ``first..last`` dealt in ``state`` (bets are settled; pots as they stand).

    A value function with ``reveal_term(state, street, seat)`` gives a street's term itself (None: this one).
    """
    reveal = getattr(value, "reveal_term", None)
    total = 0.0
    for street in range(first, last + 1):
        own = None if reveal is None else reveal(state, street, seat)
        if own is not None:
            total += own
            continue
        before = state.board[: BOARD_CARDS_VISIBLE[street - 1]]
        after = state.board[: BOARD_CARDS_VISIBLE[street]]
        # E over the cards of this street of w(after) is w(before): w already averages the runouts
        total += (showdown_values(state.holes, before, state.contrib, state.folded)[seat]
                  - showdown_values(state.holes, after, state.contrib, state.folded)[seat])
    return total


def hand_terms(state: HandState, seat_bots: Sequence[Bot], seat: int, value: ValueFunction) -> HandTerms:
    """AIVAT's terms for ``seat`` over the finished hand ``state`` that ``seat_bots`` played.

    With a :class:`TreeValue` (every policy known) the cards count as dealt
    before play and the chance term is the river's on the root value
    (:meth:`TreeValue.river_term`); otherwise each card is a chance event
    when it is dealt, valued by :func:`showdown_values` (:class:`ShowdownValue`).
    """
    if not state.is_over:
        raise ValueError("AIVAT corrects finished hands")
    by_street = not isinstance(value, TreeValue)
    replay = HandState.start(state.config, state.holes, state.board, state.button)
    if by_street:
        # the hole cards: before them every eligible seat's share is alike
        chance = (even_shares(replay.contrib, replay.folded)[seat]
                  - showdown_values(replay.holes, (), replay.contrib, replay.folded)[seat])
    else:
        chance = value.river_term(state, seat)  # type: ignore[attr-defined]
    action_sum = 0.0
    for action in state.history:
        street = replay.street
        dist = known_distribution(seat_bots[action.seat], replay)
        if dist is not None and len(dist) > 1:
            if not any(move == (action.kind, action.amount) for move, _ in dist):
                raise ValueError(f"{action} is outside the distribution {dist} its player reported")
            expected = sum(p * value(_after(replay, move))[seat] for move, p in dist)
            replay.apply(action)
            action_sum += expected - value(replay)[seat]
        else:
            replay.apply(action)
        if by_street and replay.street > street:
            chance += _reveal_terms(replay, street + 1, replay.street, seat, value)
    return HandTerms(chance, action_sum)


def value_function(seat_bots: Sequence[Bot]) -> ValueFunction:
    """:class:`TreeValue` when every seat is a blueprint of one heads-up tree, else :class:`ShowdownValue`."""
    if all(isinstance(b, BlueprintBot) for b in seat_bots):
        blueprints = [b.blueprint for b in seat_bots]  # type: ignore[attr-defined]
        if shared_tree(blueprints):
            return TreeValue(blueprints)
    return ShowdownValue()


class MatchAivat:
    """Collects the AIVAT terms of a match's hands: pass :meth:`on_hand` to :func:`~holdem.eval.match.run_match`.

    The hero's terms are summed per duplicate group, so :meth:`corrected`
    gives the group results the raw ones would be with every hand corrected.
    """

    def __init__(self, hero: Bot, opponent: Bot, players: int,
                 values: Callable[[Sequence[Bot]], ValueFunction] | None = None):
        """``values(seat_bots)``: the value function for one seating (default :func:`value_function`)."""
        self.hero = hero
        self.opponent = opponent
        self.players = players
        self.values = values or value_function
        self._values: dict[int, ValueFunction] = {}  # by the hero's seat
        self._chance: list[float] = []
        self._action: list[float] = []
        self.value_name = ""

    def seat_bots(self, hero_seat: int) -> list[Bot]:
        bots = [self.opponent] * self.players
        bots[hero_seat] = self.hero
        return bots

    def on_hand(self, state: HandState, group: int, hero_seat: int) -> None:
        bots = self.seat_bots(hero_seat)
        if hero_seat not in self._values:
            v = self._values[hero_seat] = self.values(bots)
            self.value_name = getattr(v, "name", "tree" if isinstance(v, TreeValue) else "showdown")
        terms = hand_terms(state, bots, hero_seat, self._values[hero_seat])
        while len(self._chance) <= group:
            self._chance.append(0.0)
            self._action.append(0.0)
        self._chance[group] += terms.chance / self.players
        self._action[group] += terms.action / self.players

    def group_terms(self) -> tuple[np.ndarray, np.ndarray]:
        """(chance, action) terms per duplicate group, mean per hand in chips."""
        return np.array(self._chance), np.array(self._action)

    def corrected(self, result: MatchResult) -> np.ndarray:
        chance, action = self.group_terms()
        if chance.size != result.groups:
            raise ValueError(f"AIVAT saw {chance.size} groups, the match played {result.groups}")
        return result.group_chips + chance + action

    def summary(self, result: MatchResult) -> dict[str, Any]:
        """The corrected figure next to the raw one, in mbb per hand with 95% intervals."""
        bb = result.big_blind
        raw = result.estimate_mbb()
        e = mean_ci95(self.corrected(result))
        fixed = Estimate(to_mbb(e.mean, bb), to_mbb(e.half_width, bb), e.groups)
        chance, action = self.group_terms()
        return {
            "mbb_per_hand": round(fixed.mean, 3),
            "ci95": [round(fixed.low, 3), round(fixed.high, 3)],
            "ci95_half_width": round(fixed.half_width, 3),
            "interval_narrower_by": (round(raw.half_width / fixed.half_width, 3)
                                     if 0 < fixed.half_width < math.inf and raw.half_width < math.inf else None),
            "value_function": self.value_name,
            "chance_terms_mbb": round(float(to_mbb(chance.mean(), bb)), 3),
            "action_terms_mbb": round(float(to_mbb(action.mean(), bb)), 3),
        }


def aivat_phrase(summary: dict[str, Any]) -> str:
    """The corrected figure of :meth:`MatchAivat.summary` in plain words, to follow the raw one."""
    low, high = summary["ci95"]
    narrower = summary["interval_narrower_by"]
    interval = (f"95% interval {low:+,.1f} to {high:+,.1f} mbb/hand" if math.isfinite(low) and math.isfinite(high)
                else "no interval from a single duplicate group")
    return (f"AIVAT-corrected {summary['mbb_per_hand']:+,.1f} mbb/hand ({interval}"
            + (f", {narrower:.1f}x narrower)" if narrower is not None else ")"))
