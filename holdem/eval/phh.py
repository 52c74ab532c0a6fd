"""Hand histories in the Poker Hand History format (PHH), one finished hand at a time.

The format is Kim's "Poker Hand History File Format Specification" (2024;
pokerkit reads and writes it): a ``.phh`` file is one TOML table, a
``.phhs`` file several, each under a header ``[1]``, ``[2]``, ...  A No-Limit
Texas Hold'em hand (variant ``NT``) gives the antes, blinds, minimum bet
and starting stacks per player, and its actions as strings:

* ``d dh p1 AcKd``: hole cards dealt to player 1;
* ``d db Jc7s8s``: board cards dealt (flop, then turn, then river);
* ``p2 f`` fold, ``p2 cc`` check or call, ``p2 cbr 600`` bet or raise to 600
  (the player's total bet on the street, as in :mod:`holdem.game.engine`);
* ``p1 sm AcKd``: cards shown at showdown.

Players are numbered in PHH order, which has no button: p1 is the first seat
left of the button (the small blind with 3+ seats, the big blind heads-up)
and the last player is the button, so seat ``s`` at a table whose button is
``b`` is player ``(s - b - 1) mod n`` + 1.  Heads-up, PHH lists the blinds as
``[small, big]`` and p1, the big blind, posts the second entry.

Showdowns: cards are shown when betting is over for good (after the river's
betting, or before the rest of the board when all but one player still in
the hand are all-in), which is where a PHH reader expects them.  Antes count
towards the side pots, as in the engine (``ante_trimming_status = true``).
"""
from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Mapping, Sequence

from holdem.atomic import write_text_atomic
from holdem.cards import format_cards
from holdem.game.engine import BOARD_CARDS_VISIBLE, PREFLOP, RIVER, Action, ActionKind, HandState

VARIANT = "NT"  # No-Limit Texas Hold'em


def player_order(players: int, button: int) -> tuple[int, ...]:
    """Our seats in PHH player order (p1, p2, ...): from the seat left of the button round to the button."""
    return tuple((button + 1 + i) % players for i in range(players))


def _action_text(action: Action, player: int) -> str:
    if action.kind == ActionKind.FOLD:
        return f"p{player} f"
    if action.kind == ActionKind.RAISE:
        return f"p{player} cbr {action.amount}"
    return f"p{player} cc"


def phh_actions(state: HandState) -> list[str]:
    """The PHH action strings of a finished hand: dealing, betting and showdown, in order."""
    if not state.is_over:
        raise ValueError("a hand history is written once the hand is over")
    order = player_order(state.n_players, state.button)
    number = {seat: i + 1 for i, seat in enumerate(order)}
    lines = [f"d dh p{number[seat]} {format_cards(state.holes[seat], sep='')}" for seat in order]
    dealt = PREFLOP

    def deal_to(street: int) -> None:
        nonlocal dealt
        while dealt < street:
            dealt += 1
            cards = state.board[BOARD_CARDS_VISIBLE[dealt - 1]: BOARD_CARDS_VISIBLE[dealt]]
            lines.append(f"d db {format_cards(cards, sep='')}")

    for action in state.history:
        deal_to(action.street)
        lines.append(_action_text(action, number[action.seat]))
    live = [seat for seat in order if not state.folded[seat]]
    if len(live) > 1:
        # betting ended for good after the last action (or before any): show, then run out the board
        lines.extend(f"p{number[seat]} sm {format_cards(state.holes[seat], sep='')}" for seat in live)
        deal_to(RIVER)
    return lines


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return str(int(value))


def hand_history(state: HandState, *, names: Sequence[str] | None = None, hand: int | None = None,
                 extra: Mapping[str, object] | None = None) -> str:
    """One finished hand as a PHH document (TOML text).

    ``names``: the player name of each of our seats (seat order, not PHH
    order).  ``extra``: user-defined fields; PHH wants their keys to start
    with an underscore.  Besides the required fields, the document carries
    ``seats`` (our seat numbers + 1, in player order), ``seat_count`` and
    ``finishing_stacks``.
    """
    config = state.config
    n = state.n_players
    order = player_order(n, state.button)
    blinds = [config.small_blind, config.big_blind] + [0] * (n - 2)
    finishing = [config.seat_stacks[s] + state.payoffs()[s] for s in order]
    fields: list[tuple[str, object]] = [
        ("variant", VARIANT),
        ("ante_trimming_status", True),
        ("antes", [config.ante] * n),
        ("blinds_or_straddles", blinds),
        ("min_bet", config.big_blind),
        ("starting_stacks", [config.seat_stacks[s] for s in order]),
        ("actions", phh_actions(state)),
    ]
    if hand is not None:
        fields.append(("hand", hand))
    fields += [("seats", [s + 1 for s in order]), ("seat_count", n)]
    if names is not None:
        if len(names) != n:
            raise ValueError(f"names lists {len(names)} players; the table has {n} seats")
        fields.append(("players", [str(names[s]) for s in order]))
    fields.append(("finishing_stacks", finishing))
    for key, value in (extra or {}).items():
        if not key.startswith("_"):
            raise ValueError(f"user-defined PHH field {key!r} must start with an underscore")
        fields.append((key, value))
    return "\n".join(f"{key} = {_toml_value(value)}" for key, value in fields) + "\n"


def phhs_section(number: int, document: str) -> str:
    """``document`` as hand ``number`` of a ``.phhs`` file."""
    return f"[{number}]\n{document}"


def hands_in(path: Path) -> int:
    """How many hands a ``.phhs`` file holds; ValueError if it is not one."""
    try:
        parsed = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ValueError(f"{path} is not a .phhs hand-history file ({e}); give a new file name") from None
    if not all(isinstance(v, dict) for v in parsed.values()):
        raise ValueError(f"{path} is not a .phhs hand-history file (it has fields outside [n] sections); "
                         "give a new file name")
    return len(parsed)


class HandLog:
    """A ``.phhs`` file that grows by one hand at a time, rewritten atomically after each.

    ``append=True`` keeps the hands a file already holds and numbers on from them.
    """

    def __init__(self, path: str | Path, append: bool = False):
        self.path = Path(path)
        self.sections: list[str] = []
        self.first = 1
        if append and self.path.exists():
            self.first = hands_in(self.path) + 1
            self._kept = self.path.read_text(encoding="utf-8").rstrip("\n")
        else:
            self._kept = ""

    @property
    def hands(self) -> int:
        """Hands in the file, kept ones included."""
        return self.first - 1 + len(self.sections)

    def add(self, document: str) -> None:
        """Add one hand (a :func:`hand_history` document) without writing yet."""
        self.sections.append(phhs_section(self.first + len(self.sections), document))

    def write(self) -> Path:
        parts = ([self._kept] if self._kept else []) + [s.rstrip("\n") for s in self.sections]
        return write_text_atomic(self.path, "\n\n".join(parts) + "\n")

    def append(self, document: str) -> Path:
        """Add one hand and rewrite the file."""
        self.add(document)
        return self.write()
