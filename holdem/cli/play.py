"""``holdem-play``: play heads-up against a blueprint in the terminal.

    holdem-play DIR [--seat N] [--hands N] [--seed S] [--buckets PATH]

``DIR`` is a run directory (its latest snapshot) or a snapshot directory of
a heads-up Hold'em blueprint.  You sit in seat ``N`` (0 or 1); the button
alternates every hand.  At your turn type ``f`` (fold), ``c`` (check or
call), ``r AMOUNT`` (raise to AMOUNT: your total bet on this street), ``a``
(all-in), ``q`` (quit), ``?`` (help).  Bad input gets a hint and the prompt
again.  A running score (chips and big blinds per hand) follows every hand;
end of input quits like ``q``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

import numpy as np

from holdem.blueprint import Blueprint, BlueprintError
from holdem.cards import format_cards
from holdem.eval.baselines import BlueprintBot, apply_move
from holdem.game.engine import BOARD_CARDS_VISIBLE, STREET_NAMES, ActionKind, HandState, IllegalAction

EXIT_OK = 0
EXIT_USAGE = 2
HELP = ("f = fold, c = check/call, r AMOUNT = raise to AMOUNT (your total bet on this street), "
        "a = all-in, q = quit, ? = this help")


class Quit(Exception):
    """The player typed q or input ended."""


class Table:
    """One session: the human in ``seat``, the blueprint in the other seat."""

    def __init__(self, blueprint: Blueprint, seat: int, seed: int, out: TextIO, inp: TextIO):
        self.bot = BlueprintBot(blueprint)
        self.config = blueprint.game_config
        self.seat = seat
        self.rng = np.random.default_rng(seed)
        self.out = out
        self.inp = inp
        self.score = 0
        self.hands = 0  # finished hands
        self.dealt = 0

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def _who(self, seat: int) -> str:
        return "You" if seat == self.seat else "Blueprint"

    def _describe(self, action) -> str:
        who = self._who(action.seat)
        if action.kind == ActionKind.FOLD:
            return f"{who} fold{'s' if who != 'You' else ''}."
        if action.kind == ActionKind.RAISE:
            return f"{who} raise{'s' if who != 'You' else ''} to {action.amount}."
        verb = "call" if action.amount else "check"
        return f"{who} {verb}{'s' if who != 'You' else ''}" + (f" {action.amount}." if action.amount else ".")

    def _show_table(self, state: HandState) -> None:
        me, other = self.seat, 1 - self.seat
        board = state.board[: BOARD_CARDS_VISIBLE[state.street]]
        self.say(f"  Board: {format_cards(board) or '-'}   ({STREET_NAMES[state.street]})   Pot: {state.pot}")
        self.say(f"  You: {format_cards(state.holes[me])}  stack {state.stacks[me]}  bet {state.street_bets[me]}   |   "
                 f"Blueprint: stack {state.stacks[other]}  bet {state.street_bets[other]}")
        self.say(f"  Legal: {state.legal().describe()}")

    def _read(self) -> str:
        self.out.write("Your action [f/c/r AMOUNT/a/q/?]: ")
        self.out.flush()
        line = self.inp.readline()
        if not line:
            self.say()
            raise Quit
        return line.strip().lower()

    def _human_turn(self, state: HandState) -> None:
        self._show_table(state)
        while True:
            text = self._read()
            legal = state.legal()
            try:
                if text in ("q", "quit", "exit"):
                    raise Quit
                if text in ("?", "h", "help"):
                    self.say(HELP)
                elif text == "f":
                    if not legal.can_fold:
                        self.say("Hint: nobody has bet, so there is nothing to fold; type c to check.")
                        continue
                    state.fold()
                    return
                elif text == "c":
                    state.check_or_call()
                    return
                elif text == "a":
                    if not legal.can_raise:
                        self.say(f"Hint: you cannot raise here; legal: {legal.describe()}. Type c to call.")
                        continue
                    state.raise_to(legal.max_raise_to)
                    return
                elif text.startswith("r"):
                    amount = text[1:].strip()
                    if not amount.isdigit():
                        self.say(f"Hint: give the total to raise to, e.g. r {legal.min_raise_to or 300}; legal: {legal.describe()}")
                        continue
                    state.raise_to(int(amount))
                    return
                else:
                    self.say(f"Hint: did not understand {text!r}. {HELP}")
            except IllegalAction as e:
                self.say(f"Hint: {e}")

    def play_hand(self) -> None:
        button = self.dealt % 2
        state = HandState.start_random(self.config, self.rng, button=button)
        self.dealt += 1
        role = "button, small blind" if button == self.seat else "big blind"
        self.say(f"=== Hand {self.dealt}: you are seat {self.seat} ({role}); "
                 f"blinds {self.config.small_blind}/{self.config.big_blind} ===")
        self.say(f"Your cards: {format_cards(state.holes[self.seat])}")
        seen = 0
        street = state.street
        while not state.is_over:
            if state.street != street:
                street = state.street
                self.say(f"--- {STREET_NAMES[street]}: {format_cards(state.board[: BOARD_CARDS_VISIBLE[street]])}")
            if state.actor == self.seat:
                self._human_turn(state)
            else:
                apply_move(state, self.bot.act(state, self.rng))
            for action in state.history[seen:]:
                self.say(self._describe(action))
            seen = len(state.history)
        self._finish(state)

    def _finish(self, state: HandState) -> None:
        other = 1 - self.seat
        if not any(state.folded):
            self.say(f"Showdown: board {format_cards(state.board)}; blueprint shows {format_cards(state.holes[other])}, "
                     f"you show {format_cards(state.holes[self.seat])}.")
        won = state.payoffs()[self.seat]
        self.score += won
        self.hands += 1
        result = f"You win {won}." if won > 0 else (f"You lose {-won}." if won < 0 else "Split pot.")
        self.say(f"{result}  Score after {self.hands} hand{'s' if self.hands != 1 else ''}: {self.score:+d} chips "
                 f"({self.score / self.config.big_blind / self.hands:+.2f} bb/hand)")
        self.say()


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="holdem-play", description=__doc__.split("\n\n")[0])
    p.add_argument("dir", type=Path, help="run directory (latest snapshot) or snapshot directory")
    p.add_argument("--seat", type=int, default=0, help="your seat, 0 or 1 (default 0)")
    p.add_argument("--hands", type=int, help="stop after this many hands (default: until q)")
    p.add_argument("--seed", type=int, help="seed of the cards and the blueprint's draws (default: random)")
    p.add_argument("--buckets", type=Path, help="bucket file of the run (default: the one its config names)")
    return p


def main(argv: list[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    args = build_parser().parse_args(argv)
    out = sys.stdout if stdout is None else stdout
    inp = sys.stdin if stdin is None else stdin
    if args.seat not in (0, 1):
        print(f"holdem-play: error: --seat must be 0 or 1 (heads-up), got {args.seat}", file=sys.stderr)
        return EXIT_USAGE
    if args.hands is not None and args.hands < 1:
        print(f"holdem-play: error: --hands must be at least 1, got {args.hands}", file=sys.stderr)
        return EXIT_USAGE
    try:
        blueprint = Blueprint.load(args.dir, args.buckets,
                                   translation_seed=args.seed if args.seed is not None else 0)
        if not blueprint.is_holdem or blueprint.n_players != 2:
            raise BlueprintError(f"{blueprint.source} is not a heads-up Hold'em blueprint; holdem-play is heads-up only")
    except BlueprintError as e:
        print(f"holdem-play: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    seed = args.seed if args.seed is not None else int(np.random.SeedSequence().entropy % (2**63))
    table = Table(blueprint, args.seat, seed, out, inp)
    table.say(f"Heads-up against {blueprint.source} (iteration {blueprint.iteration}); stacks "
              f"{blueprint.game_config.stacks[0]}. {HELP}")
    try:
        while args.hands is None or table.dealt < args.hands:
            table.play_hand()
    except Quit:
        pass
    table.say(f"Final score: {table.score:+d} chips over {table.hands} hand{'s' if table.hands != 1 else ''}.")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
