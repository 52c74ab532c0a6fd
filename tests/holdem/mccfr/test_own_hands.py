"""External sampling with the traverser's own hands enumerated (holdem.mccfr.own_hands)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from holdem.exploitability import exploitability, policy_values
from holdem.game.tree_arrays import NODE_DECISION
from holdem.games.kuhn import GAME_VALUE_PLAYER0, kuhn_game
from holdem.games.leduc import leduc_game
from holdem.mccfr.own_hands import LANES, own_hand_groups
from holdem.mccfr.params import MCCFRParams
from holdem.mccfr.pcs import PCSParams, PCSSolver
from holdem.mccfr.solver import Solver, batch_seed

OWN = MCCFRParams(prune_probability=0.0, average_streets=(0, 1), discount_interval=10_000, discount_until=10**9,
                  enumerate_own_hands=True)


def _train(game, params, iterations, batch, seed=3):
    solver = Solver(game, params)
    for it in range(0, iterations, batch):
        solver.run_batch(it, batch, batch_seed(seed, it // batch))
    return solver


def test_groups_cover_every_deal_once_with_its_probability():
    for game in (kuhn_game(), leduc_game()):
        exact = game.exact
        groups = own_hand_groups(exact)
        n_players = exact.deal_buckets.shape[1]
        for trav in range(n_players):
            start, deals, weight = groups.start[trav], groups.deals[trav], groups.weight[trav]
            mass = np.diff(np.concatenate([[0.0], groups.cum[trav]]))
            assert groups.cum[trav][-1] == pytest.approx(1.0)
            for g in range(len(start) - 1):
                assert start[g + 1] - start[g] == LANES
                w = weight[start[g]:start[g + 1]]
                assert w.sum() == pytest.approx(1.0)
                members = deals[start[g]:start[g + 1]][w > 0]  # the rest pads the group to LANES
                # one group: the other seats' buckets are the same; the traverser's all differ
                others = np.delete(exact.deal_buckets[members], trav, axis=1)
                assert (others == others[0]).all()
                own = exact.deal_buckets[members, trav]
                assert len({row.tobytes() for row in own}) == len(members)
                assert mass[g] > 0
    leduc = own_hand_groups(leduc_game().exact)
    # Leduc: a group per (the other seat's rank, the public card), 3 x 6; the traverser has <= 3 ranks left
    assert leduc.start.shape == (2, 19)
    assert max(np.count_nonzero(leduc.weight[0, g * LANES:(g + 1) * LANES]) for g in range(18)) == 3


def test_expected_update_is_the_counterfactual_regret():
    """From zero tables, one traversal of seat 0 changes seat 0's regrets by, in expectation, the exact
    counterfactual regrets of the uniform strategy (what one iteration of exact CFR computes)."""
    game = leduc_game()
    tree, layout = game.tree, game.layout
    exact_cfr = PCSSolver(game, PCSParams(sample_public=False))
    exact_cfr.run_batch(0, 1, 0)
    expected = 2.0 * exact_cfr.regret  # DCFR halves every regret after its first iteration
    seat0 = np.zeros(layout.size, dtype=bool)
    for node in np.flatnonzero((tree.kind == NODE_DECISION) & (tree.actor == 0)):
        span = layout.buckets_per_street[tree.street[node]] * tree.n_actions[node]
        seat0[layout.offset[node]: layout.offset[node] + span] = True
    solver = Solver(game, replace(OWN, strategy_interval=10**6))
    n = 6000
    samples = np.zeros((n, int(seat0.sum())))
    for k in range(n):
        solver.tables.regret[:] = 0.0
        solver.run_batch(1, 1, batch_seed(5, k))  # iteration 1: no strategy sums either
        samples[k] = solver.tables.regret[seat0]
    mean, se = samples.mean(axis=0), samples.std(axis=0) / np.sqrt(n)
    assert np.all(np.abs(mean - expected[seat0]) <= 5 * se + 1e-6)
    assert np.abs(expected[seat0]).max() > 0.1  # the check has something to check


def test_kuhn_reaches_the_game_value():
    game = kuhn_game()
    params = replace(OWN, average_streets=(0,), discount_until=10**6)
    policy = _train(game, params, 200_000, 10_000).average_policy()
    assert policy_values(game, policy)[0] == pytest.approx(GAME_VALUE_PLAYER0, abs=1e-3)


def test_leduc_beats_plain_external_sampling_at_equal_iterations():
    game = leduc_game()
    plain = replace(OWN, enumerate_own_hands=False)
    own_x = exploitability(game, _train(game, OWN, 300_000, 20_000).average_policy())
    plain_x = exploitability(game, _train(game, plain, 300_000, 20_000).average_policy())
    assert own_x < 0.03 and own_x < plain_x


def test_batches_split_anywhere_equal_the_whole():
    game = leduc_game()
    whole = Solver(game, OWN)
    whole.run_batch(100, 5000, 7)
    split = Solver(game, OWN)
    split.run_batch(100, 1234, 7)
    split.run_batch(1334, 5000 - 1234, 7, batch_start=100)
    assert np.array_equal(whole.tables.regret, split.tables.regret)
    assert np.array_equal(whole.tables.strategy, split.tables.strategy)
    assert split.progress[0] == 5000 - 1234


def test_needs_an_exact_game_and_no_pruning():
    with pytest.raises(ValueError, match="prune_probability"):
        MCCFRParams(enumerate_own_hands=True)
    from holdem.games.spec import GameSpec

    game = leduc_game()
    no_exact = GameSpec(game.name, game.tree, game.layout, game.dealer, game.abstraction_hash, None)
    with pytest.raises(ValueError, match="no exact chance model"):
        Solver(no_exact, OWN)
