"""Actions worded as poker players say them: an opening bet "bets 600", a raise "raises to 600".

The rules engine has one action, ``raise_to(x)`` (x is the seat's total bet
on the street), for both; what a player calls it depends on whether there is
a bet to raise.  Preflop there always is: the big blind is the opening bet.
"""
from __future__ import annotations

from holdem.game.engine import PREFLOP, ActionKind


def facing_bet(state) -> bool:
    """Whether the seat to act in ``state`` faces a bet (preflop: always, the blinds)."""
    return max(state.street_bets) > 0


def facing_bets_in_history(history) -> list[bool]:
    """For each action of a hand's history, whether a bet stood on its street when it was taken."""
    out = []
    street, bet = None, False
    for action in history:
        if action.street != street:
            street, bet = action.street, action.street == PREFLOP
        out.append(bet)
        bet = bet or action.kind == ActionKind.RAISE
    return out


def describe_action(kind: ActionKind, amount: int, facing: bool, third_person: bool = False,
                    all_in: bool = False) -> str:
    """``"bet 600"``, ``"raises to 1800"``, ``"calls 600"``, ``"check"``, ``"folds"``; ``all_in`` adds " (all-in)"."""
    s = "s" if third_person else ""
    if kind == ActionKind.FOLD:
        text = f"fold{s}"
    elif kind == ActionKind.CHECK_CALL:
        text = f"call{s} {amount}" if amount else f"check{s}"
    elif facing:
        text = f"raise{s} to {amount}"
    else:
        text = f"bet{s} {amount}"
    return text + (" (all-in)" if all_in else "")


def describe_legal(legal, facing: bool) -> str:
    """What the seat to act may do, e.g. ``"check or bet 100..9700"``, ``"fold, call 200 or raise to 400..9700"``."""
    return legal.describe(facing)
