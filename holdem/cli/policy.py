"""holdem-policy: read a trained snapshot.

    holdem-policy export DIR --format openspiel [--out FILE] [--current]
        Kuhn and Leduc: the policy as JSON {information_state_string:
        [[action_id, probability], ...]} (OpenSpiel's strings and action ids),
        the average policy unless --current.
    holdem-policy value DIR [--current]
        Kuhn and Leduc: exact exploitability (OpenSpiel's definition, chips
        per hand), NashConv and each player's value, as JSON.
    holdem-policy show DIR --hand AsAd [--board "Kh 7d 2c"] [--history "r250 c / x"] [--seat POS]
                       [--buckets FILE] [--json]
        Hold'em: the blueprint's action probabilities in one situation: the
        abstract node the history maps to, the bucket of the hand, and each
        abstract action with its concrete amount and probability.
    holdem-policy show DIR --preflop [--history "r250"] [--seat POS] [--buckets FILE] [--json]
        Hold'em: 13x13 grids of the probability of folding, checking/calling
        and raising (all sizes together) of the player to act, for each of the
        169 starting-hand classes; with no history, the first to act
        (heads-up: the button, BTN/SB).
    holdem-policy chart DIR [--seat POS ...] [--line open|vs-open|vs-3bet ...] [--vs POS]
                        [--history H ...] [--out DIR] [--buckets FILE] [--json]
        Hold'em: preflop range charts as poker tools draw them: the 13x13
        grid with each cell split into bars, one per action (fold,
        check/call, each raise size, all-in), as wide as its frequency; a
        legend with each action's share of all 1326 hands.  One PNG per
        chart and one HTML page with them all, in DIR's run directory under
        charts/ (or --out; the page, preflop-<iteration>.html, holds the
        charts of the latest invocation).  Lines: open (first in), vs-open (facing an open
        by the player acting before, or --vs), vs-3bet (opening, then facing
        a 3-bet by the player acting after, or --vs), every raise at the
        size the blueprint makes most often; by default every line for
        every position it fits.

Examples:

    holdem-policy show runs/hu_small --hand AsAd --history "r250"
    holdem-policy show runs/hu_small --preflop | head -20
    holdem-policy chart runs/hu_small --line open --line vs-open
    holdem-policy value runs/leduc

The probabilities are those the blueprint plays (holdem/blueprint.py): the
average strategy on the streets whose average the run accumulated
(solver.average_streets), the current (regret-matching) strategy on the
others.

Players are named by position: BTN (the button), SB, BB, then UTG, HJ, CO;
heads-up the button posts the small blind (BTN/SB) and acts first preflop.
--hand belongs to the player to act after the history (--seat may name that
position, e.g. --seat BB, as a check).

History syntax (--history): actions in order, separated by spaces; / closes
a street (required between streets, optional at the end):

    f        fold
    x        check (not legal when facing a bet)
    c        check or call
    bN, rN   bet N / raise to N chips: the player's total bet on this street
             (N may be given in big blinds: r2.5bb)
    a        all-in

e.g. "r250 c / x b500 c / x x /" (heads-up, blinds 50/100: BTN/SB raises to
250, BB calls; on the flop BB checks, BTN/SB bets 500, called; both check
the turn; now the river).  Every step is checked by the rules engine; an
illegal one is reported with its position and what was legal.  --board must
show exactly the cards of the street the history reaches (0, 3, 4 or 5).

DIR is a log directory (its latest snapshot is read) or a snapshot
directory.  Exit status: 0 ok, 2 bad arguments or an unreadable snapshot,
130 interrupted.
"""
from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from holdem.atomic import write_text_atomic
from holdem.blueprint import Blueprint, BlueprintError
from holdem.cards import format_cards, parse_cards
from holdem.cli.command import Parser, UsageError, command
from holdem.cli.help import description
from holdem.cli.wording import describe_action, describe_legal, facing_bet, facing_bets_in_history
from holdem.cli.writable import check_directory, check_output_file
from holdem.config import config_from_dict
from holdem.eval.chart import (
    GRID_RANKS,
    KIND_ALLIN,
    KIND_CALL,
    KIND_FOLD,
    KIND_RAISE,
    ChartAction,
    PreflopChart,
    grid_cell,
    html_page,
    render_png,
    sorted_actions,
)
from holdem.eval.raster import write_png
from holdem.exploitability import best_response_values, policy_values
from holdem.game.engine import (
    BOARD_CARDS,
    BOARD_CARDS_VISIBLE,
    HOLE_CARDS,
    PREFLOP,
    STREET_NAMES,
    ActionKind,
    HandState,
    IllegalAction,
)
from holdem.game.positions import position, seat_of
from holdem.game.tree_arrays import ACTION_CHECK_CALL, ACTION_FOLD
from holdem.games.registry import make_game
from holdem.games.spec import GameSpec
from holdem.mccfr.snapshot import SnapshotError, read_snapshot, run_directory
from holdem.policy import average_policy, current_policy, openspiel_policy

PROG = "holdem-policy"
CHARTS_DIR = "charts"  # where charts go in a run directory


def build_parser() -> Parser:
    p = Parser(prog=PROG, description=description(__doc__))
    sub = p.add_subparsers(dest="command", required=True, metavar="export|value|show|chart")
    exp = sub.add_parser("export", help="Kuhn/Leduc: write the policy in OpenSpiel's format",
                         description="Kuhn/Leduc: write the policy in OpenSpiel's format.\n\n"
                                     "Example:\n\n    holdem-policy export runs/leduc --format openspiel "
                                     "--out policy.json")
    exp.add_argument("dir", type=Path, help="log directory or snapshot directory")
    exp.add_argument("--format", required=True, choices=["openspiel"], help="output format")
    exp.add_argument("--out", type=Path, help="output file (default: stdout)")
    exp.add_argument("--current", action="store_true", help="export the current (regret-matching) policy")
    val = sub.add_parser("value", help="Kuhn/Leduc: exact exploitability of the policy",
                         description="Kuhn/Leduc: exact exploitability of the policy, as JSON.\n\n"
                                     "Example:\n\n    holdem-policy value runs/leduc")
    val.add_argument("dir", type=Path, help="log directory or snapshot directory")
    val.add_argument("--current", action="store_true", help="evaluate the current (regret-matching) policy")
    show = sub.add_parser("show", help="Hold'em: the blueprint's action probabilities in a situation, "
                          "or its preflop grid",
                          description="Hold'em: the blueprint's action probabilities in a situation, or its "
                                      "preflop grid (holdem-policy --help explains the history syntax).\n\n"
                                      "Examples:\n\n    holdem-policy show runs/hu_small --hand AsAd --history r250\n"
                                      "    holdem-policy show runs/hu_small --preflop | head -20")
    show.add_argument("dir", type=Path, help="log directory or snapshot directory")
    what = show.add_mutually_exclusive_group()  # one is needed: show_main says so (exit 2)
    what.add_argument("--hand", help="the two hole cards of the player to act, e.g. AsAd")
    what.add_argument("--preflop", action="store_true",
                      help="13x13 fold/call/raise grids of the player to act over the 169 starting-hand classes")
    show.add_argument("--board", default="", help="the board cards of the street the history reaches, e.g. 'Kh 7d 2c'")
    show.add_argument("--history", default="",
                      help="actions so far: f, x, c, bN (bet N), rN (raise to N), a; '/' between streets "
                           "(e.g. 'r250 c / x')")
    show.add_argument("--seat", metavar="POS", help="the position to act (BTN, SB, BB, UTG, HJ, CO; or a seat number, "
                      "BTN = 0), checked against the history")
    show.add_argument("--buckets", type=Path, help="bucket file of the run (default: the one its manifest records)")
    show.add_argument("--json", action="store_true", help="print JSON instead of text")
    chart = sub.add_parser("chart", help="Hold'em: preflop range charts (PNG and an HTML page)",
                           description="Hold'em: preflop range charts, a 13x13 grid of the starting hands with "
                                       "each cell split into bars by action frequency, as PNGs and one HTML page "
                                       "(holdem-policy --help explains the history syntax).\n\n"
                                       "Examples:\n\n    holdem-policy chart runs/hu_small\n"
                                       "    holdem-policy chart runs/6max --seat BTN --line open --line vs-3bet\n"
                                       "    holdem-policy chart runs/hu_small --history r250 --out charts")
    chart.add_argument("dir", type=Path, help="log directory or snapshot directory")
    chart.add_argument("--seat", action="append", metavar="POS",
                       help="a position to chart (BTN, SB, BB, UTG, HJ, CO, or a seat number, BTN = 0); "
                            "repeat for several (default: every position a line fits)")
    chart.add_argument("--line", action="append", choices=LINES,
                       help="open: first in; vs-open: facing an open by the player before (or --vs); vs-3bet: "
                            "opening, then facing a 3-bet by the player after (or --vs); raises at the sizes the "
                            "blueprint uses most; repeat for several (default: all three, unless --history)")
    chart.add_argument("--vs", metavar="POS", help="the opener (vs-open) or the 3-bettor (vs-3bet)")
    chart.add_argument("--history", action="append", metavar="H",
                       help="a preflop history to chart the player to act after, e.g. 'r250 r750'; repeat for several")
    chart.add_argument("--out", type=Path, metavar="DIR",
                       help=f"directory for the PNGs and the page (default: DIR's run directory/{CHARTS_DIR})")
    chart.add_argument("--buckets", type=Path, metavar="FILE",
                       help="bucket file of the run (default: the one its manifest records)")
    chart.add_argument("--json", action="store_true", help="print JSON (files and range frequencies) instead of text")
    return p


def load_policy(path: Path, current: bool):
    """(game, policy, manifest) of the snapshot at ``path``."""
    tables, manifest = read_snapshot(path)
    raw = manifest.get("config")
    if not isinstance(raw, dict):
        raise SnapshotError(f"the snapshot at {path} has no 'config' in its manifest; cannot rebuild its game")
    config = config_from_dict(raw, where=f"{path} (manifest config)")
    game: GameSpec = make_game(config)
    if game.layout.size != tables.size or manifest.get("game") != game.name:
        raise SnapshotError(f"the snapshot at {path} does not match its own config ({manifest.get('game')!r})")
    policy = current_policy(game, tables) if current else average_policy(game, tables)
    return game, policy, manifest


# --------------------------------------------------------------------------------------
# show: Hold'em situations


class ShowError(ValueError):
    """A situation that cannot be shown; the message names the bad input and what would work."""


_RAISE_TOKEN = re.compile(r"^[rb](\d+(?:\.\d+)?)(bb)?$")
_TOKEN_HELP = "f (fold), x (check), c (check/call), bN (bet N chips), rN (raise to N chips, or r2.5bb), a (all-in)"
STREET_SEPARATOR = "/"


@dataclass(frozen=True)
class Step:
    """One action of a ``--history``: its text, its 1-based position, and the street segment it was written in."""

    token: str
    number: int
    segment: int


def parse_history(text: str) -> list[list[Step]]:
    """Split a history into street segments of steps (see the module docstring); no rules checked yet."""
    segments: list[list[Step]] = []
    number = 0
    for i, part in enumerate(text.split(STREET_SEPARATOR)):
        steps = []
        for token in part.replace(",", " ").split():
            number += 1
            steps.append(Step(token.lower(), number, i))
        segments.append(steps)
    return segments


def _actor(state) -> int:
    """The seat to act; replay_history never returns a finished hand, so there is one."""
    if state.actor is None:
        raise ShowError("--history: the hand is over after this history; there is no decision to show")
    return state.actor


def _to_act(state) -> str:
    """The position of the player to act in ``state`` (replayed histories put the button at seat 0)."""
    return position(_actor(state), len(state.stacks), state.button)


def _legal(state) -> str:
    return describe_legal(state.legal(), facing_bet(state))


def _apply_step(state, step: Step, big_blind: int) -> None:
    """Apply one history step to ``state`` in place; ShowError naming the step and what was legal."""
    where = f"--history step {step.number} ({step.token!r})"
    legal = state.legal()
    who = _to_act(state)
    try:
        if step.token == "f":
            if not legal.can_fold:
                raise ShowError(f"{where}: {who} faces no bet, so cannot fold; legal: {_legal(state)}")
            state.fold()
        elif step.token == "x":
            if not legal.can_check:
                raise ShowError(f"{where}: {who} cannot check, it faces a bet (call {legal.call_amount}); "
                                f"legal: {_legal(state)}")
            state.check_or_call()
        elif step.token == "c":
            state.check_or_call()
        elif step.token == "a":
            if not legal.can_raise:
                raise ShowError(f"{where}: {who} may not bet or raise; legal: {_legal(state)} "
                                "(write c for a call that puts the player all-in)")
            state.raise_to(legal.max_raise_to)
        else:
            m = _RAISE_TOKEN.match(step.token)
            if m is None:
                raise ShowError(f"{where}: not an action; write {_TOKEN_HELP}, '/' between streets")
            chips = float(m.group(1)) * (big_blind if m.group(2) else 1)
            if chips != int(chips):
                raise ShowError(f"{where}: {chips:g} is not a whole number of chips; legal: {_legal(state)}")
            verb = "raise to" if facing_bet(state) else "bet"
            if not legal.can_raise:
                raise ShowError(f"{where}: {who} may not bet or raise; legal: {_legal(state)}")
            if not legal.min_raise_to <= chips <= legal.max_raise_to:
                raise ShowError(f"{where}: {who} may not {verb} {chips:g}; legal: {_legal(state)}")
            state.raise_to(int(chips))
    except IllegalAction as e:  # the checks above name the usual mistakes; the engine has the last word
        raise ShowError(f"{where}: {e}") from None


def _filler_cards(used: set[int], count: int) -> list[int]:
    """The ``count`` lowest card codes not in ``used`` (the unseen cards of a shown situation are arbitrary)."""
    out = [c for c in range(52) if c not in used][:count]
    used.update(out)
    return out


def _deal_cards(config, seat: int | None, hole: Sequence[int],
                board: Sequence[int]) -> tuple[list[list[int]], list[int]]:
    """Holes for every seat and a 5-card board: ``hole`` at ``seat``, ``board`` first, filler elsewhere."""
    used = set(hole) | set(board)
    holes = [list(hole) if s == seat else _filler_cards(used, HOLE_CARDS) for s in range(config.players)]
    return holes, list(board) + _filler_cards(used, BOARD_CARDS - len(board))


def replay_history(config, segments: list[list[Step]], seat: int | None = None, hole: Sequence[int] = (),
                   board: Sequence[int] = ()) -> HandState:
    """The :class:`HandState` after ``segments`` (button at seat 0), every step and street boundary checked.

    ``hole`` goes to ``seat`` (unseen cards are filler: the betting does not
    depend on them).  Raises ShowError naming the first bad step.
    """
    holes, full_board = _deal_cards(config, seat, list(hole), list(board))
    state = HandState.start(config, holes, full_board, button=0)
    last = None
    for i, steps in enumerate(segments):
        if i > 0 and not state.is_over and state.street < i:
            after = f"after step {last.number} ({last.token!r})" if last else "at the start"
            raise ShowError(
                f"--history: '/' {after} closes the {STREET_NAMES[state.street]}, but its betting is not over: "
                f"{_to_act(state)} is to act ({_legal(state)})"
            )
        for step in steps:
            if state.is_over:
                raise ShowError(f"--history step {step.number} ({step.token!r}): the hand is already over")
            if state.street > step.segment:
                ended = f"after step {last.number} ({last.token!r})" if last else "before the first step"
                raise ShowError(
                    f"--history step {step.number} ({step.token!r}): the {STREET_NAMES[step.segment]} betting ended "
                    f"{ended}; write '/' before step {step.number} to start the {STREET_NAMES[state.street]}"
                )
            _apply_step(state, step, config.big_blind)
            last = step
    if state.is_over:
        raise ShowError("--history: the hand is over after this history; there is no decision to show")
    return state


def _token(choice, legal, facing: bool) -> str:
    if choice.kind == ActionKind.FOLD:
        return "f"
    if choice.kind == ActionKind.CHECK_CALL:
        return "c" if choice.amount else "x"
    return "a" if choice.amount == legal.max_raise_to else f"{'r' if facing else 'b'}{choice.amount}"


def compact_history(state) -> list[str]:
    """``state``'s history in ``--history`` syntax (bets as bN, raises as rN, '/' between streets)."""
    out: list[str] = []
    facing = facing_bets_in_history(state.history)
    for i, action in enumerate(state.history):
        if i > 0 and action.street != state.history[i - 1].street:
            out.append(STREET_SEPARATOR)
        if action.kind == ActionKind.FOLD:
            out.append("f")
        elif action.kind == ActionKind.RAISE:
            out.append(f"{'r' if facing[i] else 'b'}{action.amount}")
        else:
            out.append("c" if action.amount else "x")
    return out


def _tree_token(tree, node: int, a: int) -> str:
    kind = int(tree.action_kind[node, a])
    amount = int(tree.action_amount[node, a])
    if kind == ACTION_FOLD:
        return "f"
    if kind == ACTION_CHECK_CALL:
        return "c" if amount else "x"
    return f"r{amount}"


def abstract_history(bp, state, seat: int) -> list[str]:
    """The history as the blueprint maps it onto its tree, in ``--history`` syntax ('?' once off the tree)."""
    tree = bp.tree
    nodes = bp.path(state, seat)
    out: list[str] = []
    for i in range(len(nodes) - 1):
        node, child = nodes[i], nodes[i + 1]
        if i > 0 and state.history[i].street != state.history[i - 1].street:
            out.append(STREET_SEPARATOR)
        a = bp.action_index(node, child) if node >= 0 and child >= 0 else -1
        out.append(_tree_token(tree, node, a) if a >= 0 else "?")
    return out


def _strategy_name(bp, street: int) -> str:
    return "average" if street in bp.average_streets else "current"


def _choices_json(decision, state) -> list[dict[str, Any]]:
    legal = state.legal()
    facing = facing_bet(state)
    return [
        {"token": _token(c, legal, facing), "kind": c.kind.name.lower(),
         "action": describe_action(c.kind, int(c.amount), facing,
                                   all_in=c.kind == ActionKind.RAISE and c.amount == legal.max_raise_to),
         "amount": int(c.amount), "probability": float(c.probability), "abstract_action": int(c.abstract_action)}
        for c in decision.choices
    ]


def _header(bp) -> dict[str, Any]:
    g = bp.game_config
    return {
        "snapshot": bp.source,
        "iteration": bp.iteration,
        "players": g.players,
        "stacks": list(g.stacks),
        "blinds": [g.small_blind, g.big_blind],
        "ante": g.ante,
        "average_streets": list(bp.average_streets),
    }


def show_situation(bp, hand: str, board: str = "", history: str = "", seat: int | None = None) -> dict[str, Any]:
    """The blueprint's decision for ``hand`` after ``history`` on ``board``, as a JSON-ready dict.

    Raises ShowError for a bad hand, board, history or seat.
    """
    config = bp.game_config
    try:
        hole = parse_cards(hand)
    except ValueError as e:
        raise ShowError(f"--hand: {e}") from None
    if len(hole) != 2:
        raise ShowError(f"--hand: give exactly two hole cards, e.g. AsAd; got {len(hole)} in {hand!r}")
    try:
        shown = parse_cards(board)
        parse_cards(hand + " " + board)  # a card in both is a duplicate
    except ValueError as e:
        raise ShowError(f"--board: {e}") from None
    if len(shown) not in BOARD_CARDS_VISIBLE:
        raise ShowError(f"--board: give 0, 3, 4 or 5 cards (the street the history reaches); got {len(shown)}")
    segments = parse_history(history)
    probe = replay_history(config, segments)  # whose turn it is does not depend on the cards
    actor = _actor(probe)
    _check_seat(seat, actor, config.players)
    state = replay_history(config, segments, actor, hole, shown)
    want = BOARD_CARDS_VISIBLE[state.street]
    if len(shown) != want:
        raise ShowError(
            f"--board: the history reaches the {STREET_NAMES[state.street]}, which shows {want} board cards; "
            f"--board gives {len(shown)}"
        )
    decision = bp.action_probabilities(state, actor)
    out = _header(bp)
    out.update({
        "seat": actor,
        "position": _to_act(state),
        "hand": format_cards(hole, ""),
        "board": format_cards(shown),
        "street": STREET_NAMES[state.street],
        "history": compact_history(state),
        "abstract_history": abstract_history(bp, state, actor),
        "on_tree": decision.on_tree,
        "node": int(decision.node),
        "pot": state.pot,
        "legal": _legal(state),
    })
    if decision.on_tree:
        node = decision.node
        street = int(bp.tree.street[node])
        out.update({
            "abstract_pot": int(bp.tree.pot[node]),
            "bucket": int(decision.bucket),
            "buckets": int(bp.layout.buckets_per_street[street]),
            "strategy": _strategy_name(bp, street),
        })
    else:
        out.update({"bucket": None, "strategy": "off-tree fallback: check or call"})
    out["actions"] = _choices_json(decision, state)
    return out


def parse_seat(text: str | None, players: int, flag: str = "--seat") -> int | None:
    """``--seat``: a position name (BTN, SB, BB, ...) or a seat number (BTN = 0); None if not given."""
    if text is None:
        return None
    if text.strip().isdigit():
        return int(text)
    try:
        return seat_of(text, players)
    except ValueError as e:
        raise ShowError(f"{flag}: {e}") from None


def _check_seat(seat: int | None, actor: int, players: int) -> None:
    if seat is None:
        return
    if not 0 <= seat < players:
        raise ShowError(f"--seat {seat}: seats are 0..{players - 1} (BTN = 0); or name a position, e.g. --seat BB")
    if seat != actor:
        raise ShowError(f"--seat: {position(seat, players)} is not to act after this history; "
                        f"{position(actor, players)} is (the history decides whose turn it is; drop --seat or "
                        "change --history)")


@dataclass(frozen=True)
class PreflopSpot:
    """The decisions of the player to act after a preflop history, one per starting-hand class."""

    actor: int
    names: list[str]  # class names, in class order
    states: list[HandState]  # the situation with a representative hand of each class
    decisions: list[Any]  # the blueprint's Decision for each

    @property
    def state(self) -> HandState:
        return self.states[0]


def preflop_spot(bp, history: str = "", seat: int | None = None, flag: str = "--preflop") -> PreflopSpot:
    """The blueprint's decision for every starting-hand class after a preflop ``history`` (ShowError if bad)."""
    from holdem.isomorphism import N_PREFLOP_CLASSES, canonical, preflop_class_name  # compiled tables: load on use

    config = bp.game_config
    segments = parse_history(history)
    probe = replay_history(config, segments)
    if probe.street != PREFLOP:
        raise ShowError(f"{flag}: the history leaves the preflop; give a preflop history (no '/')")
    actor = _actor(probe)
    _check_seat(seat, actor, config.players)
    names, states, decisions = [], [], []
    for c in range(N_PREFLOP_CLASSES):
        hole, _ = canonical(c, 0)
        state = replay_history(config, segments, actor, list(hole), [])
        names.append(preflop_class_name(c))
        states.append(state)
        decisions.append(bp.action_probabilities(state, actor))
    return PreflopSpot(actor, names, states, decisions)


def show_preflop(bp, history: str = "", seat: int | None = None) -> dict[str, Any]:
    """Fold / check-call / raise probabilities of the player to act after a preflop ``history``, per class."""
    spot = preflop_spot(bp, history, seat)
    actor, state = spot.actor, spot.state
    kinds = {"fold": ActionKind.FOLD, "call": ActionKind.CHECK_CALL, "raise": ActionKind.RAISE}
    grid = {k: [[0.0] * len(GRID_RANKS) for _ in GRID_RANKS] for k in kinds}
    classes: dict[str, Any] = {}
    actions = node = strategy = None
    for name, decision in zip(spot.names, spot.decisions):
        row, col = grid_cell(name)
        entry: dict[str, Any] = {"bucket": int(decision.bucket)}
        for key, kind in kinds.items():
            p = float(sum(ch.probability for ch in decision.choices if ch.kind == kind))
            entry[key] = p
            grid[key][row][col] = p
        entry["probabilities"] = [float(ch.probability) for ch in decision.choices]
        classes[name] = entry
        if actions is None:
            node = int(decision.node)
            actions = [{k: v for k, v in a.items() if k != "probability"} for a in _choices_json(decision, state)]
            strategy = _strategy_name(bp, PREFLOP) if decision.on_tree else "off-tree fallback: check or call"
    out = _header(bp)
    out.update({
        "seat": actor,
        "position": position(actor, bp.game_config.players),
        "history": compact_history(state),
        "abstract_history": abstract_history(bp, state, actor),
        "node": node,
        "strategy": strategy,
        "actions": actions,
        "classes": classes,
        "grid": {"ranks": GRID_RANKS, **grid},
    })
    return out


def _print_situation(out: dict[str, Any]) -> None:
    stacks = "/".join(str(s) for s in out["stacks"])
    g = f"{out['players']} players, stacks {stacks}, blinds {out['blinds'][0]}/{out['blinds'][1]}"
    if out["ante"]:
        g += f", ante {out['ante']}"
    print(f"snapshot  {out['snapshot']} (iteration {out['iteration']:,})" if out["iteration"] is not None
          else f"snapshot  {out['snapshot']}")
    print(f"game      {g}")
    print(f"hand      {out['position']}: {out['hand']}   board: {out['board'] or '-'}   ({out['street']})")
    if out["history"]:
        print("history   " + " ".join(out["history"]))
        print("abstract  " + " ".join(out["abstract_history"]) + "   (the history as the blueprint maps it)")
    if out["on_tree"]:
        print(f"node      {out['node']}, pot {out['pot']} (abstract pot {out['abstract_pot']})")
        print(f"bucket    {out['bucket']} of {out['buckets']} on the {out['street']}")
        print(f"strategy  {out['strategy']}")
    else:
        print("node      off the abstract tree: the blueprint checks or calls")
    print(f"legal     {out['legal']}")
    print()
    print(f"  {'action':<8} {'':<22} {'amount':>8}  {'probability':>11}")
    for a in out["actions"]:
        print(f"  {a['token']:<8} {a['action']:<22} {a['amount']:>8}  {a['probability']:>11.4f}")


def _print_preflop(out: dict[str, Any]) -> None:
    print(f"snapshot  {out['snapshot']} (iteration {out['iteration']:,})" if out["iteration"] is not None
          else f"snapshot  {out['snapshot']}")
    after = " ".join(out["history"]) or "no action yet"
    print(f"{out['position']} to act preflop ({after}); node {out['node']}, {out['strategy']} strategy")
    print("actions   " + ", ".join(f"{a['token']}: {a['action']}" for a in out["actions"]))
    print("grid: suited hands above the diagonal, offsuit below; percent")
    for key in ("fold", "call", "raise"):
        print()
        print(f"{key} %" + "".join(f"{r:>6}" for r in GRID_RANKS))
        for i, r in enumerate(GRID_RANKS):
            print(f"{r:<6}" + "".join(f"{100 * p:6.1f}" for p in out["grid"][key][i]))


# --------------------------------------------------------------------------------------
# chart: preflop range charts


LINES = ("open", "vs-open", "vs-3bet")


@dataclass(frozen=True)
class ChartRequest:
    """One chart to draw: the preflop history, its title and a file-name stem."""

    history: str
    title: str
    name: str


def spot_chart(bp, spot: PreflopSpot, title: str, name: str) -> PreflopChart:
    """The chart of a preflop spot: each class's probability of each concrete action (equal actions merged)."""
    actions: dict[str, ChartAction] = {}
    probs: dict[tuple[int, int, str], float] = {}
    for cls, state, decision in zip(spot.names, spot.states, spot.decisions):
        legal, facing = state.legal(), facing_bet(state)
        row, col = grid_cell(cls)
        for ch in decision.choices:
            token = _token(ch, legal, facing)
            if token not in actions:
                allin = ch.kind == ActionKind.RAISE and ch.amount == legal.max_raise_to
                kind = {ActionKind.FOLD: KIND_FOLD, ActionKind.CHECK_CALL: KIND_CALL}.get(
                    ch.kind, KIND_ALLIN if allin else KIND_RAISE)
                actions[token] = ChartAction(token, describe_action(ch.kind, int(ch.amount), facing, all_in=allin),
                                             kind, int(ch.amount))
            probs[row, col, token] = probs.get((row, col, token), 0.0) + float(ch.probability)
    ordered = sorted_actions(actions.values())
    index = {a.token: i for i, a in enumerate(ordered)}
    freqs = np.zeros((len(GRID_RANKS), len(GRID_RANKS), len(ordered)))
    for (row, col, token), p in probs.items():
        freqs[row, col, index[token]] = p
    first = spot.decisions[0]
    strategy = f"{_strategy_name(bp, PREFLOP)} strategy" if first.on_tree else "off the tree: checks or calls"
    it = f"iteration {bp.iteration:,}" if bp.iteration is not None else f"snapshot {bp.source}"
    history = " ".join(compact_history(spot.state)) or "none"
    return PreflopChart(title, f"{it}, {strategy}, history: {history}", tuple(ordered), freqs, name)


def preflop_order(config) -> list[int]:
    """Seats in their preflop order of action (the button at seat 0): first to act ... big blind."""
    first = _actor(replay_history(config, []))
    return [(first + i) % config.players for i in range(config.players)]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _main_raise(bp, tokens: list[str], line: str) -> ChartAction:
    """The raise the player to act after ``tokens`` makes most often (over all hands; all-in only if nothing else)."""
    history = " ".join(tokens)
    chart = spot_chart(bp, preflop_spot(bp, history, flag=f"--line {line}"), "", "")
    shares = chart.range_frequencies()
    for kind in (KIND_RAISE, KIND_ALLIN):
        found = [(s, a) for a, s in zip(chart.actions, shares) if a.kind == kind]
        if found:
            return max(found, key=lambda f: f[0])[1]
    who = position(_actor(replay_history(bp.game_config, parse_history(history))), bp.game_config.players)
    raise ShowError(f"--line {line}: {who} may not raise after {history or 'no action'}; choose another line")


def line_request(bp, line: str, hero: int, villain: int | None = None) -> ChartRequest:
    """The chart of ``hero`` on a standard line; ShowError when the line cannot happen for this hero.

    open: every player before ``hero`` folds.  vs-open: ``villain`` (default
    the player acting just before ``hero``) opens to its most frequent raise
    size, the others fold.  vs-3bet: ``hero`` opens to its most frequent size,
    ``villain`` (default the player acting just after) 3-bets to its most
    frequent size, the others fold.
    """
    config = bp.game_config
    n = config.players
    order = preflop_order(config)
    h = order.index(hero)
    me = position(hero, n)
    if line == "open":
        if h == n - 1:
            raise ShowError(f"--line open: {me} is never first in (when everyone else folds the hand is over); "
                            "choose another --seat")
        return ChartRequest(" ".join(["f"] * h), f"{me} first in (open)", f"{me}-open")
    if line == "vs-open":
        if h == 0:
            raise ShowError(f"--line vs-open: {me} acts first preflop, so never faces an open; choose another --seat")
        v = h - 1 if villain is None else order.index(villain)
        if not v < h:
            raise ShowError(f"--line vs-open: {position(order[v], n)} acts after {me} preflop, so cannot open in "
                            "front of it; choose another --seat or --vs")
        tokens = ["f"] * v
        opened = _main_raise(bp, tokens, line)
        tokens += [opened.token] + ["f"] * (h - v - 1)
        them = position(order[v], n)
        return ChartRequest(" ".join(tokens), f"{me} facing {them}'s open to {opened.amount}", f"{me}-vs-{them}-open")
    v = h + 1 if villain is None else order.index(villain)
    if h == n - 1 or not h < v < n:
        raise ShowError(f"--line vs-3bet: {me} cannot open and then face a 3-bet from "
                        f"{position(order[v], n) if v < n else 'a later player'} (the 3-bettor acts after the opener "
                        "preflop); choose another --seat or --vs")
    tokens = ["f"] * h
    opened = _main_raise(bp, tokens, line)
    tokens += [opened.token] + ["f"] * (v - h - 1)
    three_bet = _main_raise(bp, tokens, line)
    tokens += [three_bet.token] + ["f"] * (n - v - 1)
    them = position(order[v], n)
    return ChartRequest(" ".join(tokens), f"{me} opens to {opened.amount}, facing {them}'s 3-bet to {three_bet.amount}",
                        f"{me}-vs-{them}-3bet")


def chart_requests(bp, seats: list[int] | None, lines: list[str] | None, histories: list[str],
                   villain: int | None = None) -> list[ChartRequest]:
    """The charts asked for: each history, then each seat on each line.

    With no history and no line, every line.  A seat and a line that cannot
    go together are an error when both were named, else skipped.
    """
    config = bp.game_config
    out = []
    for history in histories:
        probe = replay_history(config, parse_history(history))
        if probe.street != PREFLOP:
            raise ShowError(f"--history {history!r}: leaves the preflop; give a preflop history (no '/')")
        actor = _actor(probe)
        if seats and lines is None and actor not in seats:
            _check_seat(seats[0], actor, config.players)
        me = position(actor, config.players)
        out.append(ChartRequest(history, f"{me} to act after {history.strip() or 'no action'}",
                                f"{me}-after-{_slug(history) or 'none'}"))
    chosen_lines = lines if lines is not None else ([] if histories else list(LINES))
    for line in chosen_lines:
        for hero in seats or preflop_order(config):
            if villain is not None and villain == hero:
                continue
            try:
                out.append(line_request(bp, line, hero, villain))
            except ShowError:
                if seats and lines is not None:
                    raise
    if not out:
        raise ShowError("no chart fits these --seat, --line and --vs; try without --vs or name other seats")
    return out


def chart_main(args) -> int:
    if args.buckets is not None and not args.buckets.is_file():
        raise UsageError(f"--buckets {args.buckets}: no such file (the run's bucket file; see holdem-buckets)")
    if args.out is not None:
        check_directory(args.out, f"--out {args.out}")  # before loading anything
    bp = Blueprint.load(args.dir, args.buckets)
    if not bp.is_holdem:
        raise UsageError(f"'chart' draws Hold'em preflop ranges; this snapshot is {bp.game.name} "
                         "(use 'holdem-policy export' or 'value')")
    players = bp.game_config.players
    out_dir = args.out if args.out is not None else run_directory(bp.source) / CHARTS_DIR
    if args.out is None:
        check_directory(out_dir, f"charts directory {out_dir} (choose another with --out DIR)")
    seats = [_seat_in_range(parse_seat(s, players), players) for s in args.seat] if args.seat else None
    villain = _seat_in_range(parse_seat(args.vs, players, "--vs"), players, "--vs") if args.vs is not None else None
    requests = chart_requests(bp, seats, args.line, args.history or [], villain)
    stem = f"preflop-{bp.iteration}" if bp.iteration is not None else "preflop"
    charts, pngs = [], []
    for req in requests:
        chart = spot_chart(bp, preflop_spot(bp, req.history, flag="--history"), req.title, _slug(req.name))
        png = write_png(out_dir / f"{stem}-{chart.name}.png", render_png(chart))
        charts.append(chart)
        pngs.append(png)
    page = write_text_atomic(out_dir / f"{stem}.html",
                             html_page(f"Preflop ranges of {bp.source}", charts, [p.name for p in pngs]))
    if args.json:
        print(json.dumps({**_header(bp), "html": str(page),
                          "charts": [{**c.to_json(), "png": str(p)} for c, p in zip(charts, pngs)]}))
        return 0
    for chart, png in zip(charts, pngs):
        shares = ", ".join(f"{a.label} {100 * s:.1f}%" for a, s in zip(chart.actions, chart.range_frequencies()))
        print(f"{png}: {chart.title} ({shares} of hands)")
    print(f"{page}: {'the chart' if len(charts) == 1 else f'the {len(charts)} charts'} on one page")
    return 0


def _seat_in_range(seat: int, players: int, flag: str = "--seat") -> int:
    if not 0 <= seat < players:
        raise ShowError(f"{flag} {seat}: seats are 0..{players - 1} (BTN = 0); or name a position, e.g. {flag} BB")
    return seat


def show_main(args) -> int:
    if args.hand is None and not args.preflop:
        raise UsageError("'show' needs --hand CARDS (one situation, e.g. --hand AsAd) or --preflop (the 13x13 grid)")
    if args.buckets is not None and not args.buckets.is_file():
        raise UsageError(f"--buckets {args.buckets}: no such file (the run's bucket file; see holdem-buckets)")
    if args.preflop and args.board:
        raise UsageError("--preflop shows the preflop: drop --board")
    bp = Blueprint.load(args.dir, args.buckets)
    if not bp.is_holdem:
        raise UsageError(f"'show' works for Hold'em snapshots; this one is {bp.game.name} "
                         "(use 'holdem-policy export' or 'value')")
    seat = parse_seat(args.seat, bp.game_config.players)
    if args.preflop:
        out = show_preflop(bp, args.history, seat)
    else:
        out = show_situation(bp, args.hand, args.board, args.history, seat)
    if args.json:
        print(json.dumps(out))
    elif args.preflop:
        _print_preflop(out)
    else:
        _print_situation(out)
    return 0


@command(PROG, usage_errors=(BlueprintError, ShowError, SnapshotError))
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "show":
        return show_main(args)
    if args.command == "chart":
        return chart_main(args)
    if args.command == "export" and args.out is not None:
        check_output_file(args.out, "--out")
    game, policy, manifest = load_policy(args.dir, args.current)
    if game.exact is None:
        raise UsageError(f"'{args.command}' works for kuhn and leduc; this snapshot is {game.name} "
                         "(for Hold'em use 'holdem-policy show')")
    if args.command == "export":
        text = json.dumps(openspiel_policy(game, policy), indent=1, sort_keys=True) + "\n"
        if args.out is None:
            sys.stdout.write(text)
        else:
            write_text_atomic(args.out, text)
        return 0
    values = policy_values(game, policy)
    br = best_response_values(game, policy)
    conv = float((br - values).sum())
    print(json.dumps({
        "game": game.name,
        "iteration": manifest["iteration"],
        "policy": "current" if args.current else "average",
        "exploitability": conv / game.n_players,
        "nash_conv": conv,
        "values": [float(v) for v in values],
        "best_response_values": [float(v) for v in br],
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
