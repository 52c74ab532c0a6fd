"""The compiled kernel against a plain recursive external-sampling MCCFR written from the paper.

The reference below is Lanctot et al. 2009's external sampling with Pluribus's
pruning and floor, recursive and in pure Python, drawing the same random
numbers in the same order; after a batch both must hold the same tables
(up to float rounding).  Games: Kuhn, Leduc, and a 3-seat no-limit tree with
unequal stacks (side pots) and random buckets and strengths (ties included).
"""
from __future__ import annotations

import numpy as np
import pytest

from holdem.abstraction.actions import ActionAbstraction
from holdem.game.tree import TreeGame, build_compact, build_tree
from holdem.game.tree_arrays import NODE_DECISION, TableLayout
from holdem.games.kuhn import kuhn_game
from holdem.games.leduc import leduc_game
from holdem.games.spec import GameSpec, compact_game
from holdem.mccfr.params import MCCFRParams
from holdem.mccfr.rng import GOLDEN_GAMMA, MASK64, XORSHIFT_MULT, mix_py, splitmix64_py
from holdem.mccfr.solver import DEAL_CHUNK, Solver, deal_seed, iteration_seed
from holdem.mccfr.utility import fold_winners, single_pot_nodes, terminal_utility


class _Stream:
    """xorshift64* of holdem.mccfr.rng, in Python ints."""

    def __init__(self, seed: int):
        s = splitmix64_py(seed)
        self.s = s if s else GOLDEN_GAMMA

    def float(self) -> float:
        s = self.s
        s ^= s >> 12
        s ^= (s << 25) & MASK64
        s ^= s >> 27
        self.s = s
        return (((s * XORSHIFT_MULT) & MASK64) >> 11) * (1.0 / 2**53)


def prunable_actions(tree, params) -> np.ndarray:
    """bool[N, A]: actions a pruning traversal may skip (Pluribus: never on the last street, never an
    action that ends the hand, unless configured otherwise)."""
    mask = np.zeros(tree.children.shape, dtype=np.bool_)
    for node in tree.decision_nodes():
        if tree.street[node] == tree.n_streets - 1 and not params.prune_last_street:
            continue
        for a in range(int(tree.n_actions[node])):
            child = tree.children[node, a]
            mask[node, a] = tree.kind[child] == NODE_DECISION or params.prune_terminal
    return mask


def reference_batch(game, params, regret, strategy, first, n, seed):
    tree, layout = game.tree, game.layout
    P = tree.n_players
    buckets, strength = game.dealer.deal(deal_seed(seed, 0), n * P)
    prunable = prunable_actions(tree, params)
    args = (tree.kind, tree.pot, tree.contrib, tree.folded, fold_winners(tree), single_pot_nodes(tree))
    t_seed = iteration_seed(seed)
    average_mask = {s for s in params.average_streets}

    def traverse(node, trav, hand, rng, prune, average):
        if tree.kind[node] != NODE_DECISION:
            return terminal_utility(node, trav, *args, strength, hand)
        p, na, st = int(tree.actor[node]), int(tree.n_actions[node]), int(tree.street[node])
        row = int(layout.offset[node]) + int(buckets[hand, p, st]) * na
        r = [float(regret[row + a]) for a in range(na)]
        pos = sum(x for x in r if x > 0)
        sigma = [max(x, 0.0) / pos for x in r] if pos > 0 else [1.0 / na] * na
        if p == trav:
            keep = [not (prune and prunable[node, a] and r[a] <= params.prune_threshold) for a in range(na)]
            if not any(keep):
                keep = [True] * na
            values = {a: traverse(int(tree.children[node, a]), trav, hand, rng, prune, average)
                      for a in range(na) if keep[a]}
            v = sum(sigma[a] * values[a] for a in values)
            for a in values:
                regret[row + a] = np.float32(max(float(regret[row + a]) + values[a] - v, params.regret_floor))
            return v
        u = rng.float()
        if pos > 0:
            acc, chosen, target = 0.0, None, u * pos
            for a in range(na):
                if r[a] > 0:
                    acc += r[a]
                    last = a
                    if target < acc:
                        chosen = a
                        break
            chosen = last if chosen is None else chosen
        else:
            chosen = min(int(u * na), na - 1)
        if average and st in average_mask:
            for a in range(na):
                strategy[row + a] = float(strategy[row + a]) + sigma[a]
        return traverse(int(tree.children[node, chosen]), trav, hand, rng, prune, average)

    for k in range(n):
        t = first + k
        rng = _Stream(mix_py(t_seed, t))
        average = t % params.strategy_interval == 0
        for trav in range(P):
            prune = False
            if t >= params.prune_after and params.prune_probability > 0:
                prune = rng.float() < params.prune_probability
            traverse(0, trav, k * P + trav, rng, prune, average)


class _RandomDealer:
    """Random buckets and small strengths (ties frequent); one row of draws per hand, so prefix-stable."""

    def __init__(self, n_players, buckets_per_street):
        self.P, self.nb = n_players, np.asarray(buckets_per_street)

    def deal(self, seed, n):
        S = len(self.nb)
        u = np.random.default_rng(seed).random((n, self.P * S + self.P))
        b = (u[:, : self.P * S].reshape(n, self.P, S) * self.nb).astype(np.int32)
        s = (u[:, self.P * S :] * 3).astype(np.int64)
        return b, s


NL3 = (TreeGame(players=3, stacks=(2000, 900, 400), small_blind=50, big_blind=100),
       ActionAbstraction.from_dict({"default": {"bet": ["pot"], "raise": ["pot"], "allin": True, "max_raises": 1}}))
NL3_BUCKETS = (3, 4, 4, 4)


def _three_way_nl() -> GameSpec:
    """From the full tree (the compact one derived, as for the small games)."""
    tree = build_tree(*NL3)
    return GameSpec("nl3", tree, TableLayout.build(tree, NL3_BUCKETS), _RandomDealer(3, NL3_BUCKETS), "synthetic")


def _three_way_nl_compact() -> GameSpec:
    """Built compact, as Hold'em is trained (the reference reads the expanded tree)."""
    compact = build_compact(*NL3, buckets_per_street=NL3_BUCKETS)
    return compact_game("nl3c", compact, _RandomDealer(3, NL3_BUCKETS), "synthetic", NL3[1].max_actions())


GAMES = {"kuhn": kuhn_game, "leduc": leduc_game, "nl3": _three_way_nl, "nl3c": _three_way_nl_compact}
PARAMS = {
    "plain": MCCFRParams(prune_probability=0.0, average_streets=(0, 1, 2, 3), strategy_interval=2),
    "pruned": MCCFRParams(prune_after=50, prune_probability=0.7, prune_threshold=-3.0, regret_floor=-5.0,
                          average_streets=(0,)),
}


@pytest.mark.parametrize("name", sorted(GAMES))
@pytest.mark.parametrize("kind", sorted(PARAMS))
def test_kernel_equals_reference(name, kind):
    game, params = GAMES[name](), PARAMS[kind]
    n = 300 if name.startswith("nl3") else 800
    assert n <= DEAL_CHUNK  # the reference deals one chunk
    solver = Solver(game, params)
    warm_regret = np.random.default_rng(1).normal(0, 2, game.layout.size).astype(np.float32)
    solver.tables.regret[:] = warm_regret  # start from mixed regrets so sampling and pruning both matter
    solver.run_batch(100, n, 77)
    regret, strategy = warm_regret.copy(), np.zeros(game.layout.size, dtype=np.float64)
    reference_batch(game, params, regret, strategy, 100, n, 77)
    np.testing.assert_allclose(solver.tables.regret, regret, rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(solver.tables.strategy, strategy, rtol=1e-5, atol=1e-4)
    assert np.abs(regret - warm_regret).max() > 0.1  # the batch did something
