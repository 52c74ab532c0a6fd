"""holdem-play: play heads-up Hold'em against a blueprint in the terminal.

    holdem-play DIR [--seat 0|1|BTN|BB] [--hands N] [--seed S] [--buckets PATH] [--hands-out FILE]
                    [--search [--search-config FILE]]

Example:

    holdem-play runs/hu_small --hands 10

DIR is a run directory (its latest snapshot) or a snapshot directory of a
heads-up Hold'em blueprint.  You start on the button (BTN/SB, --seat 0 or
BTN, the default) or in the big blind (BB, --seat 1 or BB); the button
alternates every hand.  At your turn type f (fold), c (check or call),
b AMOUNT (bet, when nobody has bet on this street) or r AMOUNT (raise to
AMOUNT: your total bet on this street), a (all-in), q (quit), ? (help).  Bad
input gets a hint and the prompt again.  A running score (chips and big
blinds per hand) follows every hand; end of input quits like q.  With
--hands-out FILE each finished hand is added to FILE as a PHH hand history
(a .phhs file, holdem/eval/phh.py; an existing one is kept and added to).
With --search you play the search agent instead (holdem/search/): the
blueprint preflop and on the flop, a re-solved subgame on the turn and river
(about 1.5 s a decision); --search-config FILE reads the settings of a YAML file's
search: section (README "Search").
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

import numpy as np

from holdem.blueprint import Blueprint, BlueprintError
from holdem.cards import format_cards
from holdem.cli.command import Parser, UsageError, command
from holdem.cli.help import description
from holdem.cli.wording import describe_action, describe_legal, facing_bet, facing_bets_in_history
from holdem.cli.writable import check_output_file
from holdem.eval.baselines import BlueprintBot, apply_move
from holdem.eval.phh import HandLog, hand_history
from holdem.game.engine import BOARD_CARDS_VISIBLE, STREET_NAMES, HandState, IllegalAction
from holdem.game.positions import position, seat_of

PROG = "holdem-play"
EXIT_OK = 0
SEATS = 2
HUMAN = "human"
HELP = ("f = fold, c = check/call, b AMOUNT = bet AMOUNT, r AMOUNT = raise to AMOUNT (your total bet on this "
        "street), a = all-in, q = quit, ? = this help")


class Quit(Exception):
    """The player typed q or input ended."""


class Table:
    """One session: the human in ``seat``, the blueprint in the other seat; the button alternates, seat 0 first."""

    def __init__(self, blueprint: Blueprint, seat: int, seed: int, out: TextIO, inp: TextIO,
                 log: HandLog | None = None, bot=None, label: str = "Blueprint"):
        self.bot = BlueprintBot(blueprint) if bot is None else bot
        self.label = label
        self.log = log
        self.config = blueprint.game_config
        self.seat = seat
        self.rng = np.random.default_rng(seed)
        self.out = out
        self.inp = inp
        self.score = 0
        self.hands = 0  # finished hands
        self.dealt = 0
        self.button = 0

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def _position(self, seat: int) -> str:
        return position(seat, SEATS, self.button)

    def _who(self, seat: int) -> str:
        return "You" if seat == self.seat else self.label

    def _describe(self, state: HandState, i: int, facing: bool) -> str:
        action = state.history[i]
        mine = action.seat == self.seat
        later = any(a.seat == action.seat for a in state.history[i + 1:])
        all_in = action.amount > 0 and state.stacks[action.seat] == 0 and not later
        words = describe_action(action.kind, action.amount, facing, third_person=not mine, all_in=all_in)
        return f"{self._who(action.seat)} ({self._position(action.seat)}) {words}."

    def _show_table(self, state: HandState) -> None:
        me, other = self.seat, 1 - self.seat
        board = state.board[: BOARD_CARDS_VISIBLE[state.street]]
        self.say(f"  Board: {format_cards(board) or '-'}   ({STREET_NAMES[state.street]})   Pot: {state.pot}")
        self.say(f"  You ({self._position(me)}): {format_cards(state.holes[me])}  stack {state.stacks[me]}  "
                 f"bet {state.street_bets[me]}   |   {self.label} ({self._position(other)}): "
                 f"stack {state.stacks[other]}  "
                 f"bet {state.street_bets[other]}")
        self.say(f"  Legal: {describe_legal(state.legal(), facing_bet(state))}")

    def _read(self) -> str:
        self.out.write("Your action [f/c/b AMOUNT/r AMOUNT/a/q/?]: ")
        self.out.flush()
        line = self.inp.readline()
        if not line:
            self.say()
            raise Quit
        return line.strip().lower()

    def _bet_or_raise(self, state: HandState, text: str) -> str | None:
        """Apply ``a``, ``b N`` or ``r N``; or a hint when it cannot be applied (the engine has the last word)."""
        legal = state.legal()
        facing = facing_bet(state)
        verb = "raise to" if facing else "bet"
        can_do = describe_legal(legal, facing)
        if not legal.can_raise:
            then = "call" if legal.call_amount else "check"
            return f"you cannot bet or raise here; legal: {can_do}; type c to {then}"
        lowest, highest = legal.min_raise_to, legal.max_raise_to
        assert lowest is not None and highest is not None  # can_raise
        amount = str(highest) if text == "a" else text[1:].strip()
        if not amount.isdigit():
            return f"give the amount, e.g. {text[:1]} {lowest}; legal: {can_do}"
        chips = int(amount)
        if not lowest <= chips <= highest:
            return f"you may not {verb} {chips}; legal: {can_do}"
        state.raise_to(chips)
        return None

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
                elif text == "a" or text[:1] in ("b", "r"):
                    hint = self._bet_or_raise(state, text)
                    if hint is None:
                        return
                    self.say(f"Hint: {hint}")
                else:
                    self.say(f"Hint: did not understand {text!r}. {HELP}")
            except IllegalAction as e:
                self.say(f"Hint: {e}")

    def play_hand(self) -> None:
        self.button = self.dealt % SEATS
        state = HandState.start_random(self.config, self.rng, button=self.button)
        self.dealt += 1
        self.say(f"=== Hand {self.dealt}: you are {self._position(self.seat)}; "
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
            facing = facing_bets_in_history(state.history)
            for i in range(seen, len(state.history)):
                self.say(self._describe(state, i, facing[i]))
            seen = len(state.history)
        self._finish(state)

    def _finish(self, state: HandState) -> None:
        other = 1 - self.seat
        if not any(state.folded):
            self.say(f"Showdown: board {format_cards(state.board)}; {self.label.lower()} shows "
                     f"{format_cards(state.holes[other])}, you show {format_cards(state.holes[self.seat])}.")
        won = state.payoffs()[self.seat]
        if self.log is not None:
            names = [HUMAN if s == self.seat else self.bot.name for s in range(SEATS)]
            self.log.append(hand_history(state, names=names, hand=self.log.hands + 1))
        self.score += won
        self.hands += 1
        result = f"You win {won}." if won > 0 else (f"You lose {-won}." if won < 0 else "Split pot.")
        self.say(f"{result}  Score after {self.hands} hand{'s' if self.hands != 1 else ''}: {self.score:+d} chips "
                 f"({self.score / self.config.big_blind / self.hands:+.2f} bb/hand)")
        self.say()


def build_parser() -> Parser:
    p = Parser(prog=PROG, description=description(__doc__))
    p.add_argument("dir", type=Path, help="run directory (latest snapshot) or snapshot directory")
    p.add_argument("--seat", default="0", help="where you start: 0 or BTN (button and small blind, the default), "
                   "1 or BB (big blind); the button alternates every hand")
    p.add_argument("--hands", type=int, help="stop after this many hands (default: until q)")
    p.add_argument("--seed", type=int, help="seed of the cards and the blueprint's draws (default: random)")
    p.add_argument("--buckets", type=Path, help="bucket file of the run (default: the one its config names)")
    p.add_argument("--hands-out", type=Path, metavar="FILE",
                   help="add each finished hand to FILE as a PHH hand history (.phhs; an existing file is kept)")
    p.add_argument("--search", action="store_true",
                   help="play the search agent: the blueprint to the turn, a re-solved subgame on turn and river")
    p.add_argument("--search-config", type=Path, metavar="FILE",
                   help="with --search: settings from FILE's 'search:' section (YAML; README \"Search\")")
    return p


def parse_seat(text: str) -> int:
    """``--seat``: 0 or 1, or the position of the first hand (BTN/SB or BB)."""
    if text.strip() in ("0", "1"):
        return int(text)
    try:
        return seat_of(text, SEATS)
    except ValueError:
        raise UsageError(f"--seat must be 0 or BTN (the button), 1 or BB (the big blind); got {text!r}") from None


def _hand_log(path: Path | None) -> HandLog | None:
    """The --hands-out file, checked before the blueprint loads: writable, and a .phhs file if it exists."""
    if path is None:
        return None
    check_output_file(path, "--hands-out")
    try:
        return HandLog(path, append=True)
    except ValueError as e:
        raise UsageError(f"--hands-out: {e}") from None


def _search_config(args):
    """The --search settings (Hold'em defaults, or --search-config FILE's section); a bad file is a usage error."""
    from holdem.search.agent import SearchConfig

    try:
        return SearchConfig.from_file(args.search_config)
    except (OSError, ValueError) as e:
        raise UsageError(f"--search-config: {e}") from None


@command(PROG, usage_errors=(BlueprintError,))
def main(argv: list[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    args = build_parser().parse_args(argv)
    out = sys.stdout if stdout is None else stdout
    inp = sys.stdin if stdin is None else stdin
    seat = parse_seat(args.seat)
    if args.hands is not None and args.hands < 1:
        raise UsageError(f"--hands must be at least 1, got {args.hands}")
    if args.search_config is not None and not args.search:
        raise UsageError("--search-config needs --search")
    search_config = _search_config(args) if args.search else None
    log = _hand_log(args.hands_out)
    blueprint = Blueprint.load(args.dir, args.buckets, translation_seed=args.seed if args.seed is not None else 0)
    if not blueprint.is_holdem or blueprint.n_players != SEATS:
        raise BlueprintError(f"{blueprint.source} is not a heads-up Hold'em blueprint; holdem-play is heads-up only")
    seed = args.seed if args.seed is not None else int(np.random.default_rng().integers(2**63))
    bot, label = None, "Blueprint"
    if search_config is not None:
        from holdem.search.agent import SearchAgent

        bot, label = SearchAgent(blueprint, search_config), "Search"
    table = Table(blueprint, seat, seed, out, inp, log, bot=bot, label=label)
    against = f"the search agent on {blueprint.source}" if bot is not None else blueprint.source
    table.say(f"Heads-up against {against} (iteration {blueprint.iteration}); stacks "
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
