"""Main and side pots, and how a showdown divides them.

Standard side-pot construction: sort the distinct amounts the seats have put
in over the hand; the slice between two consecutive amounts is one pot, made
of every seat's chips in that slice and contested by the seats that have not
folded and reached its top.  Folded seats' chips stay in the pots they reached
(dead money).  Consecutive slices contested by the same seats are one pot,
which matters only for odd chips.

Split pots and odd chips: consecutive pots won by exactly the same seats are
divided as one, and when chips do not divide evenly among the winners, the
whole remainder goes to the first winner clockwise from the seat left of the
button (the small blind, or the big blind heads-up).  This is what pokerkit
does (it kills the hands that win nothing, rebuilds the pots among the rest,
merging pots contested by the same seats, then ``push_chips`` gives each
pot's remainder to its first winner), so payoffs agree chip for chip.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence


@dataclass(frozen=True)
class Pot:
    """``amount`` chips contested by the seats in ``eligible`` (ascending seat order)."""

    amount: int
    eligible: tuple[int, ...]


def side_pots(contrib: Sequence[int], folded: Sequence[bool]) -> list[Pot]:
    """Main pot first, then side pots in the order they formed."""
    if len(contrib) != len(folded):
        raise ValueError(f"contrib has {len(contrib)} seats but folded has {len(folded)}")
    if any(c < 0 for c in contrib):
        raise ValueError(f"contributions must be non-negative, got {list(contrib)}")
    seats = range(len(contrib))
    pots: list[Pot] = []
    previous = 0
    for level in sorted({c for c in contrib if c > 0}):
        amount = sum(min(c, level) - min(c, previous) for c in contrib)
        eligible = tuple(s for s in seats if not folded[s] and contrib[s] >= level)
        if pots and pots[-1].eligible == eligible:
            amount += pots.pop().amount
        pots.append(Pot(amount, eligible))
        previous = level
    return pots


def clockwise_from(first: int, n_seats: int) -> list[int]:
    """Seats ``first, first + 1, ...`` wrapping around the table."""
    return [(first + i) % n_seats for i in range(n_seats)]


def award_pots(
    pots: Sequence[Pot],
    strength: Sequence[int | None],
    odd_chip_order: Sequence[int],
) -> list[int]:
    """Chips won per seat when each pot goes to its strongest eligible seats.

    ``strength[s]`` is the seat's hand rank (higher wins, equal ties); it is
    ignored for seats not eligible anywhere.  ``odd_chip_order`` lists every
    seat, first in line for odd chips first.
    """
    n_seats = len(strength)
    if sorted(odd_chip_order) != list(range(n_seats)):
        raise ValueError(f"odd_chip_order must list each of the {n_seats} seats once, got {list(odd_chip_order)}")
    place = {seat: i for i, seat in enumerate(odd_chip_order)}
    splits: list[tuple[int, tuple[int, ...]]] = []  # (chips, winners first in line first)
    for pot in pots:
        if not pot.eligible:
            raise ValueError(f"a pot of {pot.amount} chips has no eligible seat; contributions are inconsistent")
        ranks = [strength[s] for s in pot.eligible]
        if None in ranks:
            raise ValueError(f"a seat eligible for a pot of {pot.amount} chips has no hand rank: {ranks}")
        best = max(r for r in ranks if r is not None)
        winners = tuple(sorted((s for s in pot.eligible if strength[s] == best), key=place.__getitem__))
        if splits and splits[-1][1] == winners:
            splits[-1] = (splits[-1][0] + pot.amount, winners)
        else:
            splits.append((pot.amount, winners))
    won = [0] * n_seats
    for amount, winners in splits:
        share, odd = divmod(amount, len(winners))
        for s in winners:
            won[s] += share
        won[winners[0]] += odd
    return won
