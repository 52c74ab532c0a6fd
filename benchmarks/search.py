"""Real-time search on Hold'em against its own blueprint: time per decision, head to head, LBR.

Plays the search agent (:mod:`holdem.search`, ``SearchAgent``: the
blueprint on the streets it does not search, unsafe DCFR re-solves of the
turn and river subgames on the streets it does, ``search.streets``) built
on a ``hu_mid`` blueprint (default: the 60-minute run's last snapshot) and
writes one JSON object (to stdout and ``--out``) with the command that
reproduces it.  Parts (``--parts``, each merged into ``--out``
so they can be run separately):

* ``headsup``: ``--hands`` hands of the search agent against the plain
  blueprint, dealt in duplicate as ``holdem-eval --vs`` deals them, with the
  raw duplicate result, the AIVAT-corrected one (:mod:`holdem.eval.aivat`,
  the showdown value function), and a paired figure: the same deals and the
  same random draws played blueprint against blueprint, whose expectation
  is exactly 0 (duplicate, one strategy), subtracted group by group as a
  control variate (the two matches are identical until the hero's first
  searched decision, so the difference holds only what the search changed),
  and the same with both matches AIVAT-corrected by the showdown value
  function.  The ``*_exact_river`` figures correct with exact river values
  instead (:class:`holdem.eval.aivat_values.RiverExactValue`: the river's
  betting enumerated under the blueprint's policy and the search agent's
  latest solved strategy, the river card by its average over the river
  cards), in the search match and, for the paired figure, in the
  blueprint match too.  ``--minutes`` stops the search match after the
  duplicate group that passes the time (on time alone, so the groups
  played are the first ones of the full match); the blueprint match then
  plays the same groups.
  The action terms of the searching seat's turn moves use its turn solve's
  distribution (``distribution``, the one it drew from) with the showdown
  value function, and the river card's chance term is a fixed function of
  the deal, so searching the turn leaves every term's mean at zero.
  Every interval is a 95% interval over duplicate groups.  The seconds of
  every solve in this match are the time-per-decision figures, also by street
  (median, p99, max), with the process pinned to one core and timed in
  its own CPU seconds (``time.process_time``, which also times the search's
  budget), so that other work on a shared machine neither inflates the
  figures nor cuts the solves short; the wall seconds are given too.
* ``lbr_calibration``: the same Python LBR against the blueprint alone over
  ``--calibration-hands``, to set beside the compiled LBR's figure.
* ``lbr``: local best response (:mod:`holdem.search.lbr`, a Python LBR that
  queries any agent with ``distribution``) against the search agent and
  against the blueprint on the same deals, draws and action set, in
  alternating blocks (``--minutes`` stops after a block), each figure as the
  chips LBR won and as their variance-reduced estimate (``LBRValue``: the
  showdown's expectation under the opponent's exact range, and AIVAT's
  action terms at the opponent's moves; the same expectation).  The file is
  rewritten after every block, marked ``partial`` until the part ends.

    python benchmarks/search.py [--run /work/runs/hu_mid_60] [--hands 1000] [--minutes M] [--lbr-hands 100]
                                [--seed 0] [--parts headsup,lbr] [--out benchmarks/results/search.json]
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import shlex
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from holdem.atomic import write_text_atomic
from holdem.blueprint import Blueprint
from holdem.eval.aivat import MatchAivat
from holdem.eval.aivat_values import RiverExactValue, ShowdownValue
from holdem.eval.baselines import BlueprintBot
from holdem.eval.match import MatchResult, run_match
from holdem.eval.stats import mean_ci95, to_mbb
from holdem.search.agent import SearchConfig
from holdem.search.holdem_agent import STREETS, HoldemSearchBot

DEFAULT_RUN = Path("/work/runs/hu_mid_60")
DEFAULT_OUT = Path("benchmarks/results/search.json")
PARTS = ("headsup", "lbr", "lbr_calibration")
LBR_BLOCK = 20  # hands per block of the lbr part (10 duplicate groups)


def interval(values: np.ndarray, big_blind: int) -> dict[str, Any]:
    e = mean_ci95(values)
    mean, half = float(to_mbb(e.mean, big_blind)), float(to_mbb(e.half_width, big_blind))
    return {"mbb_per_hand": round(mean, 1), "ci95": [round(mean - half, 1), round(mean + half, 1)],
            "ci95_half_width": round(half, 1)}


def timing(seconds: list[float]) -> dict[str, Any]:
    t = np.asarray(seconds, dtype=np.float64)
    if t.size == 0:
        return {"decisions": 0}
    return {"decisions": int(t.size), "median_s": round(float(np.median(t)), 3),
            "p99_s": round(float(np.quantile(t, 0.99)), 3), "max_s": round(float(t.max()), 3),
            "mean_s": round(float(t.mean()), 3),
            "goal": "median <= 2 s and p99 <= 10 s on one core",
            "goal_met": bool(np.median(t) <= 2.0 and np.quantile(t, 0.99) <= 10.0)}


class _TimeUp(Exception):
    pass


def headsup(bp: Blueprint, config: SearchConfig, hands: int, seed: int, minutes: float | None = None
            ) -> dict[str, Any]:
    agent = HoldemSearchBot(bp, config, clock=time.process_time)
    plain = BlueprintBot(bp)
    aivat = MatchAivat(agent, plain, 2)
    exact = MatchAivat(agent, plain, 2, values=RiverExactValue)

    def both(state, group, hero_seat, *, matches=(aivat, exact)):
        for m in matches:
            m.on_hand(state, group, hero_seat)

    began = time.perf_counter()
    played: list[np.ndarray] = [np.zeros(0)]

    def clock(group: int, so_far: np.ndarray) -> None:
        # stops between duplicate groups, on time alone (never on the results), so the groups played are a prefix
        played[0] = so_far.copy()
        if minutes is not None and time.perf_counter() - began > 60.0 * minutes:
            raise _TimeUp

    try:
        result = run_match(bp.game_config, agent, plain, hands, seed=seed, on_group=clock, on_hand=both)
    except _TimeUp:
        result = MatchResult(agent.name, plain.name, 2, bp.game_config.big_blind, played[0],
                             time.perf_counter() - began)
    seconds = time.perf_counter() - began
    hands = result.hands
    base_hero, base_opponent = BlueprintBot(bp, name="blueprint (hero)"), BlueprintBot(bp)
    # each base figure uses the value function of its search figure, so the two corrected results move together
    base_aivat = MatchAivat(base_hero, base_opponent, 2, values=lambda bots: ShowdownValue())
    base_exact = MatchAivat(base_hero, base_opponent, 2, values=RiverExactValue)
    base = run_match(bp.game_config, base_hero, base_opponent, hands, seed=seed,
                     on_hand=functools.partial(both, matches=(base_aivat, base_exact)))
    bb = bp.game_config.big_blind
    paired = result.group_chips - base.group_chips
    paired_aivat = aivat.corrected(result) - base_aivat.corrected(base)
    paired_exact = exact.corrected(result) - base_exact.corrected(base)
    return {
        "hands": result.hands, "duplicate_groups": result.groups, "minutes_cap": minutes,
        "raw_duplicate": interval(result.group_chips, bb),
        "aivat": interval(aivat.corrected(result), bb),
        "aivat_exact_river": {**interval(exact.corrected(result), bb), **term_means(exact, bb)},
        "paired_against_blueprint_self_play": interval(paired, bb),
        "paired_aivat": interval(paired_aivat, bb),
        "paired_aivat_exact_river": interval(paired_exact, bb),
        "blueprint_self_play_same_deals": interval(base.group_chips, bb),
        "blueprint_self_play_aivat_exact_river": {**interval(base_exact.corrected(base), bb),
                                                  **term_means(base_exact, bb)},
        "groups_changed_by_search": int(np.count_nonzero(paired)),
        "decisions_searched": agent.searched, "fallbacks": agent.fallbacks,
        "time_per_decision": timing(agent.times),
        "time_per_decision_by_street": {name: timing([t for t, s in zip(agent.times, agent.streets) if s == street])
                                        for name, street in STREETS.items()},
        "iterations_by_street": {name: _median([n for n, s in zip(agent.iterations, agent.streets) if s == street])
                                 for name, street in STREETS.items()},
        "wall_seconds_per_decision_shared_machine": timing(agent.wall_times),
        "iterations_per_solve": {"median": float(np.median(agent.iterations)) if agent.iterations else None,
                                 "min": min(agent.iterations, default=None)},
        "seconds": round(seconds, 1),
        "goal": "the search agent beats its blueprint with a 95% interval above 0",
    }


def _median(values: list[int]) -> float | None:
    return float(np.median(values)) if values else None


def term_means(aivat: MatchAivat, big_blind: int) -> dict[str, float]:
    """The mean chance and action terms per hand (each has expectation 0), in mbb."""
    chance, action = aivat.group_terms()
    return {"chance_terms_mbb": round(float(to_mbb(chance.mean(), big_blind)), 1),
            "action_terms_mbb": round(float(to_mbb(action.mean(), big_blind)), 1)}


def lbr(bp: Blueprint, config: SearchConfig, hands: int, seed: int, actions: str,
        minutes: float | None = None, on_block: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """LBR against the blueprint and against the search agent on the same deals and draws, played in
    blocks of ``LBR_BLOCK`` hands each, alternately, until ``hands`` or ``minutes`` (checked between
    blocks, on time alone), so both arms cover the same groups.  ``on_block`` gets the figures so far
    after every block (the run can be stopped at any time and keep them)."""
    from holdem.search.lbr import run_lbr

    bb = bp.game_config.big_blind
    agents = {"blueprint": BlueprintBot(bp), "search": HoldemSearchBot(bp, config, clock=time.process_time)}
    chips: dict[str, list[np.ndarray]] = {name: [] for name in agents}
    reduced: dict[str, list[np.ndarray]] = {name: [] for name in agents}
    seconds = dict.fromkeys(agents, 0.0)
    began = time.perf_counter()
    played = 0
    while played < hands and (minutes is None or time.perf_counter() - began < 60.0 * minutes):
        block = min(LBR_BLOCK, hands - played)
        for name, agent in agents.items():
            t = time.perf_counter()
            res = run_lbr(bp, agent, block, seed=seed, actions=actions, first_group=played // 2)
            seconds[name] += time.perf_counter() - t
            chips[name].append(res.match.group_chips)
            reduced[name].append(res.reduced)
        played += block
        if on_block is not None:
            on_block(_lbr_figures(agents, chips, reduced, seconds, played, actions, minutes, bb))
    return _lbr_figures(agents, chips, reduced, seconds, played, actions, minutes, bb)


def _lbr_figures(agents, chips, reduced, seconds, played, actions, minutes, bb) -> dict[str, Any]:
    raw = {name: np.concatenate(x) for name, x in chips.items()}
    low = {name: np.concatenate(x) for name, x in reduced.items()}
    out: dict[str, Any] = {"hands": played, "duplicate_groups": int(raw["search"].size), "actions": actions,
                           "minutes_cap": minutes}
    for name in agents:
        out[f"lbr_vs_{name}"] = {"variance_reduced": interval(low[name], bb), "chips": interval(raw[name], bb),
                                 "seconds": round(seconds[name], 1)}
    out["difference_search_minus_blueprint"] = {"variance_reduced": interval(low["search"] - low["blueprint"], bb),
                                                "chips": interval(raw["search"] - raw["blueprint"], bb)}
    out["decisions_searched"], out["fallbacks"] = agents["search"].searched, agents["search"].fallbacks
    out["goal"] = "LBR wins less against the search agent than against the blueprint"
    return out


def lbr_calibration(bp: Blueprint, hands: int, seed: int, actions: str) -> dict[str, Any]:
    """This Python LBR against the blueprint alone over many hands (cheap), to set beside the compiled LBR's figure."""
    from holdem.search.lbr import run_lbr

    began = time.perf_counter()
    res = run_lbr(bp, BlueprintBot(bp), hands, seed=seed, actions=actions)
    bb = bp.game_config.big_blind
    return {"hands": res.match.hands, "actions": actions,
            "lbr_vs_blueprint": {"variance_reduced": interval(res.reduced, bb),
                                 "chips": interval(res.match.group_chips, bb)},
            "seconds": round(time.perf_counter() - began, 1),
            "compiled_lbr_same_snapshot": "README Evaluation: +1,725 +- 127 mbb/hand (fc-fcpa, 150,000 hands)"}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--run", type=Path, default=DEFAULT_RUN, help=f"hu_mid run or snapshot (default {DEFAULT_RUN})")
    p.add_argument("--hands", type=int, default=1000, help="head-to-head hands (default 1000)")
    p.add_argument("--minutes", type=float, help="headsup: stop the search match after the duplicate group "
                   "that passes this many minutes; lbr: after the block that passes them (the hands played "
                   "are reported; default: no cap)")
    p.add_argument("--lbr-hands", type=int, default=100, help="LBR hands per opponent (default 100)")
    p.add_argument("--lbr-actions", default="fc-fcpa")
    p.add_argument("--calibration-hands", type=int, default=4000, help="lbr_calibration: hands (default 4000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated parts: {', '.join(PARTS)}")
    p.add_argument("--search-config", type=Path, help="a YAML file with a search: section (default: Hold'em's)")
    p.add_argument("--core", type=int, help="pin to this core (default: the first this process may use)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = p.parse_args(argv)
    parts = [x for x in args.parts.split(",") if x]
    if any(x not in PARTS for x in parts):
        p.error(f"--parts: choose from {', '.join(PARTS)}")
    core = args.core if args.core is not None else min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})  # "one core": the solver is single-threaded, and so is everything else here
    config = SearchConfig.from_file(args.search_config)
    load_avg = os.getloadavg()
    bp = Blueprint.load(args.run, translation_seed=args.seed)
    report: dict[str, Any] = json.loads(args.out.read_text()) if args.out.exists() else {}
    report.update({"benchmark": "search", "blueprint": bp.source, "iteration": bp.iteration, "seed": args.seed,
                   "search_config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(config).items()}})
    commands = report.setdefault("commands", {})
    for part in parts:
        began = time.perf_counter()
        if part == "headsup":
            report["headsup"] = headsup(bp, config, args.hands, args.seed, args.minutes)
        elif part == "lbr":
            def partial(figures: dict[str, Any]) -> None:
                text = json.dumps({**report, "lbr": {**figures, "partial": True}}, indent=1)
                write_text_atomic(args.out, text + "\n")

            report["lbr"] = lbr(bp, config, args.lbr_hands, args.seed, args.lbr_actions, args.minutes, partial)
        else:
            report[part] = lbr_calibration(bp, args.calibration_hands, args.seed, args.lbr_actions)
        report[part]["machine"] = {"pinned_core": core, "cpus": os.cpu_count(),
                                   "load_average_before": [round(x, 2) for x in load_avg],
                                   "platform": platform.platform(), "python": platform.python_version()}
        report[part]["wall_seconds"] = round(time.perf_counter() - began, 1)
        commands[part] = shlex.join(["python", "benchmarks/search.py", *argv])
    latest = json.loads(args.out.read_text()) if args.out.exists() else {}  # another part may have finished since
    for part in PARTS:
        if part not in parts and part in latest:
            report[part] = latest[part]
            commands[part] = latest.get("commands", {}).get(part, commands.get(part))
    text = json.dumps(report, indent=1)
    write_text_atomic(args.out, text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
