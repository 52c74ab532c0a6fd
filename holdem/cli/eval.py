"""holdem-eval: evaluate a Hold'em blueprint head-to-head, or any blueprint by local best response.

    holdem-eval DIR --vs BOT|DIR2 [--hands N] [--seed S] [--hands-out FILE]
                                                           head-to-head (2-6 seats), duplicate dealing
    holdem-eval DIR --lbr [--lbr-actions SET] [--jobs N]   local best response (heads-up Hold'em;
                                                           exact on the tree for Kuhn/Leduc snapshots)

Example:

    holdem-eval runs/hu_small --vs call --hands 2000

DIR is a run directory (its latest snapshot) or a snapshot directory.  BOT
is one of random, call, raise-pot, tag (holdem/eval/baselines.py); a
directory there is another snapshot of the same game, played in the other
seats.  The blueprint plays every position (BTN, SB, BB, ...) equally often.
Results are in milli big blinds per hand with a 95% confidence interval over
duplicate groups; a progress bar goes to stderr, a PNG of the running result
to --plot, every hand played to --hands-out in the PHH hand-history format
(a .phhs file, holdem/eval/phh.py), and a JSON summary (with the command
that reproduces it) to stdout.  Exit status: 0 done, 2 bad arguments or an unusable snapshot, 130
interrupted.
"""
from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path
from typing import Any, Callable

import numpy as np

from holdem.blueprint import Blueprint, BlueprintError
from holdem.cli.command import Parser, command
from holdem.cli.help import description
from holdem.cli.writable import check_output_file
from holdem.eval.baselines import BASELINES, BlueprintBot, make_baseline
from holdem.eval.match import MatchResult, groups_for, run_match, seat_names
from holdem.eval.phh import HandLog, hand_history
from holdem.eval.plot import plot_running
from holdem.eval.progress import ProgressBar
from holdem.eval.lbr_actions import DEFAULT_LBR_ACTIONS, LBR_ACTION_SETS
from holdem.eval.lbr_equity import DEFAULT_RUNOUTS
from holdem.eval.stats import running_ci95, to_mbb
from holdem.game.positions import position_names

PROG = "holdem-eval"
EXIT_OK = 0
DEFAULT_HANDS = 1000


def build_parser() -> Parser:
    p = Parser(prog=PROG, description=description(__doc__))
    p.add_argument("dir", type=Path, help="run directory (latest snapshot) or snapshot directory")
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--vs", metavar="BOT|DIR", help=f"opponent: {', '.join(BASELINES)} or another snapshot directory")
    mode.add_argument("--lbr", action="store_true", help="local best response against the blueprint")
    p.add_argument("--hands", type=int, default=DEFAULT_HANDS, help=f"hands to play (default {DEFAULT_HANDS}; "
                   "rounded up to whole duplicate groups)")
    p.add_argument("--seed", type=int, default=0, help="seed of the cards and the players' draws (default 0)")
    p.add_argument("--buckets", type=Path, help="bucket file of DIR's run (default: the one its config names)")
    p.add_argument("--vs-buckets", type=Path, help="bucket file of the --vs snapshot's run")
    p.add_argument("--lbr-actions", choices=list(LBR_ACTION_SETS), default=DEFAULT_LBR_ACTIONS, metavar="SET",
                   help="LBR: its action set; " + "; ".join(f"{k}: {v}" for k, v in LBR_ACTION_SETS.items())
                   + f" (default {DEFAULT_LBR_ACTIONS})")
    p.add_argument("--jobs", type=int, help="LBR: worker processes (default: the number of cores); "
                   "results do not depend on it")
    p.add_argument("--runouts", type=int, default=DEFAULT_RUNOUTS,
                   help=f"LBR: sampled turn+river runouts for flop equities (default {DEFAULT_RUNOUTS}; "
                   "1176 or more enumerates them all)")
    p.add_argument("--plot", type=Path, help="PNG of the running result (default: holdem-eval-<opponent>-s<seed>.png)")
    p.add_argument("--no-plot", action="store_true", help="do not write a PNG")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.add_argument("--hands-out", type=Path, metavar="FILE",
                   help="write every hand played to FILE as PHH hand histories (.phhs, one [n] section a hand)")
    return p


def _opponent(spec: str, hero: Blueprint, buckets: Path | None, seed: int):
    if spec in BASELINES:
        return make_baseline(spec)
    path = Path(spec)
    if not path.exists():
        raise BlueprintError(f"--vs {spec}: neither a baseline ({', '.join(BASELINES)}) nor an existing directory")
    other = Blueprint.load(path, buckets, translation_seed=seed + 1)
    if not other.is_holdem:
        raise BlueprintError(f"--vs {spec}: a {other.game.name} snapshot cannot play Hold'em")
    if other.game_config != hero.game_config:
        raise BlueprintError(
            f"--vs {spec}: its table ({other.game_config}) differs from {hero.source}'s ({hero.game_config}); "
            "head-to-head needs both blueprints trained for the same seats, stacks and blinds"
        )
    return BlueprintBot(other, name=f"snapshot:{other.source}")


def _plot_path(args, plot_name: str) -> Path:
    return args.plot or Path(f"holdem-eval-{plot_name}-s{args.seed}.png")


def _play(args, hero: Blueprint, hero_bot, opponent, label: str, plot_name: str,
          play: Callable[[Callable[[int, np.ndarray], None]], MatchResult] | None = None,
          ) -> tuple[MatchResult, dict[str, Any]]:
    """A duplicate match of ``hero_bot`` against ``opponent`` (or ``play(on_group)``, one played elsewhere)
    with a progress bar, then its plot."""
    config = hero.game_config
    n = config.players
    groups = groups_for(args.hands, n)
    bar = ProgressBar(groups * n, label, enabled=not args.no_progress)

    def on_group(g: int, results: np.ndarray) -> None:
        bar.update((g + 1) * n, f"{to_mbb(results.mean(), config.big_blind):+9.1f} mbb/h")

    if not args.no_plot and args.plot is None:  # an explicit --plot was checked before loading anything
        check_output_file(_plot_path(args, plot_name), "--plot")
    log = HandLog(args.hands_out) if args.hands_out is not None else None

    def on_hand(state, g: int, r: int) -> None:
        assert log is not None
        log.add(hand_history(state, names=seat_names(hero_bot, opponent, n, r), hand=log.hands + 1,
                             extra={"_group": g + 1}))

    if play is not None:
        result = play(on_group)
    else:
        result = run_match(config, hero_bot, opponent, args.hands, seed=args.seed, on_group=on_group,
                           on_hand=on_hand if log is not None else None)
    bar.finish(result.hands, f"{result.estimate_mbb().mean:+9.1f} mbb/h")
    extra: dict[str, Any] = {"positions": list(position_names(n))}  # the hero played each equally often
    if log is not None:
        extra["hands_out"] = str(log.write())
    if not args.no_plot:
        mean, half = running_ci95(result.group_chips)
        path = _plot_path(args, plot_name)
        hands = np.arange(1, result.groups + 1) * n
        extra["plot"] = str(plot_running(path, hands, to_mbb(mean, config.big_blind), to_mbb(half, config.big_blind)))
    return result, extra


def _exact_lbr(hero: Blueprint) -> dict[str, Any]:
    from holdem.eval.lbr_exact import lbr_values
    from holdem.exploitability import best_response_values, policy_values

    lbr = lbr_values(hero.game, hero.policy)
    br = best_response_values(hero.game, hero.policy)
    own = policy_values(hero.game, hero.policy)
    return {
        "mode": "lbr-exact",
        "game": hero.game.name,
        "units": "chips per hand",
        "lbr_value_per_seat": [round(float(v), 6) for v in lbr],
        "best_response_value_per_seat": [round(float(v), 6) for v in br],
        "policy_value_per_seat": [round(float(v), 6) for v in own],
        "lbr_mean": round(float(lbr.mean()), 6),
        "exploitability": round(float((br - own).sum() / 2), 6),
    }


def run(args: argparse.Namespace, argv: list[str]) -> dict[str, Any]:
    hero = Blueprint.load(args.dir, args.buckets, translation_seed=args.seed)
    summary: dict[str, Any] = {"blueprint": hero.source, "iteration": hero.iteration}
    if args.lbr:
        if not hero.is_holdem:
            summary.update(_exact_lbr(hero))
        else:
            from holdem.eval.lbr import evaluate_lbr

            if hero.n_players != 2:
                raise BlueprintError(f"--lbr is heads-up only; {hero.source} is a {hero.n_players}-seat blueprint")
            result, extra = _play(args, hero, None, None, "LBR", "lbr", play=lambda on_group: evaluate_lbr(
                args.dir, hands=args.hands, seed=args.seed, actions=args.lbr_actions, jobs=args.jobs,
                runouts=args.runouts, buckets=args.buckets, progress=on_group, blueprint=hero))
            summary.update({"mode": "lbr", **result.summary(), **extra,
                            "note": "hero is LBR; its winnings are a lower bound on the blueprint's exploitability"})
    else:
        if not hero.is_holdem:
            raise BlueprintError(f"head-to-head plays Hold'em; {hero.source} is a {hero.game.name} snapshot "
                                 "(try --lbr)")
        opponent = _opponent(args.vs, hero, args.vs_buckets, args.seed)
        bot = BlueprintBot(hero)
        name = args.vs if args.vs in BASELINES else "snapshot"
        result, extra = _play(args, hero, bot, opponent, f"vs {name}", name)
        summary.update({"mode": "headsup" if hero.n_players == 2 else "table", **result.summary(), **extra,
                        "blueprint_decisions": bot.decisions, "blueprint_off_tree": bot.off_tree})
        if isinstance(opponent, BlueprintBot):
            summary.update({"opponent_decisions": opponent.decisions, "opponent_off_tree": opponent.off_tree})
    summary["seed"] = args.seed
    summary["command"] = shlex.join(["holdem-eval", *argv])
    return summary


@command(PROG, usage_errors=(BlueprintError,))
def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.hands < 1:
        parser.error(f"--hands must be at least 1, got {args.hands}")
    if args.runouts < 1:
        parser.error(f"--runouts must be at least 1, got {args.runouts}")
    if args.jobs is not None and args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    if args.lbr and args.hands_out is not None:
        parser.error("--hands-out records head-to-head hands (--vs); LBR hands are played in compiled code "
                     "and are not recorded")
    if args.plot is not None and not args.no_plot:
        check_output_file(args.plot, "--plot")  # before loading anything
    if args.hands_out is not None:
        check_output_file(args.hands_out, "--hands-out")
    summary = run(args, argv)
    print(json.dumps(summary))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
