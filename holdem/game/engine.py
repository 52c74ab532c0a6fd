"""No-Limit Texas Hold'em for 2 to 6 seats: the readable reference rules engine.

One :class:`HandState` is one hand with every card fixed up front (the board
is revealed street by street).  Actions **mutate the state in place** and
return the :class:`Action` they recorded; :meth:`HandState.copy` gives an
independent state for walking several continuations of one history.

Rules (cash game; the betting rules are those of TDA Rules 43 and 47 and of
Robert's Rules of Poker):

* Seats are 0..n-1, the button is ``button``.  With 3+ players seat
  button+1 posts the small blind and button+2 the big blind; heads-up the
  button posts the small blind.  Preflop the seat after the big blind acts
  first (heads-up: the button); on later streets the first seat left of the
  button still in the hand does (heads-up: the big blind).
* Forced bets: every seat posts the ante (dead money, not part of the street
  bet), then the blinds are posted.  A seat whose stack is smaller than what
  it owes posts all it has, ante first, and is all-in.  A short big blind is
  what the others must call, and the minimum raise is still a big blind
  above the largest blind posted.
* Fold is legal only when facing a bet; check only when not.  A call puts in
  ``min(amount owed, stack)``, so a short call is an all-in call.
* ``raise_to(x)``: ``x`` is the seat's total bet on this street after the
  raise.  The minimum raise is the largest full bet or raise of the street,
  and never less than the big blind (preflop the big blind counts as the
  opening bet), so ``min_raise_to = largest street bet + that increment``,
  capped at the seat's all-in amount: going all-in for less than a full
  raise is always allowed when raising is.  An all-in raise by less than the
  current minimum raise is short: it does not change the minimum raise.
* Re-opening: a seat that has already acted on this street may raise again
  only if the bet it now faces has grown, since it last acted, by at least
  a full raise (one full raise, or several short all-ins adding up to one);
  otherwise it may only call or fold.  A check is acting: a seat that
  checked and then faces an all-in bet smaller than the big blind may only
  call or fold.  Nobody may raise when calling would take its whole stack,
  or when no other seat still in the hand could put in more than the
  current bet.
* Betting on a street ends when every seat still able to act has acted and
  the bets are matched (or all-in).  Uncalled chips (what the largest
  contributor put in beyond the second largest) go back to their owner when
  a betting round ends.  When at most one seat still in the hand has chips,
  there is no more betting: the remaining board is dealt to a showdown.
* Showdown: main and side pots (:mod:`holdem.game.pots`), each won by the
  best 7-card hand among its eligible seats.  Consecutive pots won by the
  same seats are split as one, and the odd chips of a split go to the first
  winner clockwise from the seat left of the button.

Difference from pokerkit 0.7.7 (the independent engine the tests compare
against): pokerkit treats an all-in as a full raise whenever its increment
is at least the largest increment of the street so far, even when that is
below the big blind.  So a seat that already acted and faces an all-in that
raised by less than a big blind (e.g. preflop limpers facing an all-in for
1.5 big blinds, or a seat that called a short all-in bet postflop) may
re-raise in pokerkit but may only call or fold here, as TDA Rule 47 and this
engine's "minimum raise is never less than the big blind" rule require.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Sequence

import numpy as np

from holdem.cards import N_CARDS, format_card
from holdem.game.config import GameConfig
from holdem.game.pots import award_pots, clockwise_from, side_pots
from holdem.game.tree_arrays import ACTION_CHECK_CALL, ACTION_FOLD, ACTION_RAISE

PREFLOP, FLOP, TURN, RIVER = 0, 1, 2, 3
N_STREETS = 4
STREET_NAMES = ("preflop", "flop", "turn", "river")
BOARD_CARDS_VISIBLE = (0, 3, 4, 5)  # board cards face up during each street
HOLE_CARDS = 2
BOARD_CARDS = 5


class ActionKind(IntEnum):
    """Voluntary actions; the values are the ``ACTION_*`` codes of the flat tree."""

    FOLD = ACTION_FOLD
    CHECK_CALL = ACTION_CHECK_CALL
    RAISE = ACTION_RAISE


@dataclass(frozen=True)
class Action:
    """One voluntary action.

    ``amount``: for CHECK_CALL the chips put in (0 is a check), for RAISE the
    seat's total street bet after the raise (bets included), 0 for FOLD;
    the same convention as ``BettingTree.action_amount``.
    """

    seat: int
    kind: ActionKind
    amount: int
    street: int

    def __str__(self) -> str:
        if self.kind == ActionKind.FOLD:
            what = "folds"
        elif self.kind == ActionKind.RAISE:
            what = f"raises to {self.amount}"
        elif self.amount:
            what = f"calls {self.amount}"
        else:
            what = "checks"
        return f"{STREET_NAMES[self.street]}: seat {self.seat} {what}"


@dataclass(frozen=True)
class LegalActions:
    """What the seat to act may do.

    ``call_amount`` is the chips a check/call would put in (0 means check);
    ``min_raise_to``/``max_raise_to`` bound the legal total street bets of a
    raise, inclusive, and are None when the seat may not raise.
    """

    seat: int
    can_fold: bool
    can_check: bool
    call_amount: int
    min_raise_to: int | None
    max_raise_to: int | None

    @property
    def can_raise(self) -> bool:
        return self.min_raise_to is not None

    def describe(self, facing: bool | None = None) -> str:
        """What the seat may do, as players say it: ``"check or bet 100..9700"``, ``"fold, call 200 or
        raise to 400..9700"``.  ``facing``: a bet stands on this street (the blinds count preflop);
        default: the seat owes chips."""
        facing = self.can_fold if facing is None else facing
        options = []
        if self.can_fold:
            options.append("fold")
        options.append("check" if self.can_check else f"call {self.call_amount}")
        if self.can_raise:
            verb = "raise to" if facing else "bet"
            if self.min_raise_to == self.max_raise_to:
                options.append(f"{verb} {self.max_raise_to} (all-in)")
            else:
                options.append(f"{verb} {self.min_raise_to}..{self.max_raise_to}")
        if len(options) == 1:
            return options[0]
        return ", ".join(options[:-1]) + " or " + options[-1]


class IllegalAction(ValueError):
    """An action the rules do not allow here; the message says what is legal."""


def _check_card(name: str, card: Any) -> int:
    if isinstance(card, bool) or not isinstance(card, numbers.Integral) or not 0 <= int(card) < N_CARDS:
        raise ValueError(f"{name} must be a card code 0..{N_CARDS - 1} (see holdem.cards), got {card!r}")
    return int(card)


def _check_cards(config: GameConfig, holes: Any, board: Any) -> tuple[tuple[tuple[int, ...], ...], tuple[int, ...]]:
    n = config.players
    if isinstance(holes, (str, bytes)) or not isinstance(holes, (Sequence, np.ndarray)) or len(holes) != n:
        raise ValueError(f"holes must list {n} hands (one per seat) of {HOLE_CARDS} card codes, got {holes!r}")
    hole_tuples = []
    for seat, hand in enumerate(holes):
        if isinstance(hand, (str, bytes)) or not isinstance(hand, (Sequence, np.ndarray)) or len(hand) != HOLE_CARDS:
            raise ValueError(f"holes[{seat}] must be {HOLE_CARDS} card codes, got {hand!r}")
        hole_tuples.append(tuple(_check_card(f"holes[{seat}][{i}]", c) for i, c in enumerate(hand)))
    if isinstance(board, (str, bytes)) or not isinstance(board, (Sequence, np.ndarray)) or len(board) != BOARD_CARDS:
        raise ValueError(f"board must be {BOARD_CARDS} card codes (revealed street by street), got {board!r}")
    board_tuple = tuple(_check_card(f"board[{i}]", c) for i, c in enumerate(board))
    seen: set[int] = set()
    for card in [c for hand in hole_tuples for c in hand] + list(board_tuple):
        if card in seen:
            raise ValueError(
                f"card {format_card(card)} ({card}) is dealt twice; holes and board must be distinct cards"
            )
        seen.add(card)
    return tuple(hole_tuples), board_tuple


def deal(config: GameConfig, rng: np.random.Generator) -> tuple[list[list[int]], list[int]]:
    """Random ``(holes, board)`` for :meth:`HandState.start`: distinct cards from a shuffled deck."""
    if not isinstance(config, GameConfig):
        raise TypeError(f"config must be a GameConfig, got {type(config).__name__}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy.random.Generator (numpy.random.default_rng(seed)), got {type(rng).__name__}"
        )
    n = config.players
    cards = [int(c) for c in rng.choice(N_CARDS, size=HOLE_CARDS * n + BOARD_CARDS, replace=False)]
    holes = [cards[HOLE_CARDS * s : HOLE_CARDS * (s + 1)] for s in range(n)]
    return holes, cards[HOLE_CARDS * n :]


class HandState:
    """One hand in progress; build it with :meth:`start` (or :meth:`start_random`).

    Read-only views (tuples, one entry per seat where it applies): ``stacks``
    (chips behind), ``contrib`` (chips put in over the whole hand, antes and
    blinds included), ``street_bets`` (chips put in on this street, blinds
    included preflop, antes never), ``folded``, ``pot`` (sum of ``contrib``),
    ``street``, ``board_visible``, ``history``.  ``sum(stacks) + pot`` is the
    chips the table started with at every point of the hand.
    """

    def __init__(self, config: GameConfig, holes, board, button: int) -> None:
        # use HandState.start; this constructor only lays out the fields
        self.config = config
        self.n_players = config.players
        self.button = button
        self.holes = holes
        self.board = board
        heads_up = config.players == 2
        self.small_blind_seat = button if heads_up else (button + 1) % config.players
        self.big_blind_seat = (self.small_blind_seat + 1) % config.players
        self._stacks = list(config.seat_stacks)
        self._contrib = [0] * config.players
        self._street_bets = [0] * config.players
        self._folded = [False] * config.players
        self._acted = [False] * config.players  # acted voluntarily on this street
        self._street = PREFLOP
        self._min_raise = config.big_blind  # current full-raise increment on this street
        self._pending: list[int] = []  # seats still to act this round, next first
        self._history: list[Action] = []
        self._payoffs: tuple[int, ...] | None = None

    # ----------------------------------------------------------------- creation

    @classmethod
    def start(
        cls,
        config: GameConfig,
        holes: Sequence[Sequence[int]],
        board: Sequence[int],
        button: int = 0,
    ) -> "HandState":
        """Post antes and blinds and return the state with the first seat to act."""
        if not isinstance(config, GameConfig):
            raise TypeError(f"config must be a GameConfig, got {type(config).__name__}")
        if isinstance(button, bool) or not isinstance(button, numbers.Integral) or not 0 <= button < config.players:
            raise ValueError(f"button must be a seat 0..{config.players - 1}, got {button!r}")
        hole_tuples, board_tuple = _check_cards(config, holes, board)
        state = cls(config, hole_tuples, board_tuple, int(button))
        for seat in range(config.players):
            state._put(seat, config.ante, street_bet=False)
        state._put(state.small_blind_seat, config.small_blind, street_bet=True)
        state._put(state.big_blind_seat, config.big_blind, street_bet=True)
        state._open_round()
        state._advance()
        return state

    @classmethod
    def start_random(cls, config: GameConfig, rng: np.random.Generator, button: int = 0) -> "HandState":
        """:meth:`start` with cards from :func:`deal`."""
        holes, board = deal(config, rng)
        return cls.start(config, holes, board, button)

    def copy(self) -> "HandState":
        """An independent state: actions on either do not affect the other."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        for name in ("_stacks", "_contrib", "_street_bets", "_folded", "_acted", "_pending", "_history"):
            setattr(new, name, list(getattr(self, name)))
        return new

    # ------------------------------------------------------------------- views

    @property
    def stacks(self) -> tuple[int, ...]:
        return tuple(self._stacks)

    @property
    def contrib(self) -> tuple[int, ...]:
        return tuple(self._contrib)

    @property
    def street_bets(self) -> tuple[int, ...]:
        return tuple(self._street_bets)

    @property
    def folded(self) -> tuple[bool, ...]:
        return tuple(self._folded)

    @property
    def pot(self) -> int:
        return sum(self._contrib)

    @property
    def street(self) -> int:
        """0 preflop .. 3 river; after an all-in runout, 3."""
        return self._street

    @property
    def board_visible(self) -> tuple[int, ...]:
        return self.board[: BOARD_CARDS_VISIBLE[self._street]]

    @property
    def history(self) -> tuple[Action, ...]:
        return tuple(self._history)

    @property
    def actor(self) -> int | None:
        """Seat to act, or None once the hand is over."""
        return self._pending[0] if self._pending else None

    @property
    def is_over(self) -> bool:
        return self._payoffs is not None

    @property
    def full_raise(self) -> int:
        """Smallest raise increment that counts as a full raise now.

        That is the largest full bet or raise of this street, at least the big blind.
        """
        return self._min_raise

    @property
    def starting_stacks(self) -> tuple[int, ...]:
        return self.config.seat_stacks

    def payoffs(self) -> tuple[int, ...]:
        """Net chips won (+) or lost (-) per seat; they sum to zero."""
        if self._payoffs is None:
            raise ValueError("payoffs are known only once the hand is over (check state.is_over)")
        return self._payoffs

    def __repr__(self) -> str:
        where = "over" if self.is_over else f"{STREET_NAMES[self._street]}, seat {self.actor} to act"
        return (
            f"HandState({where}; stacks={self._stacks}, street_bets={self._street_bets}, "
            f"contrib={self._contrib}, folded={self._folded})"
        )

    # ------------------------------------------------------------ legal moves

    def _legal_text(self, legal: LegalActions) -> str:
        return legal.describe(facing=max(self._street_bets) > 0)

    def legal(self) -> LegalActions:
        """What the seat to act may do; raises IllegalAction once the hand is over."""
        if self._payoffs is not None:
            raise IllegalAction("the hand is over: no one is to act")
        seat = self._pending[0]
        owed = max(self._street_bets) - self._street_bets[seat]
        call = min(owed, self._stacks[seat])
        min_to = max_to = None
        if self._raise_blocked_because(seat) is None:
            max_to = self._street_bets[seat] + self._stacks[seat]
            min_to = min(max(self._street_bets) + self._min_raise, max_to)
        return LegalActions(seat, owed > 0, owed == 0, call, min_to, max_to)

    def _raise_blocked_because(self, seat: int) -> str | None:
        """Why ``seat`` may not raise now, or None if it may."""
        top = max(self._street_bets)
        owed = top - self._street_bets[seat]
        if self._stacks[seat] <= owed:
            return "calling already takes all of its chips"
        if not any(
            q != seat and not self._folded[q] and self._stacks[q] + self._street_bets[q] > top
            for q in range(self.n_players)
        ):
            return "no other seat still in the hand has chips left to call a raise"
        # a seat that acted has since matched the top bet, so what it owes now
        # is exactly how much the bet grew after its last action
        if self._acted[seat] and owed < self._min_raise:
            return (
                f"it already acted on this street and the bet grew by only {owed} since, "
                f"less than a full raise of {self._min_raise} (a short all-in does not reopen the betting)"
            )
        return None

    # ---------------------------------------------------------------- actions

    def fold(self) -> Action:
        legal = self.legal()
        if not legal.can_fold:
            raise IllegalAction(
                f"seat {legal.seat} may not fold: fold is legal only when facing a bet; "
                f"legal: {self._legal_text(legal)}"
            )
        seat = legal.seat
        self._folded[seat] = True
        self._pending.pop(0)
        if sum(not f for f in self._folded) == 1:
            self._pending.clear()
        return self._finish_action(seat, ActionKind.FOLD, 0)

    def check_or_call(self) -> Action:
        legal = self.legal()
        seat = legal.seat
        self._put(seat, legal.call_amount, street_bet=True)
        self._acted[seat] = True
        self._pending.pop(0)
        return self._finish_action(seat, ActionKind.CHECK_CALL, legal.call_amount)

    def raise_to(self, amount: int) -> Action:
        """Raise (or bet) so that this seat's total bet on the street is ``amount``."""
        legal = self.legal()
        seat = legal.seat
        if isinstance(amount, bool) or not isinstance(amount, numbers.Integral):
            raise IllegalAction(
                f"raise_to needs an integer total street bet, got {amount!r}; legal: {self._legal_text(legal)}"
            )
        amount = int(amount)
        if not legal.can_raise:
            reason = self._raise_blocked_because(seat)
            raise IllegalAction(f"seat {seat} may not raise: {reason}; legal: {self._legal_text(legal)}")
        if not legal.min_raise_to <= amount <= legal.max_raise_to:
            raise IllegalAction(
                f"seat {seat} may not raise to {amount}: raises go to {legal.min_raise_to}..{legal.max_raise_to} "
                f"(total street bet; a smaller all-in is the whole stack); legal: {self._legal_text(legal)}"
            )
        increment = amount - max(self._street_bets)
        if increment >= self._min_raise:
            self._min_raise = increment  # a full raise sets the minimum for the rest of the street
        self._put(seat, amount - self._street_bets[seat], street_bet=True)
        self._acted[seat] = True
        self._pending = [
            s
            for s in clockwise_from(seat + 1, self.n_players)
            if s != seat and not self._folded[s] and self._stacks[s] > 0
        ]
        return self._finish_action(seat, ActionKind.RAISE, amount)

    def apply(self, action: Action) -> Action:
        """Replay a recorded action; its seat and street must match the state."""
        if self.is_over or action.seat != self.actor or action.street != self._street:
            where = (
                "the hand is over"
                if self.is_over
                else f"seat {self.actor} is to act on the {STREET_NAMES[self._street]}"
            )
            raise IllegalAction(f"cannot apply {action}: {where}")
        if action.kind == ActionKind.FOLD:
            return self.fold()
        if action.kind == ActionKind.RAISE:
            return self.raise_to(action.amount)
        legal = self.legal()
        if action.amount != legal.call_amount:
            raise IllegalAction(f"cannot apply {action}: a check/call puts in {legal.call_amount} here")
        return self.check_or_call()

    # --------------------------------------------------------------- internals

    def _put(self, seat: int, amount: int, *, street_bet: bool) -> None:
        paid = min(amount, self._stacks[seat])  # a short stack posts what it has
        self._stacks[seat] -= paid
        self._contrib[seat] += paid
        if street_bet:
            self._street_bets[seat] += paid

    def _finish_action(self, seat: int, kind: ActionKind, amount: int) -> Action:
        action = Action(seat, kind, amount, self._street)
        self._history.append(action)
        self._advance()
        return action

    def _open_round(self) -> None:
        """Start betting on the current street: who still has a decision to make, in order."""
        n = self.n_players
        if self._street > PREFLOP:
            self._street_bets = [0] * n
        self._acted = [False] * n
        self._min_raise = self.config.big_blind
        first = (self.big_blind_seat + 1) % n if self._street == PREFLOP else (self.button + 1) % n
        bets, stacks, folded = self._street_bets, self._stacks, self._folded
        # a seat has a decision if it can still put chips in and some other live
        # seat has more at stake than it has bet (else there is nothing to contest)
        self._pending = [
            s
            for s in clockwise_from(first, n)
            if not folded[s]
            and stacks[s] > 0
            and any(q != s and not folded[q] and stacks[q] + bets[q] > bets[s] for q in range(n))
        ]
        if len(self._pending) == 1 and bets[self._pending[0]] >= max(bets):
            self._pending = []  # the one seat with chips faces no bet and nobody could call its raise

    def _advance(self) -> None:
        """Close finished betting rounds, reveal streets, and settle the hand when it ends."""
        while not self._pending:
            self._return_uncalled()
            if sum(not f for f in self._folded) == 1:
                self._settle([self.pot if not f else 0 for f in self._folded])
                return
            if self._street == RIVER:
                self._settle_showdown()
                return
            self._street += 1
            self._open_round()

    def _return_uncalled(self) -> None:
        by_size = sorted(range(self.n_players), key=self._contrib.__getitem__, reverse=True)
        top, second = by_size[0], by_size[1]
        excess = self._contrib[top] - self._contrib[second]
        if excess > 0:
            self._contrib[top] -= excess
            self._stacks[top] += excess
            self._street_bets[top] -= min(excess, self._street_bets[top])

    def _settle_showdown(self) -> None:
        # imported here so that `import holdem.game` (tree builders, workers) does
        # not pay for compiling the evaluator until a hand reaches showdown
        from holdem.evaluator import evaluate

        strength = [
            None if self._folded[s] else evaluate(self.holes[s] + self.board) for s in range(self.n_players)
        ]
        pots = side_pots(self._contrib, self._folded)
        won = award_pots(pots, strength, clockwise_from(self.button + 1, self.n_players))
        self._settle(won)

    def _settle(self, won: list[int]) -> None:
        self._pending = []
        self._payoffs = tuple(w - c for w, c in zip(won, self._contrib))
