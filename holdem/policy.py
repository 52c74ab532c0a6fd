"""Policies read off trained tables, and their export in OpenSpiel's terms.

A policy here is float64[layout.size]: for every row (decision node, bucket)
the probability of each action.  ``average_policy`` is the one CFR's
guarantees are about (Zinkevich et al. 2007); ``current_policy`` is the
regret-matching strategy.

Export: for a small game, a JSON-ready mapping from OpenSpiel's
``information_state_string`` to ``[[action_id, probability], ...]`` over the
legal actions, which is what ``open_spiel.python.policy.TabularPolicy`` and
``policy.python_policy_to_pyspiel_policy``-style converters consume.  Merged
suits map one row to several OpenSpiel information states with the same
probabilities.
"""
from __future__ import annotations

import numpy as np

from holdem.games.spec import GameSpec
from holdem.mccfr.strategy import average_strategy, current_strategy
from holdem.mccfr.tables import Tables


def average_policy(game: GameSpec, tables: Tables) -> np.ndarray:
    return average_strategy(game.tree, game.layout, tables.regret, tables.strategy)


def current_policy(game: GameSpec, tables: Tables) -> np.ndarray:
    return current_strategy(game.tree, game.layout, tables.regret)


def openspiel_policy(game: GameSpec, policy: np.ndarray) -> dict[str, list[list]]:
    """``{information_state_string: [[action_id, probability], ...]}`` for every information state."""
    if game.exact is None:
        raise ValueError(
            f"game {game.name!r} has no OpenSpiel counterpart; export --format openspiel works for kuhn and leduc"
        )
    policy = np.asarray(policy, dtype=np.float64)
    if policy.shape != (game.layout.size,):
        raise ValueError(f"policy has shape {policy.shape}; game {game.name!r} needs ({game.layout.size},)")
    tree, layout, exact = game.tree, game.layout, game.exact
    out: dict[str, list[list]] = {}
    for node in tree.decision_nodes():
        na = int(tree.n_actions[node])
        ids = [int(exact.openspiel_actions[node, a]) for a in range(na)]
        for bucket in range(layout.buckets_per_street[tree.street[node]]):
            row = int(layout.offset[node]) + bucket * na
            probs = [[ids[a], float(policy[row + a])] for a in range(na)]
            for key in exact.infostate_strings(int(node), bucket):
                out[key] = probs
    return out
