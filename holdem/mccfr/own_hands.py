"""External sampling with the traverser's own private cards enumerated, for small exact games.

In an external-sampling traversal for seat ``i`` (Lanctot et al. 2009) the
other seats' actions depend only on their own cards and the public ones, never
on ``i``'s.  So one sample of the *other* seats' private cards and of the
public cards, with their actions sampled once, serves every private hand of
``i`` that is consistent with it: the traversal walks the tree once with a
vector over those hands, and ``i``'s regrets of each hand are updated with
its conditional probability as weight.  This is Johanson et al. 2012
("Efficient Nash Equilibrium Approximation through Monte Carlo
Counterfactual Regret Minimization", AAMAS), opponent-public chance
sampling, with the opponents' actions sampled as in external sampling: the
expected update of every regret is the one of plain external sampling, and
its variance is lower, since ``i``'s hands no longer add to it.

Everything else is as in :mod:`holdem.mccfr.kernel`: regret matching, the
average strategy accumulated at the other seats' nodes ("simple"), the
regret floor, one traversal per seat per iteration, the random stream of
iteration ``t`` derived from ``(seed, t)`` alone, and the same tables, so
the trainer, the supervisor, snapshots and exploitability work unchanged.
Pruning is not applied (it did not help on these games).

:func:`own_hand_groups` prepares, for each seat, the groups of deals that
share everything but that seat's cards (deals identical for the game,
e.g. Leduc's suits, are merged).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from holdem.game.tree_arrays import NODE_DECISION
from holdem.mccfr.kernel import sample_action
from holdem.mccfr.rng import mix, next_float, stream_state

# Hands of the traverser carried by one traversal.  A compile-time constant (numba freezes module
# globals), so LLVM unrolls the loops over them: with the count a run-time value the kernel ran at
# 0.67x the speed of plain external sampling on Leduc, with the constant at about 1x.  Smaller
# groups are padded with weight-0 copies of their first hand.  Kuhn needs 2, Leduc 3.
LANES = 3


@dataclass(frozen=True)
class OwnHandGroups:
    """Per seat ``p``, groups of deals differing only in ``p``'s private cards.

    start    int64[P, G + 1]  group ``g`` of seat ``p`` is ``deals[p, start[p, g]:start[p, g + 1]]``
                              (``LANES`` entries each, padded with weight-0 copies)
    deals    int64[P, D]      deal indices (into the game's exact deal arrays), grouped
    weight   float64[P, D]    probability of each deal given its group
    cum      float64[P, G]    cumulative probability of the groups (for sampling one)
    """

    start: np.ndarray
    deals: np.ndarray
    weight: np.ndarray
    cum: np.ndarray


def own_hand_groups(exact) -> OwnHandGroups:
    """Group the exact deals of a small game for each traverser (see the module docstring)."""
    buckets, strength, prob = exact.deal_buckets, exact.deal_strength, exact.deal_prob
    n_deals, n_players, _ = buckets.shape
    per_seat = []
    for trav in range(n_players):
        others = [q for q in range(n_players) if q != trav]
        groups: dict[tuple, dict[tuple, list[int]]] = {}
        for d in range(n_deals):
            key = (int(exact.deal_public[d]), buckets[d, others].tobytes(), strength[d, others].tobytes())
            same = (buckets[d].tobytes(), strength[d].tobytes())  # deals the game cannot tell apart
            groups.setdefault(key, {}).setdefault(same, []).append(d)
        per_seat.append([[(ds[0], float(prob[ds].sum())) for ds in g.values()] for g in groups.values()])
    n_groups = len(per_seat[0])
    if any(len(seat) != n_groups for seat in per_seat):
        raise ValueError("own-hand groups differ in number between seats; the game is not symmetric in its deals")
    total = LANES * n_groups
    start = np.zeros((n_players, n_groups + 1), dtype=np.int64)
    deals = np.zeros((n_players, total), dtype=np.int64)
    weight = np.zeros((n_players, total))
    cum = np.zeros((n_players, n_groups))
    for trav, seat in enumerate(per_seat):
        pos = 0
        mass = np.array([sum(w for _, w in g) for g in seat])
        for g, members in enumerate(seat):
            start[trav, g] = pos
            if len(members) > LANES:
                raise ValueError(f"a group of {len(members)} hands; the kernel takes at most {LANES}")
            # padding: copies of the first hand with weight 0 (their updates add nothing)
            for d, w in members + [(members[0][0], 0.0)] * (LANES - len(members)):
                deals[trav, pos] = d
                weight[trav, pos] = w / mass[g]
                pos += 1
        start[trav, n_groups] = pos
        cum[trav] = np.cumsum(mass) / mass.sum()
    return OwnHandGroups(start, deals, weight, cum)


@njit(cache=True, nogil=True, error_model="numpy", fastmath=True, _nrt=False)
def traverse_own_hands(trav, nodes, average, regret_floor, scale, regret,
                       strategy, member_buckets, member_util, weight, lo, state,
                       st_node, st_a, st_row, st_sig, st_val, val, cell, strategy_marks, strategy_written, strategy_log,
                       strategy_log_base, log_state):
    """One traversal for seat ``trav`` over the members ``lo .. lo+LANES-1`` of its groups (one group);
    returns (nodes visited, rng state).  ``val[j]`` ends holding the root value of member ``lo + j``.

    ``member_buckets[trav, m, p, s]``: buckets of member ``m``'s deal; ``member_util[trav, node, m]``:
    the traverser's utility at terminal ``node`` (laid out by member, so a group's are adjacent)."""
    depth = 0
    node = 0
    visited = 0
    while True:
        while True:
            visited += 1
            rec = nodes[node]
            if rec.kind != NODE_DECISION:
                for j in range(LANES):
                    val[j] = member_util[trav, node, lo + j]
                break
            p = rec.actor
            na = rec.n_actions
            s = rec.street
            if p == trav:
                base = rec.offset
                for j in range(LANES):
                    row = base + member_buckets[trav, lo + j, p, s] * na
                    st_row[depth, j] = row
                    pos = 0.0
                    for a in range(na):
                        pos += max(regret[row + a], 0.0)
                    if pos > 0.0:
                        inv = 1.0 / pos
                        for a in range(na):
                            st_sig[depth, a, j] = max(regret[row + a], 0.0) * inv
                    else:
                        for a in range(na):
                            st_sig[depth, a, j] = 1.0 / na
                st_node[depth] = node
                st_a[depth] = 0
                depth += 1
                node = rec.first_child
            else:
                # the other seat's bucket is the same for every deal of the group
                row = rec.offset + member_buckets[trav, lo, p, s] * na
                pos = 0.0
                for a in range(na):
                    r = regret[row + a]
                    if r > 0.0:
                        pos += r
                chosen, state = sample_action(regret, strategy, row, na, pos, (average >> s) & 1, scale, state,
                                              cell, strategy_marks, strategy_written, strategy_log,
                                              strategy_log_base, log_state)
                node = rec.first_child + chosen
        while True:
            if depth == 0:
                return visited, state
            d = depth - 1
            node = st_node[d]
            a = st_a[d]
            for j in range(LANES):
                st_val[d, a, j] = val[j]
            rec = nodes[node]
            na = rec.n_actions
            if a + 1 < na:
                st_a[d] = a + 1
                node = rec.first_child + a + 1
                break
            # the node's value per hand (hands innermost, so the loop vectorises), then its regrets
            for j in range(LANES):
                val[j] = st_sig[d, 0, j] * st_val[d, 0, j]
            for b in range(1, na):
                for j in range(LANES):
                    val[j] += st_sig[d, b, j] * st_val[d, b, j]
            floor = regret_floor * scale
            for j in range(LANES):
                row = st_row[d, j]
                w = weight[trav, lo + j] * scale
                for b in range(na):
                    regret[row + b] = max(regret[row + b] + w * (st_val[d, b, j] - val[j]), floor)
            depth -= 1


@njit(cache=True, nogil=True, error_model="numpy", fastmath=True, _nrt=False)
def run_own_hand_iterations(nodes, average_streets, scale, regret,
                            strategy, member_buckets, member_util, group_start, group_weight, group_cum, t0, n_iter,
                            seed, regret_floor, strategy_interval, st_node, st_a, st_row, st_sig, st_val, val,
                            progress, cell, strategy_marks, strategy_written, strategy_log, strategy_log_base,
                            log_state):
    """Iterations ``t0 .. t0 + n_iter - 1``: per seat, sample a group, traverse it.  Adds to
    ``progress`` [iterations, nodes]; returns the nodes visited.  The strategy sums' writes go through
    :func:`holdem.mccfr.kernel.sample_action`, which records them in ``strategy_marks`` (empty: not at
    all) and logs them in ``strategy_log`` (``strategy_written`` empty: not at all); the regret writes are
    not recorded here, so a tracking caller records every entry first (:func:`holdem.mccfr.blocks.touch_all`)."""
    n_players = group_start.shape[0]
    n_groups = group_cum.shape[1]
    total = 0
    for it in range(n_iter):
        t = t0 + it
        state = stream_state(mix(seed, t))
        average = average_streets if t % strategy_interval == 0 else 0
        for trav in range(n_players):
            state, u = next_float(state)
            g = 0
            while g < n_groups - 1 and u >= group_cum[trav, g]:
                g += 1
            lo = group_start[trav, g]
            visited, state = traverse_own_hands(trav, nodes, average,
                                              regret_floor, scale, regret, strategy, member_buckets, member_util,
                                              group_weight, lo, state,
                                              st_node, st_a, st_row, st_sig, st_val, val, cell, strategy_marks,
                                              strategy_written, strategy_log, strategy_log_base, log_state)
            total += visited
            progress[1] += visited
        progress[0] += 1
    return total
