"""Leduc, exactly: how much search lowers a blueprint's exploitability, safe and unsafe, full and depth-limited.

A blueprint is trained with the in-process MCCFR solver for a few thousand
iterations (imperfect on purpose), then re-solved with :mod:`holdem.search`
and the re-solved strategies spliced into it (the blueprint elsewhere); each
policy's exact exploitability (:mod:`holdem.exploitability`, chips a hand)
is reported:

* ``round2_safe`` / ``round2_unsafe``: every seat re-solved at full depth at
  the start of round 2, for every round-1 betting sequence that reaches it and
  every public card, all at once; ``per_state`` gives the largest and mean
  change when one public state alone is re-solved (all six public cards), and
  how often the safe check kept the blueprint;
* ``round1_depth_limited_k{1,4}``: round 1 re-solved from the root to the end
  of the round, leaves valued by k continuation strategies (the blueprint
  alone, or also biased toward fold, call and raise), round 2 the blueprint's;
* ``round1_depth_limited_from_near_equilibrium``: the same with a near-equilibrium
  (DCFR over ranges from the root, 300 iterations) in place of the blueprint, for
  k = 1..4: a single continuation is exploited, four are not
  (Brown, Sandholm & Amos 2018);
* ``agent_{safe,unsafe}``: both: round 1 depth-limited with k = 4, then round 2
  re-solved from the ranges of the round-1 strategies actually played (nested).

Prints one JSON object (figures plus the command that reproduces them).

    python benchmarks/search_leduc.py [--blueprint-iterations 3000] [--seed 7] [--iterations 1000]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import time
from dataclasses import replace

import numpy as np

from holdem.exploitability import exploitability, uniform_policy
from holdem.games.leduc import N_SUITS, leduc_game
from holdem.games.spec import GameSpec
from holdem.mccfr.params import MCCFRParams
from holdem.mccfr.solver import Solver
from holdem.search.agent import PolicyBlueprint, SearchAgent, SearchConfig, searched_policy
from holdem.search.cfr import solve
from holdem.search.hands import LeducHands
from holdem.search.ranges import PublicState
from holdem.search.splice import splice
from holdem.search.subgame import build_subgame, round_starts


def train_blueprint(game: GameSpec, iterations: int, seed: int) -> np.ndarray:
    solver = Solver(game, MCCFRParams(prune_probability=0.0, average_streets=(0, 1)))
    solver.run_batch(0, iterations, seed)
    return solver.average_policy()


def round_two_states(game: GameSpec, cards: range | tuple[int, ...]) -> list[PublicState]:
    return [PublicState(node, (card,)) for node in round_starts(game.tree, 1) for card in cards]


def per_state(game: GameSpec, agent: SearchAgent, base: float) -> dict:
    """Each round-2 public state re-solved alone: the change in exploitability it causes."""
    changes, fallbacks = [], 0
    for state in round_two_states(game, range(6)):
        result = agent.search(state, seats=(0, 1))
        policy = splice(agent.policy, result.subgame, result.resolved.strategy, result.reach)
        changes.append(exploitability(game, policy) - base)
        fallbacks += len(result.resolved.fallback)
    return {"states": len(changes), "max_change": max(changes), "mean_change": float(np.mean(changes)),
            "states_worse": int(sum(c > 1e-9 for c in changes)), "seats_kept_blueprint": fallbacks}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--blueprint-iterations", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--iterations", type=int, default=1000, help="DCFR iterations per solve")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    game = leduc_game()
    blueprint = train_blueprint(game, args.blueprint_iterations, args.seed)
    base = exploitability(game, blueprint)
    bp = PolicyBlueprint(game, blueprint)
    full = SearchConfig(depth="full", iterations=args.iterations)
    representatives = tuple(range(0, 6, N_SUITS))  # one card per rank: suits are isomorphic, rows are per rank
    figures: dict[str, object] = {"blueprint": base}
    for mode in ("safe", "unsafe"):
        agent = SearchAgent(bp, replace(full, mode=mode))
        searched = searched_policy(agent, round_two_states(game, representatives))
        figures[f"round2_{mode}"] = exploitability(game, searched)
        figures[f"round2_{mode}_per_state"] = per_state(game, agent, base)
    root = [PublicState(0, ())]
    for k in (1, 4):
        agent = SearchAgent(bp, SearchConfig(depth="round", k=k, mode="unsafe", iterations=args.iterations))
        figures[f"round1_depth_limited_k{k}"] = exploitability(game, searched_policy(agent, root))
    root_game = build_subgame(game.tree, game.layout, LeducHands(), root[0])
    ones = np.ones((2, 6))
    near = splice(uniform_policy(game), root_game, solve(root_game, ones, 300).strategy, ones)
    figures["near_equilibrium"] = exploitability(game, near)
    figures["round1_depth_limited_from_near_equilibrium"] = {
        f"k{k}": exploitability(game, searched_policy(
            SearchAgent(PolicyBlueprint(game, near), SearchConfig(depth="round", k=k, mode="unsafe",
                                                                  iterations=args.iterations)), root))
        for k in range(1, 5)
    }
    round1 = searched_policy(SearchAgent(bp, SearchConfig(depth="round", k=4, mode="unsafe",
                                                          iterations=args.iterations)), root)
    for mode in ("safe", "unsafe"):
        nested = SearchAgent(PolicyBlueprint(game, round1), replace(full, mode=mode))
        searched = searched_policy(nested, round_two_states(game, representatives))
        figures[f"agent_{mode}"] = exploitability(game, searched)
    result = {
        "benchmark": "search_leduc",
        "command": "python " + " ".join(
            shlex.quote(a)
            for a in [os.path.relpath(__file__, os.getcwd())] + (argv if argv is not None else sys.argv[1:])
        ),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "blueprint_iterations": args.blueprint_iterations,
        "seed": args.seed,
        "dcfr_iterations_per_solve": args.iterations,
        "exploitability_chips_per_hand": figures,
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
