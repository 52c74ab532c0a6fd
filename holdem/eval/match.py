"""Head-to-head matches on the rules engine, with duplicate dealing.

A match seats one *hero* (the player evaluated) and fills the other seats
with copies of the *opponent* (2 to 6 seats).  Duplicate dealing (as in the
ACPC's duplicate matches and Pluribus's evaluation): each group deals one
set of cards (hole cards per seat, board) and plays it ``n`` times with the
hero moved through every seat while the cards and the button stay, so luck
of the cards cancels within a group.  The group's result is the hero's mean
payoff over its ``n`` hands; groups are independent, so the 95% interval is
taken over group results (:mod:`holdem.eval.stats`).  The button moves from
group to group.

Randomness: the cards of group ``g`` come from ``default_rng([seed, g,
DEAL_STREAM])`` and the players' draws in rotation ``r`` from
``default_rng([seed, g, r])``, so a match is a pure function of its seed.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from holdem.eval.baselines import Bot, apply_move
from holdem.eval.stats import Estimate, mean_ci95, to_mbb
from holdem.game.engine import HandState, deal

DEAL_STREAM = 0x0DEA1  # keeps deal streams apart from the players' streams [seed, g, r]


@dataclass(frozen=True)
class MatchResult:
    hero: str
    opponent: str
    seats: int
    big_blind: int
    group_chips: np.ndarray  # hero's mean chips per hand, one entry per duplicate group
    seconds: float

    @property
    def groups(self) -> int:
        return int(self.group_chips.size)

    @property
    def hands(self) -> int:
        return self.groups * self.seats

    def estimate_mbb(self) -> Estimate:
        """Hero's result in milli big blinds per hand with its 95% interval."""
        e = mean_ci95(self.group_chips)
        return Estimate(to_mbb(e.mean, self.big_blind), to_mbb(e.half_width, self.big_blind), e.groups)

    def summary(self) -> dict[str, Any]:
        e = self.estimate_mbb()
        return {
            "hero": self.hero,
            "opponent": self.opponent,
            "seats": self.seats,
            "hands": self.hands,
            "duplicate_groups": self.groups,
            "mbb_per_hand": round(e.mean, 3),
            "ci95": [round(e.low, 3), round(e.high, 3)],
            "ci95_half_width": round(e.half_width, 3),
            "seconds": round(self.seconds, 3),
            "hands_per_second": round(self.hands / self.seconds, 1) if self.seconds > 0 else None,
        }


HandCallback = Callable[[HandState, int, int], None]  # (finished hand, group, rotation = the hero's seat)


def play_state(config, holes, board, button: int, seat_bots: Sequence[Bot], rng: np.random.Generator) -> HandState:
    """Play one hand to the end; returns the finished hand."""
    state = HandState.start(config, holes, board, button)
    while not state.is_over:
        apply_move(state, seat_bots[state.actor].act(state, rng))
    return state


def play_hand(config, holes, board, button: int, seat_bots: Sequence[Bot], rng: np.random.Generator) -> tuple[int, ...]:
    """Play one hand to the end; returns the payoffs per seat."""
    return play_state(config, holes, board, button, seat_bots, rng).payoffs()


def seat_names(hero: Bot, opponent: Bot, players: int, hero_seat: int) -> list[str]:
    """Each seat's player name in a rotation of a match (the hero in ``hero_seat``)."""
    names = [getattr(opponent, "name", "opponent")] * players
    names[hero_seat] = getattr(hero, "name", "hero")
    return names


def groups_for(hands: int, seats: int) -> int:
    """Duplicate groups needed to play at least ``hands`` hands (at least one group)."""
    if hands < 1:
        raise ValueError(f"--hands must be at least 1, got {hands}")
    return max(1, -(-hands // seats))


def run_match(config, hero: Bot, opponent: Bot, hands: int, seed: int = 0,
              on_group: Callable[[int, np.ndarray], None] | None = None, *,
              on_hand: HandCallback | None = None) -> MatchResult:
    """Play ``hands`` hands (rounded up to whole duplicate groups) of ``hero`` against ``opponent``.

    ``on_group(g, results_so_far)`` is called after each group (progress bars);
    ``on_hand(state, g, r)`` after each hand with the finished hand (hand histories).
    """
    n = config.players
    groups = groups_for(hands, n)
    results = np.zeros(groups, dtype=np.float64)
    began = time.perf_counter()
    for g in range(groups):
        holes, board = deal(config, np.random.default_rng([seed, g, DEAL_STREAM]))
        button = g % n
        total = 0
        for r in range(n):
            bots = [opponent] * n
            bots[r] = hero
            state = play_state(config, holes, board, button, bots, np.random.default_rng([seed, g, r]))
            total += state.payoffs()[r]
            if on_hand is not None:
                on_hand(state, g, r)
        results[g] = total / n
        if on_group is not None:
            on_group(g, results[: g + 1])
    return MatchResult(getattr(hero, "name", "hero"), getattr(opponent, "name", "opponent"), n, config.big_blind,
                       results, time.perf_counter() - began)
