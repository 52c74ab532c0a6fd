"""Action abstraction: the bet and raise sizes the betting tree offers.

Per street: the sizes of the *first* bet of the street (preflop: the open
raise over the blinds), the sizes of later raises, whether all-in is always
offered, and a cap on the number of bets/raises on the street.  Folding
(when facing a bet) and checking/calling are always offered.

Sizes
-----
A size is a pot fraction ``f`` or a multiple ``m`` of the big blind:

* pot fraction (the standard pot-relative definition, as in "pot-sized
  raise"): ``raise_to = current_bet + f * (pot + to_call)`` where ``pot`` is
  every chip already in the middle (antes, blinds, earlier streets and this
  street's bets) and ``to_call`` is what the actor must add to match the
  current bet.  So ``f = 1`` is a pot-sized raise (pokerkit's
  ``pot_completion_betting_or_raising_to_amount``) and, facing no bet, a bet
  of ``f * pot``.
* big-blind multiple (meant for preflop): ``raise_to = m * big_blind``.

``raise_to`` is the actor's total bet on the street after the action
(the convention of :data:`holdem.game.tree_arrays.ACTION_RAISE`).  Amounts are
rounded half up to whole chips.

Mapping to legal amounts (one rule, applied at every node): a target below the
minimum legal raise becomes the minimum raise; a target at or above the
actor's stack becomes all-in; all-in is added when ``allin`` is set; then
duplicates are merged.  When the actor cannot make a full minimum raise the
only raise left is all-in, so every size maps to it.

YAML form (see :meth:`ActionAbstraction.from_dict`)::

    actions:
      default: {bet: [1.0], raise: [1.0], allin: true, max_raises: 3}
      preflop: {bet: [2.5bb], raise: [1.0]}   # missing keys come from default
      flop: ...

Sizes are numbers (pot fractions), ``"pot"`` (1.0), ``"75%"`` (0.75) or
``"2.5bb"`` (big blinds).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
from numba import njit

STREET_NAMES = ("preflop", "flop", "turn", "river")
N_STREETS = len(STREET_NAMES)

UNIT_POT = 0  # size is a fraction of the pot after calling
UNIT_BB = 1  # size is a raise-to in big blinds
UNIT_NAMES = ("pot", "bb")

# Raise-size lists per street: index 0 sizes the first bet, index 1 later raises.
SIZES_BET = 0
SIZES_RAISE = 1

DEFAULT_ALLIN = True
DEFAULT_MAX_RAISES = 3
# Bounded so a node's action count (fold + call + sizes + all-in) fits int8.
MAX_SIZES_PER_LIST = 16
MAX_SIZE_VALUE = 1000.0  # a 1000x pot or 1000 bb is surely a typo

_BB_SIZE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*bb\s*$", re.IGNORECASE)
_PCT_SIZE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*%\s*$")
_NUM_SIZE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*$")
_SIZE_HELP = "a pot fraction such as 0.5, 'pot', '75%', or big blinds such as '2.5bb'"


@dataclass(frozen=True)
class BetSize:
    """One abstract size: ``value`` pot fractions or ``value`` big blinds."""

    value: float
    unit: str = "pot"

    def __post_init__(self) -> None:
        if self.unit not in UNIT_NAMES:
            raise ValueError(f"unit: expected one of {UNIT_NAMES}, got {self.unit!r}")
        v = self.value
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ValueError(f"expected {_SIZE_HELP}, got {v!r}")
        if not 0 < v <= MAX_SIZE_VALUE:
            raise ValueError(f"expected a size in (0, {MAX_SIZE_VALUE:g}], got {v!r}")
        object.__setattr__(self, "value", float(v))

    @classmethod
    def parse(cls, raw: Any) -> "BetSize":
        """Parse ``0.5``, ``"pot"``, ``"75%"`` or ``"2.5bb"``; ValueError otherwise."""
        if isinstance(raw, BetSize):
            return raw
        if isinstance(raw, bool):
            raise ValueError(f"expected {_SIZE_HELP}, got {raw!r}")
        if isinstance(raw, (int, float)):
            return cls(float(raw), "pot")
        if isinstance(raw, str):
            text = raw.strip().lower()
            if text == "pot":
                return cls(1.0, "pot")
            m = _BB_SIZE.match(text)
            if m:
                return cls(float(m.group(1)), "bb")
            m = _PCT_SIZE.match(text)
            if m:
                return cls(float(m.group(1)) / 100.0, "pot")
            m = _NUM_SIZE.match(text)
            if m:
                return cls(float(m.group(1)), "pot")
        raise ValueError(f"expected {_SIZE_HELP}, got {raw!r}")

    def to_raw(self) -> float | str:
        """The YAML/JSON form: a number for pot fractions, ``"2.5bb"`` for big blinds."""
        if self.unit == "pot":
            return self.value
        return f"{self.value:g}bb"

    def target(self, current_bet: int, pot: int, to_call: int, big_blind: int) -> int:
        """Unmapped raise-to amount (see the module docstring)."""
        return int(_size_target(self.value, UNIT_NAMES.index(self.unit), current_bet, pot, to_call, big_blind))


@dataclass(frozen=True)
class StreetActions:
    """Sizes on one street.

    ``bet``: sizes of the street's first bet (preflop: the open raise over the
    blinds; limps do not count).  ``raises``: sizes once a bet or raise has
    been made.  ``allin``: always offer all-in when a raise is legal.
    ``max_raises``: bets and raises (all-ins included) allowed on the street;
    once reached, only fold/check/call; 0 means no betting on the street.
    """

    bet: tuple[BetSize, ...] = ()
    raises: tuple[BetSize, ...] = ()
    allin: bool = DEFAULT_ALLIN
    max_raises: int = DEFAULT_MAX_RAISES

    def __post_init__(self) -> None:
        for name in ("bet", "raises"):
            sizes = tuple(BetSize.parse(s) for s in getattr(self, name))
            if len(sizes) > MAX_SIZES_PER_LIST:
                raise ValueError(f"{name}: at most {MAX_SIZES_PER_LIST} sizes, got {len(sizes)}")
            object.__setattr__(self, name, sizes)
        if not isinstance(self.allin, bool):
            raise ValueError(f"allin: expected true or false, got {self.allin!r}")
        if isinstance(self.max_raises, bool) or not isinstance(self.max_raises, int) or self.max_raises < 0:
            raise ValueError(f"max_raises: expected an integer >= 0, got {self.max_raises!r}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "bet": [s.to_raw() for s in self.bet],
            "raise": [s.to_raw() for s in self.raises],
            "allin": self.allin,
            "max_raises": self.max_raises,
        }


_STREET_KEYS = ("bet", "raise", "allin", "max_raises")


@dataclass(frozen=True)
class ActionAbstraction:
    """Per-street :class:`StreetActions`, preflop first."""

    streets: tuple[StreetActions, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if len(self.streets) != N_STREETS or not all(isinstance(s, StreetActions) for s in self.streets):
            raise ValueError(f"streets: expected {N_STREETS} StreetActions ({', '.join(STREET_NAMES)})")

    @classmethod
    def uniform(cls, bet=(1.0,), raises=(1.0,), allin: bool = True, max_raises: int = DEFAULT_MAX_RAISES):
        """Same sizes on every street (e.g. fold/call/pot/all-in)."""
        street = StreetActions(tuple(bet), tuple(raises), allin, max_raises)
        return cls((street,) * N_STREETS)

    @classmethod
    def from_dict(cls, raw: Any) -> "ActionAbstraction":
        """Parse the ``actions`` section; ValueError whose message starts with the key path."""
        if not isinstance(raw, Mapping):
            raise ValueError(f": expected a mapping of streets ({', '.join(STREET_NAMES)}), got {_show(raw)}")
        allowed = ("default",) + STREET_NAMES
        for key in raw:
            if key not in allowed:
                raise ValueError(f".{key}: unknown key; expected one of {', '.join(allowed)}")
        default = _street_mapping(raw.get("default", {}), "default")
        streets = []
        for name in STREET_NAMES:
            merged = dict(default)
            merged.update(_street_mapping(raw.get(name, {}), name))
            streets.append(_parse_street(merged, name))
        return cls(tuple(streets))

    def to_dict(self) -> dict[str, Any]:
        return {name: s.to_dict() for name, s in zip(STREET_NAMES, self.streets)}

    def max_actions(self) -> int:
        """Upper bound on actions at a node: fold, call, every size, all-in."""
        return 2 + max(max(len(s.bet), len(s.raises)) for s in self.streets) + 1

    def as_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Compiled form: (values f8[S,2,K], units i1[S,2,K], counts i4[S,2], allin b1[S], max_raises i4[S])."""
        k = max(1, max(max(len(s.bet), len(s.raises)) for s in self.streets))
        values = np.zeros((N_STREETS, 2, k), dtype=np.float64)
        units = np.zeros((N_STREETS, 2, k), dtype=np.int8)
        counts = np.zeros((N_STREETS, 2), dtype=np.int32)
        for si, street in enumerate(self.streets):
            for li, sizes in ((SIZES_BET, street.bet), (SIZES_RAISE, street.raises)):
                counts[si, li] = len(sizes)
                for j, size in enumerate(sizes):
                    values[si, li, j] = size.value
                    units[si, li, j] = UNIT_NAMES.index(size.unit)
        allin = np.array([s.allin for s in self.streets], dtype=np.bool_)
        max_raises = np.array([s.max_raises for s in self.streets], dtype=np.int32)
        return values, units, counts, allin, max_raises

    def raise_amounts(
        self,
        street: int,
        n_raises: int,
        current_bet: int,
        pot: int,
        to_call: int,
        min_raise_to: int,
        max_raise_to: int,
        big_blind: int,
    ) -> tuple[int, ...]:
        """Legal raise-to amounts offered at a node, ascending (all-in last).

        ``n_raises`` is the number of bets/raises already made on the street;
        at or above the street's cap nothing is offered.  The caller states
        that a raise is legal at all and gives its legal range.
        """
        s = self.streets[street]
        if n_raises >= s.max_raises:
            return ()
        sizes = s.bet if n_raises == 0 else s.raises
        values = np.array([x.value for x in sizes] or [0.0], dtype=np.float64)
        units = np.array([UNIT_NAMES.index(x.unit) for x in sizes] or [0], dtype=np.int8)
        out = np.empty(len(sizes) + 1, dtype=np.int64)
        n = map_raise_targets(
            values, units, len(sizes), s.allin, current_bet, pot, to_call, big_blind, min_raise_to, max_raise_to, out
        )
        return tuple(int(x) for x in out[:n])


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _street_mapping(raw: Any, name: str) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise ValueError(f".{name}: expected a mapping with keys {', '.join(_STREET_KEYS)}, got {_show(raw)}")
    for key in raw:
        if key not in _STREET_KEYS:
            raise ValueError(f".{name}.{key}: unknown key; expected one of {', '.join(_STREET_KEYS)}")
    return dict(raw)


def _parse_street(raw: dict[str, Any], name: str) -> StreetActions:
    lists = {}
    for key in ("bet", "raise"):
        if key not in raw:
            raise ValueError(f".{name}.{key}: missing; give a list of sizes here or under actions.default")
        value = raw[key]
        if not isinstance(value, (list, tuple)):
            raise ValueError(f".{name}.{key}: expected a list of sizes ({_SIZE_HELP}), got {_show(value)}")
        sizes = []
        for i, item in enumerate(value):
            try:
                sizes.append(BetSize.parse(item))
            except ValueError as exc:
                raise ValueError(f".{name}.{key}[{i}]: {exc}") from None
        if len(sizes) > MAX_SIZES_PER_LIST:
            raise ValueError(f".{name}.{key}: at most {MAX_SIZES_PER_LIST} sizes, got {len(sizes)}")
        lists[key] = tuple(sizes)
    allin = raw.get("allin", DEFAULT_ALLIN)
    if not isinstance(allin, bool):
        raise ValueError(f".{name}.allin: expected true or false, got {_show(allin)}")
    max_raises = raw.get("max_raises", DEFAULT_MAX_RAISES)
    if isinstance(max_raises, bool) or not isinstance(max_raises, int) or max_raises < 0:
        raise ValueError(f".{name}.max_raises: expected an integer >= 0, got {_show(max_raises)}")
    return StreetActions(lists["bet"], lists["raise"], allin, max_raises)


@njit(cache=True, nogil=True)
def _size_target(value, unit, current_bet, pot, to_call, big_blind):
    """Unmapped raise-to of one size, rounded half up to a whole chip."""
    if unit == UNIT_BB:
        return np.int64(math.floor(value * big_blind + 0.5))
    return np.int64(current_bet) + np.int64(math.floor(value * (pot + to_call) + 0.5))


@njit(cache=True, nogil=True)
def map_raise_targets(values, units, n_sizes, allin, current_bet, pot, to_call, big_blind, min_to, max_to, out):
    """Write the legal raise-to amounts of ``n_sizes`` sizes into ``out``; return how many.

    Below ``min_to`` -> ``min_to``; at or above ``max_to`` (the actor's whole
    stack) -> ``max_to``; all-in appended when ``allin``; sorted ascending and
    merged.  ``out`` needs room for ``n_sizes + 1`` amounts.
    """
    n = 0
    for i in range(n_sizes):
        t = _size_target(values[i], units[i], current_bet, pot, to_call, big_blind)
        if t < min_to:
            t = min_to
        if t > max_to:
            t = max_to
        out[n] = t
        n += 1
    if allin:
        out[n] = max_to
        n += 1
    # insertion sort + merge: n is tiny
    for i in range(1, n):
        x = out[i]
        j = i - 1
        while j >= 0 and out[j] > x:
            out[j + 1] = out[j]
            j -= 1
        out[j + 1] = x
    m = 0
    for i in range(n):
        if m == 0 or out[i] != out[m - 1]:
            out[m] = out[i]
            m += 1
    return m
