"""Seat names a poker player uses: positions relative to the button.

Heads-up the button posts the small blind: ``BTN/SB`` and ``BB``.  With 3
to 6 seats: ``BTN``, ``SB``, ``BB``, then the seats after the big blind in
the order they act preflop, ``UTG`` first and ``CO`` (the seat before the
button) last: 4 seats ``UTG``; 5 seats ``UTG``, ``CO``; 6 seats ``UTG``,
``HJ``, ``CO``.  The blinds follow the rules engine
(:mod:`holdem.game.engine`): seat button+1 posts the small blind and
button+2 the big blind.
"""
from __future__ import annotations

MIN_SEATS = 2
MAX_SEATS = 6
_AFTER_BLINDS = ("UTG", "HJ", "CO")  # 6 seats; fewer seats drop the middle names first


def position_names(players: int) -> tuple[str, ...]:
    """Names of the seats ``button, button+1, ...`` clockwise, e.g. 3 -> ``("BTN", "SB", "BB")``."""
    if not MIN_SEATS <= players <= MAX_SEATS:
        raise ValueError(f"positions are named for {MIN_SEATS} to {MAX_SEATS} seats, got {players}")
    if players == 2:
        return ("BTN/SB", "BB")
    rest = players - 3
    after = _AFTER_BLINDS[:1] + _AFTER_BLINDS[len(_AFTER_BLINDS) - rest + 1:] if rest else ()
    return ("BTN", "SB", "BB", *after)


def position(seat: int, players: int, button: int = 0) -> str:
    """The position of ``seat`` at a table of ``players`` seats with the button at ``button``."""
    if not 0 <= seat < players or not 0 <= button < players:
        raise ValueError(f"seat and button must be 0..{players - 1}, got seat {seat}, button {button}")
    return position_names(players)[(seat - button) % players]


def seat_of(name: str, players: int, button: int = 0) -> int:
    """The seat at position ``name`` (case-insensitive; ``BTN`` or ``SB`` also name the heads-up ``BTN/SB``)."""
    wanted = name.strip().upper()
    names = position_names(players)
    for offset, full in enumerate(names):
        if wanted == full or wanted in full.split("/"):
            return (button + offset) % players
    raise ValueError(f"{name!r} is not a position at {players} seats; positions: {', '.join(names)}")
