"""AIVAT against plain duplicate dealing: how much narrower the 95% interval of the same hands gets.

Plays ``--hands`` hands of one blueprint snapshot (the hero) against another
(default: the earliest and the latest snapshot of ``--run``, a heads-up
``hu_mid`` run), duplicate dealing as ``holdem-eval --vs`` plays them, and
reports for the same hands the hero's result from the raw payoffs (plain
duplicate dealing) and from the AIVAT-corrected payoffs averaged in the same
duplicate groups (:mod:`holdem.eval.aivat`), each in mbb/hand with its 95%
interval, and the ratio of the interval widths.  The chance-only and
action-only corrections are given too, and the seconds a hand costs with and
without the correction (the same match played twice).  ``--baselines`` adds
the blueprint against baseline bots (``--baseline-hands`` each).

Prints one JSON object (figures plus the command that reproduces them).

    python benchmarks/aivat.py [--run runs/hu_mid_60] [--hero SNAPSHOT] [--vs SNAPSHOT]
                               [--hands 2000] [--seed 0] [--baselines call,tag,random,raise-pot]
                               [--baseline-hands 1000]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from holdem.blueprint import Blueprint
from holdem.eval.aivat import MatchAivat
from holdem.eval.aivat_values import pot_shares
from holdem.eval.baselines import BlueprintBot, make_baseline
from holdem.eval.match import MatchResult, run_match
from holdem.eval.stats import mean_ci95, to_mbb
from holdem.mccfr.snapshot import list_snapshots

DEFAULT_RUN = Path("runs/hu_mid_60")  # the README's 60-minute hu_mid run


def interval(values: np.ndarray, big_blind: int) -> dict[str, Any]:
    e = mean_ci95(values)
    return {"mbb_per_hand": round(float(to_mbb(e.mean, big_blind)), 2),
            "ci95_half_width": round(float(to_mbb(e.half_width, big_blind)), 2)}


def compare(hero, opponent, config, hands: int, seed: int) -> dict[str, Any]:
    """The same match played without and with AIVAT; every figure for the same hands."""
    plain = run_match(config, hero, opponent, hands, seed=seed)
    pot_shares.cache_clear()  # every setting deals the same cards: time each without the others' showdowns
    aivat = MatchAivat(hero, opponent, config.players)
    result: MatchResult = run_match(config, hero, opponent, hands, seed=seed, on_hand=aivat.on_hand)
    assert np.array_equal(plain.group_chips, result.group_chips)  # a match is a pure function of its seed
    chance, action = aivat.group_terms()
    raw = result.group_chips
    bb = config.big_blind
    figures = {
        "raw_duplicate": interval(raw, bb),
        "aivat": interval(raw + chance + action, bb),
        "chance_terms_only": interval(raw + chance, bb),
        "action_terms_only": interval(raw + action, bb),
    }
    width = figures["raw_duplicate"]["ci95_half_width"]
    for name in ("aivat", "chance_terms_only", "action_terms_only"):
        figures[name]["interval_narrower_by"] = round(width / figures[name]["ci95_half_width"], 2)
    return {
        "opponent": getattr(opponent, "name", "opponent"),
        "hands": result.hands,
        "duplicate_groups": result.groups,
        "value_function": aivat.value_name,
        **figures,
        "seconds_per_hand_plain": round(plain.seconds / plain.hands, 5),
        "seconds_per_hand_with_aivat": round(result.seconds / result.hands, 5),
    }


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", type=Path, default=DEFAULT_RUN, help=f"run whose snapshots play (default {DEFAULT_RUN})")
    p.add_argument("--hero", type=Path, help="hero snapshot (default: the run's earliest)")
    p.add_argument("--vs", type=Path, help="opponent snapshot (default: the run's latest)")
    p.add_argument("--hands", type=int, default=2000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--baselines", default="", help="comma-separated baselines to play too (call,tag,random,raise-pot)")
    p.add_argument("--baseline-hands", type=int, default=1000)
    args = p.parse_args(argv)
    snaps = list_snapshots(args.run) if args.hero is None or args.vs is None else []
    if (args.hero is None or args.vs is None) and len(snaps) < 2:
        p.error(f"{args.run} has fewer than two snapshots: train one (holdem-supervise --config configs/hu_mid.yaml "
                f"--workers 2 --time-budget 3600 --logdir {args.run}) or give --hero and --vs")
    hero_path = args.hero or snaps[0][1]
    vs_path = args.vs or snaps[-1][1]
    load_avg = os.getloadavg()
    hero_bp = Blueprint.load(hero_path, translation_seed=args.seed)
    vs_bp = Blueprint.load(vs_path, translation_seed=args.seed + 1)
    hero = BlueprintBot(hero_bp, name=f"snapshot {hero_bp.iteration}")
    config = hero_bp.game_config
    began = time.perf_counter()
    settings = [compare(hero, BlueprintBot(vs_bp, name=f"snapshot {vs_bp.iteration}"), config, args.hands, args.seed)]
    for name in [b for b in args.baselines.split(",") if b]:
        settings.append(compare(hero, make_baseline(name), config, args.baseline_hands, args.seed))
    out = {
        "benchmark": "aivat",
        "hero": str(hero_path),
        "vs": str(vs_path),
        "hero_iteration": hero_bp.iteration,
        "vs_iteration": vs_bp.iteration,
        "seed": args.seed,
        "settings": settings,
        "goal": "AIVAT's 95% interval at least 2.5x narrower than plain duplicate dealing, blueprint vs blueprint",
        "goal_met": settings[0]["aivat"]["interval_narrower_by"] >= 2.5,
        "seconds": round(time.perf_counter() - began, 1),
        "machine": {"cpus": os.cpu_count(), "load_average_before": [round(x, 2) for x in load_avg],
                    "platform": platform.platform(), "python": platform.python_version()},
        "command": shlex.join(["python", "benchmarks/aivat.py", *argv]),
    }
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
