"""Local best response computed exactly on the abstract tree of a small game (Kuhn, Leduc).

The same rule as :mod:`holdem.eval.lbr` (Lisy & Bowling 2017), with chance
enumerated exactly (:class:`holdem.games.spec.ExactGame`) instead of sampled:
at each of its information sets (decision node, its bucket) the LBR seat
weighs every deal consistent with its bucket by chance times the opponent's
reach, and takes the action with the largest value under "both players
check/call to the showdown afterwards":

* fold: ``-contrib[seat]``;
* check/call: ``E[(2 e - 1)] * M`` over the weighted deals, ``e`` = 1 / 0.5 / 0
  as the seat's showdown strength beats / ties / loses to the opponent's
  (the deal fixes the board to come, so this is the exact equity), ``M`` the
  matched contribution after the call;
* raise: ``E[f * opp_contrib + (1 - f)(2 e - 1) M']`` with ``f`` the
  opponent's fold probability at the node after the raise (its policy row
  for its bucket in that deal) and ``M'`` the matched contribution after the
  opponent calls.

The result is a deterministic strategy for the LBR seat (one action per
information set), returned as a policy array merged with the opponent's
rows, so its value can be computed by the independent policy evaluator of
:mod:`holdem.exploitability`; no strategy can beat a best response, so
``lbr_value <= best_response_value`` per seat.
"""
from __future__ import annotations

import numpy as np

from holdem.game.tree_arrays import ACTION_CHECK_CALL, ACTION_FOLD, ACTION_RAISE, NODE_DECISION
from holdem.games.spec import GameSpec


def _opponent_reach(game: GameSpec, policy: np.ndarray, seat: int) -> np.ndarray:
    """float64[N, D]: chance probability times the other seat's reach of every node, per deal."""
    tree, layout, exact = game.tree, game.layout, game.exact
    reach = np.zeros((tree.n_nodes, len(exact.deal_prob)))
    reach[0] = exact.deal_prob
    for node in range(tree.n_nodes):  # preorder: parents first
        if tree.kind[node] != NODE_DECISION:
            continue
        actor = int(tree.actor[node])
        na = int(tree.n_actions[node])
        if actor != seat:
            rows = layout.offset[node] + exact.deal_buckets[:, actor, tree.street[node]].astype(np.int64) * na
            probs = policy[rows[:, None] + np.arange(na)]
        for a in range(na):
            child = int(tree.children[node, a])
            reach[child] = reach[node] * (probs[:, a] if actor != seat else 1.0)
    return reach


def _matched_after_call(tree, node: int) -> int:
    """Chips each seat has in once the actor at ``node`` checks/calls (the smaller of the two contributions)."""
    kinds = tree.action_kind[node, : int(tree.n_actions[node])]
    child = int(tree.children[node, int(np.flatnonzero(kinds == ACTION_CHECK_CALL)[0])])
    return int(tree.contrib[child].min())


def lbr_policy(game: GameSpec, policy: np.ndarray, seat: int) -> np.ndarray:
    """``policy`` with ``seat``'s rows replaced by the local best response to the other seat's rows."""
    if game.exact is None or game.n_players != 2:
        raise ValueError(f"exact LBR needs a two-player game with exact chance (kuhn, leduc), got {game.name!r}")
    policy = np.asarray(policy, dtype=np.float64)
    if policy.shape != (game.layout.size,):
        raise ValueError(f"policy has shape {policy.shape}; game {game.name!r} needs ({game.layout.size},)")
    tree, layout, exact = game.tree, game.layout, game.exact
    opp = 1 - seat
    reach = _opponent_reach(game, policy, seat)
    mine, theirs = exact.deal_strength[:, seat], exact.deal_strength[:, opp]
    showdown = np.where(mine > theirs, 1.0, np.where(mine == theirs, 0.0, -1.0))  # 2e - 1
    out = policy.copy()
    for node in tree.decision_nodes():
        if tree.actor[node] != seat:
            continue
        street = int(tree.street[node])
        na = int(tree.n_actions[node])
        kinds = tree.action_kind[node, :na]
        my_bucket = exact.deal_buckets[:, seat, street]
        opp_bucket = exact.deal_buckets[:, opp, street].astype(np.int64)
        call_value = showdown * _matched_after_call(tree, node)
        values = np.zeros((len(exact.deal_prob), na))
        for a in range(na):
            if kinds[a] == ACTION_FOLD:
                values[:, a] = -float(tree.contrib[node, seat])
            elif kinds[a] == ACTION_CHECK_CALL:
                values[:, a] = call_value
            elif kinds[a] == ACTION_RAISE:
                child = int(tree.children[node, a])
                fold = np.zeros(len(exact.deal_prob))
                matched = int(tree.contrib[child].min())
                if tree.kind[child] == NODE_DECISION:
                    cn = int(tree.n_actions[child])
                    hits = np.flatnonzero(tree.action_kind[child, :cn] == ACTION_FOLD)
                    if len(hits):
                        fold = policy[layout.offset[child] + opp_bucket * cn + hits[0]]
                    matched = _matched_after_call(tree, child)
                values[:, a] = fold * float(tree.contrib[child, opp]) + (1 - fold) * showdown * matched
        call = int(np.flatnonzero(kinds == ACTION_CHECK_CALL)[0])
        order = [call] + [a for a in range(na) if a != call]  # check/call wins ties
        for b in range(layout.buckets_per_street[street]):
            w = reach[node] * (my_bucket == b)
            totals = w @ values
            best = max(order, key=lambda a: (totals[a], -order.index(a)))
            row = layout.offset[node] + b * na
            out[row : row + na] = 0.0
            out[row + best] = 1.0
    return out


def lbr_values(game: GameSpec, policy: np.ndarray) -> np.ndarray:
    """float64[2]: expected chips per hand of LBR in each seat against ``policy`` in the other."""
    from holdem.exploitability import policy_values

    return np.array([policy_values(game, lbr_policy(game, policy, seat))[seat] for seat in range(2)])
