"""The table a hand of No-Limit Hold'em is played at: seats, stacks, blinds, ante.

:class:`GameConfig` is immutable and validated on construction; every bad
value raises ``ValueError`` naming the field and saying what is accepted.
Chip amounts are integers (one chip is the smallest unit that plays).
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any, Sequence, cast

import numpy as np

MIN_PLAYERS = 2
MAX_PLAYERS = 6

_FIELDS = ("players", "stacks", "small_blind", "big_blind", "ante")


def _as_int(name: str, value: Any) -> int:
    # bool is an Integral in Python; True chips is a bug, not a stack of 1
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer number of chips, got {value!r}")
    return int(value)


@dataclass(frozen=True)
class GameConfig:
    """Players 2..6, starting stacks, blinds and an ante posted by every seat.

    ``stacks`` may be given as one int (every seat) or one int per seat; it is
    stored as a tuple with one entry per seat either way.  Blinds satisfy
    ``1 <= small_blind <= big_blind``; ``ante >= 0``.  A stack smaller than
    what a seat must post is allowed: the seat posts what it has and is
    all-in (see :mod:`holdem.game.engine`).
    """

    players: int
    stacks: int | tuple[int, ...]
    small_blind: int
    big_blind: int
    ante: int = 0

    def __post_init__(self) -> None:
        players = _as_int("players", self.players)
        if not MIN_PLAYERS <= players <= MAX_PLAYERS:
            raise ValueError(f"players must be {MIN_PLAYERS}..{MAX_PLAYERS}, got {players}")
        given = self.stacks.tolist() if isinstance(self.stacks, np.ndarray) else self.stacks
        if isinstance(given, Sequence) and not isinstance(given, (str, bytes)):
            if len(given) != players:
                raise ValueError(
                    f"stacks lists {len(given)} entries but players is {players}: "
                    "give one stack per seat or a single int"
                )
            stacks = tuple(_as_int(f"stacks[{i}]", s) for i, s in enumerate(given))
        elif isinstance(given, numbers.Integral) and not isinstance(given, bool):
            stacks = (int(given),) * players
        else:
            raise ValueError(f"stacks must be an int or a list of {players} ints (one per seat), got {self.stacks!r}")
        for i, s in enumerate(stacks):
            if s <= 0:
                raise ValueError(f"stacks[{i}] must be a positive number of chips, got {s}")
        small_blind = _as_int("small_blind", self.small_blind)
        big_blind = _as_int("big_blind", self.big_blind)
        ante = _as_int("ante", self.ante)
        if big_blind < 1:
            raise ValueError(f"big_blind must be at least 1 chip, got {big_blind}")
        if not 1 <= small_blind <= big_blind:
            raise ValueError(f"small_blind must be 1..big_blind ({big_blind}), got {small_blind}")
        if ante < 0:
            raise ValueError(f"ante must be 0 or more chips, got {ante}")
        for name, value in (
            ("players", players),
            ("stacks", stacks),
            ("small_blind", small_blind),
            ("big_blind", big_blind),
            ("ante", ante),
        ):
            object.__setattr__(self, name, value)

    @property
    def seat_stacks(self) -> tuple[int, ...]:
        """``stacks`` as stored: one int per seat (``__post_init__`` expands a single int)."""
        return cast(tuple[int, ...], self.stacks)

    @property
    def total_chips(self) -> int:
        return sum(self.seat_stacks)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; :meth:`from_dict` reverses it."""
        return {
            "players": self.players,
            "stacks": list(self.seat_stacks),
            "small_blind": self.small_blind,
            "big_blind": self.big_blind,
            "ante": self.ante,
        }

    @classmethod
    def from_dict(cls, data: Any) -> "GameConfig":
        """Build from a mapping with the fields of :class:`GameConfig`; unknown keys are an error."""
        if not isinstance(data, dict):
            raise ValueError(f"game config must be a mapping with keys {', '.join(_FIELDS)}; got {type(data).__name__}")
        unknown = sorted(set(data) - set(_FIELDS))
        if unknown:
            raise ValueError(f"unknown game config key(s) {unknown}; allowed: {', '.join(_FIELDS)}")
        missing = [k for k in _FIELDS[:-1] if k not in data]
        if missing:
            raise ValueError(f"game config is missing {', '.join(missing)}")
        return cls(**data)
