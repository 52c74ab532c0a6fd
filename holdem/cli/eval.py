"""holdem-eval: evaluate a Hold'em blueprint head-to-head, or any blueprint by local best response.

    holdem-eval DIR --vs BOT|DIR2 [--hands N] [--seed S] [--hands-out FILE]
                                                           head-to-head (2-6 seats), duplicate dealing
    holdem-eval DIR --lbr [--lbr-actions SET] [--jobs N]   local best response (heads-up Hold'em;
                                                           exact on the tree for Kuhn/Leduc snapshots)
    holdem-eval RUN --curve [--curve-vs DIR] [--curve-points N] [--hands N]
                                                           learning curve: every snapshot of a run scored
    holdem-eval DIR --search [--search-config FILE] --vs BOT|DIR ...
                                                           the search agent on DIR's blueprint as the hero
    holdem-eval DIR --search --lbr [--lbr-actions SET]     local best response against the search agent

Example:

    holdem-eval runs/hu_small --vs call --hands 2000
    holdem-eval runs/hu_small --curve --curve-points 10 --hands 500

DIR is a run directory (its latest snapshot) or a snapshot directory.  BOT
is one of random, call, raise-pot, tag (holdem/eval/baselines.py); a
directory there is another snapshot of the same game, played in the other
seats.  The blueprint plays every position (BTN, SB, BB, ...) equally often.
Results are in milli big blinds per hand with a 95% confidence interval over
duplicate groups, with --vs next to the AIVAT-corrected figure of the same
hands (variance reduction, holdem/eval/aivat.py; --no-aivat skips it); a
progress bar and a one-line summary go to stderr, a PNG of the running
result to --plot (default: the run directory's eval/, or --out DIR), every
hand played to --hands-out in the PHH hand-history format (a .phhs file,
holdem/eval/phh.py), and a JSON summary (with the command that reproduces
it) to stdout.

--curve scores each snapshot of the run (RUN/snapshots/<iteration>/, all of
them or --curve-points spread over the run) with --hands hands each: LBR's
winnings against it (heads-up Hold'em) and its result against the run's
final snapshot (or --curve-vs DIR), in mbb/hand with 95% intervals.  The
figures go to curve-s<seed>.json and one PNG per score against training
time (from RUN/events.jsonl; iterations with --curve-x iterations or when
the log has no times) in the run directory's eval/ (or --out DIR).

--search makes the hero the search agent on DIR's blueprint (holdem/search/,
heads-up: the blueprint preflop and on the flop, a re-solved subgame on the
turn and river, as search.streets says; settings from the search: section of
--search-config FILE): against
a baseline, or against the plain blueprint with --vs DIR (the same run).
With --lbr, local best response plays it: the compiled LBR reads a
blueprint's tables and cannot query a Python agent, so this is the Python
LBR of holdem/search/lbr.py (fc-fcpa, fcpa or fc; each hand several solves),
whose JSON gives the chips LBR won and their variance-reduced estimate
("variance_reduced": the same expectation, a narrower interval).

Exit status: 0 done, 2 bad arguments or an unusable snapshot, 130
interrupted.
"""
from __future__ import annotations

import argparse
import functools
import json
import math
import shlex
import sys
from pathlib import Path
from typing import Any, Callable

import numpy as np

from holdem.atomic import write_json_atomic
from holdem.blueprint import Blueprint, BlueprintError
from holdem.cli.command import Parser, UsageError, command
from holdem.cli.help import description
from holdem.cli.writable import check_directory, check_output_file
from holdem.eval.aivat import MatchAivat, aivat_phrase
from holdem.eval.baselines import BASELINES, BlueprintBot, make_baseline
from holdem.eval.curve import (
    X_ITERATIONS,
    X_TIME,
    Score,
    curve_chart,
    run_training_seconds,
    score_snapshots,
    spread,
    x_axis,
)
from holdem.eval.lbr_actions import DEFAULT_LBR_ACTIONS, LBR_ACTION_SETS
from holdem.eval.lbr_equity import DEFAULT_RUNOUTS
from holdem.eval.match import MatchResult, groups_for, run_match, seat_names
from holdem.eval.phh import HandLog, hand_history
from holdem.eval.plot import plot_running
from holdem.eval.progress import ProgressBar
from holdem.eval.raster import write_png
from holdem.eval.stats import mean_ci95, running_ci95, to_mbb
from holdem.game.positions import position_names
from holdem.mccfr.snapshot import list_snapshots, run_directory

PROG = "holdem-eval"
EXIT_OK = 0
DEFAULT_HANDS = 1000
EVAL_DIR = "eval"  # where plots and curves go in a run directory
CURVE_SCORES = ("lbr", "vs")


def build_parser() -> Parser:
    p = Parser(prog=PROG, description=description(__doc__))
    p.add_argument("dir", type=Path, help="run directory (latest snapshot) or snapshot directory")
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--vs", metavar="BOT|DIR", help=f"opponent: {', '.join(BASELINES)} or another snapshot directory")
    mode.add_argument("--lbr", action="store_true", help="local best response against the blueprint")
    mode.add_argument("--curve", action="store_true", help="learning curve: score every snapshot of the run")
    p.add_argument("--hands", type=int, default=DEFAULT_HANDS,
                   help=f"hands to play, per snapshot with --curve (default {DEFAULT_HANDS}; "
                   "rounded up to whole duplicate groups)")
    p.add_argument("--seed", type=int, default=0, help="seed of the cards and the players' draws (default 0)")
    p.add_argument("--buckets", type=Path, help="bucket file of DIR's run (default: the one its config names)")
    p.add_argument("--vs-buckets", type=Path, help="bucket file of the --vs snapshot's run")
    p.add_argument("--lbr-actions", choices=list(LBR_ACTION_SETS), default=DEFAULT_LBR_ACTIONS, metavar="SET",
                   help="LBR: its action set; " + "; ".join(f"{k}: {v}" for k, v in LBR_ACTION_SETS.items())
                   + f" (default {DEFAULT_LBR_ACTIONS})")
    p.add_argument("--jobs", type=int, help="LBR: threads playing hands (default: the number of cores); "
                   "results do not depend on it")
    p.add_argument("--runouts", type=int, default=DEFAULT_RUNOUTS,
                   help=f"LBR: sampled turn+river runouts for flop equities (default {DEFAULT_RUNOUTS}; "
                   "1176 or more enumerates them all)")
    p.add_argument("--plot", type=Path, metavar="FILE",
                   help="PNG of the running result (default: holdem-eval-<opponent>-s<seed>.png in --out DIR)")
    p.add_argument("--out", type=Path, metavar="DIR",
                   help=f"directory for the plots and curve figures (default: the run directory's {EVAL_DIR}/)")
    p.add_argument("--curve-vs", type=Path, metavar="DIR",
                   help="--curve: score snapshots against this blueprint (default: the run's final snapshot)")
    p.add_argument("--curve-points", type=int, metavar="N",
                   help="--curve: score N snapshots spread over the run, first and last included (default: all)")
    p.add_argument("--curve-scores", choices=(*CURVE_SCORES, "both"), default="both",
                   help="--curve: lbr, vs (against --curve-vs) or both (default; LBR only where heads-up)")
    p.add_argument("--curve-x", choices=(X_TIME, X_ITERATIONS), default=X_TIME,
                   help="--curve: x axis of the PNGs, training time (default) or iterations")
    p.add_argument("--no-plot", action="store_true", help="do not write a PNG")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.add_argument("--no-aivat", action="store_true",
                   help="--vs: report the raw result only (no AIVAT-corrected figure, holdem/eval/aivat.py)")
    p.add_argument("--search", action="store_true",
                   help="the hero is the search agent on DIR's blueprint (heads-up Hold'em; turn and river search)")
    p.add_argument("--search-config", type=Path, metavar="FILE",
                   help="with --search: settings from FILE's 'search:' section (YAML; README \"Search\")")
    p.add_argument("--hands-out", type=Path, metavar="FILE",
                   help="write every hand played to FILE as PHH hand histories (.phhs, one [n] section a hand)")
    return p


def _opponent(spec: str, hero: Blueprint, buckets: Path | None, seed: int):
    if spec in BASELINES:
        return make_baseline(spec)
    path = Path(spec)
    if not path.exists():
        raise BlueprintError(f"--vs {spec}: neither a baseline ({', '.join(BASELINES)}) nor an existing directory")
    return _rival(Blueprint.load(path, buckets, translation_seed=seed + 1), hero, f"--vs {spec}")


def _rival(other: Blueprint, hero: Blueprint, flag: str) -> BlueprintBot:
    """``other`` as ``hero``'s opponent; BlueprintError unless both play the same Hold'em table."""
    if not other.is_holdem:
        raise BlueprintError(f"{flag}: a {other.game.name} snapshot cannot play Hold'em")
    if other.game_config != hero.game_config:
        raise BlueprintError(
            f"{flag}: its table ({other.game_config}) differs from {hero.source}'s ({hero.game_config}); "
            "head-to-head needs both blueprints trained for the same seats, stacks and blinds"
        )
    return BlueprintBot(other, name=f"snapshot:{other.source}")


def _out_dir(args, snapshot: str | Path) -> Path:
    return args.out if args.out is not None else run_directory(snapshot) / EVAL_DIR


def _plot_path(args, hero: Blueprint, plot_name: str) -> Path:
    return args.plot or _out_dir(args, hero.source) / f"holdem-eval-{plot_name}-s{args.seed}.png"


def _progress(args, label: str, groups: int, seats: int, big_blind: int):
    """A progress bar over ``groups`` duplicate groups and the ``on_group`` callback that moves it."""
    bar = ProgressBar(groups * seats, label, enabled=not args.no_progress)

    def on_group(g: int, results: np.ndarray) -> None:
        bar.update((g + 1) * seats, f"{to_mbb(results.mean(), big_blind):+9.1f} mbb/h")

    return bar, on_group


def _play(args, hero: Blueprint, hero_bot, opponent, label: str, plot_name: str,
          play: Callable[[Callable[[int, np.ndarray], None]], MatchResult] | None = None,
          aivat: MatchAivat | None = None) -> tuple[MatchResult, dict[str, Any]]:
    """A duplicate match of ``hero_bot`` against ``opponent`` (or ``play(on_group)``, one played elsewhere)
    with a progress bar, then its plot."""
    config = hero.game_config
    n = config.players
    bar, on_group = _progress(args, label, groups_for(args.hands, n), n, config.big_blind)
    if not args.no_plot and args.plot is None:  # an explicit --plot was checked before loading anything
        check_output_file(_plot_path(args, hero, plot_name), "--plot (default; choose with --out DIR or --plot FILE)")
    log = HandLog(args.hands_out) if args.hands_out is not None else None

    def on_hand(state, g: int, r: int) -> None:
        if log is not None:
            log.add(hand_history(state, names=seat_names(hero_bot, opponent, n, r), hand=log.hands + 1,
                                 extra={"_group": g + 1}))
        if aivat is not None:
            aivat.on_hand(state, g, r)

    if play is not None:
        result = play(on_group)
    else:
        result = run_match(config, hero_bot, opponent, args.hands, seed=args.seed, on_group=on_group,
                           on_hand=on_hand if log is not None or aivat is not None else None)
    bar.finish(result.hands, f"{result.estimate_mbb().mean:+9.1f} mbb/h")
    extra: dict[str, Any] = {"positions": list(position_names(n))}  # the hero played each equally often
    if log is not None:
        extra["hands_out"] = str(log.write())
    if aivat is not None:
        extra["aivat"] = aivat.summary(result)
    if not args.no_plot:
        mean, half = running_ci95(result.group_chips)
        path = _plot_path(args, hero, plot_name)
        hands = np.arange(1, result.groups + 1) * n
        extra["plot"] = str(plot_running(path, hands, to_mbb(mean, config.big_blind), to_mbb(half, config.big_blind),
                                         title=f"{result.hero} vs {result.opponent}, seed {args.seed}",
                                         xlabel="hands played", ylabel="running result, mbb/hand, 95% interval"))
    return result, extra


def _search_agent(args, hero: Blueprint):
    """The --search hero (its blueprint plays the streets it does not search)."""
    from holdem.search.agent import SearchConfig
    from holdem.search.holdem_agent import HoldemSearchBot

    if not hero.is_holdem or hero.n_players != 2:
        raise BlueprintError(f"--search is heads-up Hold'em; {hero.source} is not a heads-up Hold'em blueprint")
    try:
        config = SearchConfig.from_file(args.search_config)
        return HoldemSearchBot(hero, config)
    except (OSError, ValueError) as e:
        raise UsageError(f"--search-config: {e}") from None


def _search_summary(searcher) -> dict[str, Any]:
    """The search agent's settings and its time per searched decision (seconds, one core)."""
    times = np.asarray(searcher.times, dtype=np.float64)
    out: dict[str, Any] = {"config": {k: (list(v) if isinstance(v, tuple) else v)
                                      for k, v in vars(searcher.config).items()},
                           "decisions_searched": searcher.searched, "fallbacks": searcher.fallbacks,
                           "solves": int(times.size)}
    if times.size:
        out.update({"seconds_median": round(float(np.median(times)), 3),
                    "seconds_p99": round(float(np.quantile(times, 0.99)), 3),
                    "seconds_max": round(float(times.max()), 3)})
    return out


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


def _search_lbr(args, hero: Blueprint) -> dict[str, Any]:
    """The Python LBR (:mod:`holdem.search.lbr`) against the search agent on ``hero``."""
    from holdem.search.lbr import LBRResult, run_lbr

    searcher = _search_agent(args, hero)
    played: list[LBRResult] = []

    def play(on_group: Callable[[int, np.ndarray], None]) -> MatchResult:
        played.append(run_lbr(hero, searcher, args.hands, seed=args.seed, actions=args.lbr_actions,
                              progress=on_group))
        return played[0].match

    result, extra = _play(args, hero, None, None, "LBR vs search", "lbr-search", play=play)
    e = mean_ci95(played[0].reduced)
    bb = hero.game_config.big_blind
    mean, half = to_mbb(e.mean, bb), to_mbb(e.half_width, bb)
    reduced = {"mbb_per_hand": round(mean, 1), "ci95": [round(mean - half, 1), round(mean + half, 1)]}
    return {"mode": "lbr", **result.summary(), **extra, "lbr_actions": args.lbr_actions, "variance_reduced": reduced,
            "search": _search_summary(searcher),
            "note": "hero is LBR (holdem/search/lbr.py); its winnings are a lower bound on the search agent's "
                    "exploitability"}


def run(args: argparse.Namespace, argv: list[str]) -> dict[str, Any]:
    hero = Blueprint.load(args.dir, args.buckets, translation_seed=args.seed)
    summary: dict[str, Any] = {"blueprint": hero.source, "iteration": hero.iteration}
    if args.lbr and args.search:
        summary.update(_search_lbr(args, hero))
    elif args.lbr:
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
        searcher = _search_agent(args, hero) if args.search else None
        bot = BlueprintBot(hero) if searcher is None else searcher.fallback
        hero_bot = bot if searcher is None else searcher
        name = args.vs if args.vs in BASELINES else "snapshot"
        aivat = None if args.no_aivat else MatchAivat(hero_bot, opponent, hero.n_players)
        result, extra = _play(args, hero, hero_bot, opponent, f"vs {name}", name, aivat=aivat)
        summary.update({"mode": "headsup" if hero.n_players == 2 else "table", **result.summary(), **extra,
                        "blueprint_decisions": bot.decisions, "blueprint_off_tree": bot.off_tree})
        if searcher is not None:
            summary["search"] = _search_summary(searcher)
        if isinstance(opponent, BlueprintBot):
            summary.update({"opponent_decisions": opponent.decisions, "opponent_off_tree": opponent.off_tree})
    summary["seed"] = args.seed
    summary["command"] = shlex.join(["holdem-eval", *argv])
    summary["headline"] = headline(summary, str(args.dir))
    return summary


def _signed(value: float) -> str:
    return f"{value:+,.1f}"


def headline(summary: dict[str, Any], where: str) -> str:
    """One plain sentence of a result, e.g. "LBR wins 520.0 mbb/hand against runs/x (95% interval ...)"."""
    if summary.get("mode") == "lbr-exact":
        return (f"LBR wins {summary['lbr_mean']:.4f} chips/hand against {where} (exact on the game tree); "
                f"its exploitability is {summary['exploitability']:.4f} chips/hand")
    mean, (low, high) = summary["mbb_per_hand"], summary["ci95"]
    who, against = ("LBR", where) if summary.get("mode") == "lbr" else (where, summary["opponent"])
    interval = (f"95% interval {_signed(low)} to {_signed(high)} mbb/hand" if math.isfinite(low) and math.isfinite(high)
                else "no interval from a single duplicate group")
    line = (f"{who} {'wins' if mean >= 0 else 'loses'} {abs(mean):,.1f} mbb/hand against {against} ({interval}) "
            f"over {summary['hands']:,} hands")
    if "aivat" in summary:
        line += f"; {aivat_phrase(summary['aivat'])}"
    if "variance_reduced" in summary:
        low, high = summary["variance_reduced"]["ci95"]
        line += (f"; variance-reduced {summary['variance_reduced']['mbb_per_hand']:+,.1f} mbb/hand"
                 + (f" (95% interval {low:+,.1f} to {high:+,.1f})" if math.isfinite(low) and math.isfinite(high)
                    else ""))
    return line


def _vs_scorer(args, load, reference: Blueprint, flag: str):
    def score(path: Path, iteration: int) -> Score:
        hero = load(path)
        rival = _rival(reference, hero, flag)
        config = hero.game_config
        bar, on_group = _progress(args, f"{iteration:,} vs ref", groups_for(args.hands, config.players),
                                  config.players, config.big_blind)
        result = run_match(config, BlueprintBot(hero), rival, args.hands, seed=args.seed, on_group=on_group)
        bar.finish(result.hands, f"{result.estimate_mbb().mean:+9.1f} mbb/h")
        return Score(result.estimate_mbb(), result.hands, result.seconds)

    return score


def _lbr_scorer(args, load, big_blind: int):
    from holdem.eval.lbr import evaluate_lbr

    def score(path: Path, iteration: int) -> Score:
        bar, on_group = _progress(args, f"{iteration:,} LBR", groups_for(args.hands, 2), 2, big_blind)
        result = evaluate_lbr(path, hands=args.hands, seed=args.seed, actions=args.lbr_actions, jobs=args.jobs,
                              runouts=args.runouts, buckets=args.buckets, progress=on_group, blueprint=load(path))
        bar.finish(result.hands, f"{result.estimate_mbb().mean:+9.1f} mbb/h")
        return Score(result.estimate_mbb(), result.hands, result.seconds)

    return score


def _first_last(points, name: str) -> str:
    first, last = points[0].scores[name].estimate.mean, points[-1].scores[name].estimate.mean
    return f"{_signed(first)} mbb/hand at the first snapshot, {_signed(last)} at the last"


def run_curve(args: argparse.Namespace, argv: list[str]) -> dict[str, Any]:
    """Score the run's snapshots (``--curve``); write the figures as JSON and one PNG per score."""
    run = run_directory(args.dir)
    snaps = list_snapshots(run)
    if not snaps:
        raise UsageError(f"--curve {args.dir}: no snapshots in {run / 'snapshots'}; give the directory of a run "
                         "that has written snapshots (holdem-train or holdem-supervise --logdir)")
    chosen = spread(snaps, args.curve_points)
    out_dir = _out_dir(args, snaps[-1][1])
    if args.out is None:
        check_directory(out_dir, f"curve directory {out_dir} (choose another with --out DIR)")
    ref_path = args.curve_vs if args.curve_vs is not None else snaps[-1][1]
    flag = f"--curve-vs {args.curve_vs}" if args.curve_vs is not None else f"the final snapshot {ref_path}"
    reference = Blueprint.load(ref_path, args.vs_buckets if args.curve_vs else args.buckets,
                               translation_seed=args.seed + 1)
    if not reference.is_holdem:
        raise BlueprintError(f"--curve scores Hold'em runs; {ref_path} is a {reference.game.name} snapshot "
                             "(holdem-policy value gives Kuhn/Leduc exploitability exactly)")
    wanted = CURVE_SCORES if args.curve_scores == "both" else (args.curve_scores,)
    if reference.n_players != 2:
        if args.curve_scores == "lbr":
            raise BlueprintError(f"--curve-scores lbr: LBR is heads-up only; {run} trains {reference.n_players} seats "
                                 "(use --curve-scores vs)")
        wanted = ("vs",)
    # each snapshot is loaded once for all its scores
    load = functools.lru_cache(maxsize=1)(lambda path: Blueprint.load(path, args.buckets, translation_seed=args.seed))
    scorers: dict[str, Any] = {}
    if "lbr" in wanted:
        scorers["lbr"] = _lbr_scorer(args, load, reference.game_config.big_blind)
    if "vs" in wanted:
        scorers["vs"] = _vs_scorer(args, load, reference, flag)
    points = score_snapshots(chosen, run_training_seconds(run), scorers)
    stem = f"curve-s{args.seed}"
    axis = x_axis(points, args.curve_x)[0]
    titles = {"lbr": f"LBR winnings against the snapshots of {run.name}",
              "vs": f"snapshots of {run.name} against {Path(reference.source).name}"
                    + (" (final)" if args.curve_vs is None else "")}
    plots = {name: str(write_png(out_dir / f"{stem}-{name}.png", curve_chart(points, name, titles[name], axis)))
             for name in scorers}
    figures: dict[str, Any] = {
        "mode": "curve", "run": str(run), "units": "mbb/hand", "x": axis, "hands_per_snapshot": args.hands,
        "seed": args.seed, "snapshots_in_run": len(snaps), "scores": list(scorers),
        "reference": reference.source if "vs" in scorers else None,
        "points": [p.to_json() for p in points], "plots": plots,
        "command": shlex.join(["holdem-eval", *argv]),
    }
    parts = []
    if "lbr" in scorers:
        parts.append(f"LBR wins {_first_last(points, 'lbr')}")
    if "vs" in scorers:
        rival = "the final snapshot" if args.curve_vs is None else str(args.curve_vs)
        parts.append(f"against {rival} {_first_last(points, 'vs')}")
    path = write_json_atomic(out_dir / f"{stem}.json", figures)
    figures["figures"] = str(path)
    figures["headline"] = (f"learning curve of {run}: {len(points)} snapshot{'s' if len(points) != 1 else ''} "
                           f"(iterations {points[0].iteration:,} to {points[-1].iteration:,}); "
                           f"{'; '.join(parts)}; figures in {path}")
    return figures


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
    if args.search_config is not None and not args.search:
        parser.error("--search-config needs --search")
    if args.search and args.curve:
        parser.error("--search plays one agent (--vs or --lbr); --curve scores snapshots")
    if args.search and args.lbr and args.lbr_actions == "tree":
        parser.error("--search --lbr: the LBR that plays the search agent offers fc-fcpa, fcpa and fc "
                     "(tree sizes are the compiled LBR's)")
    if args.curve_points is not None and args.curve_points < 1:
        parser.error(f"--curve-points must be at least 1, got {args.curve_points}")
    if args.out is not None:
        check_directory(args.out, f"--out {args.out}")  # before loading anything
    summary = run_curve(args, argv) if args.curve else run(args, argv)
    print(summary["headline"], file=sys.stderr, flush=True)
    print(json.dumps(summary))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
